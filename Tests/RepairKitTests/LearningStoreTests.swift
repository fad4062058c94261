import Foundation
import RepairKit
import RepairTestSupport
import Testing

@Suite struct LearningStoreTests {
    @Test func storeIsAWALFileWithItsSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("state/learning.sqlite")
        let store = try RepairDatabase.open(at: url)
        #expect(try store.isIntact())
        #expect(FileManager.default.fileExists(atPath: url.path))
        #expect(FileManager.default.fileExists(atPath: url.path + "-wal"), "journal mode is WAL")
        // Opening again migrates nothing twice.
        _ = try RepairDatabase.open(at: url)
        #expect(try store.runs().isEmpty)
    }

    @Test func storeIsTheAnswerCache() throws {
        let store = try RepairDatabase.inMemory()
        let response = LLMResponse(
            text: "diff", model: "m", tokensIn: 10, tokensOut: 2, source: "openai", cached: false)
        #expect(store.answer(for: "k") == nil)
        store.store(response, for: "k")
        #expect(store.answer(for: "k") == response)
    }

    @Test func locationFollowsFlagEnvironmentConfigThenXDG() {
        var learning = RepairConfig.Learning()
        learning.store = "/from/config.sqlite"
        #expect(
            RepairDatabase.location(
                flag: "/flag.sqlite", config: learning, environment: ["REPAIR_STORE": "/env.sqlite"]
            ).path == "/flag.sqlite")
        #expect(
            RepairDatabase.location(flag: nil, config: learning, environment: ["REPAIR_STORE": "/env.sqlite"]).path
                == "/env.sqlite")
        #expect(RepairDatabase.location(flag: nil, config: learning, environment: [:]).path == "/from/config.sqlite")
        #expect(
            RepairDatabase.location(flag: nil, config: nil, environment: ["XDG_STATE_HOME": "/state"]).path
                == "/state/repaird/learning.sqlite")
    }

    @Test func aHealRunCanBeReadBackFromTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        // Answers keyed by the failure each prompt is about: the groups are asked together.
        let answers = try ShopFixes.answersByFailure(in: app.url)
        let server = try await TestLLMServer.start(answers, in: directory)
        let store = directory.url.appendingPathComponent("learning.sqlite")
        var environment = ProcessInfo.processInfo.environment
        environment["REPAIR_LLM_PROVIDER"] = "openai"
        environment["REPAIR_LLM_BASE_URL"] = server.baseURL + "/v1"
        environment["REPAIR_LLM_MODEL"] = "test-model"
        environment["REPAIR_LLM_API_KEY_ENV"] = "TEST_OPENAI_KEY"
        environment["TEST_OPENAI_KEY"] = "sk-store-test-4242"
        let reports = directory.url.appendingPathComponent("reports")
        let once = try await CommandRunner.run(
            CommandRunner.repairctl,
            ["once", app.url.path, "--json", "--store", store.path, "--report-dir", reports.path],
            environment: environment)
        await server.stop()
        #expect(once.status == 0, "\(once.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(once.standardOutput.utf8)) as? [String: Any])
        #expect(report["healed"] as? Bool == true)
        #expect(report["llm_calls"] as? Int == 5)
        for key in ["run_id", "initial_pass_rate", "final_pass_rate", "tokens_in", "tokens_out", "iterations"] {
            #expect(report.keys.contains(key), "\(key)")
        }
        let runID = try #require(report["run_id"] as? String)
        let page = try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("Iteration 1") && page.contains("Iteration 3"))
        #expect(page.contains("+    router.add(&quot;GET&quot;, &quot;/customers/{customer_id}&quot;, get_customer)"))
        #expect(page.contains("Final run"))
        for file in ["heal.json", "results.json", "junit.xml"] {
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent(file).path), "\(file)")
        }

        let list = try await CommandRunner.run(
            CommandRunner.repairctl, ["runs", "list", "--json", "--store", store.path])
        let runs = try #require(
            try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: Any]])
        #expect(runs.first?["run_id"] as? String == runID)
        #expect(runs.first?["healed"] as? Bool == true)

        let show = try await CommandRunner.run(
            CommandRunner.repairctl, ["runs", "show", runID, "--json", "--store", store.path])
        let details = try #require(
            try JSONSerialization.jsonObject(with: Data(show.standardOutput.utf8)) as? [String: Any])
        let iterations = try #require(details["iterations"] as? [[String: Any]])
        #expect(iterations.first?["passed"] as? Int == 10)
        #expect(iterations.last?["passed"] as? Int == 15)
        let attempts = iterations.flatMap { $0["attempts"] as? [[String: Any]] ?? [] }
        #expect(attempts.filter { $0["outcome"] as? String == "kept" }.count == 5)

        // Prompts and answers are kept, and the key is in none of them.
        let database = try RepairDatabase.open(at: store)
        let recorded = try #require(try database.run(id: runID))
        #expect(recorded.attempts.allSatisfy { !$0.prompt.isEmpty && !$0.answer.isEmpty })
        #expect(recorded.attempts.allSatisfy { $0.durationMilliseconds > 0 }, "the LLM call's time is kept")
        #expect(
            !recorded.attempts.contains {
                $0.prompt.contains("sk-store-test-4242") || $0.answer.contains("sk-store-test-4242")
            })
        #expect(try database.isIntact())

        let missing = try await CommandRunner.run(
            CommandRunner.repairctl, ["runs", "show", "nope", "--store", store.path])
        #expect(missing.status == 2)
    }
}
