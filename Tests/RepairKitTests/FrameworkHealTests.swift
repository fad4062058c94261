import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

/// Each framework fixture heals to 100% on its real server through the scripted LLM, which
/// answers a bug's fix only when the prompt shows the lines to change and names their file.
@Suite struct FrameworkHealTests {
    struct Outcome {
        var report: HealReport
        var prompts: [String]
    }

    func heal(_ fixture: String, fixes: [PlantedFix], maxIterations: Int = 6) async throws -> Outcome {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy(fixture)
        defer { app.remove() }
        let server = try await TestLLMServer.start(try PlantedFix.script(fixes, in: app.url), in: directory)
        var llm = RepairConfig.LLM()
        llm.primary.provider = "openai"
        llm.primary.baseURL = server.baseURL + "/v1"
        llm.primary.model = "test-model"
        llm.primary.apiKeyEnv = "TEST_KEY"
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["repair.max_iterations=\(maxIterations)"], environment: [:])
        var config = inputs.config
        config.llm = llm
        config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        let service = try LLMService(
            config: llm, environment: ["TEST_KEY": "sk-framework-test-0001"], cache: nil,
            retryPolicy: LLMService.RetryPolicy(retries: 3, baseDelay: .milliseconds(20)))
        let cycle = HealCycle(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: service,
            redactor: SecretRedactor(secrets: ["sk-framework-test-0001"]), promptTokenLimit: 6000,
            logger: Logger(label: "test"))
        let report = try await cycle.run()
        await server.stop()
        let prompts = server.requests().map { request in
            let object = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any]
            let messages = object?["messages"] as? [[String: Any]] ?? []
            return messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
        }
        return Outcome(report: report, prompts: prompts)
    }

    func expectHealed(_ outcome: Outcome, bugs: Int) {
        let report = outcome.report
        let attempts = report.iterations.flatMap(\.attempts)
        #expect(
            report.healed,
            "left: \(report.groupsLeft); attempts: \(attempts.map { "\($0.group) \($0.outcome) \($0.detail)" })")
        #expect(report.finalPassRate == 1.0)
        #expect(report.llmCalls <= bugs + 2, "\(report.llmCalls) LLM calls for \(bugs) bugs")
        #expect(!attempts.contains { $0.outcome == .noEdit }, "a prompt lacked the evidence its fix needs")
        for prompt in outcome.prompts {
            #expect(!prompt.contains("X-Request-ID") && !prompt.contains("127.0.0.1:"), "no per-run noise in a prompt")
        }
    }

    @Test func fastAPIUnderUvicornHeals() async throws {
        let outcome = try await heal("library-fastapi", fixes: LibraryFastAPIFixes.all)
        expectHealed(outcome, bugs: LibraryFastAPIFixes.all.count)
        #expect(outcome.report.initialPassRate < 0.75)
    }
}
