import Foundation
import Logging
import RepairKit
import RepairTestSupport
import Testing

/// The learning store on a real PostgreSQL shared by two hosts (two stores, each with its own
/// connections, on one database): what one host learned heals the other's app with no LLM
/// call, and runs, attempts, spend and lessons are there for both.
@Suite struct PostgresLearningTests {
    @Test func aPatternLearnedOnOneHostHealsAnotherHostsAppWithNoLLMCall() async throws {
        let cluster = try await PostgresCluster.start()
        let endpoint = try await cluster.database()
        let hostA = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
        let hostB = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try FixtureApps.copy("shop-api")
        let second = try FixtureApps.copy("shop-api")
        defer {
            first.remove()
            second.remove()
        }
        let breaking: [String: Any] = [
            "match": "Failure: crash on POST /products", "content": ShopFixes.breakingListing, "once": true,
        ]
        let server = try await TestLLMServer.start(
            try [breaking] + ShopFixes.answersByFailure(in: first.url), in: directory)
        var llm = RepairConfig.LLM()
        llm.primary.provider = "ollama"
        llm.primary.baseURL = server.baseURL + "/v1"
        llm.primary.model = "m"
        llm.primary.priceIn = 1
        func cycle(_ app: URL, store: RepairDatabase, llm: LLMService?) throws -> HealCycle {
            let inputs = try SmokeInputs.load(appDirectory: app, environment: [:])
            return HealCycle(
                appDirectory: app, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
                store: store, logger: Logger(label: "test"))
        }
        let learned = try await cycle(
            first.url, store: hostA, llm: try LLMService(config: llm, environment: [:], cache: hostA)
        ).run()
        await server.stop()
        #expect(learned.healed && learned.llmCalls == 6, "\(learned.stopReason)")

        let healed = try await cycle(second.url, store: hostB, llm: nil).run()
        #expect(
            healed.healed,
            "\(healed.iterations.flatMap(\.attempts).map { "\($0.outcome) \($0.group): \($0.detail)" })")
        #expect(healed.llmCalls == 0)
        #expect(
            healed.iterations.flatMap(\.attempts).filter { $0.outcome == .kept }.allSatisfy { $0.source == "pattern" })

        // Both hosts see both runs, with their attempts, spend and the lesson of the bad answer.
        let runs = try hostB.runs()
        #expect(Set(runs.map(\.id)) == [learned.runID, healed.runID])
        let details = try #require(try hostA.run(id: learned.runID))
        #expect(details.run.healed == true && details.run.cost != nil && details.run.llmCalls == 6)
        #expect(details.attempts.contains { $0.outcome == "regressed" })
        #expect(!details.results.isEmpty && !details.groups.isEmpty)
        #expect(try hostB.usage(runID: learned.runID).first?.calls == 6)
        let status = try DaemonStatus.read(from: hostB)
        #expect(status.llmCallsToday == 6 && status.costToday != nil)

        // The library is reviewed and exported from the shared store as from a file.
        let patterns = try hostB.patterns()
        #expect(patterns.count >= 5)
        let exported = directory.url.appendingPathComponent("patterns")
        #expect(try LibraryExport.exportPatterns(from: hostB, to: exported) == patterns.count)
        let pattern = try #require(patterns.first)
        #expect(try hostA.setStatus(.retired, ofPattern: try #require(pattern.id)))
        #expect(try hostB.pattern(id: try #require(pattern.id))?.status == .retired)
        #expect(try hostB.lessons().count == 1)
        #expect(try LibraryExport.graveyardMarkdown(from: hostB).contains(try hostB.lessons()[0].signature))
        _ = try GenerationRules.from(hostB, includeCandidates: true)
    }

    /// A new user's first command, with the store on PostgreSQL: `repairctl once` imports the
    /// shipped library into the database and heals the example with no LLM.
    @Test func onceHealsTheExampleWithTheStoreOnPostgres() async throws {
        let cluster = try await PostgresCluster.start()
        let endpoint = try await cluster.database()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = try FixtureApps.exampleAsShipped(in: directory.url, name: "shop")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment.merge(cluster.environment) { $1 }
        environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("state").path
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", target.path, "--json", "--store", endpoint.description],
            environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(report["healed"] as? Bool == true && report["llm_calls"] as? Int == 0)
        let store = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
        #expect(try store.runs().map(\.id) == [report["run_id"] as? String])
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("state").path))
    }
}
