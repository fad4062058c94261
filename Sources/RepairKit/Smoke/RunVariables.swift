import Foundation
import Synchronization

/// The variables of one run of a version 2 plan: what steps captured, what the environment
/// gives, and which of those values are secrets to mask wherever a result shows them.
final class RunVariables: Sendable {
    /// A step with its variables substituted, ready to send.
    struct Resolved {
        var scenario: Scenario
        var headers: [(name: String, value: String)]
    }

    private struct State {
        var captured: [String: JSONValue] = [:]
        /// Values read from the environment, and captured values a header uses.
        var secrets: Set<String> = []
    }

    private let version: Int
    private let environment: [String: String]
    /// Variables some header uses: their captured values are credentials.
    private let headerVariables: Set<String>
    private let capturers: [String: String]
    private let state = Mutex(State())

    init(plan: SmokePlan, environment: [String: String]) {
        version = plan.version
        self.environment = environment
        var headerVariables = Set(plan.headers.values.flatMap(PlanVariables.names(in:)))
        var capturers: [String: String] = [:]
        for step in plan.steps {
            for value in step.headers.values.compactMap({ $0 }) {
                headerVariables.formUnion(PlanVariables.names(in: value))
            }
            for variable in step.capture.keys { capturers[variable] = step.label }
            for variable in step.softCapture.keys { capturers[variable] = step.label }
        }
        self.headerVariables = headerVariables
        self.capturers = capturers
    }

    /// What a name stands for: a captured value, else the environment's (a secret from then on).
    private func lookup(_ name: String) -> JSONValue? {
        state.withLock { state in
            if let value = state.captured[name] { return value }
            guard capturers[name] == nil, let value = environment[name] else { return nil }
            state.secrets.insert(value)
            return .string(value)
        }
    }

    /// `scenario` with `${name}` substituted in path parameters, query, headers and payload
    /// (version 2 plans only), or the first name nothing defines.
    func resolve(_ scenario: Scenario, planHeaders: [String: String]) -> Result<Resolved, PlanVariables.Missing> {
        let headers = scenario.mergedHeaders(planHeaders)
        // Version 1 plans hold no variables; derived checks may, whatever the version.
        guard version >= 2 || scenario.check != nil else {
            return .success(Resolved(scenario: scenario, headers: headers))
        }
        var resolved = scenario
        do {
            for (name, value) in scenario.pathParams {
                resolved.pathParams[name] = try PlanVariables.substitute(json: value, lookup).get()
            }
            for (name, value) in scenario.queryParams {
                resolved.queryParams[name] = try PlanVariables.substitute(json: value, lookup).get()
            }
            if let payload = scenario.payload {
                resolved.payload = try PlanVariables.substitute(json: payload, lookup).get()
            }
            var sent: [(name: String, value: String)] = []
            for header in headers {
                sent.append((header.name, try PlanVariables.substitute(header.value, lookup).get()))
            }
            return .success(Resolved(scenario: resolved, headers: sent))
        } catch let missing as PlanVariables.Missing {
            return .failure(missing)
        } catch {
            preconditionFailure("substitution throws only Missing")
        }
    }

    /// Takes the step's `capture` fields from a response body; a sentence naming what the
    /// body lacks when it lacks some (then nothing is captured). `softCapture` fields are
    /// taken when present.
    func capture(_ step: Scenario, from body: [UInt8]) -> String? {
        let json = JSONValue.parse(Data(body))
        if let json, !step.softCapture.isEmpty {
            state.withLock { state in
                for (variable, field) in step.softCapture {
                    if let value = PlanVariables.field(field, of: json) { state.captured[variable] = value }
                }
            }
        }
        var found: [String: JSONValue] = [:]
        var lacking: [String] = []
        for (variable, field) in step.capture.sorted(by: { $0.key < $1.key }) {
            if let json, let value = PlanVariables.field(field, of: json) {
                found[variable] = value
            } else {
                lacking.append("\"\(field)\" (for ${\(variable)})")
            }
        }
        guard lacking.isEmpty else {
            return "the response lacks \(lacking.joined(separator: ", ")), to capture for the steps after it"
        }
        state.withLock { state in
            for (variable, value) in found {
                state.captured[variable] = value
                if headerVariables.contains(variable) { state.secrets.insert(value.parameterText) }
            }
        }
        return nil
    }

    /// Why a step that needs `missing` was not sent (its capturer passed, or it would not
    /// have been tried: so the variable is one the environment lacks).
    func explain(_ missing: PlanVariables.Missing) -> String {
        let name = "${\(missing.name)}"
        guard let capturer = capturers[missing.name] else {
            return "it needs \(name), which no step captures and the environment does not set"
        }
        return "it needs \(name), which \(capturer) did not capture"
    }

    /// How a step that did not pass ended, for the steps that needed it: `got 500`.
    static func outcome(of result: ScenarioResult) -> String {
        if result.failureKind == .notSent { return "was not sent either" }
        if let status = result.actualStatus, result.failureKind == .statusMismatch {
            return "got \(status), expected \(result.scenario.expectation)"
        }
        return "failed: \(result.error ?? result.failureKind?.rawValue ?? "no response")"
    }

    /// `result` with every secret value of the run so far masked.
    func masked(_ result: ScenarioResult) -> ScenarioResult {
        let secrets = state.withLock { $0.secrets }
        guard !secrets.isEmpty else { return result }
        let redactor = SecretRedactor(secrets: secrets.sorted { $0.count > $1.count })
        return result.redacted(by: redactor)
    }
}
