import Foundation
import OpenAPIKit
import OpenAPIKit30
import OpenAPIKitCompat
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
        do {
            let probe =
                isJSON
                ? try JSONDecoder().decode(VersionProbe.self, from: data)
                : try YAMLDecoder().decode(VersionProbe.self, from: text)
            guard let found = probe.openapi else {
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
        do {
            if version.hasPrefix("3.0") {
                let document =
                    isJSON
                    ? try jsonDecoder(OpenAPIKit30.VendorExtensionsConfiguration.enabledKey).decode(
                        OpenAPIKit30.OpenAPI.Document.self, from: data)
                    : try YAMLDecoder().decode(
                        OpenAPIKit30.OpenAPI.Document.self, from: text,
                        userInfo: [OpenAPIKit30.VendorExtensionsConfiguration.enabledKey: false])
                return OpenAPISpec(
                    document: document.convert(to: .v3_1_0), file: file, keyOrder: isJSON ? KeyOrder(json: data) : nil)
            }
            guard version.hasPrefix("3.1") || version.hasPrefix("3.2") else {
                throw SpecError(
                    file: file, pointer: "/openapi", problem: "version \(version) is not read; OpenAPI 3.0 and 3.1 are")
            }
            let document =
                isJSON
                ? try jsonDecoder(OpenAPIKit.VendorExtensionsConfiguration.enabledKey).decode(
                    OpenAPIKit.OpenAPI.Document.self, from: data)
                : try YAMLDecoder().decode(
                    OpenAPIKit.OpenAPI.Document.self, from: text,
                    userInfo: [OpenAPIKit.VendorExtensionsConfiguration.enabledKey: false])
            return OpenAPISpec(document: document, file: file, keyOrder: isJSON ? KeyOrder(json: data) : nil)
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
