import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

@Suite struct HealCycleTests {
    /// A copy of the example app pointed at a scripted LLM server.
    func app(
        _ steps: [[String: Any]], directory: TemporaryDirectory, planScenarios: [String]? = nil, maxIterations: Int = 3,
        provider: String = "openai", configure: (inout RepairConfig) -> Void = { _ in }
    ) async throws -> (TemporaryDirectory, TestLLMServer, HealCycle) {
        let app = try FixtureApps.copy("shop-api")
        let server = try await TestLLMServer.start(steps, in: directory)
        if let planScenarios {
            let full =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: app.url.appendingPathComponent("smoke_test_plan.json"))) as! [String: Any]
            let scenarios = (full["scenarios"] as! [[String: Any]]).filter {
                planScenarios.contains($0["name"] as! String)
            }
            try JSONSerialization.data(withJSONObject: ["seed_data": full["seed_data"]!, "scenarios": scenarios]).write(
                to: app.url.appendingPathComponent("smoke_test_plan.json"))
        }
        var llm = RepairConfig.LLM()
        llm.primary.provider = provider
        llm.primary.baseURL = provider == "anthropic" ? server.baseURL : server.baseURL + "/v1"
        llm.primary.model = "test-model"
        llm.primary.apiKeyEnv = "TEST_KEY"
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["repair.max_iterations=\(maxIterations)"], environment: [:])
        var config = inputs.config
        config.llm = llm
        configure(&config)
        let service = try LLMService(
            config: llm, environment: ["TEST_KEY": "sk-heal-test-0001"], cache: nil,
            retryPolicy: LLMService.RetryPolicy(retries: 3, baseDelay: .milliseconds(20)))
        let cycle = HealCycle(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: service,
            redactor: SecretRedactor(secrets: ["sk-heal-test-0001"]), logger: Logger(label: "test"))
        return (app, server, cycle)
    }

    /// Every file of the app except `.repair/` and the database, with its bytes.
    func snapshot(_ app: TemporaryDirectory) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: app.url, includingPropertiesForKeys: nil)!
        for case let url as URL in enumerator {
            let relative = String(url.standardizedFileURL.path.dropFirst(app.url.standardizedFileURL.path.count + 1))
            if relative.hasPrefix(".repair") || relative.hasSuffix(".db") || relative.contains("__pycache__") {
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: url)
            }
        }
        return files
    }

    /// A target below 100% is met by passing scenarios, never by a 5xx left standing: with one
    /// crash at 91% and trigger = target = 0.8, the cycle is not healed.
    @Test func aCrashLeftIsNeverHealedWhateverTheTarget() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
        let full = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any])
        let keep: Set<String> = [
            "health_ok", "list_products", "get_product", "get_product_not_found", "create_product_missing_name",
            "list_customers", "get_customer_not_found", "create_customer_invalid_email", "get_order",
            "get_order_not_found", "create_order",
        ]
        let scenarios = (full["scenarios"] as? [[String: Any]] ?? []).filter {
            keep.contains($0["name"] as? String ?? "")
        }
        try JSONSerialization.data(withJSONObject: ["seed_data": full["seed_data"]!, "scenarios": scenarios]).write(
            to: planURL)
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["repair.trigger_pass_rate=0.8", "repair.target_pass_rate=0.8"],
            environment: [:])
        let cycle = HealCycle(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile, llm: nil,
            logger: Logger(label: "test"))
        let report = try await cycle.run()
        #expect(report.initialPassRate > 0.9)
        #expect(!report.healed, "a 500 is left: get_product_not_found")
        #expect(report.groupsLeft == ["crash GET /products/{product_id} → 500"])
        #expect(report.stopReason == "no LLM is configured")
    }

    /// An app slow only at its first start (a loaded machine) is not diagnosed as unavailable:
    /// its pass is taken once more, and the cycle finds what the app really does.
    @Test func anAppSlowOnlyAtItsFirstStartIsTakenOnceMore() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
        let full = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any])
        let keep: Set<String> = ["health_ok", "list_products", "get_product", "list_customers"]
        let scenarios = (full["scenarios"] as? [[String: Any]] ?? []).filter {
            keep.contains($0["name"] as? String ?? "")
        }
        try JSONSerialization.data(withJSONObject: ["seed_data": full["seed_data"]!, "scenarios": scenarios]).write(
            to: planURL)
        let inputs = try SmokeInputs.load(appDirectory: app.url, overrides: [], environment: [:])
        var config = inputs.config
        // The first start listens nowhere until the start-up timeout has passed; later ones serve.
        config.app.start = "if [ ! -e first-start ]; then touch first-start; exec sleep 600; fi; exec python3 app.py"
        config.app.startupTimeout = 20 * Patience.factor
        let cycle = HealCycle(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: nil,
            logger: Logger(label: "test"))
        let report = try await cycle.run()
        #expect(FileManager.default.fileExists(atPath: app.url.appendingPathComponent("first-start").path))
        #expect(report.initialPassRate == 1, "the pass that counts is the second start's")
        #expect(report.healed)
        #expect(report.stopReason == "no repair was needed")
    }

    @Test func exampleAppHealsToFullPassRate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = FixtureApps.source("shop-api")
        let answers = try ShopFixes.answersByFailure(in: source)
        let (app, server, cycle) = try await app(answers, directory: directory)
        defer { app.remove() }
        let report = try await cycle.run()
        await server.stop()
        #expect(report.healed)
        #expect(report.initialPassRate < 0.7)
        #expect(report.finalPassRate == 1.0)
        #expect(report.llmCalls == 5, "one call per group; deferred fixes are reused, not asked again")
        #expect(report.tokensIn > 0 && report.tokensOut > 0)
        #expect(Set(report.filesChanged) == ["shop/services.py", "shop/routes.py", "shop/models.py"])
        #expect(report.iterations.flatMap(\.attempts).filter { $0.outcome == .kept }.count == 5)
        #expect(report.groupsLeft.isEmpty)
        // The kept diff is one git-applyable patch from the original app to the healed one.
        #expect(report.keptDiff.contains("+    router.add(\"GET\", \"/customers/{customer_id}\", get_customer)"))
        let prompts = server.requests().map(\.body)
        #expect(!prompts.contains { $0.contains("sk-heal-test-0001") }, "the key never reaches a prompt")
        #expect(
            prompts.contains { $0.contains("TypeError") }, "the crash of GET /products/{id} is shown with its trace")
        let leftovers =
            (try? FileManager.default.contentsOfDirectory(
                atPath: app.url.appendingPathComponent(".repair/journal").path)) ?? []
        #expect(leftovers.isEmpty, "no journal is left behind")
    }

    // Each hostile or unhelpful answer ends in its outcome and leaves the app byte-identical.
    static let keyErrorPlan = ["create_product", "create_product_missing_name", "list_products"]

    func expectUnchanged(
        _ steps: [[String: Any]], outcome: AttemptOutcome, rule: String? = nil, plan: [String] = keyErrorPlan,
        provider: String = "openai"
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (app, server, cycle) = try await app(
            steps, directory: directory, planScenarios: plan, maxIterations: 1, provider: provider)
        defer { app.remove() }
        let before = try snapshot(app)
        let report = try await cycle.run()
        await server.stop()
        let attempts = report.iterations.flatMap(\.attempts)
        #expect(attempts.contains { $0.outcome == outcome }, "outcomes: \(attempts.map(\.outcome))")
        if let rule { #expect(attempts.contains { $0.rule == rule }, "rules: \(attempts.map(\.rule))") }
        #expect(!report.healed)
        #expect(try snapshot(app) == before, "the app's files are byte-identical")
    }

    @Test func proseWithoutAnEditChangesNothing() async throws {
        try await expectUnchanged(
            [["content": "The product name field is probably wrong somewhere."]], outcome: .noEdit)
    }

    @Test func patchToAFileOutsideTheAppIsRefused() async throws {
        try await expectUnchanged(
            [["content": "--- a/../outside.py\n+++ b/../outside.py\n@@ -1 +1 @@\n-x\n+y\n"]], outcome: .refused,
            rule: "path_traversal")
    }

    @Test func patchToThePlanIsRefused() async throws {
        try await expectUnchanged(
            [
                [
                    "content":
                        "smoke_test_plan.json\n<<<<<<< SEARCH\n      \"expected_status\": 201,\n=======\n      \"expected_status\": 500,\n>>>>>>> REPLACE\n"
                ]
            ],
            outcome: .refused, rule: "protected")
    }

    @Test func patchThroughASymlinkOutIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outside = try directory.write("outside/victim.py", "x = 1\n")
        let (app, server, cycle) = try await app(
            [["content": "--- a/shop/victim.py\n+++ b/shop/victim.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"]],
            directory: directory, planScenarios: Self.keyErrorPlan, maxIterations: 1)
        defer { app.remove() }
        try FileManager.default.createSymbolicLink(
            atPath: app.url.appendingPathComponent("shop/victim.py").path, withDestinationPath: outside.path)
        let before = try snapshot(app)
        let report = try await cycle.run()
        await server.stop()
        #expect(report.iterations.flatMap(\.attempts).contains { $0.rule == "symlink_escape" })
        #expect(try String(contentsOf: outside, encoding: .utf8) == "x = 1\n")
        #expect(try snapshot(app) == before)
    }

    @Test func hugeAnswerIsRefused() async throws {
        let flood =
            "--- a/shop/services.py\n+++ b/shop/services.py\n@@ -1,1 +1,200000 @@\n import uuid\n"
            + String(repeating: "+# padding line to make the answer enormous\n", count: 120_000)
        try await expectUnchanged([["content": flood]], outcome: .refused, rule: "too_large")
    }

    @Test func patchThatBreaksTheCheckIsRolledBack() async throws {
        let broken =
            "shop/services.py\n<<<<<<< SEARCH\n        name=payload[\"product_name\"],\n=======\n        name=payload[\"name\"]],,\n>>>>>>> REPLACE\n"
        try await expectUnchanged([["content": broken]], outcome: .checkFailed)
    }

    @Test func patchThatHealsOneEndpointButBreaksAnotherIsRolledBack() async throws {
        // Fixes the create, but breaks listing.
        let answer = ShopFixes.breakingListing
        try await expectUnchanged([["content": answer]], outcome: .regressed)
    }

    @Test func diffWithWrongLineNumbersAndSearchReplaceBothHeal() async throws {
        for content in [
            try ShopFixes.diff(ShopFixes.keyError, in: FixtureApps.source("shop-api"), lineOffset: 37),
            ShopFixes.searchReplace(ShopFixes.keyError),
        ] {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let (app, server, cycle) = try await app(
                [["content": content]], directory: directory, planScenarios: Self.keyErrorPlan, maxIterations: 1)
            defer { app.remove() }
            let report = try await cycle.run()
            await server.stop()
            #expect(report.healed, "\(report.iterations.flatMap(\.attempts).map(\.detail))")
            #expect(
                try String(contentsOf: app.url.appendingPathComponent("shop/services.py"), encoding: .utf8).contains(
                    "payload[\"name\"]"))
        }
    }

    @Test func rateLimitThenSuccessOverAnthropicHeals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fix = ShopFixes.searchReplace(ShopFixes.keyError)
        let (app, server, cycle) = try await app(
            [["status": 429, "headers": ["Retry-After": "0"]], ["content": fix]],
            directory: directory, planScenarios: Self.keyErrorPlan, maxIterations: 1, provider: "anthropic")
        defer { app.remove() }
        let report = try await cycle.run()
        await server.stop()
        #expect(report.healed)
        #expect(server.requests().count == 2)
        #expect(server.requests().allSatisfy { $0.path == "/v1/messages" })
    }

    @Test func dryRunShowsThePatchAndWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var (app, server, cycle) = try await app(
            [["content": ShopFixes.searchReplace(ShopFixes.keyError)]], directory: directory,
            planScenarios: Self.keyErrorPlan, maxIterations: 1)
        defer { app.remove() }
        cycle.dryRun = true
        let before = try snapshot(app)
        let report = try await cycle.run()
        await server.stop()
        let attempt = try #require(report.iterations.first?.attempts.first)
        #expect(attempt.outcome == .dryRun)
        #expect(attempt.diff.contains("+        name=payload[\"name\"],"))
        #expect(try snapshot(app) == before)
        let summary = HealSummary.text(report, llmConfigured: true)
        #expect(summary.contains("Patches proposed (--dry-run, nothing written):"))
        #expect(summary.contains("+        name=payload[\"name\"],"))
    }
}

@Suite struct SecondAppHealTests {
    @Test func nodeAppHealsToFullPassRate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("notes-node")
        defer { app.remove() }
        // Each answer for the failure its prompt names: the groups are asked together.
        let fixes = [
            ("Failure: crash on GET /notes/{id}", NotesFixes.missing),
            ("Failure: route_missing on PATCH /notes/{id}", NotesFixes.patchRoute),
            ("Failure: wrong_success_status on POST /notes", NotesFixes.created),
        ]
        let answers: [[String: Any]] = try fixes.map {
            ["match": $0.0, "content": try ShopFixes.diff($0.1, in: app.url)]
        }
        let server = try await TestLLMServer.start(answers, in: directory)
        var llm = RepairConfig.LLM()
        llm.primary.provider = "ollama"
        llm.primary.baseURL = server.baseURL + "/v1"
        llm.primary.model = "qwen2.5-coder"
        let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
        let cycle = HealCycle(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
            llm: try LLMService(config: llm, environment: [:], cache: nil), logger: Logger(label: "test"))
        let report = try await cycle.run()
        await server.stop()
        #expect(report.healed, "\(report.iterations.flatMap(\.attempts).map { "\($0.outcome): \($0.detail)" })")
        #expect(report.finalPassRate == 1.0)
        #expect(Set(report.filesChanged) == ["src/notes-controller.js", "src/router.js", "server.js"])
    }

    @Test func primaryTimesOutAndTheFallbacksFixIsKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let slow = try await TestLLMServer.start([["delay": 3, "content": "late"]], in: directory)
        let backup = try await TestLLMServer.start(
            [["content": ShopFixes.searchReplace(ShopFixes.keyError)]], in: directory)
        var llm = RepairConfig.LLM()
        llm.primary.provider = "openai"
        llm.primary.baseURL = slow.baseURL + "/v1"
        llm.primary.model = "m"
        llm.primary.apiKeyEnv = "K"
        llm.timeout = 0.4
        var fallback = RepairConfig.LLMEndpoint()
        fallback.provider = "anthropic"
        fallback.baseURL = backup.baseURL
        fallback.model = "claude"
        fallback.apiKeyEnv = "K"
        llm.fallback = fallback
        let plan = try app.write(
            "only.json",
            """
            {"scenarios": [{"endpoint": "POST /products", "name": "create_product", "payload": {"name": "Oat Milk", "price": 2.4}, "expected_status": 201},
                           {"endpoint": "GET /health", "name": "health", "expected_status": 200}]}
            """)
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, planFile: plan, overrides: ["repair.max_iterations=1"], environment: [:])
        let service = try LLMService(
            config: llm, environment: ["K": "key-123456"], cache: nil,
            retryPolicy: LLMService.RetryPolicy(retries: 1, baseDelay: .milliseconds(10)))
        let report = try await HealCycle(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
            llm: service, logger: Logger(label: "test")
        ).run()
        await slow.stop()
        await backup.stop()
        #expect(report.healed)
        #expect(slow.requests().count == 2)
        #expect(backup.requests().count == 1)
    }
}
