import Foundation

/// One smoke pass over an app: how the app came up and what each scenario gave.
public struct SmokeRun: Sendable {
    public var runID: String
    public var appDirectory: URL
    public var planFile: URL
    /// Where `app.log` and reports of this run live.
    public var runDirectory: URL
    public var baseURL: String?
    public var startedAt: Date
    public var finishedAt: Date
    public var results: [ScenarioResult]
    /// Set when the app did not come up (or its seed failed); then no scenario was sent.
    public var appFailure: AppHostError?
    /// How the app ended when it was stopped.
    public var appExit: ExitStatus?
    /// The confinement the app ran in (`Sandbox.describe`).
    public var confinement: String?
    /// The failures grouped by cause, worst first (filled by the diagnosis stage).
    public var groups: [ViolationGroup] = []

    public var total: Int { results.count }
    public var passed: Int { results.count { $0.passed } }
    public var failed: Int { total - passed }
    public var passRate: Double { total == 0 ? 0 : Double(passed) / Double(total) }
    public var allPassed: Bool { appFailure == nil && failed == 0 }

    /// Results grouped by endpoint, endpoints in plan order.
    public var resultsByEndpoint: [(endpoint: Endpoint, results: [ScenarioResult])] {
        var order: [Endpoint] = []
        var groups: [Endpoint: [ScenarioResult]] = [:]
        for result in results {
            if groups[result.scenario.endpoint] == nil { order.append(result.scenario.endpoint) }
            groups[result.scenario.endpoint, default: []].append(result)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
