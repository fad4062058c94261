import Foundation

/// Asks an LLM for business-rule scenarios on top of a generated plan. The deterministic
/// core is never removed or changed: extra scenarios are only appended, and only those that
/// are well formed, name an endpoint of the spec, and use a name not yet taken there.
public struct PlanEnricher: Sendable {
    /// A returned scenario that was not added, and why.
    public struct Dropped: Sendable, Equatable {
        public var position: Int
        public var name: String?
        public var reason: String
    }

    public struct Outcome: Sendable {
        public var plan: SmokePlan
        public var added: [Scenario]
        public var dropped: [Dropped]
        public var response: LLMResponse
    }

    let spec: OpenAPISpec
    /// The spec file's own text, as the LLM reads it.
    let specText: String
    /// A prose spec with business rules, when given.
    let rules: String?
    let llm: LLMService
    static let specLimit = 60_000

    public init(spec: OpenAPISpec, specText: String, rules: String?, llm: LLMService) {
        self.spec = spec
        self.specText = specText
        self.rules = rules
        self.llm = llm
    }

    public func enrich(_ core: SmokePlan) async throws(LLMError) -> Outcome {
        let response = try await llm.complete(request(for: core))
        var (added, dropped) = (Array<Scenario>(), Array<Dropped>())
        var taken = Set(
            core.scenarios.map { "\($0.endpoint.method) \(Endpoint.shape(of: $0.endpoint.path)) \($0.name)" })
        let operations = PlanGenerator(spec: spec).operations()
        let items = Self.scenarioItems(in: response.text)
        if items == nil {
            dropped.append(
                Dropped(position: 0, name: nil, reason: "the answer held no JSON object with a \"scenarios\" list"))
        }
        for (position, item) in (items ?? []).enumerated() {
            let name = item.objectValue?["name"]?.stringValue
            let scenario: Scenario
            do {
                let single = JSONValue.object(["scenarios": .array([item])]).serialized()
                guard let parsed = try SmokePlan.parse(single, file: "LLM answer").scenarios.first else { continue }
                scenario = parsed
            } catch {
                let field = error.field.map { "field '\($0)': " } ?? ""
                dropped.append(Dropped(position: position, name: name, reason: field + error.problem))
                continue
            }
            let shape = Endpoint.shape(of: scenario.endpoint.path)
            guard
                operations.contains(where: {
                    $0.method == scenario.endpoint.method && Endpoint.shape(of: $0.path) == shape
                })
            else {
                dropped.append(
                    Dropped(position: position, name: name, reason: "endpoint \(scenario.endpoint) is not in the spec"))
                continue
            }
            let key = "\(scenario.endpoint.method) \(shape) \(scenario.name)"
            guard !taken.contains(key) else {
                dropped.append(
                    Dropped(
                        position: position, name: name,
                        reason: "name \"\(scenario.name)\" is already used on \(scenario.endpoint)"))
                continue
            }
            taken.insert(key)
            var appended = scenario
            appended.index = core.steps.count + added.count
            added.append(appended)
        }
        var plan = core
        plan.scenarios += added
        return Outcome(plan: plan, added: added, dropped: dropped, response: response)
    }

    func request(for core: SmokePlan) -> LLMRequest {
        let system = """
            You write extra smoke-test scenarios for an HTTP API from its OpenAPI spec and its business rules. \
            Answer with one JSON object and nothing else: {"scenarios": [...]}. Each scenario has \
            "endpoint" ("METHOD /path" exactly as the spec writes the path), "name" (snake_case, unique on its \
            endpoint, not a name the plan already has), "description", "path_params", "query_params", "payload", \
            "expected_status" (a status or a list of statuses) and "expected_response_contains" (a list of strings). \
            Use the seeded ids given for records that exist and ids starting 99999999- for records that do not. \
            Add only scenarios that check business rules the plan does not check yet.
            """
        var prompt = "OpenAPI spec:\n```\n\(specText.prefix(Self.specLimit))\n```\n"
        if let rules, !rules.isEmpty { prompt += "\nBusiness rules:\n\(rules.prefix(Self.specLimit))\n" }
        prompt += "\nSeeded records:\n"
        prompt += core.seedData.map { "- \($0.entityName): \($0.uuid)" }.joined(separator: "\n")
        prompt += "\n\nThe plan already has these scenarios:\n"
        prompt += core.scenarios.map { "- \($0.endpoint): \($0.name)" }.joined(separator: "\n")
        return LLMRequest(system: system, prompt: prompt + "\n")
    }

    /// The `scenarios` list of the first JSON object in an answer (fences and prose around
    /// it are ignored); a bare list is taken as the list.
    static func scenarioItems(in text: String) -> [JSONValue]? {
        let candidates: [Substring] = {
            var found: [Substring] = []
            if let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close {
                found.append(text[open...close])
            }
            if let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]"), open < close {
                found.append(text[open...close])
            }
            return found
        }()
        for candidate in candidates {
            guard let value = JSONValue.parse(Data(candidate.utf8)) else { continue }
            if let items = value.objectValue?["scenarios"]?.arrayValue { return items }
            if let items = value.arrayValue { return items }
        }
        return nil
    }
}
