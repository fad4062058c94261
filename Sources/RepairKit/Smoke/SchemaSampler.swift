import Foundation
import OpenAPIKit

/// Builds values that a JSON schema accepts — and, for validation scenarios, values that
/// break one of its rules. Deterministic: the same schema always gives the same value.
struct SchemaSampler {
    let components: OpenAPI.Components
    /// A JSON spec's key order: properties come in the order the spec writes them.
    var keyOrder: KeyOrder? = nil
    /// Seeded entities get their own strings (`user2@example.com`), so a create in the plan
    /// never collides with a seeded row on a unique column.
    var variant: Int?
    static let depthLimit = 8
    /// Properties of named schemas, shared by the copies of this sampler.
    let propertyCache = PropertyCache()

    /// One property of an object schema, after `$ref` and `allOf` are resolved.
    struct Property {
        var name: String
        var schema: JSONSchema
        var required: Bool
    }

    /// Follows `$ref`s; nil when one cannot be found or leads back to itself (`stack`).
    func resolve(_ schema: JSONSchema, stack: inout [String]) -> JSONSchema? {
        var current = schema
        var hops = 0
        while case .reference(let reference, _) = current.value {
            let key = reference.absoluteString
            guard !stack.contains(key), hops < Self.depthLimit, let found = try? components.lookupOnce(current) else {
                return nil
            }
            stack.append(key)
            current = found
            hops += 1
        }
        return current
    }

    /// The properties of an object schema (merging `allOf`), in declaration order.
    func properties(of schema: JSONSchema, stack: [String] = []) -> [Property]? {
        // A named schema's properties are read once: a large spec names the same few many times.
        if stack.isEmpty, case .reference(let reference, _) = schema.value {
            let key = reference.absoluteString
            if let known = propertyCache.value(for: key) { return known.properties }
            let found = uncachedProperties(of: schema, stack: stack)
            propertyCache.store(found, for: key)
            return found
        }
        return uncachedProperties(of: schema, stack: stack)
    }

    private func uncachedProperties(of schema: JSONSchema, stack: [String]) -> [Property]? {
        var stack = stack
        guard let resolved = resolve(schema, stack: &stack) else { return nil }
        switch resolved.value {
        case .object(_, let context):
            let pairs = context.properties.map { (key: $0.key, value: $0.value) }
            return (keyOrder?.ordered(pairs, name: { $0 }) ?? pairs).map {
                Property(name: $0.key, schema: $0.value, required: context.requiredProperties.contains($0.key))
            }
        case .all(of: let parts, _):
            var merged: [Property] = []
            for part in parts {
                for property in properties(of: part, stack: stack) ?? [] {
                    if let index = merged.firstIndex(where: { $0.name == property.name }) {
                        merged[index].required = merged[index].required || property.required
                    } else {
                        merged.append(property)
                    }
                }
            }
            // `allOf: [Base, {required: [id]}]` makes a property of Base required.
            for part in parts {
                var partStack = stack
                if let resolvedPart = resolve(part, stack: &partStack),
                    case .object(_, let context) = resolvedPart.value
                {
                    for name in context.requiredProperties {
                        if let index = merged.firstIndex(where: { $0.name == name }) { merged[index].required = true }
                    }
                }
            }
            return merged.isEmpty ? nil : merged
        case .one(of: let options, _), .any(of: let options, _):
            return options.lazy.compactMap { properties(of: $0, stack: stack) }.first
        default:
            return nil
        }
    }

    /// A valid value for `schema`; nil when the schema can only recurse into itself.
    func sample(_ schema: JSONSchema, name: String, stack: [String] = [], skipReadOnly: Bool = true) -> JSONValue? {
        var stack = stack
        guard stack.count <= Self.depthLimit, let schema = resolve(schema, stack: &stack) else { return nil }
        if let example = schema.examples.first.flatMap(Self.json) { return example }
        if let value = schema.defaultValue.flatMap(Self.json), value != .null { return value }
        if let allowed = schema.allowedValues?.lazy.compactMap(Self.json).first(where: { $0 != .null }) {
            return allowed
        }
        switch schema.value {
        case .null: return .null
        case .boolean: return .bool(true)
        case .integer(_, let context): return .number(Double(Self.integer(within: context)))
        case .number(_, let context): return .number(Self.number(within: context))
        case .string(let core, let context):
            return .string(Self.string(for: name, format: core.formatString, context: context, variant: variant))
        case .array(_, let context):
            guard let items = context.items else { return .array([]) }
            guard let item = sample(items, name: name, stack: stack, skipReadOnly: skipReadOnly) else {
                return .array([])
            }
            return .array(Array(repeating: item, count: max(1, context.minItems)))
        case .object, .all:
            var members: [String: JSONValue] = [:]
            for property in properties(of: schema, stack: stack) ?? [] {
                var propertyStack = stack
                if skipReadOnly, let resolved = resolve(property.schema, stack: &propertyStack), resolved.readOnly {
                    continue
                }
                if let value = sample(property.schema, name: property.name, stack: stack, skipReadOnly: skipReadOnly) {
                    members[property.name] = value
                } else if property.required {
                    members[property.name] = .null
                }
            }
            return .object(members)
        case .one(of: let options, _), .any(of: let options, _):
            for option in options where !option.isNull {
                if let value = sample(option, name: name, stack: stack, skipReadOnly: skipReadOnly) { return value }
            }
            return .null
        case .not, .fragment, .reference:
            return .string("example")
        }
    }

    /// Ways to break the rules of one property, in a fixed order: `(rule, bad value or nil
    /// for "leave it out")`.
    func violations(of property: Property) -> [(rule: String, value: JSONValue?)] {
        var stack: [String] = []
        var cases: [(String, JSONValue?)] = []
        if property.required { cases.append(("required", nil)) }
        guard let schema = resolve(property.schema, stack: &stack) else { return cases }
        switch schema.value {
        case .string(_, let context):
            cases.append(("type", .number(12345)))
            if context.minLength > 0 {
                cases.append(("min_length", .string(String(repeating: "x", count: context.minLength - 1))))
            }
            // A bound too large to matter (a 64-bit limit) has no violation worth sending.
            if let maxLength = context.maxLength, maxLength < 100_000 {
                cases.append(("max_length", .string(String(repeating: "x", count: maxLength + 1))))
            }
            if let pattern = context.pattern, let bad = Self.notMatching(pattern) {
                cases.append(("pattern", .string(bad)))
            }
        case .integer(_, let context):
            cases.append(("type", .string("not-a-number")))
            // Past a bound by one, unless the bound is the end of the 64-bit range.
            if let minimum = context.minimum {
                let (below, overflow) = minimum.value.subtractingReportingOverflow(minimum.exclusive ? 0 : 1)
                if !overflow, below > -(1 << 53) { cases.append(("minimum", .number(Double(below)))) }
            }
            if let maximum = context.maximum {
                let (above, overflow) = maximum.value.addingReportingOverflow(maximum.exclusive ? 0 : 1)
                if !overflow, above < 1 << 53 { cases.append(("maximum", .number(Double(above)))) }
            }
        case .number(_, let context):
            cases.append(("type", .string("not-a-number")))
            if let minimum = context.minimum {
                cases.append(("minimum", .number(minimum.exclusive ? minimum.value : minimum.value - 1)))
            }
            if let maximum = context.maximum {
                cases.append(("maximum", .number(maximum.exclusive ? maximum.value : maximum.value + 1)))
            }
        case .boolean:
            cases.append(("type", .string("not-a-boolean")))
        case .array:
            cases.append(("type", .string("not-a-list")))
        case .object:
            cases.append(("type", .string("not-an-object")))
        default:
            break
        }
        if let allowed = schema.allowedValues?.compactMap(Self.json), !allowed.isEmpty {
            let isNumeric = allowed.allSatisfy { if case .number = $0 { return true } else { return false } }
            cases.append(("enum", isNumeric ? .number(987_654_321) : .string("not-a-valid-choice")))
        }
        return cases
    }

    // MARK: Values

    static func integer(within context: JSONSchema.IntegerContext) -> Int {
        var value = 1
        // A spec's bounds may sit at Int's ends: the arithmetic saturates instead of trapping.
        if let minimum = context.minimum {
            value = max(value, minimum.exclusive ? CheckedNumber.saturatingSum(minimum.value, 1) : minimum.value)
        }
        if let maximum = context.maximum {
            value = min(value, maximum.exclusive ? CheckedNumber.saturatingSum(maximum.value, -1) : maximum.value)
        }
        if let step = context.multipleOf, step > 0, value % step != 0 {
            value = CheckedNumber.saturatingSum(value, step - ((value % step) + step) % step)
        }
        return value
    }

    static func number(within context: JSONSchema.NumericContext) -> Double {
        var value = 1.5
        if let minimum = context.minimum { value = max(value, minimum.exclusive ? minimum.value + 0.5 : minimum.value) }
        if let maximum = context.maximum { value = min(value, maximum.exclusive ? maximum.value - 0.5 : maximum.value) }
        if let step = context.multipleOf, step > 0 { value = (value / step).rounded(.up) * step }
        return value
    }

    static func string(
        for name: String, format: String?, context: JSONSchema.StringContext, variant: Int? = nil
    ) -> String {
        var value: String
        let suffix = variant.map(String.init) ?? ""
        switch format ?? "" {
        case "uuid": value = "00000000-0000-4000-8000-000000000000"
        case "date": value = "2024-01-15"
        case "date-time": value = "2024-01-15T09:30:00Z"
        case "time": value = "09:30:00"
        case "email": value = "user\(suffix)@example.com"
        case "uri", "url", "uri-reference", "iri": value = "https://example.com/resource"
        case "hostname": value = "example.com"
        case "ipv4": value = "192.0.2.10"
        case "ipv6": value = "2001:db8::10"
        case "byte": value = "ZXhhbXBsZQ=="
        case "password": value = "Secret-123"
        default: value = "example \(name.replacingOccurrences(of: "_", with: " "))" + (variant.map { " \($0)" } ?? "")
        }
        if let pattern = context.pattern, !matches(value, pattern) {
            value = Self.literal(of: pattern) ?? patternCandidates.first { matches($0, pattern) } ?? value
            // A seeded entity keeps a value of its own (`user2@example.com`) where the pattern
            // allows, so a create in the plan never collides with it on a unique column.
            if !suffix.isEmpty {
                let own =
                    value.firstIndex(of: "@").map { value[..<$0] + suffix + value[$0...] } ?? value + suffix
                if matches(own, pattern) { value = own }
            }
        }
        if value.count < context.minLength { value += String(repeating: "x", count: context.minLength - value.count) }
        if let maxLength = context.maxLength, value.count > maxLength { value = String(value.prefix(maxLength)) }
        return value
    }

    /// The text a pattern spells out: `^password$` → `password`, `^(card|invoice)$` → `card`;
    /// nil for a pattern with anything but literal characters and one group of alternatives.
    static func literal(of pattern: String) -> String? {
        var body = Substring(pattern)
        if body.hasPrefix("^") { body = body.dropFirst() }
        if body.hasSuffix("$") { body = body.dropLast() }
        if body.hasPrefix("("), body.hasSuffix(")") { body = body.dropFirst().dropLast() }
        let first = body.split(separator: "|", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let special = CharacterSet(charactersIn: "\\.*+?[](){}|^$")
        guard !first.isEmpty, first.unicodeScalars.allSatisfy({ !special.contains($0) }), matches(first, pattern)
        else { return nil }
        return first
    }

    static let patternCandidates = [
        "example", "abc", "ABC", "Abc", "abc123", "ABC123", "a1", "A1", "123", "1", "abc-123", "ABC-123",
        "user@example.com",
        "2024-01-15", "+15555550100", "https://example.com", "AB12CD", "a_b", "ab.cd",
    ]

    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let expression = RegexCache.shared.expression(pattern) else { return true }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// A string the pattern rejects; nil when every candidate matches (e.g. `.*`).
    static func notMatching(_ pattern: String) -> String? {
        ["", "!", "not valid !", "0", "a", "ZZZZZZZZZZZZ", "-"].first { !matches($0, pattern) }
    }

    static func json(_ value: AnyCodable) -> JSONValue? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// Compiled patterns, shared: a spec repeats the same few patterns across many schemas.
final class RegexCache: @unchecked Sendable {
    // @unchecked: `expressions` is only touched under `lock`; NSRegularExpression is immutable.
    static let shared = RegexCache()
    private let lock = NSLock()
    private var expressions: [String: NSRegularExpression?] = [:]

    func expression(_ pattern: String) -> NSRegularExpression? {
        lock.withLock {
            if let cached = expressions[pattern] { return cached }
            let compiled = try? NSRegularExpression(pattern: pattern)
            expressions[pattern] = compiled
            return compiled
        }
    }
}

/// The properties of named schemas, as `SchemaSampler.properties(of:)` read them.
final class PropertyCache: @unchecked Sendable {
    // @unchecked: the properties hold OpenAPIKit schemas (value types not declared Sendable);
    // every access is under the lock.
    struct Entry { var properties: [SchemaSampler.Property]? }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    func value(for key: String) -> Entry? {
        lock.withLock { entries[key] }
    }

    func store(_ properties: [SchemaSampler.Property]?, for key: String) {
        lock.withLock { entries[key] = Entry(properties: properties) }
    }
}
