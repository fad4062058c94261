import Foundation

/// A smoke test plan (`smoke_test_plan.json`): seed data and scenarios; in version 2 also
/// plan-wide headers and setup steps whose captured values later scenarios use.
public struct SmokePlan: Sendable, Equatable {
    /// 1 (no `version` key) or 2.
    public var version: Int
    public var seedData: [SeedEntity]
    /// Headers sent with every request; values may hold `${name}`.
    public var headers: [String: String]
    /// Steps run in order before every scenario (log in, create a cart).
    public var setup: [Scenario]
    public var scenarios: [Scenario]

    public init(
        version: Int = 1, seedData: [SeedEntity] = [], headers: [String: String] = [:], setup: [Scenario] = [],
        scenarios: [Scenario]
    ) {
        self.version = version
        self.seedData = seedData
        self.headers = headers
        self.setup = setup
        self.scenarios = scenarios
    }

    /// Setup steps then scenarios: what a run sends, in order.
    public var steps: [Scenario] { setup + scenarios }

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
        let version = try parseVersion(root, file: file)
        let allowed = version == 1 ? Self.planKeys : Self.planKeys + Self.planKeys2
        if let unknown = Self.unknownKey(of: root, allowed: allowed) {
            throw PlanError(
                file: file, field: unknown,
                problem: version == 1 && Self.planKeys2.contains(unknown)
                    ? Self.needsVersion2 : Self.unknownProblem(allowed: allowed))
        }
        let setup = try parseSteps(
            root["setup"], part: .setup, version: version, file: file, allowDuplicateNames: false)
        guard let scenarioList = root["scenarios"] else {
            throw PlanError(file: file, field: "scenarios", problem: "missing")
        }
        var scenarios = try parseSteps(
            scenarioList, part: .scenario, version: version, file: file, allowDuplicateNames: allowDuplicateNames)
        for index in scenarios.indices { scenarios[index].index += setup.count }
        let seedData = try parseSeedData(root["seed_data"], file: file)
        let headers = try parseHeaders(root["headers"], field: "headers", allowRemoval: false) { field, problem in
            PlanError(file: file, field: field, problem: problem)
        }
        let plan = SmokePlan(
            version: version, seedData: seedData, headers: headers.compactMapValues { $0 }, setup: setup,
            scenarios: scenarios)
        try plan.checkVariables(file: file)
        return plan
    }

    private static func parseVersion(_ root: [String: JSONValue], file: String) throws(PlanError) -> Int {
        guard let value = root["version"] else { return 1 }
        guard case .number(let number) = value, number == 1 || number == 2 else {
            throw PlanError(
                file: file, field: "version",
                problem: "expected 1 or 2, found \(render(value)); this repaird reads plan versions 1 and 2")
        }
        return Int(number)
    }

    private static func parseSteps(
        _ value: JSONValue?, part: PlanError.Part, version: Int, file: String, allowDuplicateNames: Bool
    ) throws(PlanError) -> [Scenario] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else {
            throw PlanError(file: file, field: part.listKey, problem: "expected a list, found \(value.typeName)")
        }
        var steps: [Scenario] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let step = try parseScenario(item, index: index, part: part, version: version, file: file)
            let key = "\(step.endpoint) \(step.name)"
            if let first = seen[key], !allowDuplicateNames {
                throw PlanError(
                    file: file, part: part, scenarioIndex: index, scenarioName: step.name, field: "name",
                    problem: "duplicate of \(part.rawValue) \(first) for \(step.endpoint)")
            }
            seen[key] = index
            steps.append(step)
        }
        return steps
    }

    private static func parseScenario(
        _ item: JSONValue, index: Int, part: PlanError.Part, version: Int, file: String
    ) throws(PlanError) -> Scenario {
        guard let fields = item.objectValue else {
            throw PlanError(
                file: file, part: part, scenarioIndex: index, problem: "expected an object, found \(item.typeName)")
        }
        let name = fields["name"]?.stringValue
        func fail(_ field: String, _ problem: String) -> PlanError {
            PlanError(file: file, part: part, scenarioIndex: index, scenarioName: name, field: field, problem: problem)
        }
        guard let name, !name.isEmpty else {
            throw fail("name", fields["name"] == nil ? "missing" : "expected a non-empty string")
        }
        let allowed = version == 1 ? scenarioKeys : scenarioKeys + scenarioKeys2
        if let unknown = unknownKey(of: fields, allowed: allowed) {
            throw fail(
                unknown,
                version == 1 && scenarioKeys2.contains(unknown) ? needsVersion2 : unknownProblem(allowed: allowed))
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
        var scenario = Scenario(
            index: index, endpoint: endpoint, name: name,
            description: fields["description"]?.stringValue ?? "",
            pathParams: pathParams, queryParams: queryParams, payload: payload,
            expectedStatus: expectedStatus, expectedResponseContains: contains)
        scenario.isSetup = part == .setup
        scenario.headers = try parseHeaders(fields["headers"], field: "headers", allowRemoval: true, fail)
        for (variable, field) in try objectField(fields["capture"], "capture", fail).sorted(by: { $0.key < $1.key }) {
            guard PlanVariables.isName(variable) else {
                throw fail(
                    "capture.\(variable)", "not a variable name: use letters, digits and _, not starting with a digit")
            }
            guard let path = field.stringValue, !path.isEmpty,
                !path.split(separator: ".", omittingEmptySubsequences: false).contains("")
            else {
                throw fail(
                    "capture.\(variable)",
                    "expected the field of the response JSON to take, such as \"token\" or \"data.id\", found \(render(field))"
                )
            }
            scenario.capture[variable] = path
        }
        if let value = fields["payload_encoding"], value != .null {
            guard let text = value.stringValue, let encoding = PayloadEncoding(rawValue: text) else {
                throw fail("payload_encoding", "expected \"json\", \"form\" or \"multipart\", found \(render(value))")
            }
            if encoding != .json, let payload = scenario.payload, payload.objectValue == nil {
                throw fail("payload", "a \(text) payload is an object of fields, found \(payload.typeName)")
            }
            scenario.payloadEncoding = encoding
        }
        if let value = fields["reseed"], value != .null {
            guard case .bool(let reseed) = value else {
                throw fail("reseed", "expected true or false, found \(render(value))")
            }
            scenario.reseed = reseed
        }
        if let value = fields["depends_on"], value != .null {
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue?.isEmpty == false }) else {
                throw fail("depends_on", "expected a list of scenario names, found \(render(value))")
            }
            scenario.dependsOn = items.compactMap(\.stringValue)
        }
        return scenario
    }

    /// `{"Authorization": "Bearer ${token}"}`: names are header tokens, values strings (or
    /// null, in a scenario, to drop a plan-wide header).
    private static func parseHeaders(
        _ value: JSONValue?, field: String, allowRemoval: Bool, _ fail: (String, String) -> PlanError
    ) throws(PlanError) -> [String: String?] {
        let object = try objectField(value, field, fail)
        var headers: [String: String?] = [:]
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            let token = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~").union(.alphanumerics)
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && token.contains($0) }) else {
                throw fail("\(field).\(name)", "not a header name")
            }
            switch value {
            case .string(let text) where !text.contains(where: { $0 == "\r" || $0 == "\n" }):
                headers[name] = .some(text)
            case .null where allowRemoval:
                headers[name] = .some(nil)
            default:
                throw fail(
                    "\(field).\(name)",
                    "expected a string on one line\(allowRemoval ? " (or null to drop the plan's header)" : ""), found \(render(value))"
                )
            }
        }
        return headers
    }

    /// A variable a step uses must be captured by an earlier step when any step captures it
    /// (one step per variable), and `depends_on` names earlier steps: a run never waits on a
    /// later one. A variable no step captures is read from the environment when the plan runs.
    private func checkVariables(file: String) throws(PlanError) {
        var capturedBy: [String: Scenario] = [:]
        for step in steps {
            for variable in step.capture.keys.sorted() {
                if let first = capturedBy[variable] {
                    throw PlanError(
                        file: file, step: step, setupCount: setup.count, field: "capture.\(variable)",
                        problem:
                            "${\(variable)} is already captured by \(first.label); a variable is captured by one step")
                }
                capturedBy[variable] = step
            }
        }
        for (position, step) in steps.enumerated() {
            for variable in step.variableNames(planHeaders: headers) {
                if let capturer = capturedBy[variable], capturer.index >= step.index {
                    throw PlanError(
                        file: file, step: step, setupCount: setup.count, field: nil,
                        problem:
                            "uses ${\(variable)}, which \(capturer.label) captures \(capturer.index == step.index ? "from this very response" : "only later"); move it earlier"
                    )
                }
            }
            for name in step.dependsOn where !steps[..<position].contains(where: { $0.name == name }) {
                throw PlanError(
                    file: file, step: step, setupCount: setup.count, field: "depends_on",
                    problem: steps.contains { $0.name == name }
                        ? "\"\(name)\" comes later in the plan; a step runs after what it depends on, so put it first"
                        : "no setup step or scenario is named \"\(name)\"")
            }
        }
    }

    /// What one step waits for before it is sent, and which of those must have passed.
    public struct Dependencies: Sendable, Equatable {
        /// Positions in `steps` of the steps to wait for.
        public var waits: [Int]
        /// The part of `waits` that must have passed, or the step is not sent: those that
        /// capture its variables and those it `depends_on`.
        public var requires: [Int]
    }

    /// For each step (in `steps` order) what it waits for: every setup step waits for the
    /// ones before it, every scenario for all setup steps, and each for the steps that capture
    /// its variables and those it `depends_on` — which it also requires to have passed.
    public func dependencies() -> [Dependencies] {
        let all = steps
        var capturedBy: [String: Int] = [:]
        for (position, step) in all.enumerated() {
            for variable in step.capture.keys { capturedBy[variable] = position }
            for variable in step.softCapture.keys { capturedBy[variable] = position }
        }
        // Linear in the steps: a plan of many thousand is read at once.
        var positionsByName: [String: [Int]] = [:]
        var lastReseed: Int?
        var result: [Dependencies] = []
        result.reserveCapacity(all.count)
        for (position, step) in all.enumerated() {
            var requires = Set(step.requiresSteps.filter { $0 < position })
            for variable in step.variableNames(planHeaders: headers) {
                if let capturer = capturedBy[variable], capturer < position { requires.insert(capturer) }
            }
            for name in step.dependsOn { requires.formUnion(positionsByName[name] ?? []) }
            var waits = requires.union(0..<(step.isSetup ? position : setup.count))
            // A reseed waits for everything before it; everything after waits for the reseed.
            if step.reseed { waits.formUnion(0..<position) }
            if let lastReseed { waits.insert(lastReseed) }
            result.append(Dependencies(waits: waits.sorted(), requires: requires.sorted()))
            positionsByName[step.name, default: []].append(position)
            if step.reseed { lastReseed = position }
        }
        return result
    }

    /// The `${name}`s no step captures: read from the environment when the plan runs.
    public func environmentNames() -> [String] {
        let captured = Set(steps.flatMap(\.capture.keys))
        var names: [String] = []
        for step in steps {
            for name in step.variableNames(planHeaders: headers) where !captured.contains(name) && !names.contains(name)
            {
                names.append(name)
            }
        }
        return names
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
    static let planKeys = ["version", "scenarios", "seed_data"]
    static let planKeys2 = ["headers", "setup"]
    static let scenarioKeys = [
        "name", "endpoint", "description", "path_params", "query_params", "payload", "expected_status",
        "expected_response_contains",
    ]
    static let scenarioKeys2 = ["headers", "capture", "depends_on", "payload_encoding", "reseed"]
    static let needsVersion2 = "a key of plan version 2: add \"version\": 2 at the top of the plan"
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
