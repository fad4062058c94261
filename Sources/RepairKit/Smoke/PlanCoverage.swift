import Foundation

/// Checks a plan's coverage of a spec as a rule set: every operation has a `happy_path`;
/// every path with parameters has a `not_found`; every request body with constraints has a
/// `validation_error`; no scenario names an endpoint the spec lacks; no name repeats on an
/// endpoint.
public struct PlanCoverage: Sendable {
    public struct Finding: Sendable, Equatable, Encodable {
        /// `missing_happy_path`, `missing_not_found`, `missing_validation_error`,
        /// `unknown_endpoint`, `duplicate_name`, `unseeded_id`, `not_covered` (what the
        /// generator cannot cover: a body that is not JSON, a `$ref` it cannot resolve),
        /// `unset_variable` and `llm_key` (a version 2 plan's `${NAME}`).
        public var rule: String
        public var endpoint: String
        public var detail: String
    }

    public var findings: [Finding]
    public var operations: Int
    public var scenarios: Int
    public var isWhole: Bool { findings.isEmpty }

    /// A scenario that expects success with an id in its path that `seed_data` does not hold
    /// (its entity never seeded, or seeded under another id) can only fail, and the failure
    /// would read as a missing route: it is a finding of the plan. Plans without `seed_data`
    /// rely on the app's own data and are not checked.
    static func unseededIDs(_ plan: SmokePlan) -> [Finding] {
        let seeded = Set(plan.seedData.map { $0.uuid.lowercased() })
        guard !seeded.isEmpty else { return [] }
        var findings: [Finding] = []
        for scenario in plan.scenarios where scenario.expectedStatus.contains(where: { (200..<300).contains($0) }) {
            for name in scenario.endpoint.parameterNames {
                guard let value = scenario.pathParams[name]?.stringValue, UUID(uuidString: value) != nil,
                    !seeded.contains(value.lowercased())
                else { continue }
                findings.append(
                    Finding(
                        rule: "unseeded_id", endpoint: scenario.endpoint.description,
                        detail:
                            "scenario \"\(scenario.name)\" expects success for {\(name)} = \(value), which seed_data does not hold"
                    ))
            }
        }
        return findings
    }

    /// A version 2 plan's `${NAME}` that no step captures must be set in `environment` (where
    /// the plan will run) and must not be an LLM key: `unset_variable`, `llm_key`.
    static func environmentFindings(_ plan: SmokePlan, environment: [String: String]) -> [Finding] {
        let keys = SmokePlan.llmKeyNames(RepairConfig(app: RepairConfig.App(start: "")))
        return plan.environmentNames().compactMap { name in
            let user = plan.steps.first { $0.variableNames(planHeaders: plan.headers).contains(name) }
            let endpoint = user?.endpoint.description ?? "plan"
            if keys.contains(name) {
                return Finding(
                    rule: "llm_key", endpoint: endpoint,
                    detail: "${\(name)} is an LLM key: the app under repair never gets it")
            }
            guard environment[name] == nil else { return nil }
            return Finding(
                rule: "unset_variable", endpoint: endpoint,
                detail:
                    "${\(name)} is captured by no step and not set in this environment; \(user?.label ?? "the plan") needs it"
            )
        }
    }

    public static func check(
        _ plan: SmokePlan, against spec: OpenAPISpec?, environment: [String: String]? = nil
    ) -> PlanCoverage {
        var findings: [Finding] = []
        if let environment { findings += environmentFindings(plan, environment: environment) }
        var seen: [String: Int] = [:]
        for scenario in plan.scenarios {
            let key = "\(scenario.endpoint.method) \(Endpoint.shape(of: scenario.endpoint.path)) \(scenario.name)"
            seen[key, default: 0] += 1
            if seen[key] == 2 {
                findings.append(
                    Finding(
                        rule: "duplicate_name", endpoint: scenario.endpoint.description,
                        detail: "scenario name \"\(scenario.name)\" is used more than once"))
            }
        }
        findings += unseededIDs(plan)
        guard let spec else { return PlanCoverage(findings: findings, operations: 0, scenarios: plan.scenarios.count) }
        let generator = PlanGenerator(spec: spec)
        let operations = generator.operations()
        for (endpoint, problem) in generator.uncovered() {
            findings.append(Finding(rule: "not_covered", endpoint: endpoint, detail: problem))
        }
        // Scenarios by method and route shape, read once: a plan of thousands of scenarios meets
        // a spec of a thousand operations.
        func key(_ method: String, _ path: String) -> String { "\(method) \(Endpoint.shape(of: path))" }
        var byOperation: [String: [Scenario]] = [:]
        for scenario in plan.scenarios {
            byOperation[key(scenario.endpoint.method, scenario.endpoint.path), default: []].append(scenario)
        }
        for operation in operations {
            let own = byOperation[key(operation.method, operation.path)] ?? []
            let endpoint = operation.endpoint.description
            if !own.contains(where: { $0.name.hasPrefix("happy_path") }) {
                findings.append(
                    Finding(rule: "missing_happy_path", endpoint: endpoint, detail: "no happy_path scenario"))
            }
            if operation.path.contains("{") && PlanGenerator.notFoundMethods.contains(operation.method)
                && !own.contains(where: { $0.name.hasPrefix("not_found") })
            {
                findings.append(
                    Finding(
                        rule: "missing_not_found", endpoint: endpoint,
                        detail: "the path has parameters but no not_found scenario"))
            }
            if let body = generator.requestSchema(operation),
                (generator.sampler.properties(of: body) ?? []).contains(where: {
                    !generator.sampler.violations(of: $0).isEmpty
                }),
                !own.contains(where: { $0.name.hasPrefix("validation_error") })
            {
                findings.append(
                    Finding(
                        rule: "missing_validation_error", endpoint: endpoint,
                        detail: "the request body has constraints but no validation_error scenario"))
            }
        }
        let specified = Set(operations.map { key($0.method, $0.path) })
        for scenario in plan.scenarios where !specified.contains(key(scenario.endpoint.method, scenario.endpoint.path))
        {
            findings.append(
                Finding(
                    rule: "unknown_endpoint", endpoint: scenario.endpoint.description,
                    detail: "scenario \"\(scenario.name)\" names an endpoint the spec does not have"))
        }
        var unique: [Finding] = []
        var seenFindings = Set<String>()
        for finding in findings
        where seenFindings.insert("\(finding.rule)\u{0}\(finding.endpoint)\u{0}\(finding.detail)").inserted {
            unique.append(finding)
        }
        return PlanCoverage(findings: unique, operations: operations.count, scenarios: plan.scenarios.count)
    }
}
