import Foundation
import Yams

// What `OpenAPISpec` does to a spec's text before decoding it: repairs of what real specs write
// and OpenAPIKit refuses, YAML written as JSON, and the split of a large document in two.

/// Repairs of what real specs write and the decoders refuse.
enum SpecSanitizer {
    static let integerBounds = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]

    /// The text with every bound (`minimum`, `maximum`, `exclusive…`) written as a number beyond
    /// the 64-bit range (`1.8446744073709552e+19`, an unsigned limit) clamped to it, in place;
    /// nil when there is none. A byte scan, JSON or YAML alike: no tree is built or written.
    static func clampingHugeBounds(_ data: Data) -> Data? {
        let bytes = [UInt8](data)
        let key = Array("imum".utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        let count = bytes.count
        while index + key.count < count {
            guard bytes[index] == key[0], bytes[index + 1] == key[1], bytes[index + 2] == key[2],
                bytes[index + 3] == key[3]
            else {
                index += 1
                continue
            }
            var start = index + key.count
            // `"`, `'`, `:` and spaces, then the number.
            while start < count, start - index < 12, [0x22, 0x3A, 0x20, 0x27].contains(bytes[start]) { start += 1 }
            var end = start
            while end < count,
                (0x30...0x39).contains(bytes[end]) || [0x2E, 0x2D, 0x2B, 0x65, 0x45].contains(bytes[end])
            {
                end += 1
            }
            index = max(end, index + 1)
            guard end > start, let value = Double(String(decoding: bytes[start..<end], as: UTF8.self)),
                abs(value) >= 9.2e18
            else { continue }
            output += bytes[copied..<start]
            output += Array((value > 0 ? String(Int64.max) : String(Int64.min)).utf8)
            copied = end
        }
        guard copied > 0 else { return nil }
        output += bytes[copied...]
        return Data(output)
    }

    /// The JSON spec with every numeric bound of an integer schema that is not a whole number
    /// made one (rounded inward, clamped to 64 bits), or nil when it is not JSON.
    static func clampingIntegerBounds(_ data: Data) -> Data? {
        guard let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return try? JSONSerialization.data(withJSONObject: clamp(tree))
    }

    private static func clamp(_ value: Any) -> Any {
        if let array = value as? [Any] { return array.map(clamp) }
        guard var object = value as? [String: Any] else { return value }
        let types =
            (object["type"] as? String).map { [$0] } ?? (object["type"] as? [Any])?.compactMap { $0 as? String } ?? []
        if types.contains("integer") {
            for key in integerBounds {
                // A whole number in range (or a 3.0 boolean `exclusiveMaximum`) stays as it is.
                guard let double = (object[key] as? NSNumber)?.doubleValue,
                    double != double.rounded() || abs(double) >= 9.2e18
                else { continue }
                if double >= 9.2e18 {
                    object[key] = Int64.max
                } else if double <= -9.2e18 {
                    object[key] = Int64.min
                } else {
                    object[key] = Int64(double.rounded(key == "maximum" || key == "exclusiveMaximum" ? .down : .up))
                }
            }
        }
        for (key, member) in object where member is [Any] || member is [String: Any] { object[key] = clamp(member) }
        return object
    }
}

/// A YAML node tree written as JSON text, scalars typed as YAML's core schema reads them:
/// quoted scalars and keys are strings; plain ones are null (`null`, `~`, empty), booleans
/// (`true`, `false`), integers (decimal, `0x`, `0o`), floats (`1.5`, `1e3`, `.inf`, `.nan` as
/// strings, JSON having neither) or else strings.
enum YAMLAsJSON {
    /// The JSON text, and the order the YAML writes each mapping's keys in.
    static func data(from node: Node) -> (json: Data, keyOrder: KeyOrder) {
        var output: [UInt8] = []
        output.reserveCapacity(1 << 20)
        var keyOrder = KeyOrder()
        write(node, into: &output, keyOrder: &keyOrder)
        return (Data(output), keyOrder)
    }

    private static func write(_ node: Node, into output: inout [UInt8], keyOrder: inout KeyOrder) {
        switch node {
        case .mapping(let mapping):
            output.append(UInt8(ascii: "{"))
            var keys: [String] = []
            keys.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                if !keys.isEmpty { output.append(UInt8(ascii: ",")) }
                let name = key.scalar?.string ?? ""
                keys.append(name)
                writeString(name, into: &output)
                output.append(UInt8(ascii: ":"))
                write(value, into: &output, keyOrder: &keyOrder)
            }
            keyOrder.record(keys)
            output.append(UInt8(ascii: "}"))
        case .sequence(let sequence):
            output.append(UInt8(ascii: "["))
            var first = true
            for item in sequence {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(item, into: &output, keyOrder: &keyOrder)
            }
            output.append(UInt8(ascii: "]"))
        case .scalar(let scalar):
            writeScalar(scalar, into: &output)
        case .alias:
            output += Array("null".utf8)
        }
    }

    private static func writeScalar(_ scalar: Node.Scalar, into output: inout [UInt8]) {
        let text = scalar.string
        let explicit = scalar.tag.rawValue
        guard scalar.style == .plain, explicit.isEmpty || explicit == "!" || !explicit.hasSuffix(":str") else {
            writeString(text, into: &output)
            return
        }
        switch text {
        case "", "~", "null", "Null", "NULL":
            output += Array("null".utf8)
            return
        case "true", "True", "TRUE":
            output += Array("true".utf8)
            return
        case "false", "False", "FALSE":
            output += Array("false".utf8)
            return
        default:
            break
        }
        if let number = number(text) {
            output += Array(number.utf8)
        } else {
            writeString(text, into: &output)
        }
    }

    /// The JSON text of a plain scalar that is a number, or nil.
    private static func number(_ text: String) -> String? {
        let utf8 = Array(text.utf8)
        guard let first = utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return nil }
        let body = first == UInt8(ascii: "+") ? String(text.dropFirst()) : text
        if body.hasPrefix("0x") || body.hasPrefix("0o") {
            return Int(body.dropFirst(2), radix: body.hasPrefix("0x") ? 16 : 8).map(String.init)
        }
        if let integer = Int(body) { return String(integer) }
        // A JSON number: digits, one fraction, one exponent; `1.`, `.5` and `1_000` are not.
        guard body.allSatisfy({ $0.isNumber || "-+.eE".contains($0) }), let value = Double(body), value.isFinite,
            body.last?.isNumber == true, !body.hasPrefix("."), !body.hasPrefix("-.")
        else { return nil }
        return body
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: output += Array(String(format: "\\u%04x", byte).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// One member of a JSON text's top-level object, found by a byte scan.
enum TopLevelJSON {
    /// The text of `key`'s value, and the whole text with that value as `{}`; nil when the
    /// text is not an object holding `key` at its top level.
    static func split(_ data: Data, key: String) -> (value: Data, rest: Data)? {
        let bytes = [UInt8](data)
        let wanted = Array(key.utf8)
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index + 1
                index = stringEnd(bytes, from: start)
                if depth == 1, expectingKey, Array(bytes[start..<index]) == wanted {
                    var valueStart = index + 1
                    while valueStart < bytes.count, bytes[valueStart] != UInt8(ascii: ":") { valueStart += 1 }
                    valueStart += 1
                    while valueStart < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[valueStart]) {
                        valueStart += 1
                    }
                    guard valueStart < bytes.count, bytes[valueStart] == UInt8(ascii: "{"),
                        let valueEnd = valueEnd(bytes, from: valueStart)
                    else { return nil }
                    let rest = bytes[..<valueStart] + Array("{}".utf8) + bytes[valueEnd...]
                    return (Data(bytes[valueStart..<valueEnd]), Data(rest))
                }
                expectingKey = false
            case UInt8(ascii: "{"):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The index of the quote that closes the string opened before `start`.
    private static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        return index
    }

    /// One past the brace that closes the object opening at `start`.
    private static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index = stringEnd(bytes, from: index + 1)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index + 1 }
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
