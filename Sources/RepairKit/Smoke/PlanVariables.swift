import Foundation

/// `${name}` in a version 2 plan: a variable captured from an earlier response, or failing
/// that an environment variable. Substituted in path parameters, query, headers and payload;
/// `$${` stands for a literal `${`.
public enum PlanVariables {
    /// The names `text` refers to, in order, each once.
    public static func names(in text: String) -> [String] {
        var names: [String] = []
        _ = substitute(text) { name in
            if !names.contains(name) { names.append(name) }
            return .string("")
        }
        return names
    }

    /// Whether `name` can be a variable: a letter or `_`, then letters, digits or `_`.
    public static func isName(_ name: String) -> Bool {
        func letter(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        }
        guard let first = name.unicodeScalars.first, letter(first) else { return false }
        return name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    /// `text` with every `${name}` replaced by `lookup(name)` (as parameter text), or the
    /// first name `lookup` does not know. A `${` not closed by a valid name stays as it is.
    public static func substitute(_ text: String, _ lookup: (String) -> JSONValue?) -> Result<String, Missing> {
        guard text.contains("${") else { return .success(text) }
        var output = ""
        var rest = text[...]
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                output += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{"), let close = after.firstIndex(of: "}"),
                isName(String(after[after.index(after: after.startIndex)..<close]))
            else {
                output += "$"
                rest = after
                continue
            }
            let name = String(after[after.index(after: after.startIndex)..<close])
            guard let value = lookup(name) else { return .failure(Missing(name: name)) }
            output += value.parameterText
            rest = after[after.index(after: close)...]
        }
        output += rest
        return .success(output)
    }

    /// `value` with variables substituted in every string; a string that is exactly `${name}`
    /// becomes the variable's value with its JSON type (a captured number stays a number).
    public static func substitute(
        json value: JSONValue, _ lookup: (String) -> JSONValue?
    ) -> Result<
        JSONValue, Missing
    > {
        switch value {
        case .string(let text):
            if text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 {
                let name = String(text.dropFirst(2).dropLast())
                if isName(name) {
                    guard let found = lookup(name) else { return .failure(Missing(name: name)) }
                    return .success(found)
                }
            }
            return substitute(text, lookup).map(JSONValue.string)
        case .array(let items):
            var result: [JSONValue] = []
            for item in items {
                switch substitute(json: item, lookup) {
                case .success(let substituted): result.append(substituted)
                case .failure(let missing): return .failure(missing)
                }
            }
            return .success(.array(result))
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (key, member) in members {
                switch substitute(json: member, lookup) {
                case .success(let substituted): result[key] = substituted
                case .failure(let missing): return .failure(missing)
                }
            }
            return .success(.object(result))
        default:
            return .success(value)
        }
    }

    /// Every string inside `value`.
    static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.flatMap(strings(in:))
        case .object(let members): members.keys.sorted().flatMap { strings(in: members[$0]!) }
        default: []
        }
    }

    /// The field of a response JSON at a dotted path: `token`, `data.id`, `items.0.id`.
    public static func field(_ path: String, of value: JSONValue) -> JSONValue? {
        var current = value
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            switch current {
            case .object(let members):
                guard let next = members[String(part)] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(part), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current == .null ? nil : current
    }

    /// A `${name}` nothing defines.
    public struct Missing: Error, Sendable, Equatable {
        public var name: String
    }
}

extension Scenario {
    /// The variables this request refers to, in order: path parameters, query, its own and
    /// the plan's headers (those it does not remove), payload.
    public func variableNames(planHeaders: [String: String]) -> [String] {
        var texts = pathParams.keys.sorted().flatMap { PlanVariables.strings(in: pathParams[$0]!) }
        texts += queryParams.keys.sorted().flatMap { PlanVariables.strings(in: queryParams[$0]!) }
        texts += mergedHeaders(planHeaders).map(\.value)
        if let payload { texts += PlanVariables.strings(in: payload) }
        var names: [String] = []
        for text in texts {
            for name in PlanVariables.names(in: text) where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The plan's headers with this scenario's over them (names compared without case; a nil
    /// value removes one), sorted by name.
    public func mergedHeaders(_ planHeaders: [String: String]) -> [(name: String, value: String)] {
        var merged: [String: (name: String, value: String)] = [:]
        for (name, value) in planHeaders { merged[name.lowercased()] = (name, value) }
        for (name, value) in headers {
            if let value { merged[name.lowercased()] = (name, value) } else { merged[name.lowercased()] = nil }
        }
        return merged.keys.sorted().map { merged[$0]! }
    }

    /// How messages name it: `setup step "log in"` or `scenario "get_cart"`.
    public var label: String { "\(isSetup ? "setup step" : "scenario") \"\(name)\"" }
}
