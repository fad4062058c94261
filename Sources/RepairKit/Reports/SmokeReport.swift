import Foundation

/// The machine-readable form of a smoke run: what `--json` prints and `results.json` holds.
public struct SmokeReport: Encodable, Sendable {
    public struct App: Encodable, Sendable {
        /// `healthy`, `crash`, `unhealthy`, `seed_failed` or `spawn_failed`.
        var status: String
        var message: String?
        var exitStatus: String?
        var outputTail: String?
        var logFile: String
        /// The confinement the app ran in.
        var confinement: String?

        enum CodingKeys: String, CodingKey {
            case status, message, exitStatus = "exit_status", outputTail = "output_tail", logFile = "log_file"
            case confinement
        }
    }

    public struct ScenarioEntry: Encodable, Sendable {
        var endpoint: String
        var name: String
        var expectedStatus: [Int]
        var actualStatus: Int?
        var passed: Bool
        var failureKind: String?
        var requestID: String
        var durationMilliseconds: Double
        var error: String?
        var url: String
        var bodyExcerpt: String
        /// The key of the violation group the scenario belongs to.
        var group: String?
        /// The robustness check the scenario is (`non_object_body`, …), nil for the plan's own;
        /// checks that refuse only a 5xx have an empty `expected_status`.
        var check: String? = nil

        enum CodingKeys: String, CodingKey {
            case endpoint, name, expectedStatus = "expected_status", actualStatus = "actual_status", passed
            case failureKind = "failure_kind", requestID = "request_id", durationMilliseconds = "duration_ms", error
            case url, bodyExcerpt = "body_excerpt", group, check
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(endpoint, forKey: .endpoint)
            try container.encode(name, forKey: .name)
            // As the plan wrote it: one status, or a list.
            if expectedStatus.count == 1 {
                try container.encode(expectedStatus[0], forKey: .expectedStatus)
            } else {
                try container.encode(expectedStatus, forKey: .expectedStatus)
            }
            try container.encode(actualStatus, forKey: .actualStatus)
            try container.encode(passed, forKey: .passed)
            try container.encode(failureKind, forKey: .failureKind)
            try container.encode(requestID, forKey: .requestID)
            try container.encode(durationMilliseconds, forKey: .durationMilliseconds)
            try container.encode(error, forKey: .error)
            try container.encode(url, forKey: .url)
            try container.encode(bodyExcerpt, forKey: .bodyExcerpt)
            try container.encode(group, forKey: .group)
            try container.encode(check, forKey: .check)
        }
    }

    public struct GroupEntry: Encodable, Sendable {
        var key: String
        var kind: String
        var method: String
        var route: String
        var status: Int?
        var count: Int
        var scenarios: [String]
        var exceptionType: String?
        var message: String?
        var frames: [StackFrame]
        /// How the trace was tied to its request: request_id, error_line, access_line, window.
        var traceEvidence: String?
        var location: SourceLocation?
        var routeDeclarations: [SourceLocation]
        var fingerprint: String
        /// The app's output around the first failure of the group.
        var logExcerpt: String

        enum CodingKeys: String, CodingKey {
            case key, kind, method, route, status, count, scenarios, exceptionType = "exception_type", message, frames
            case traceEvidence = "trace_evidence"
            case location, routeDeclarations = "route_declarations", fingerprint, logExcerpt = "log_excerpt"
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(kind, forKey: .kind)
            try container.encode(method, forKey: .method)
            try container.encode(route, forKey: .route)
            try container.encode(status, forKey: .status)
            try container.encode(count, forKey: .count)
            try container.encode(scenarios, forKey: .scenarios)
            try container.encode(exceptionType, forKey: .exceptionType)
            try container.encode(message, forKey: .message)
            try container.encode(frames, forKey: .frames)
            try container.encode(traceEvidence, forKey: .traceEvidence)
            try container.encode(location, forKey: .location)
            try container.encode(routeDeclarations, forKey: .routeDeclarations)
            try container.encode(fingerprint, forKey: .fingerprint)
            try container.encode(logExcerpt, forKey: .logExcerpt)
        }

        init(_ group: ViolationGroup) {
            key = group.key
            kind = group.kind.rawValue
            method = group.method
            route = group.route
            status = group.status
            count = group.count
            scenarios = group.scenarioNames
            let trace = group.trace.map { $0.cause == nil ? $0 : $0.rootCause }
            exceptionType = trace.flatMap { $0.exceptionType.isEmpty ? nil : $0.exceptionType }
            message = trace?.message
            frames = Array((trace?.frames ?? []).prefix(20))
            traceEvidence = group.traceEvidence?.rawValue
            location = group.location
            routeDeclarations = group.routeDeclarations
            fingerprint = group.fingerprint
            logExcerpt = group.violations.first?.logExcerpt ?? ""
        }
    }

    var runID: String
    var appDirectory: String
    var baseURL: String?
    var startedAt: String
    var durationMilliseconds: Double
    var total: Int
    var passed: Int
    var failed: Int
    var passRate: Double
    var app: App
    var scenarios: [ScenarioEntry]
    var groups: [GroupEntry]

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", appDirectory = "app_directory", baseURL = "base_url", startedAt = "started_at"
        case durationMilliseconds = "duration_ms", total, passed, failed, passRate = "pass_rate", app, scenarios, groups
    }

    public init(_ run: SmokeRun) {
        runID = run.runID
        appDirectory = run.appDirectory.path
        baseURL = run.baseURL
        startedAt = ISO8601DateFormatter().string(from: run.startedAt)
        durationMilliseconds = Self.rounded(run.finishedAt.timeIntervalSince(run.startedAt) * 1000)
        total = run.total
        passed = run.passed
        failed = run.failed
        passRate = Self.rounded(run.passRate, places: 4)
        app = App(
            status: run.appFailure?.kind.rawValue ?? "healthy",
            message: run.appFailure?.message,
            exitStatus: (run.appFailure?.exitStatus ?? nil)?.description,
            outputTail: run.appFailure?.outputTail,
            logFile: run.runDirectory.appendingPathComponent("app.log").path, confinement: run.confinement)
        var groupOfScenario: [Int: String] = [:]
        for group in run.groups {
            for violation in group.violations { groupOfScenario[violation.result.scenario.index] = group.key }
        }
        groups = run.groups.map(GroupEntry.init)
        scenarios = run.results.map { result in
            ScenarioEntry(
                endpoint: result.scenario.endpoint.description, name: result.scenario.name,
                expectedStatus: result.scenario.expectedStatus, actualStatus: result.actualStatus,
                passed: result.passed, failureKind: result.failureKind?.rawValue, requestID: result.requestID,
                durationMilliseconds: Self.rounded(result.durationMilliseconds), error: result.error,
                url: result.url, bodyExcerpt: result.bodyExcerpt, group: groupOfScenario[result.scenario.index],
                check: result.scenario.check?.rawValue)
        }
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    static func rounded(_ value: Double, places: Int = 3) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
