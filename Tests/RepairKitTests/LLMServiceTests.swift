import Foundation
@testable import RepairKit
import RepairTestSupport
import Testing

@Suite struct LLMServiceTests {
    let fastRetries = LLMService.RetryPolicy(retries: 3, baseDelay: .milliseconds(20), maxDelay: .seconds(5))

    func config(_ provider: String, base: String, model: String = "test-model", keyVariable: String? = "TEST_LLM_KEY",
                timeout: Double = 10, fallback: RepairConfig.LLMEndpoint? = nil) -> RepairConfig.LLM {
        var llm = RepairConfig.LLM()
        llm.primary.provider = provider
        llm.primary.baseURL = base
        llm.primary.model = model
        llm.primary.apiKeyEnv = keyVariable
        llm.timeout = timeout
        llm.fallback = fallback
        return llm
    }

    let request = LLMRequest(system: "You fix bugs.", prompt: "Fix KeyError in create_product.")

    /// A provider that asks for a long back-off: cancelling the task ends the wait at once
    /// and sends nothing more.
    @Test func cancellationEndsTheBackOff() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start(
            [["status": 503, "headers": ["Retry-After": "3"]]], in: directory)
        let service = try LLMService(
            config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": "sk-test-123456"],
            cache: nil, retryPolicy: LLMService.RetryPolicy(retries: 5, baseDelay: .seconds(3), maxDelay: .seconds(60)))
        let request = self.request
        let call = Task { try await service.complete(request) }
        _ = try await Patience.waitUntil(60, poll: .milliseconds(20)) { !server.requests().isEmpty }
        call.cancel()
        let error = await #expect(throws: LLMError.self) { try await call.value }
        let sent = server.requests().count
        await server.stop()
        // Not cancelled, the service would have backed off and asked five more times.
        #expect(error?.kind == .cancelled, "\(String(describing: error))")
        #expect(sent == 1, "no request after the cancellation")
    }

    /// An answer that echoes the key is masked before it is used or kept in the answer cache.
    @Test func anAnswerEchoingTheKeyIsMaskedBeforeTheCache() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = "sk-test-echo-9f8e7d6c5b4a"
        let server = try await TestLLMServer.start([["content": "Your key is \(key); here is no patch."]], in: directory)
        let database = try RepairDatabase.open(at: directory.url.appendingPathComponent("store.sqlite"))
        let service = try LLMService(
            config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": key],
            cache: database, retryPolicy: fastRetries)
        let first = try await service.complete(request)
        let second = try await service.complete(request)
        await server.stop()
        #expect(!first.text.contains(key) && first.text.contains("[redacted]"), "\(first.text)")
        #expect(second.cached && !second.text.contains(key))
        #expect(database.answer(for: LLMAnswerCache.key(["openai", "test-model", server.baseURL + "/v1", request.system, request.prompt]))?.text.contains(key) == false)
        for file in ["store.sqlite", "store.sqlite-wal"] {
            let stored = (try? Data(contentsOf: directory.url.appendingPathComponent(file))) ?? Data()
            #expect(stored.range(of: Data(key.utf8)) == nil, "the key is nowhere in \(file)")
        }
    }

    /// Whoever builds the cycle (`once`, a daemon worker), it masks the configured key's value.
    @Test func everyCycleMasksTheConfiguredKey() throws {
        let variable = "REPAIRD_TEST_CYCLE_KEY_\(UUID().uuidString.prefix(6))"
        let key = "k-\(UUID().uuidString)"
        setenv(variable, key, 1)
        defer { unsetenv(variable) }
        let config = try RepairConfig.parse(
            "version = 1\n[app]\nstart = \"x\"\n[llm]\nprovider = \"openai\"\nmodel = \"m\"\napi_key_env = \"\(variable)\"\n",
            source: "repair.toml")
        let cycle = HealCycle(
            appDirectory: URL(fileURLWithPath: "/tmp"), config: config, plan: SmokePlan(scenarios: []),
            planFile: URL(fileURLWithPath: "/tmp/p.json"), llm: nil)
        #expect(cycle.redactor.redact("echo \(key)") == "echo [redacted]")
    }

    @Test func openAIWireFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": "use payload[\"name\"]"]], in: directory)
        let service = try LLMService(config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": "sk-test-123456"],
                                     cache: nil, retryPolicy: fastRetries)
        let response = try await service.complete(request)
        await server.stop()
        #expect(response.text == "use payload[\"name\"]")
        #expect(response.tokensIn == 100 && response.tokensOut == 20)
        #expect(response.source == "openai" && !response.cached)
        let sent = try #require(server.requests().first)
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.headers["Authorization"] == "Bearer sk-test-123456")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        #expect(body["temperature"] as? Int == 0)
        #expect(body["seed"] as? Int == 0)
        #expect(body["model"] as? String == "test-model")
        #expect((body["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["system", "user"])
    }

    @Test func anthropicWireFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": "patch"]], in: directory)
        let service = try LLMService(config: config("anthropic", base: server.baseURL), environment: ["TEST_LLM_KEY": "ant-key-xyz"],
                                     cache: nil, retryPolicy: fastRetries)
        let response = try await service.complete(request)
        await server.stop()
        #expect(response.text == "patch")
        #expect(response.tokensIn == 100)
        let sent = try #require(server.requests().first)
        #expect(sent.path == "/v1/messages")
        #expect(sent.headers["x-api-key"] == "ant-key-xyz")
        #expect(sent.headers["anthropic-version"] == "2023-06-01")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        #expect(body["system"] as? String == "You fix bugs.")
        #expect(body["temperature"] as? Int == 0)
    }

    @Test func azureSendsApiKeyHeaderAndVersion() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": "ok"]], in: directory)
        var llm = config("azure", base: server.baseURL + "/openai/deployments/gpt4o")
        llm.primary.apiVersion = "2024-10-21"
        _ = try await LLMService(config: llm, environment: ["TEST_LLM_KEY": "az-key"], cache: nil, retryPolicy: fastRetries).complete(request)
        await server.stop()
        let sent = try #require(server.requests().first)
        #expect(sent.path == "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21")
        #expect(sent.headers["api-key"] == "az-key")
        #expect(sent.headers["Authorization"] == nil)
    }

    @Test func rateLimitIsRetriedAfterTheAdvertisedWait() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([
            ["status": 429, "headers": ["Retry-After": "1"], "body": "{\"error\": {\"message\": \"slow down\"}}"],
            ["content": "after the wait"],
        ], in: directory)
        let service = try LLMService(config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": "k-123456"],
                                     cache: nil, retryPolicy: fastRetries)
        let started = ContinuousClock.now
        let response = try await service.complete(request)
        let elapsed = ContinuousClock.now - started
        await server.stop()
        #expect(response.text == "after the wait")
        #expect(server.requests().count == 2)
        #expect(elapsed >= .seconds(1), "Retry-After is honoured")
    }

    @Test func serverErrorsStopAfterThreeRetries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["status": 503]], in: directory)
        let service = try LLMService(config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": "k-123456"],
                                     cache: nil, retryPolicy: fastRetries)
        let error = await #expect(throws: LLMError.self) { try await service.complete(request) }
        await server.stop()
        #expect(error?.kind == .unavailable)
        #expect(server.requests().count == 4, "one try and three retries")
    }

    @Test func timeoutThenTheFallbackAnswers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let slow = try await TestLLMServer.start([["delay": 3, "content": "too late"]], in: directory)
        let backup = try await TestLLMServer.start([["content": "from the fallback"]], in: directory)
        var fallback = RepairConfig.LLMEndpoint()
        fallback.provider = "anthropic"
        fallback.baseURL = backup.baseURL
        fallback.model = "claude-test"
        fallback.apiKeyEnv = "BACKUP_KEY"
        let service = try LLMService(
            config: config("openai", base: slow.baseURL + "/v1", timeout: 0.3, fallback: fallback),
            environment: ["TEST_LLM_KEY": "k-123456", "BACKUP_KEY": "b-123456"], cache: nil,
            retryPolicy: LLMService.RetryPolicy(retries: 1, baseDelay: .milliseconds(10)))
        let response = try await service.complete(request)
        await slow.stop()
        await backup.stop()
        #expect(response.text == "from the fallback")
        #expect(response.source == "anthropic")
        #expect(slow.requests().count == 2)
    }

    @Test func sameQuestionIsAnsweredFromTheCache() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": "first answer"], ["content": "second answer"]], in: directory)
        let cache = LLMAnswerCache(directory: directory.url.appendingPathComponent("cache"))
        let service = try LLMService(config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": "k-123456"],
                                     cache: cache, retryPolicy: fastRetries)
        let first = try await service.complete(request)
        let again = try await service.complete(request)
        let other = try await service.complete(LLMRequest(system: request.system, prompt: "another question"))
        await server.stop()
        #expect(first.text == "first answer" && !first.cached)
        #expect(again.text == "first answer" && again.cached)
        #expect(other.text == "second answer")
        #expect(server.requests().count == 2)
    }

    @Test func missingKeyNamesTheVariable() {
        let error = #expect(throws: LLMError.self) {
            try LLMService(config: config("openai", base: "http://127.0.0.1:9/v1", keyVariable: "MY_OPENAI_KEY"), environment: [:], cache: nil)
        }
        #expect(error?.kind == .notConfigured)
        #expect(error?.message.contains("MY_OPENAI_KEY") == true)
    }

    @Test func refusedKeyIsRedactedFromTheError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = "sk-live-SECRET-998877"
        let server = try await TestLLMServer.start([["status": 401, "body": "{\"error\": {\"message\": \"Incorrect API key provided: \(key)\"}}"]], in: directory)
        let service = try LLMService(config: config("openai", base: server.baseURL + "/v1"), environment: ["TEST_LLM_KEY": key],
                                     cache: nil, retryPolicy: fastRetries)
        let error = await #expect(throws: LLMError.self) { try await service.complete(request) }
        await server.stop()
        #expect(error?.kind == .refused)
        #expect(error?.description.contains(key) == false)
        #expect(error?.description.contains("[redacted]") == true)
        #expect(server.requests().count == 1, "a refusal is not retried")
    }

    @Test func usageIsEstimatedWhenAbsent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": String(repeating: "x", count: 400), "usage": false]], in: directory)
        let response = try await LLMService(config: config("ollama", base: server.baseURL + "/v1", keyVariable: nil),
                                            environment: [:], cache: nil, retryPolicy: fastRetries).complete(request)
        await server.stop()
        #expect(response.tokensOut == 100)
        #expect(response.tokensIn > 0)
        #expect(server.requests().first?.headers["Authorization"] == nil, "Ollama needs no key")
    }

    @Test func retryAfterIsADelayOnlyWhenItIsAReasonableNumber() {
        #expect(LLMService.retryDelay("2") == .seconds(2))
        #expect(LLMService.retryDelay("0.5") == .milliseconds(500))
        for hostile in ["inf", "1e300", "-1", "nan", "soon", "86401"] {
            #expect(LLMService.retryDelay(hostile) == nil, "\(hostile)")
        }
    }
}
