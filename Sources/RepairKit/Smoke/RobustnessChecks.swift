import Foundation

/// What a derived robustness request asserts. The first five must never give a 5xx, whatever
/// else they get; the last two check state: a created resource can be read back, a deleted
/// one cannot.
public enum RobustnessCheck: String, Sendable, Codable, CaseIterable {
    case nonObjectBody = "non_object_body"
    case invalidUTF8 = "invalid_utf8"
    case integerOverflow = "integer_overflow"
    case missingField = "missing_field"
    case duplicateUnique = "duplicate_unique"
    case readableAfterCreate = "readable_after_create"
    case goneAfterDelete = "gone_after_delete"

    /// Whether any status below 500 passes.
    public var onlyRefusesServerErrors: Bool {
        switch self {
        case .readableAfterCreate, .goneAfterDelete: false
        default: true
        }
    }

    public var violationKind: ViolationKind {
        switch self {
        case .nonObjectBody: .nonObjectBody
        case .invalidUTF8: .invalidUTF8
        case .integerOverflow: .integerOverflow
        case .missingField: .missingField
        case .duplicateUnique: .duplicateUnique
        case .readableAfterCreate: .notReadableAfterCreate
        case .goneAfterDelete: .readableAfterDelete
        }
    }
}

/// Requests derived from a plan's own scenarios that a sound app answers without a 5xx, and
/// reads that follow its creates and deletes (`[smoke] robustness`). Per operation with a
/// passing-path JSON object body: the body as a JSON array, with bytes that are not UTF-8,
/// with an integer beyond 64 bits, without each of its first fields, and (for a create) sent a
/// second time. After a create whose collection has a read route, the created id read back;
/// after a delete of something readable, that path read again (404 or 410).
///
/// The checks are appended after the plan's scenarios, in plan order, so the same plan always
/// gives the same checks at the same positions. A check whose prerequisite did not pass, or
/// whose create answered no `id`, is not sent and not counted.
public enum RobustnessChecks {
    /// Fields left out one at a time, at the most.
    static let missingFieldLimit = 3
    /// An integer no 64-bit field holds.
    static let overflow = "123456789012345678901234567890"

    public static func adding(to plan: SmokePlan) -> SmokePlan {
        var plan = plan
        var derived: [Scenario] = []
        var next = plan.steps.count
        var covered = Set<String>()
        // The plan's read routes by shape: the first GET of each.
        var readRoutes: [String: Endpoint] = [:]
        for step in plan.steps where step.endpoint.method == "GET" {
            let shape = Endpoint.shape(of: step.endpoint.path)
            if readRoutes[shape] == nil { readRoutes[shape] = step.endpoint }
        }
        func add(_ base: Scenario, _ check: RobustnessCheck, name: String, description: String) {
            var scenario = base
            scenario.index = next
            scenario.isSetup = false
            scenario.name = name
            scenario.description = description
            scenario.check = check
            scenario.capture = [:]
            scenario.softCapture = [:]
            scenario.dependsOn = []
            scenario.expectedResponseContains = []
            scenario.expectedStatus = []
            derived.append(scenario)
            next += 1
        }
        for (position, scenario) in plan.scenarios.enumerated() {
            let expectsSuccess =
                !scenario.expectedStatus.isEmpty && scenario.expectedStatus.allSatisfy { (200..<300).contains($0) }
            guard expectsSuccess else { continue }
            let method = scenario.endpoint.method
            let shape = Endpoint.shape(of: scenario.endpoint.path)
            if ["POST", "PUT", "PATCH"].contains(method), case .object(let original)? = scenario.payload,
                !original.isEmpty, covered.insert("\(method) \(shape)").inserted
            {
                // Values that may be unique (names, codes, e-mail addresses) made new for each
                // check, so it meets the fault it probes and not another check's or the happy
                // path's row: a 409 would hide the fault, a unique-constraint 500 would pose as it.
                func fields() -> [String: JSONValue] { original.mapValues { fresh($0, tag: "r\(next)") } }
                var array = scenario
                array.payload = .array([])
                add(
                    array, .nonObjectBody, name: "robust_non_object_body",
                    description: "A JSON array where an object is expected must be refused with a 4xx, never a 5xx")
                var bytes = scenario
                bytes.rawBody = invalidUTF8(fields())
                add(
                    bytes, .invalidUTF8, name: "robust_invalid_utf8",
                    description: "A body with bytes that are not UTF-8 must be refused with a 4xx, never a 5xx")
                if let raw = overflowing(fields()) {
                    var big = scenario
                    big.rawBody = raw
                    add(
                        big, .integerOverflow, name: "robust_integer_overflow",
                        description: "An integer beyond 64 bits must be refused with a 4xx, never a 5xx")
                }
                for field in original.keys.sorted().prefix(missingFieldLimit) {
                    var lacking = scenario
                    lacking.payload = .object(fields().filter { $0.key != field })
                    add(
                        lacking, .missingField, name: "robust_missing_\(field)",
                        description: "The body without \"\(field)\" must be accepted or refused with a 4xx, never a 5xx"
                    )
                }
                if method == "POST" {
                    var again = scenario  // the happy path's own values: a duplicate
                    again.requiresSteps = [scenario.index]
                    add(
                        again, .duplicateUnique, name: "robust_duplicate",
                        description:
                            "The same create sent again (its unique values repeated) must be accepted or refused with a 4xx such as 409, never a 5xx"
                    )
                }
            }
            if method == "POST", let endpoint = readRoutes[shape + "/*"] {
                let variable = "__created_\(scenario.index)"
                plan.scenarios[position].softCapture = [variable: "id"]
                var read = scenario
                read.endpoint = endpoint
                read.pathParams = parameters(for: endpoint, from: scenario, last: .string("${\(variable)}"))
                read.payload = nil
                read.queryParams = [:]
                read.headers = scenario.headers
                read.requiresSteps = [scenario.index]
                add(
                    read, .readableAfterCreate, name: "robust_read_after_create",
                    description: "What the create answered with (its id) must be readable at once")
                derived[derived.count - 1].expectedStatus = [200]
            }
            if method == "DELETE", let endpoint = readRoutes[shape] {
                var read = scenario
                read.endpoint = endpoint
                read.pathParams = parameters(for: endpoint, from: scenario, last: nil)
                read.payload = nil
                read.queryParams = [:]
                read.requiresSteps = [scenario.index]
                add(
                    read, .goneAfterDelete, name: "robust_gone_after_delete",
                    description: "What was just deleted must no longer be found")
                derived[derived.count - 1].expectedStatus = [404, 410]
            }
        }
        plan.scenarios += derived
        return plan
    }

    /// `value` with strings that may be unique values changed by `tag`: an e-mail address gets
    /// `+tag` before its `@`, other strings ` tag` or `-tag` after them. Kept as they are:
    /// UUIDs (references), dates, lowercase or uppercase single words (enum values such as
    /// `card`, `EUR`), and strings too short or too long to be names.
    static func fresh(_ value: JSONValue, tag: String) -> JSONValue {
        guard case .string(let text) = value, (3...60).contains(text.count), UUID(uuidString: text) == nil else {
            return value
        }
        if !text.contains(" "), let at = text.firstIndex(of: "@"), at > text.startIndex {
            return .string(text[..<at] + "+" + tag + text[at...])
        }
        let isDate =
            text.count >= 10 && text.dropFirst(4).first == "-" && text.prefix(4).allSatisfy(\.isNumber)
        let isWord = text.allSatisfy { $0.isLowercase || $0 == "_" } || text.allSatisfy { $0.isUppercase || $0 == "_" }
        guard !isDate, !isWord, text.count <= 50 else { return value }
        return .string(text + (text.contains(" ") ? " " : "-") + tag)
    }

    /// Path parameters for `endpoint` taken by position from `scenario`'s (the routes share
    /// their shape up to the end), the last one `last` when given.
    static func parameters(for endpoint: Endpoint, from scenario: Scenario, last: JSONValue?) -> [String: JSONValue] {
        let names = endpoint.parameterNames
        let values = scenario.endpoint.parameterNames.map { scenario.pathParams[$0] ?? .string("") }
        var parameters: [String: JSONValue] = [:]
        for (position, name) in names.enumerated() {
            if position == names.count - 1, let last {
                parameters[name] = last
            } else if position < values.count {
                parameters[name] = values[position]
            }
        }
        return parameters
    }

    /// The body with its first string value (by key) replaced by bytes that are not UTF-8, or
    /// a key of such bytes when it has no string.
    static func invalidUTF8(_ fields: [String: JSONValue]) -> [UInt8] {
        let marker = "repaird-invalid-utf8-marker"
        var changed = fields
        if let key = fields.keys.sorted().first(where: { fields[$0]?.stringValue != nil }) {
            changed[key] = .string(marker)
        } else {
            changed[marker] = .number(1)
        }
        let text = Array(JSONValue.object(changed).serialized())
        return text.replacing(Array(marker.utf8), with: [0xFF, 0xFE, 0xC3, 0x28])
    }

    /// The body with its first whole-number field (by key) set beyond 64 bits; nil when it has
    /// no whole number at the top level.
    static func overflowing(_ fields: [String: JSONValue]) -> [UInt8]? {
        guard
            let key = fields.keys.sorted().first(where: {
                if case .number(let value)? = fields[$0] { return value == value.rounded() }
                return false
            })
        else { return nil }
        let marker = "repaird-overflow-marker"
        var changed = fields
        changed[key] = .string(marker)
        let text = String(decoding: JSONValue.object(changed).serialized(), as: UTF8.self)
        return Array(text.replacingOccurrences(of: "\"\(marker)\"", with: overflow).utf8)
    }
}
