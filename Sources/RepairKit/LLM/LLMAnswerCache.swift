import Foundation

/// Where answers are kept by the hash of what was asked, so an identical prompt is never
/// paid for twice: a folder of files (`LLMAnswerCache`) or the learning store.
public protocol LLMCache: Sendable {
    func answer(for key: String) -> LLMResponse?
    func store(_ response: LLMResponse, for key: String)
}

/// Answers kept by the hash of what was asked (provider, model, URL, prompt), so an
/// identical prompt is never paid for twice. One JSON file per answer, written atomically.
public struct LLMAnswerCache: LLMCache {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/repaird/llm` (`~/.cache/repaird/llm`).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base =
            environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("repaird/llm", isDirectory: true)
    }

    /// A 128-bit FNV-1a hash of the parts, as hex: stable across runs and machines.
    static func key(_ parts: [String]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325, second: UInt64 = 0x6c62_272e_07bb_0142
        for byte in parts.joined(separator: "\u{1F}").utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (second >> 29)
        }
        return [first, second].map { value in
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    public func answer(for key: String) -> LLMResponse? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("\(key).json").path)
        else { return nil }
        return try? JSONDecoder().decode(LLMResponse.self, from: data)
    }

    public func store(_ response: LLMResponse, for key: String) {
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil,
            let data = try? JSONEncoder().encode(response)
        else { return }
        try? data.write(to: directory.appendingPathComponent("\(key).json"), options: .atomic)
    }
}
