import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// The LLM chosen by the providers' standard variables when `repair.toml` has no `[llm]`.
@Suite struct LLMConventionTests {
    let file = "version = 1\n[app]\nstart = \"python3 app.py\"\n"

    func llm(_ environment: [String: String], file text: String? = nil) throws -> RepairConfig.LLM {
        try RepairConfig.parse(text ?? file, source: "repair.toml", environment: environment).llm
    }

    @Test func eachProvidersVariablesChooseIt() throws {
        let openAI = try llm(["OPENAI_API_KEY": "sk-1"])
        #expect(openAI.primary.provider == "openai" && openAI.primary.model == "gpt-4o-mini")
        #expect(openAI.primary.apiKeyEnv == "OPENAI_API_KEY" && openAI.primary.baseURL == nil)
        #expect(openAI.origin == "from OPENAI_API_KEY")

        let compatible = try llm(["OPENAI_BASE_URL": "http://10.0.0.5:8000/v1", "OPENAI_MODEL": "qwen"])
        #expect(compatible.primary.provider == "openai" && compatible.primary.baseURL == "http://10.0.0.5:8000/v1")
        #expect(compatible.primary.apiKeyEnv == nil && compatible.primary.model == "qwen", "a base URL alone: no key")

        let azure = try llm([
            "AZURE_OPENAI_API_KEY": "a", "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/",
            "AZURE_OPENAI_DEPLOYMENT": "gpt4o", "OPENAI_API_VERSION": "2024-10-21",
        ])
        #expect(azure.primary.provider == "azure")
        #expect(azure.primary.baseURL == "https://r.openai.azure.com/openai/deployments/gpt4o")
        #expect(azure.primary.apiVersion == "2024-10-21" && azure.primary.apiKeyEnv == "AZURE_OPENAI_API_KEY")

        let anthropic = try llm(["ANTHROPIC_API_KEY": "k"])
        #expect(anthropic.primary.provider == "anthropic" && anthropic.primary.apiKeyEnv == "ANTHROPIC_API_KEY")

        let ollama = try llm(["OLLAMA_HOST": "0.0.0.0", "OLLAMA_MODEL": "llama3"])
        #expect(ollama.primary.provider == "ollama" && ollama.primary.baseURL == "http://0.0.0.0:11434/v1")
        #expect(try llm(["OLLAMA_HOST": "http://gpu-box:9999/"]).primary.baseURL == "http://gpu-box:9999/v1")

        #expect(
            try llm(["OPENAI_API_KEY": "sk", "ANTHROPIC_API_KEY": "k"]).primary.provider == "openai", "a fixed order")
        #expect(try !llm(["HOME": "/root"]).isConfigured)
        let partial = ["AZURE_OPENAI_API_KEY": "a", "AZURE_OPENAI_ENDPOINT": "https://r"]
        #expect(try !llm(partial).isConfigured)
        #expect(LLMConvention.incomplete(in: partial)?.contains("AZURE_OPENAI_DEPLOYMENT") == true)
    }

    @Test func aConfiguredProviderTakesItsBaseURLFromTheEnvironmentAndWins() throws {
        let configured = file + "[llm]\nprovider = \"openai\"\nmodel = \"gpt-4.1\"\n"
        let settings = try llm(["OPENAI_BASE_URL": "http://proxy:4000/v1", "ANTHROPIC_API_KEY": "k"], file: configured)
        #expect(settings.primary.provider == "openai" && settings.primary.model == "gpt-4.1")
        #expect(settings.primary.baseURL == "http://proxy:4000/v1", "OPENAI_BASE_URL is honoured")
        #expect(settings.origin == nil)
        let written = file + "[llm]\nprovider = \"openai\"\nmodel = \"m\"\nbase_url = \"http://file/v1\"\n"
        #expect(try llm(["OPENAI_BASE_URL": "http://env/v1"], file: written).primary.baseURL == "http://file/v1")
    }

    @Test func theStandardKeysNeverReachTheApp() throws {
        let config = try RepairConfig.parse(
            file + "[app.env]\nOPENAI_API_KEY = \"sk-in-file\"\n", source: "repair.toml",
            environment: ["ANTHROPIC_API_KEY": "k"])
        let environment = AppEnvironment.build(
            settings: config.app, parent: ["ANTHROPIC_API_KEY": "k", "OPENAI_API_KEY": "sk", "PATH": "/bin"], extra: [:]
        )
        #expect(environment["ANTHROPIC_API_KEY"] == nil && environment["OPENAI_API_KEY"] == nil)
        #expect(environment["PATH"] == "/bin")
    }
}

/// `repairctl llm check` and the check before the first ask, against the scripted provider.
@Suite struct LLMCheckTests {
    func environment(_ values: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("REPAIR_") && !$0.key.hasPrefix("OPENAI_") && !$0.key.hasPrefix("ANTHROPIC_")
                && !$0.key.hasPrefix("AZURE_OPENAI_") && !$0.key.hasPrefix("OLLAMA_")
        }
        environment.merge(values) { _, new in new }
        return environment
    }

    @Test func checkSaysWhichLLMAndWhetherItTakesTheKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start(
            [["content": "unused"]], in: directory, requiredKey: "sk-right-123456")
        let base = server.baseURL + "/v1"
        let good = try await CommandRunner.run(
            CommandRunner.repairctl, ["llm", "check"],
            environment: environment([
                "OPENAI_API_KEY": "sk-right-123456", "OPENAI_BASE_URL": base, "OPENAI_MODEL": "m",
            ]))
        #expect(good.status == 0, "\(good.standardError)")
        #expect(
            good.standardOutput.contains(
                "✔ LLM: openai m at \(base) (from OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL): reachable, key accepted"
            ),
            "\(good.standardOutput)")

        let wrong = try await CommandRunner.run(
            CommandRunner.repairctl, ["llm", "check", "--json"],
            environment: environment(["OPENAI_API_KEY": "sk-wrong-654321", "OPENAI_BASE_URL": base]))
        #expect(wrong.status == 1)
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(wrong.standardOutput.utf8)) as? [String: Any])
        let endpoint = try #require((answer["endpoints"] as? [[String: Any]])?.first)
        #expect(answer["usable"] as? Bool == false && endpoint["usable"] as? Bool == false)
        #expect((endpoint["detail"] as? String)?.contains("refused the key (401)") == true, "\(endpoint)")
        #expect(!wrong.standardOutput.contains("sk-wrong-654321"), "the key is never printed")
        #expect(server.requests().isEmpty, "a check spends nothing: no chat request was sent")
        await server.stop()

        // A port nothing listens on.
        let closed = try #require(LocalPort.free())
        let unreachable = try await CommandRunner.run(
            CommandRunner.repairctl, ["llm", "check"],
            environment: environment(["OLLAMA_HOST": "127.0.0.1:\(closed)"]))
        #expect(unreachable.status == 1)
        #expect(
            unreachable.standardOutput.contains("✘ LLM: ollama qwen2.5-coder:7b at http://127.0.0.1:\(closed)/v1"),
            "\(unreachable.standardOutput)")
        #expect(unreachable.standardOutput.contains("cannot reach ollama"))

        let none = try await CommandRunner.run(
            CommandRunner.repairctl, ["llm", "check"], environment: environment([:]))
        #expect(none.status == 2 && none.standardError.contains("no LLM is configured"), "\(none.standardError)")
    }

    /// A key the provider refuses fails every group at once, before a single chat request, and
    /// `once` names the LLM it chose from the environment.
    @Test func aRefusedKeyFailsFastWithoutAskingEachGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start(
            [["content": "unused"]], in: directory, requiredKey: "sk-right-123456")
        let app = try FixtureApps.exampleAsShipped(in: directory.url)
        let config = app.appendingPathComponent("repair.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "shipped = true", with: "").utf8).write(to: config)
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl,
            ["once", app.path, "--store", directory.url.appendingPathComponent("s.sqlite").path],
            environment: environment([
                "OPENAI_API_KEY": "sk-wrong-654321", "OPENAI_BASE_URL": server.baseURL + "/v1", "OPENAI_MODEL": "m",
            ]))
        #expect(outcome.status == 1, "\(outcome.standardError)")
        #expect(
            outcome.standardError.contains(
                "▶ LLM: openai m (from OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL; no [llm] in repair.toml)"),
            "\(outcome.standardError)")
        #expect(outcome.standardError.contains("llm_error") && outcome.standardError.contains("refused the key (401)"))
        await server.stop()
        #expect(server.requests().isEmpty, "no group was asked: the check failed first")
        #expect(
            !outcome.standardError.contains("sk-wrong-654321") && !outcome.standardOutput.contains("sk-wrong-654321"))
    }
}
