import Foundation
import OpenAPIKit
import OpenAPIKit30
import OpenAPIKitCompat
import Synchronization
import Yams

/// An OpenAPI 3.0 or 3.1 document, JSON or YAML, read into OpenAPIKit's 3.1 model.
public struct OpenAPISpec: @unchecked Sendable {
    // @unchecked: OpenAPIKit's document holds only value types but does not declare Sendable.
    public let document: OpenAPIKit.OpenAPI.Document
    public let file: String
    /// For a JSON spec, the order its text writes keys in (the decoded document keeps none).
    public var keyOrder: KeyOrder? = nil

    /// Reads a spec file. Throws `SpecError` naming the file and the pointer of what is wrong.
    public static func load(from url: URL) throws(SpecError) -> OpenAPISpec {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SpecError(
                file: url.path,
                problem: FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "not found")
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws(SpecError) -> OpenAPISpec {
        let text = String(decoding: data, as: UTF8.self)
        let isJSON = text.first(where: { !$0.isWhitespace }) == "{"
        struct VersionProbe: Decodable { var openapi: String? }
        let version: String
        // Bounds beyond 64 bits are clamped before decoding (OpenAPIKit refuses them).
        let clamped = SpecSanitizer.clampingHugeBounds(data)
        let source = clamped ?? data
        // A YAML text is composed once: its node tree gives the version, the key order, and is
        // written as JSON for the one decoder both formats share (Yams' own decoder is 5x
        // slower on a large spec, and cannot find a quoted key such as '200').
        var node: Node?
        do {
            let found: String?
            if isJSON {
                found = try JSONDecoder().decode(VersionProbe.self, from: data).openapi
            } else {
                node = try Yams.compose(yaml: clamped.map { String(decoding: $0, as: UTF8.self) } ?? text)
                found = node?["openapi"]?.string
            }
            guard let found else {
                throw SpecError(
                    file: file, pointer: "/openapi",
                    problem: "missing: not an OpenAPI 3 document (Swagger 2.0 is not read)")
            }
            version = found
        } catch let error as SpecError {
            throw error
        } catch {
            throw SpecError(file: file, problem: "not valid \(isJSON ? "JSON" : "YAML"): \(Self.describe(error))")
        }
        guard version.hasPrefix("3.0") || version.hasPrefix("3.1") || version.hasPrefix("3.2") else {
            throw SpecError(
                file: file, pointer: "/openapi", problem: "version \(version) is not read; OpenAPI 3.0 and 3.1 are")
        }
        do {
            // YAML's key order is read as it is written out as JSON.
            let written = node.map(YAMLAsJSON.data(from:))
            let keyOrder = written?.keyOrder ?? KeyOrder(json: data)
            let json = written?.json ?? source
            do {
                let document = try decode(version: version, json: json)
                return OpenAPISpec(document: document, file: file, keyOrder: keyOrder)
            } catch  where "\(error)".contains("Expected an Integer literal but found a floating point value") {
                // An integer bounded by a fraction (`maximum: 10.5`): read rounded inward.
                guard let sanitized = SpecSanitizer.clampingIntegerBounds(json) else { throw error }
                let document = try decode(version: version, json: sanitized)
                return OpenAPISpec(document: document, file: file, keyOrder: keyOrder)
            }
        } catch let error as SpecError {
            throw error
        } catch {
            let pretty = OpenAPIKit.OpenAPI.Error(from: error)
            let pointer = pretty.codingPath.map { key in
                "/"
                    + (key.intValue.map(String.init) ?? key.stringValue).replacingOccurrences(of: "~", with: "~0")
                    .replacingOccurrences(of: "/", with: "~1")
            }.joined()
            let problem = pretty.localizedDescription.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            throw SpecError(file: file, pointer: pointer, problem: problem)
        }
    }

    /// The document as OpenAPIKit's 3.1 model. A large one is decoded as two halves at once —
    /// its `paths`, and the rest — on two threads; if either half fails, the whole is decoded
    /// again in one piece, so an error names its place exactly as it would have.
    private static func decode(version: String, json: Data) throws -> OpenAPIKit.OpenAPI.Document {
        if json.count >= 256 * 1024, let split = TopLevelJSON.split(json, key: "paths"),
            let document = decodeHalves(version: version, rest: split.rest, paths: split.value)
        {
            return document
        }
        return try decodeWhole(version: version, json: json)
    }

    private static func decodeHalves(version: String, rest: Data, paths: Data) -> OpenAPIKit.OpenAPI.Document? {
        let halves = Mutex<(document: OpenAPIKit.OpenAPI.Document?, paths: OpenAPIKit.OpenAPI.PathItem.Map?)>(
            (nil, nil))
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if version.hasPrefix("3.0") {
                let decoder = jsonDecoder(OpenAPIKit30.VendorExtensionsConfiguration.enabledKey)
                if half == 0 {
                    let document = try? decoder.decode(OpenAPIKit30.OpenAPI.Document.self, from: rest)
                    halves.withLock { $0.document = document?.convert(to: .v3_1_0) }
                } else {
                    let map = try? decoder.decode(OpenAPIKit30.OpenAPI.PathItem.Map.self, from: paths)
                    // Converted inside a document of its own, as a whole document would be.
                    let converted = map.map {
                        OpenAPIKit30.OpenAPI.Document(
                            info: .init(title: "", version: ""), servers: [], paths: $0, components: .noComponents
                        ).convert(to: .v3_1_0).paths
                    }
                    halves.withLock { $0.paths = converted }
                }
            } else {
                let decoder = jsonDecoder(OpenAPIKit.VendorExtensionsConfiguration.enabledKey)
                if half == 0 {
                    let document = try? decoder.decode(OpenAPIKit.OpenAPI.Document.self, from: rest)
                    halves.withLock { $0.document = document }
                } else {
                    let map = try? decoder.decode(OpenAPIKit.OpenAPI.PathItem.Map.self, from: paths)
                    halves.withLock { $0.paths = map }
                }
            }
        }
        return halves.withLock { halves in
            guard var document = halves.document, let paths = halves.paths else { return nil }
            document.paths = paths
            return document
        }
    }

    private static func decodeWhole(version: String, json: Data) throws -> OpenAPIKit.OpenAPI.Document {
        if version.hasPrefix("3.0") {
            let key = OpenAPIKit30.VendorExtensionsConfiguration.enabledKey
            return try jsonDecoder(key).decode(OpenAPIKit30.OpenAPI.Document.self, from: json).convert(to: .v3_1_0)
        }
        return try jsonDecoder(OpenAPIKit.VendorExtensionsConfiguration.enabledKey).decode(
            OpenAPIKit.OpenAPI.Document.self, from: json)
    }

    /// A decoder that skips vendor extensions (`x-…`): nothing here reads them, and reading
    /// them decodes every object of the spec a second time.
    private static func jsonDecoder(_ extensionsKey: CodingUserInfoKey) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[extensionsKey] = false
        return decoder
    }

    private static func describe(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            return "\(yaml)".split(separator: "\n").first.map(String.init) ?? "\(yaml)"
        }
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? context.debugDescription
        }
        return "\(error)"
    }
}

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
