import Foundation

/// Why a scenario failed.
public enum FailureKind: String, Sendable, Codable, CaseIterable {
    /// A response came, with a status the scenario does not expect.
    case statusMismatch = "status_mismatch"
    /// The status was right but an `expected_response_contains` entry was missing.
    case bodyMismatch = "body_mismatch"
    /// The status was right but the body breaks the schema the spec documents for it.
    case schemaMismatch = "schema_mismatch"
    case connectionRefused = "connection_refused"
    case connectionReset = "connection_reset"
    case timeout
    /// The app process had exited when the request failed.
    case appDied = "app_died"
    /// The app never came up, so the scenario was not sent.
    case appUnavailable = "app_unavailable"
    case transport
    /// A step of a version 2 plan not sent: a variable it needs was not captured (the step
    /// that captures it failed) or is not set. A consequence, never a group of its own.
    case notSent = "not_sent"
}

/// What happened when one scenario was sent.
public struct ScenarioResult: Sendable, Equatable {
    public var scenario: Scenario
    public var requestID: String
    /// The full URL the request went to.
    public var url: String
    /// The JSON body sent, if any.
    public var requestBody: String?
    /// Headers the plan added (`Name: value`), as sent; plan-less requests add none.
    public var requestHeaders: [String] = []
    /// nil when no response came.
    public var actualStatus: Int?
    public var passed: Bool
    public var failureKind: FailureKind?
    /// What went wrong, in a sentence; nil when passed.
    public var error: String?
    /// The start of the response body.
    public var bodyExcerpt: String
    public var duration: Duration
    public var startedAt: Date
    /// Output lines the app printed while the request was in flight: `[first, end)`.
    public var outputLines: Range<Int>?

    public var durationMilliseconds: Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
