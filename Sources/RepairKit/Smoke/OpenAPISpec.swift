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
