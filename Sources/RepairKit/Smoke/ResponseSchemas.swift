import Foundation
import OpenAPIKit

/// The response schemas a spec documents, to check what an app answered: a response whose
/// status the spec documents with a JSON schema must match it (`schema_mismatch`).
///
/// Checked: types (an integer is a whole number), `required` properties, the properties
/// present, array items, string `enum`s, `nullable`, `allOf` (all), `oneOf`/`anyOf` (one
/// at least), `$ref`s. Not checked: formats, bounds, patterns, `additionalProperties`.
public struct ResponseSchemas: @unchecked Sendable {
    // @unchecked: OpenAPIKit's values are value types that do not declare Sendable.
    let components: OpenAPI.Components
    /// `METHOD shape` → status (`200`, `2XX`, `default`) → schema.
    let schemas: [String: [String: JSONSchema]]
    static let depthLimit = 32

    public init(spec: OpenAPISpec) {
        let generator = PlanGenerator(spec: spec)
        components = spec.document.components
        var schemas: [String: [String: JSONSchema]] = [:]
        for operation in generator.operations() {
            var byStatus: [String: JSONSchema] = [:]
            for (code, response) in operation.operation.responses {
                guard let resolved = try? spec.document.components.lookup(response),
                    let schema = generator.jsonContent(resolved.content)?.schema
                else { continue }
                byStatus[code.rawValue.uppercased()] = schema
            }
            if !byStatus.isEmpty {
                schemas["\(operation.method) \(Endpoint.shape(of: operation.path))"] = byStatus
            }
        }
        self.schemas = schemas
    }

    /// The schema documented for `status` on `endpoint`: the exact status, else its range
    /// (`2XX`), else `default`.
    func schema(for endpoint: Endpoint, status: Int) -> JSONSchema? {
        guard let byStatus = schemas["\(endpoint.method) \(Endpoint.shape(of: endpoint.path))"] else { return nil }
        return byStatus[String(status)] ?? byStatus["\(status / 100)XX"] ?? byStatus["DEFAULT"]
    }

    /// What in `body` breaks the schema the spec documents for this response, as
    /// `$.items[0].price: expected a number, found "12"`; nil when it matches or nothing is
    /// documented. A body that is not JSON where a schema is documented is a mismatch.
    public func mismatch(_ body: [UInt8], endpoint: Endpoint, status: Int) -> String? {
        guard let schema = schema(for: endpoint, status: status) else { return nil }
        guard let value = JSONValue.parse(Data(body)) else {
            return "the spec documents a JSON body for \(status), the response is not JSON"
        }
        return problem(value, schema, at: "$", depth: 0)
    }

    private func problem(_ value: JSONValue, _ schema: JSONSchema, at path: String, depth: Int) -> String? {
        guard depth < Self.depthLimit else { return nil }
        var schema = schema
        var hops = 0
        while case .reference = schema.value {
            guard hops < Self.depthLimit, let found = try? components.lookupOnce(schema) else { return nil }
            schema = found
            hops += 1
        }
        if value == .null {
            switch schema.value {
            case .null, .fragment: return nil
            default: return schema.nullable ? nil : "\(path): null where the spec allows no null"
            }
        }
        func expected(_ what: String) -> String { "\(path): expected \(what), found \(Self.describe(value))" }
        switch schema.value {
        case .boolean:
            guard case .bool = value else { return expected("a boolean") }
        case .number:
            guard case .number = value else { return expected("a number") }
        case .integer:
            guard case .number(let number) = value, number == number.rounded() else { return expected("an integer") }
        case .string:
            guard case .string(let text) = value else { return expected("a string") }
            if let allowed = schema.allowedValues?.compactMap({ $0.value as? String }), !allowed.isEmpty,
                !allowed.contains(text)
            {
                return expected("one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        case .object(_, let context):
            guard case .object(let members) = value else { return expected("an object") }
            for name in context.requiredProperties.sorted() where members[name] == nil {
                return "\(path): lacks \"\(name)\", which the spec requires"
            }
            for (name, property) in context.properties.sorted(by: { $0.key < $1.key }) {
                guard let member = members[name] else { continue }
                if let found = problem(member, property, at: "\(path).\(name)", depth: depth + 1) { return found }
            }
        case .array(_, let context):
            guard case .array(let items) = value else { return expected("an array") }
            if let itemSchema = context.items {
                for (index, item) in items.enumerated() {
                    if let found = problem(item, itemSchema, at: "\(path)[\(index)]", depth: depth + 1) { return found }
                }
            }
        case .all(of: let parts, _):
            for part in parts {
                if let found = problem(value, part, at: path, depth: depth + 1) { return found }
            }
        case .one(of: let parts, _), .any(of: let parts, _):
            let problems = parts.map { problem(value, $0, at: path, depth: depth + 1) }
            if !problems.contains(where: { $0 == nil }), let first = problems.compactMap({ $0 }).first {
                return "\(first) (and no other alternative of the spec matches)"
            }
        case .null:
            return expected("null")
        case .not, .fragment, .reference:
            return nil
        }
        return nil
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .object: "an object"
        case .array: "an array"
        default: String(String(decoding: value.serialized(), as: UTF8.self).prefix(60))
        }
    }
}
