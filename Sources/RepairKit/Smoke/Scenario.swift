import Foundation

/// `METHOD /path/{param}` as a plan writes it.
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    public var method: String
    /// The route template, e.g. `/products/{id}`.
    public var path: String

    /// Parses `GET /products/{id}`; nil when it is not an HTTP method, one space, and a path.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, Self.methods.contains(String(parts[0])), parts[1].hasPrefix("/") else { return nil }
        method = String(parts[0])
        path = String(parts[1])
    }

    public var description: String { "\(method) \(path)" }

    /// The route's shape, parameters as `*`: `/customers/{customer_id}`, `/customers/:id` and
    /// `/customers/<int:id>` are all `/customers/*`.
    public static func shape(of path: String) -> String {
        let segments = path.split(separator: "/").map { segment -> String in
            let isParameter =
                segment.hasPrefix("{") || segment.hasPrefix(":") || segment.hasPrefix("<") || segment.hasPrefix("(")
            return isParameter ? "*" : String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    /// Names of the `{param}` placeholders in the path, in order.
    public var parameterNames: [String] { Self.parameterNames(in: path) }

    /// Names of the `{param}` placeholders in `path`, in order (several may share a segment:
    /// `/compare/{base}...{head}`).
    public static func parameterNames(in path: String) -> [String] {
        var names: [String] = []
        var rest = path[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// One smoke scenario of a plan — or one `setup` step of a version 2 plan: a request and
/// what must come back.
public struct Scenario: Sendable, Equatable {
    /// Position in the run, from 0: setup steps first, then scenarios in plan order.
    public var index: Int
    /// A `setup` step: runs before every scenario.
    public var isSetup = false
    /// Headers of this request over the plan's: a nil value removes a plan-wide header.
    /// Values may hold `${name}`.
    public var headers: [String: String?] = [:]
    /// Variables to take from the response JSON: name → field (`token`, `data.id`, `items.0.id`).
    public var capture: [String: String] = [:]
    /// Names of earlier scenarios or steps this one runs after.
    public var dependsOn: [String] = []
    /// How `payload` is sent: JSON, a form, or multipart form data.
    public var payloadEncoding: PayloadEncoding = .json
    /// The `[app] seed` command runs again before this step, once every step before it ended.
    public var reseed = false
    /// A robustness check derived from the plan (never written in one): what it asserts.
    public var check: RobustnessCheck?
    /// Bytes sent as the body instead of `payload` (a derived check's malformed JSON).
    public var rawBody: [UInt8]?
    /// Variables taken from the response when present, with no failure when absent.
    public var softCapture: [String: String] = [:]
    /// Positions in the run of steps this one requires to have passed (derived checks).
    public var requiresSteps: [Int] = []

    /// Whether `status` is what this scenario expects.
    public func accepts(_ status: Int) -> Bool {
        if let check, check.onlyRefusesServerErrors { return status < 500 }
        return expectedStatus.contains(status)
    }

    /// What must come back, for people: `201`, `400 or 422`, `no 5xx`.
    public var expectation: String {
        if let check, check.onlyRefusesServerErrors { return "no 5xx" }
        return ScenarioVerdict.describe(expectedStatus)
    }
    public var endpoint: Endpoint
    public var name: String
    public var description: String
    public var pathParams: [String: JSONValue]
    public var queryParams: [String: JSONValue]
    public var payload: JSONValue?
    /// The status must be one of these (one, or a list such as `[400, 422]`).
    public var expectedStatus: [Int]
    /// Each must appear in the body as a JSON key at any depth or as a substring.
    public var expectedResponseContains: [String]

    public init(
        index: Int, endpoint: Endpoint, name: String, description: String = "",
        pathParams: [String: JSONValue] = [:], queryParams: [String: JSONValue] = [:], payload: JSONValue? = nil,
        expectedStatus: [Int], expectedResponseContains: [String] = []
    ) {
        self.index = index
        self.endpoint = endpoint
        self.name = name
        self.description = description
        self.pathParams = pathParams
        self.queryParams = queryParams
        self.payload = payload
        self.expectedStatus = expectedStatus
        self.expectedResponseContains = expectedResponseContains
    }

    /// The path with parameters substituted and percent-escaped.
    public var resolvedPath: String {
        var path = endpoint.path
        for name in endpoint.parameterNames {
            let value = pathParams[name]?.parameterText ?? ""
            path = path.replacingOccurrences(
                of: "{\(name)}", with: Self.escape(value, allowed: .urlPathAllowed.subtracting(["/"])))
        }
        return path
    }

    /// `a=1&b=x%20y`, keys sorted so the same scenario always sends the same URL.
    public var queryString: String {
        queryParams.keys.sorted().map { key in
            let allowed = CharacterSet.urlQueryAllowed.subtracting(["&", "=", "+", "?", "#"])
            return
                "\(Self.escape(key, allowed: allowed))=\(Self.escape(queryParams[key]!.parameterText, allowed: allowed))"
        }.joined(separator: "&")
    }

    /// Path and query, as sent after the base URL.
    public var target: String {
        let query = queryString
        return query.isEmpty ? resolvedPath : "\(resolvedPath)?\(query)"
    }

    private static func escape(_ text: String, allowed: CharacterSet) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// An entity the plan expects to exist before the scenarios run.
public struct SeedEntity: Sendable, Equatable, Codable {
    public var entityName: String
    public var uuid: String
    public var fields: [String: JSONValue]
    public var dependsOn: [String]

    enum CodingKeys: String, CodingKey {
        case entityName = "entity_name", uuid, fields, dependsOn = "depends_on"
    }
}

/// How a scenario's `payload` (an object for forms) goes on the wire.
public enum PayloadEncoding: String, Sendable, Equatable, CaseIterable {
    /// `application/json`.
    case json
    /// `application/x-www-form-urlencoded`: members sorted by name, a list as the name repeated,
    /// an object as its JSON text.
    case form
    /// `multipart/form-data`: a part per member; a member that is an object with a `filename`
    /// is a file (`content`, `content_type`).
    case multipart

    static let boundary = "repaird-form-boundary-7d3f2a"

    /// The body and its `Content-Type` for `payload`.
    public func encode(_ payload: JSONValue) -> (body: [UInt8], contentType: String) {
        switch self {
        case .json:
            return (Array(payload.serialized()), "application/json")
        case .form:
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
            let pairs = Self.fields(of: payload).map { "\(escape($0.name))=\(escape($0.value.parameterText))" }
            return (Array(pairs.joined(separator: "&").utf8), "application/x-www-form-urlencoded")
        case .multipart:
            var body: [UInt8] = []
            for (name, value) in Self.fields(of: payload) {
                body += Array("--\(Self.boundary)\r\n".utf8)
                if case .object(let file) = value, let filename = file["filename"]?.stringValue {
                    let type = file["content_type"]?.stringValue ?? "application/octet-stream"
                    body += Array(
                        "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n"
                            .utf8)
                    body += Array((file["content"]?.parameterText ?? "").utf8)
                } else {
                    body += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8)
                    body += Array(value.parameterText.utf8)
                }
                body += Array("\r\n".utf8)
            }
            body += Array("--\(Self.boundary)--\r\n".utf8)
            return (body, "multipart/form-data; boundary=\(Self.boundary)")
        }
    }

    /// The form's fields in order: members by name, a list's items under its name.
    static func fields(of payload: JSONValue) -> [(name: String, value: JSONValue)] {
        guard case .object(let members) = payload else { return [("body", payload)] }
        return members.keys.sorted().flatMap { name -> [(name: String, value: JSONValue)] in
            if case .array(let items) = members[name]! { return items.map { (name, $0) } }
            return [(name, members[name]!)]
        }
    }
}
