import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

/// One test at a time: each starts a real framework server, and the suite runs on small machines.
/// Each framework fixture heals to 100% on its real server through the scripted LLM, which
/// answers a bug's fix only when the prompt shows the lines to change and names their file.
@Suite(.serialized) struct FrameworkHealTests {
    struct Outcome {
        var report: HealReport
        var prompts: [String]
    }

    func heal(
        _ fixture: String, fixes: [PlantedFix], maxIterations: Int = 6, scenarios: [String]? = nil,
        script: [[String: Any]]? = nil, cache: URL? = nil, store: RepairDatabase? = nil,
        server shared: TestLLMServer? = nil, environment: [String: String] = [:], overrides: [String] = [],
        inspect: ((URL) throws -> Void)? = nil
    ) async throws -> Outcome {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy(fixture)
        defer { app.remove() }
        if let scenarios {
            let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
            var plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any])
            plan["scenarios"] = (plan["scenarios"] as? [[String: Any]] ?? []).filter {
                scenarios.contains($0["name"] as? String ?? "")
            }
            try JSONSerialization.data(withJSONObject: plan).write(to: planURL)
        }
        let server: TestLLMServer
        if let shared {
            server = shared
        } else {
            server = try await TestLLMServer.start(try script ?? PlantedFix.script(fixes, in: app.url), in: directory)
        }
        let asked = server.requests().count
        var llm = RepairConfig.LLM()
        llm.primary.provider = "openai"
        llm.primary.baseURL = server.baseURL + "/v1"
        llm.primary.model = "test-model"
        llm.primary.apiKeyEnv = "TEST_KEY"
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["repair.max_iterations=\(maxIterations)"] + overrides,
            environment: environment)
        var config = inputs.config
        config.llm = llm
        config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        // What the plan reads from the environment, the app is given too (as `pass_env` would).
        config.app.env.merge(environment) { _, new in new }
        let service = try LLMService(
            config: llm, environment: ["TEST_KEY": "sk-framework-test-0001"],
            cache: cache.map(LLMAnswerCache.init(directory:)),
            retryPolicy: LLMService.RetryPolicy(retries: 3, baseDelay: .milliseconds(20)))
        let cycle = HealCycle(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: service,
            redactor: SecretRedactor(secrets: ["sk-framework-test-0001"]), promptTokenLimit: 6000,
            store: store, logger: Logger(label: "test"), environment: environment)
        let report = try await cycle.run()
        if shared == nil { await server.stop() }
        try inspect?(app.url)
        let prompts = server.requests().dropFirst(asked).map { request in
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
        #expect(
            !attempts.contains { $0.outcome == .noEdit },
            "a prompt lacked the evidence its fix needs: \(attempts.map { "\($0.group) \($0.outcome) \($0.detail)" })")
        for prompt in outcome.prompts {
            #expect(!prompt.contains("X-Request-ID") && !prompt.contains("127.0.0.1:"), "no per-run noise in a prompt")
        }
    }

    /// The fixes of one iteration (different files) are checked at once: each check notes
    /// when it starts and ends, and a second starts before the first ends (each takes two
    /// seconds, scaled to the machine's load, so a busy machine still starts both in time).
    @Test func theChecksOfAnIterationRunAtOnce() async throws {
        var timeline = ""
        let outcome = try await heal(
            "library-fastapi", fixes: LibraryFastAPIFixes.all,
            overrides: [
                "app.check=echo start >> check-timeline.txt && sleep \(Int(2 * Patience.factor)) && python -m py_compile {files} && echo end >> check-timeline.txt"
            ],
            inspect: { app in
                timeline = try String(contentsOf: app.appendingPathComponent("check-timeline.txt"), encoding: .utf8)
            })
        expectHealed(outcome, bugs: LibraryFastAPIFixes.bugs)
        let marks = timeline.split(separator: "\n")
        #expect(marks.prefix(2) == ["start", "start"], "two checks under way at once: \(marks)")
        #expect(marks.count(where: { $0 == "start" }) == marks.count(where: { $0 == "end" }))
    }

    @Test func fastAPIUnderUvicornHeals() async throws {
        let outcome = try await heal("library-fastapi", fixes: LibraryFastAPIFixes.all)
        expectHealed(outcome, bugs: LibraryFastAPIFixes.bugs)
        #expect(outcome.report.initialPassRate < 0.75)
    }

    /// A shop behind bearer tokens: a setup step logs in with a password from the environment,
    /// every request carries the captured token, and carts become orders become payments
    /// through captured ids. Its bugs are reached only through that flow; all heal, and
    /// neither the password nor a token reaches a prompt.
    @Test func aProtectedMultiStepAppHealsThroughItsLoginAndCapturedIDs() async throws {
        let password = "correct-horse-battery-42"
        let outcome = try await heal(
            "shop-fastapi", fixes: ShopFastAPIFixes.all, environment: ["SHOP_ADMIN_PASSWORD": password])
        expectHealed(outcome, bugs: ShopFastAPIFixes.bugs)
        #expect(outcome.report.initialPassRate < 0.75)
        #expect(outcome.prompts.contains { $0.contains("sent without the plan's Authorization header") })
        for prompt in outcome.prompts {
            #expect(!prompt.contains(password))
            #expect(prompt.ranges(of: "Bearer ").count == prompt.ranges(of: "Bearer [redacted]").count)
        }
    }

    /// Bugs only robustness checks reach heal like any other: the prompt says what the check
    /// sent and why the answer must not be a 5xx, and each kind is its own group.
    @Test func bugsFoundByRobustnessChecksHeal() async throws {
        let outcome = try await heal(
            "events-express", fixes: EventsExpressRobustnessFixes.all, scenarios: ["create_venue"],
            overrides: ["smoke.robustness=true"])
        expectHealed(outcome, bugs: EventsExpressRobustnessFixes.all.count)
        #expect(outcome.report.initialPassRate < 1)
        #expect(
            outcome.prompts.contains {
                $0.contains("The body without \"city\" must be accepted or refused with a 4xx, never a 5xx")
            })
        #expect(outcome.prompts.contains { $0.contains("expected no 5xx, got 500") })
    }

    /// What was learned on the fixture heals a generated variant of it — other entity names
    /// (people, articles, clients, checkouts), async handlers, services inlined into routers —
    /// with no LLM at all.
    @Test func aRenamedRestructuredVariantHealsFromWhatWasLearned() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning.sqlite"))
        let learned = try await heal("library-fastapi", fixes: LibraryFastAPIFixes.all, store: store)
        expectHealed(learned, bugs: LibraryFastAPIFixes.bugs)

        let generated = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", FixtureApps.repositoryRoot.appendingPathComponent("scripts/generate-variants").path,
                "fastapi",
                directory.url.appendingPathComponent("apps").path, "4",
            ])
        #expect(generated.status == 0, "\(generated.standardError)")
        let lastLine = try #require(generated.standardOutput.split(separator: "\n").last)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        #expect(record["structure"] as? [String] == ["async handlers", "services inline in routers"])
        let app = URL(fileURLWithPath: try #require(record["folder"] as? String))
        #expect(FileManager.default.fileExists(atPath: app.appendingPathComponent("app/routers/people.py").path))
        #expect(!FileManager.default.fileExists(atPath: app.appendingPathComponent("app/services/clients.py").path))

        let inputs = try SmokeInputs.load(appDirectory: app, overrides: ["repair.max_iterations=6"], environment: [:])
        var config = inputs.config
        config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        let report = try await HealCycle(
            appDirectory: app, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: nil, store: store,
            logger: Logger(label: "test")
        ).run()
        let attempts = report.iterations.flatMap(\.attempts)
        #expect(
            report.healed, "left: \(report.groupsLeft); \(attempts.map { "\($0.group) \($0.outcome) \($0.detail)" })")
        #expect(report.llmCalls == 0 && report.tokensIn == 0)
        #expect(attempts.filter { $0.outcome == .kept }.allSatisfy { $0.source == "pattern" })
        #expect(try store.patterns().count == LibraryFastAPIFixes.bugs, "the variant strengthened the same patterns")
    }

    @Test func expressWithMountedRoutersHeals() async throws {
        let outcome = try await heal("events-express", fixes: EventsExpressFixes.all)
        expectHealed(outcome, bugs: EventsExpressFixes.bugs)
        #expect(outcome.report.initialPassRate < 0.7)
    }

    @Test func djangoOnItsOwnServerHeals() async throws {
        let outcome = try await heal("clinic-django", fixes: ClinicDjangoFixes.all)
        expectHealed(outcome, bugs: ClinicDjangoFixes.bugs)
        #expect(outcome.report.initialPassRate < 0.75)
    }

    @Test func flaskWithBlueprintsUnderGunicornHeals() async throws {
        var preloadLog = ""
        let outcome = try await heal("projects-flask", fixes: ProjectsFlaskFixes.all) { app in
            preloadLog = try String(
                contentsOf: app.appendingPathComponent(".repair/preload/server.log"), encoding: .utf8)
        }
        // Its repair.toml turns `[app] preload` on: the cycle's starts were forks of the server.
        #expect(preloadLog.contains("repaird-preload: ready"), "\(preloadLog)")
        // Each pass: the tables (`python -c`), gunicorn, the seed.
        let passes = outcome.report.iterations.count + 1
        #expect(preloadLog.ranges(of: "repaird-preload: forked").count >= 3 * passes, "\(preloadLog)")
        expectHealed(outcome, bugs: ProjectsFlaskFixes.bugs)
        #expect(outcome.report.initialPassRate < 0.7)
        // The repository bug met by two routes is one bug: the second route's group waits for
        // the first's fix instead of asking the LLM for it again.
        let attempts = outcome.report.iterations.flatMap(\.attempts)
        let waited = attempts.filter { $0.outcome == .deferred && $0.detail.contains("crashes where") }
        #expect(waited.count == 1, "\(attempts.map { "\($0.group) \($0.outcome)" })")
        #expect(outcome.report.llmCalls == ProjectsFlaskFixes.bugs, "one call per distinct bug")
    }

    /// The same situation is the same prompt (no port, no request id): a second app with the
    /// same bugs heals from the answer cache with no LLM call.
    @Test func anIdenticalSituationIsAnsweredFromTheCache() async throws {
        let cache = try TemporaryDirectory()
        defer { cache.remove() }
        let fixes = LibraryFastAPIFixes.all
        let server = try await TestLLMServer.start(
            try PlantedFix.script(fixes, in: FixtureApps.source("library-fastapi")), in: cache)
        let names = ["health_ok", "get_stats", "get_member", "get_member_not_found", "create_author"]
        let first = try await heal("library-fastapi", fixes: fixes, scenarios: names, cache: cache.url, server: server)
        #expect(first.report.healed)
        #expect(first.report.llmCalls == 3)
        let second = try await heal("library-fastapi", fixes: fixes, scenarios: names, cache: cache.url, server: server)
        await server.stop()
        #expect(second.report.healed)
        #expect(second.report.llmCalls == 0, "every prompt of the second app was one the cache had")
    }

    /// A patch asked for one group that heals another's scenarios is kept and credited to the
    /// group it healed, never written into the GRAVEYARD; a group whose prompt got no usable
    /// edit is not asked again while its evidence stays the same.
    @Test func aPatchHealingAnotherGroupIsKeptAndCredited() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("store.sqlite"))
        let source = FixtureApps.source("library-fastapi")
        let member = try #require(LibraryFastAPIFixes.all.first { $0.match.contains("GET /members/{member_id}") })
        // Asked about /stats, the LLM answers with the members fix; asked about members, with prose.
        let script: [[String: Any]] = [
            ["match": "on GET /stats, status 500", "content": try member.diff(in: source)],
            ["default": true, "content": "I cannot tell which change would fix this."],
        ]
        let outcome = try await heal(
            "library-fastapi", fixes: [], maxIterations: 3,
            scenarios: ["health_ok", "get_stats", "get_member"], script: script, store: store)
        let attempts = outcome.report.iterations.flatMap(\.attempts)
        let kept = try #require(attempts.first { $0.outcome == .kept })
        #expect(kept.group.hasPrefix("GET /stats"))
        #expect(kept.detail.contains("credited to crash GET /members/{member_id}"), "\(kept.detail)")
        #expect(try store.lessons().isEmpty, "nothing was buried in the GRAVEYARD")
        let patterns = try store.patterns()
        #expect(patterns.count == 1)
        #expect(patterns.first?.signature.hasPrefix("GET /{collection}/{id} 500 AttributeError") == true)
        #expect(!outcome.report.healed, "/stats itself was never fixed")
    }

    /// A group whose prompt got no usable edit is not asked again in the cycle while its
    /// evidence stays the same, though other groups go on healing.
    @Test func anUnchangedGroupIsNotAskedAgainAfterAnAnswerWithNoEdit() async throws {
        // Both author fixes touch one file: the second waits, so there is a second iteration.
        let authors = LibraryFastAPIFixes.all.filter { $0.file == "app/routers/authors.py" }
        let outcome = try await heal(
            "library-fastapi", fixes: authors, maxIterations: 4,
            scenarios: ["health_ok", "get_stats", "create_author", "list_author_books"])
        let attempts = outcome.report.iterations.flatMap(\.attempts)
        let statsOutcomes = attempts.filter { $0.group.hasPrefix("GET /stats") }.map(\.outcome)
        #expect(statsOutcomes.first == .noEdit)
        #expect(
            statsOutcomes.dropFirst().allSatisfy { $0 == .notAskedAgain } && statsOutcomes.count >= 2,
            "\(statsOutcomes)")
        #expect(outcome.prompts.filter { $0.contains("on GET /stats, status 500") }.count == 1)
        #expect(attempts.filter { $0.outcome == .kept }.count == 2)
        #expect(!outcome.report.healed, "/stats itself was never fixed")
    }
}
