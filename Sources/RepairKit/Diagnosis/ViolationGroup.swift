import Foundation

/// A place in the app's source that the repair should look at.
public struct SourceLocation: Sendable, Equatable, Codable {
    /// Path relative to the app directory when it lies inside it.
    public var file: String
    public var line: Int?
    public var function: String?
    /// Why this place: `raised here`, `handler of POST /customers`, `route declarations`.
    public var note: String
    /// The source line itself, when read.
    public var text: String?
    /// For a definition (a class, a function): its last line, so it can be shown whole.
    public var lastLine: Int?

    public init(
        file: String, line: Int?, function: String? = nil, note: String, text: String? = nil, lastLine: Int? = nil
    ) {
        self.file = file
        self.line = line
        self.function = function
        self.note = note
        self.text = text
        self.lastLine = lastLine
    }
}

/// One failing scenario with what the app printed for it.
public struct Violation: Sendable {
    public var result: ScenarioResult
    /// The trace the app printed for this request, when one was found.
    public var trace: StackTrace?
    /// How the trace was tied to this request; nil without a trace.
    public var traceEvidence: TraceEvidence?
    /// A bounded excerpt of the app's output around the failure.
    public var logExcerpt: String
}

/// Failing scenarios that share one cause: same method, route, status and fingerprint.
/// One group is one repair.
public struct ViolationGroup: Sendable {
    /// `METHOD route status fingerprint`, stable across runs for the same bug.
    public var key: String
    public var kind: ViolationKind
    public var method: String
    /// The route template, e.g. `/products/{product_id}`.
    public var route: String
    /// The response status, nil when none came.
    public var status: Int?
    /// Exception type, top in-app frames and normalised message, hashed; or the kind when
    /// there is no trace.
    public var fingerprint: String
    public var violations: [Violation]
    /// The location the repair should start from.
    public var location: SourceLocation?
    /// For a missing route: where the app declares its routes, siblings first.
    public var routeDeclarations: [SourceLocation]
    /// Definitions the fix may lie in beyond the failing line: the types the error and the
    /// failing function name (request schemas, models) and the functions a handler calls.
    public var related: [SourceLocation] = []

    public var count: Int { violations.count }
    /// The trace of the first violation that has one.
    public var trace: StackTrace? { violations.lazy.compactMap(\.trace).first }
    /// How the group's trace was tied to its request.
    public var traceEvidence: TraceEvidence? { violations.lazy.compactMap(\.traceEvidence).first }
    public var scenarioNames: [String] { violations.map(\.result.scenario.name) }
    /// Where the group's root exception was raised (type, normalised message, innermost in-app
    /// frame with its line): two groups with one crash site are one bug met by two routes.
    public var crashSite: String? {
        guard let root = trace?.rootCause, let frame = root.topInAppFrame else { return nil }
        return
            "\(root.exceptionType)|\(MessageNormalizer.normalize(root.message))|\(frame.file):\(frame.function):\(frame.line ?? 0)"
    }
}
