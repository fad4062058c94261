import Foundation

/// A smoke test plan (`smoke_test_plan.json`): seed data and scenarios.
public struct SmokePlan: Sendable, Equatable {
    public var seedData: [SeedEntity]
    public var scenarios: [Scenario]

    public init(seedData: [SeedEntity] = [], scenarios: [Scenario]) {
        self.seedData = seedData
        self.scenarios = scenarios
    }

    /// Reads and checks a plan file. Throws `PlanError` naming the file, scenario and field.
    public static func load(from url: URL, allowDuplicateNames: Bool = false) throws(PlanError) -> SmokePlan {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PlanError(
                file: url.path,
                problem: FileManager.default.fileExists(atPath: url.path)
                    ? "cannot be read" : "not found")
        }
        return try parse(data, file: url.path, allowDuplicateNames: allowDuplicateNames)
    }

    /// Checks a plan's JSON. Every scenario must have an `endpoint` of the form `METHOD /path`,
    /// a `name`, an `expected_status`, and a value for each path parameter.
    /// - Parameter allowDuplicateNames: keep scenarios whose name repeats on an endpoint
    ///   (`plan check` lists them instead of stopping at the first).
    public static func parse(
        _ data: Data, file: String, allowDuplicateNames: Bool = false
    ) throws(PlanError) -> SmokePlan {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw PlanError(file: file, problem: "not valid JSON (\(Self.describe(error)))")
        }
        guard let root = document.objectValue else {
            throw PlanError(
                file: file, problem: "expected a JSON object with \"scenarios\", found \(document.typeName)")
        }
        if let unknown = Self.unknownKey(of: root, allowed: Self.planKeys) {
            throw PlanError(file: file, field: unknown, problem: Self.unknownProblem(allowed: Self.planKeys))
        }
        guard let scenarioList = root["scenarios"] else {
            throw PlanError(file: file, field: "scenarios", problem: "missing")
        }
        guard let items = scenarioList.arrayValue else {
            throw PlanError(file: file, field: "scenarios", problem: "expected a list, found \(scenarioList.typeName)")
        }
        var scenarios: [Scenario] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let scenario = try parseScenario(item, index: index, file: file)
            let key = "\(scenario.endpoint) \(scenario.name)"
            if let first = seen[key], !allowDuplicateNames {
                throw PlanError(
                    file: file, scenarioIndex: index, scenarioName: scenario.name, field: "name",
                    problem: "duplicate of scenario \(first) for \(scenario.endpoint)")
            }
            seen[key] = index
            scenarios.append(scenario)
        }
        let seedData = try parseSeedData(root["seed_data"], file: file)
        return SmokePlan(seedData: seedData, scenarios: scenarios)
    }

    private static func parseScenario(_ item: JSONValue, index: Int, file: String) throws(PlanError) -> Scenario {
        guard let fields = item.objectValue else {
            throw PlanError(file: file, scenarioIndex: index, problem: "expected an object, found \(item.typeName)")
        }
        let name = fields["name"]?.stringValue
        func fail(_ field: String, _ problem: String) -> PlanError {
            PlanError(file: file, scenarioIndex: index, scenarioName: name, field: field, problem: problem)
        }
        guard let name, !name.isEmpty else {
            throw fail("name", fields["name"] == nil ? "missing" : "expected a non-empty string")
        }
        if let unknown = unknownKey(of: fields, allowed: scenarioKeys) {
            throw fail(unknown, unknownProblem(allowed: scenarioKeys))
        }
        guard let endpointText = fields["endpoint"] else { throw fail("endpoint", "missing") }
        guard let text = endpointText.stringValue, let endpoint = Endpoint(text) else {
            throw fail(
                "endpoint", "expected \"METHOD /path\" such as \"GET /products/{id}\", found \(render(endpointText))")
        }
        guard let statusValue = fields["expected_status"] else { throw fail("expected_status", "missing") }
        let expectedStatus: [Int]
        // A status is a whole number from 100 to 599: checked before it becomes an Int, so
        // `1e300` is refused rather than trapping and `200.7` is not read as 200.
        func status(_ number: Double) throws(PlanError) -> Int {
            switch CheckedNumber.whole(number, in: 100...599) {
            case .success(let status): return status
            case .failure(let refusal):
                throw fail("expected_status", "\(render(.number(number))) is not an HTTP status: it \(refusal)")
            }
        }
        switch statusValue {
        case .number(let number):
            expectedStatus = [try status(number)]
        case .array(let items) where !items.isEmpty:
            var statuses: [Int] = []
            for item in items {
                guard case .number(let number) = item else {
                    throw fail(
                        "expected_status", "expected a status or a list of statuses, found \(render(statusValue))")
                }
                statuses.append(try status(number))
            }
            expectedStatus = statuses
        default:
            throw fail(
                "expected_status",
                "expected a status such as 200 or a list such as [400, 422], found \(render(statusValue))")
        }
        if let bad = expectedStatus.first(where: { !(100...599).contains($0) }) {
            throw fail("expected_status", "\(bad) is not an HTTP status")
        }
        let pathParams = try objectField(fields["path_params"], "path_params", fail)
        let queryParams = try objectField(fields["query_params"], "query_params", fail)
        for parameter in endpoint.parameterNames {
            guard let value = pathParams[parameter], value != .null, !value.parameterText.isEmpty else {
                throw fail("path_params.\(parameter)", "missing: \(endpoint.path) needs a value for {\(parameter)}")
            }
        }
        var contains: [String] = []
        if let value = fields["expected_response_contains"], value != .null {
            guard let items = value.arrayValue else {
                throw fail("expected_response_contains", "expected a list of strings, found \(value.typeName)")
            }
            for item in items {
                guard let text = item.stringValue else {
                    throw fail("expected_response_contains", "expected a list of strings, found \(render(item)) in it")
                }
                contains.append(text)
            }
        }
        let payload = fields["payload"].flatMap { $0 == .null ? nil : $0 }
        return Scenario(
            index: index, endpoint: endpoint, name: name,
            description: fields["description"]?.stringValue ?? "",
            pathParams: pathParams, queryParams: queryParams, payload: payload,
            expectedStatus: expectedStatus, expectedResponseContains: contains)
    }

    private static func objectField(
        _ value: JSONValue?, _ field: String, _ fail: (String, String) -> PlanError
    ) throws(PlanError) -> [String: JSONValue] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw fail(field, "expected an object, found \(value.typeName)") }
        return object
    }

    // A key the plan format does not have is an error, never ignored: a plan that says
    // `headers` or `capture` would otherwise run without them and misfire.
    static let planKeys = ["scenarios", "seed_data"]
    static let scenarioKeys = [
        "name", "endpoint", "description", "path_params", "query_params", "payload", "expected_status",
        "expected_response_contains",
    ]
    static let seedKeys = ["entity_name", "uuid", "fields", "depends_on"]

    /// The first key of `object` (in sorted order, so the message is stable) not in `allowed`.
    static func unknownKey(of object: [String: JSONValue], allowed: [String]) -> String? {
        object.keys.sorted().first { !allowed.contains($0) }
    }

    static func unknownProblem(allowed: [String]) -> String {
        "not a key of the plan format here (these are: \(allowed.joined(separator: ", ")))"
    }

    private static func parseSeedData(_ value: JSONValue?, file: String) throws(PlanError) -> [SeedEntity] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else {
            throw PlanError(file: file, field: "seed_data", problem: "expected a list, found \(value.typeName)")
        }
        var entities: [SeedEntity] = []
        for (index, item) in items.enumerated() {
            func fail(_ field: String, _ problem: String) -> PlanError {
                PlanError(file: file, field: "seed_data[\(index)].\(field)", problem: problem)
            }
            guard let fields = item.objectValue else {
                throw PlanError(
                    file: file, field: "seed_data[\(index)]", problem: "expected an object, found \(item.typeName)")
            }
            if let unknown = unknownKey(of: fields, allowed: seedKeys) {
                throw fail(unknown, unknownProblem(allowed: seedKeys))
            }
            guard let entityName = fields["entity_name"]?.stringValue else {
                throw fail("entity_name", "missing or not a string")
            }
            guard let uuid = fields["uuid"]?.stringValue else { throw fail("uuid", "missing or not a string") }
            let entityFields = fields["fields"]?.objectValue ?? [:]
            let dependsOn = fields["depends_on"]?.arrayValue?.compactMap(\.stringValue) ?? []
            entities.append(SeedEntity(entityName: entityName, uuid: uuid, fields: entityFields, dependsOn: dependsOn))
        }
        return entities
    }

    /// The seed data as the `[app] seed` command reads it from `REPAIR_SEED_FILE`.
    public func seedJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(seedData)) ?? Data("[]".utf8)
    }

    private static func render(_ value: JSONValue) -> String {
        String(decoding: value.serialized(), as: UTF8.self)
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}
