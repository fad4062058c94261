import Foundation
import RepairKit

/// The scripted LLM server (`Tests/Fixtures/servers/llm_server.py`) as a real process on
/// loopback: each test writes the answers, then reads back what was sent.
public struct TestLLMServer: Sendable {
    public let app: RunningApp
    public let log: URL

    /// Starts a server that answers with `steps` in order (the last one repeats); with
    /// `requiredKey`, it refuses (401) every request that does not carry that key; with `gate`,
    /// it holds every answer while that file exists.
    public static func start(
        _ steps: [[String: Any]], in directory: TemporaryDirectory, requiredKey: String? = nil, gate: URL? = nil
    ) async throws -> TestLLMServer {
        let script = directory.url.appendingPathComponent("llm-script-\(UUID().uuidString.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: steps).write(to: script)
        let log = directory.url.appendingPathComponent("llm-requests-\(UUID().uuidString.prefix(6)).jsonl")
        let server = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/llm_server.py")
        var settings = RepairConfig.App(start: "exec python3 \(server.path)")
        settings.health = "/health"
        settings.env = ["LLM_SCRIPT": script.path, "LLM_LOG": log.path]
        if let requiredKey { settings.env["LLM_REQUIRED_KEY"] = requiredKey }
        if let gate { settings.env["LLM_GATE"] = gate.path }
        settings.stopGrace = 1
        // A limit, not a wait: the suite starts many servers at once on a small, shared machine.
        settings.startupTimeout = Double(FixtureApps.testStartupTimeout)
        let app = try await FixtureServer.host(directory: directory.url, settings: settings).start()
        return TestLLMServer(app: app, log: log)
    }

    /// `http://127.0.0.1:PORT` (Anthropic) or with `/v1` (OpenAI-compatible).
    public var baseURL: String { app.baseURL }

    /// Every request the server received: path, headers, body.
    public func requests() -> [(path: String, headers: [String: String], body: String)] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return (
                object["path"] as? String ?? "", object["headers"] as? [String: String] ?? [:],
                object["body"] as? String ?? ""
            )
        }
    }

    /// For each answered request, when it arrived and when its answer went out (seconds).
    public func answerSpans() -> [(received: Double, answered: Double)] {
        guard let text = try? String(contentsOf: URL(fileURLWithPath: log.path + ".spans"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let received = object["received"] as? Double, let answered = object["answered"] as? Double
            else { return nil }
            return (received, answered)
        }
    }

    /// The most requests that were being answered at one moment.
    public func mostAtOnce() -> Int {
        var events: [(time: Double, change: Int)] = []
        for span in answerSpans() {
            events.append((span.received, 1))
            events.append((span.answered, -1))
        }
        // At one instant, an answer going out counts before a request coming in.
        events.sort { lhs, rhs in lhs.time != rhs.time ? lhs.time < rhs.time : lhs.change < rhs.change }
        var current = 0, most = 0
        for (_, change) in events {
            current += change
            most = max(most, current)
        }
        return most
    }

    public func stop() async { await app.stop() }

    /// `repairctl`'s or `repaird`'s environment pointed at this server: the test's own
    /// environment without its `REPAIR_` settings, the `[llm]` keys for `provider`, and the
    /// store when given. With `keyVariable`, the key is read from that variable, set to `key`.
    public func repairEnvironment(
        provider: String = "ollama", store: URL? = nil, keyVariable: String? = nil, key: String? = nil
    ) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["REPAIR_LLM_PROVIDER"] = provider
        environment["REPAIR_LLM_BASE_URL"] = baseURL + "/v1"
        environment["REPAIR_LLM_MODEL"] = "m"
        if let store { environment["REPAIR_STORE"] = store.path }
        if let keyVariable {
            environment["REPAIR_LLM_API_KEY_ENV"] = keyVariable
            environment[keyVariable] = key
        }
        return environment
    }
}
