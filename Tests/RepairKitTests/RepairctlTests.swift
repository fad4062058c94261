import CommandLineSupport
import Foundation
import RepairKit
import RepairTestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The `repairctl` executable as a user runs it: exit codes, output, files written.
@Suite struct RepairctlTests {
    /// A mistyped subcommand, an unknown option or a missing argument is bad input: exit 2, as
    /// every program documents, with the usage. Each program says its version.
    @Test func usageErrorsExitTwoAndEveryProgramSaysItsVersion() async throws {
        for arguments in [["smok"], ["smoke", "--no-such-option", "."], ["plan", "generate"]] {
            let run = try await CommandRunner.run(CommandRunner.repairctl, arguments)
            #expect(run.status == 2, "\(arguments): \(run.standardError)")
            #expect(run.standardError.contains("Usage:") || run.standardError.contains("Help:"), "\(run.standardError)")
        }
        for program in ["repairctl", "repaird", "repaird-worker"] {
            let run = try await CommandRunner.run(
                CommandRunner.productsDirectory.appendingPathComponent(program), ["--version"])
            #expect(run.status == 0)
            #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == RepairVersion.current)
        }
        let help = try await CommandRunner.run(CommandRunner.repairctl, ["--help"])
        #expect(help.status == 0)
    }

    @Test func smokeJSONListsThePlantedBugsAndExitsOne() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let reports = app.url.appendingPathComponent("reports")
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--json", "--report-dir", reports.path])
        #expect(outcome.status == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["total"] as? Int == 15)
        #expect(object["failed"] as? Int == 5)
        let failed = (object["scenarios"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }
        #expect(
            Set(failed.compactMap { $0["name"] as? String }) == [
                "get_product_not_found", "create_product", "get_customer", "create_customer",
                "create_order_zero_quantity",
            ])
        #expect(!outcome.standardOutput.contains("▶"), "progress stays off stdout in --json mode")
        for file in ["results.json", "junit.xml", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent(file).path), "\(file)")
        }
        let junit = try XMLDocument(contentsOf: reports.appendingPathComponent("junit.xml"))
        #expect(try junit.nodes(forXPath: "//testcase").count == 15)
        #expect(try junit.nodes(forXPath: "//testcase/failure").count == 5)
    }

    @Test func allPassingPlanExitsZero() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let plan = try app.write(
            "passing.json",
            """
            {"scenarios": [{"endpoint": "GET /health", "name": "health", "expected_status": 200},
                           {"endpoint": "GET /products", "name": "list", "expected_status": 200}]}
            """)
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--plan", plan.path])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("Total 2  Passed 2  Failed 0  Pass rate 100.0%"))
    }

    @Test func badPlanExitsTwoNamingFileAndFieldAndWritesNothing() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write(
            "smoke_test_plan.json",
            #"{"scenarios": [{"endpoint": "GET /products/{id}", "name": "get", "expected_status": 200}]}"#)
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--report-dir", app.url.appendingPathComponent("r").path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("smoke_test_plan.json: scenario 0 (\"get\"): field 'path_params.id'"))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent(".repair").path))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent("r").path))
        #expect(
            !FileManager.default.fileExists(atPath: app.url.appendingPathComponent("shop.db").path),
            "the app was not started")
    }

    @Test func badConfigExitsTwoNamingKey() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write("repair.toml", "version = 1\n[app]\nstart = \"python3 app.py\"\nstartup_timeout = \"soon\"\n")
        let outcome = try await CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("repair.toml: key 'app.startup_timeout' = \"soon\": expected a number"))
    }

    @Test func environmentOverridesTheConfig() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["REPAIR_SMOKE_PLAN"] = "missing.json"
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path], environment: environment)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("missing.json: not found"))
    }

    @Test func appThatCannotStartExitsOneWithItsOutput() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl,
            [
                "smoke", app.url.path, "--set",
                "app.start=python3 -c 'raise SystemExit(\"cannot import name Settings\")'",
            ])
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("The app did not come up: crash"))
        #expect(outcome.standardOutput.contains("cannot import name Settings"))
    }

    /// A result that cannot be written (stdout on a full disk: /dev/full fails every write
    /// with ENOSPC) is exit 3 with a message, not a trap.
    @Test func aResultThatCannotBeWrittenIsExit3() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        _ = try RepairDatabase.open(at: URL(fileURLWithPath: store))
        let outcome = try await CommandRunner.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "exec '\(CommandRunner.repairctl.path)' runs list --json --store '\(store)' >/dev/full"])
        #expect(outcome.status == 3, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("cannot write the result to standard output: No space left on device"))
    }

    @Test func helpExplainsTheCommand() async throws {
        let outcome = try await CommandRunner.run(CommandRunner.repairctl, ["smoke", "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("--report-dir"))
        #expect(outcome.standardOutput.contains("X-Request-ID"))
    }
}

@Suite struct RepairctlInterruptTests {
    @Test func interruptStopsTheAppAndExits130() async throws {
        let app = try TemporaryDirectory()
        defer { app.remove() }
        try app.write(
            "repair.toml",
            """
            version = 1
            [app]
            start = "echo $$ > app.pid; exec sleep \(Int(120 * Patience.factor))"
            startup_timeout = \(Int(60 * Patience.factor))
            """)
        try app.write(
            "smoke_test_plan.json", #"{"scenarios": [{"endpoint": "GET /", "name": "root", "expected_status": 200}]}"#)
        let process = Process()
        process.executableURL = CommandRunner.repairctl
        process.arguments = ["smoke", app.url.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pidFile = app.url.appendingPathComponent("app.pid")
        let deadline = ContinuousClock.now + Patience.seconds(20)
        while !FileManager.default.fileExists(atPath: pidFile.path), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let shellPID = try #require(
            pid_t(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The app's process group (led by the shell, or by bubblewrap when the app is confined).
        let appPID = getpgid(shellPID)
        #expect(appPID > 0 && !ProcessGroup.livingMembers(appPID).isEmpty)
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let gone = ContinuousClock.now + .seconds(5)
        while !ProcessGroup.livingMembers(appPID).isEmpty, ContinuousClock.now < gone {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(ProcessGroup.livingMembers(appPID).isEmpty, "the app is not left running after Ctrl-C")
    }
}

@Suite struct RepairctlDiagnosisTests {
    @Test func tracesListsACorpusFileAsJSON() async throws {
        let file = FixtureApps.corpus.appendingPathComponent("traces/java3.trace")
        let outcome = try await CommandRunner.run(CommandRunner.repairctl, ["traces", file.path, "--json"])
        #expect(outcome.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let traces = try #require(object["traces"] as? [[String: Any]])
        #expect(traces.count == 1)
        for key in ["language", "exception_type", "message", "frames", "cause", "start_line", "end_line"] {
            #expect(traces[0].keys.contains(key), "\(key)")
        }
        #expect(traces[0]["exception_type"] as? String == "java.lang.RuntimeException")
        let frame = try #require((traces[0]["frames"] as? [[String: Any]])?.first)
        #expect(Set(frame.keys).isSuperset(of: ["file", "line", "function", "in_app"]))
    }

    @Test func tracesReadsAUsersLogWithAppDir() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try directory.write(
            "server.log",
            """
            INFO:     Started server process
            ERROR:    Exception in ASGI application
            Traceback (most recent call last):
              File "/srv/other/lib.py", line 3, in helper
                return x[0]
              File "/srv/app/views.py", line 8, in show
                return helper(items)
            IndexError: list index out of range
            """)
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["traces", log.path, "--app-dir", "/srv/app"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("server.log:3-8  python"))
        #expect(outcome.standardOutput.contains("IndexError: list index out of range"))
        #expect(outcome.standardOutput.contains("▸ /srv/app/views.py:8 in show"))
        #expect(outcome.standardOutput.contains("  /srv/other/lib.py:3 in helper"))
    }

    @Test func tracesOfAMissingFileExitsTwo() async throws {
        let outcome = try await CommandRunner.run(CommandRunner.repairctl, ["traces", "/nonexistent/app.log"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("/nonexistent/app.log: not found"))
    }

    @Test func smokeJSONCarriesTheGroups() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let reports = app.url.appendingPathComponent("reports")
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--json", "--report-dir", reports.path])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        try #require(groups.count == 5)
        for key in [
            "key", "kind", "method", "route", "status", "count", "scenarios", "exception_type", "message", "frames",
            "location",
        ] {
            #expect(groups[0].keys.contains(key), "\(key)")
        }
        #expect(
            groups.map { $0["kind"] as? String } == [
                "crash", "crash", "route_missing", "missing_validation", "wrong_success_status",
            ])
        let location = try #require(groups[0]["location"] as? [String: Any])
        #expect(location["file"] as? String == "shop/services.py")
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect(
            scenarios.first { $0["name"] as? String == "create_product" }?["group"] as? String == groups[1]["key"]
                as? String)
        let html = try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Violation groups, worst first"))
        #expect(html.contains("KeyError: &#x27;product_name&#x27;") || html.contains("KeyError: 'product_name'"))
        #expect(html.contains("shop/services.py:25"))
    }
}

@Suite struct RepairctlPlanTests {
    @Test func generateWritesAPlanThatCheckCallsWhole() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = FixtureApps.corpus.appendingPathComponent("openapi/link-example.yaml")
        let out = directory.url.appendingPathComponent("plan.json")
        let generated = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "generate", "--openapi", spec.path, "--out", out.path])
        #expect(generated.status == 0)
        #expect(generated.standardError.contains("scenarios over 6 operations"))
        let check = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "check", out.path, "--openapi", spec.path, "--json"])
        #expect(check.status == 0)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        #expect(report["whole"] as? Bool == true)
        let stdout = try await CommandRunner.run(CommandRunner.repairctl, ["plan", "generate", "--openapi", spec.path])
        #expect(Data(stdout.standardOutput.utf8) == (try Data(contentsOf: out)), "stdout and --out hold the same bytes")
    }

    @Test func checkExitsOneWithTheFindings() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plan = try directory.write(
            "plan.json", #"{"scenarios": [{"endpoint": "GET /pets", "name": "happy_path", "expected_status": 200}]}"#)
        let spec = FixtureApps.corpus.appendingPathComponent("openapi/petstore-expanded.yaml")
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "check", plan.path, "--openapi", spec.path])
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("missing_happy_path  POST /pets"))
        #expect(outcome.standardOutput.contains("missing_not_found  GET /pets/{id}"))
    }

    @Test func badSpecExitsTwoNamingThePointerAndWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try directory.write(
            "openapi.yaml",
            """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /pets:
                get:
                  parameters: [{name: q, in: nowhere}]
                  responses: {"200": {description: ok}}
            """)
        let out = directory.url.appendingPathComponent("plan.json")
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "generate", "--openapi", spec.path, "--out", out.path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("openapi.yaml: at #/paths/~1pets/get/parameters/0: "))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func smokeDerivesThePlanFromTheConfiguredSpec() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--json", "--set", "smoke.openapi=openapi.json"])
        #expect(outcome.status == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["total"] as? Int == 34)
    }
}

@Suite struct RepairctlPlanEnrichmentTests {
    static let answer = """
        Here are extra scenarios:
        ```json
        {"scenarios": [
          {"endpoint": "POST /pets", "name": "rejects_blank_name", "description": "a blank name is refused",
           "payload": {"name": "   "}, "expected_status": [400, 422]},
          {"endpoint": "GET /owners", "name": "list_owners", "expected_status": 200},
          {"endpoint": "GET /pets/{id}", "name": "no_status"},
          {"endpoint": "POST /pets", "name": "happy_path", "payload": {"name": "x"}, "expected_status": 200},
          {"endpoint": "DELETE /pets/{id}", "name": "delete_twice", "path_params": {"id": 1}, "expected_status": 404},
          {"endpoint": "POST /pets", "name": "rejects_blank_name", "payload": {"name": ""}, "expected_status": 422}
        ]}
        ```
        """

    func environment(_ directory: TemporaryDirectory) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = directory.url.appendingPathComponent("cache").path
        environment["TEST_LLM_KEY"] = "sk-plan-test"
        return environment
    }

    @Test func extraScenariosAreValidatedAndTheCoreIsKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestLLMServer.start([["content": Self.answer]], in: directory)
        let config = try directory.write(
            "repair.toml",
            """
            version = 1
            [app]
            start = "none"
            [llm]
            provider = "openai"
            base_url = "\(server.baseURL)/v1"
            model = "test-model"
            api_key_env = "TEST_LLM_KEY"
            """)
        let rules = try directory.write("rules.md", "A pet's name must not be blank.")
        let spec = FixtureApps.corpus.appendingPathComponent("openapi/petstore-expanded.yaml")
        let out = directory.url.appendingPathComponent("plan.json")
        let arguments = [
            "plan", "generate", "--openapi", spec.path, "--llm", "--spec", rules.path, "--config", config.path, "--out",
            out.path,
        ]
        let first = try await CommandRunner.run(CommandRunner.repairctl, arguments, environment: environment(directory))
        #expect(first.status == 0, "\(first.standardError)")
        let plan = try SmokePlan.load(from: out)
        let core = PlanGenerator(spec: try OpenAPISpec.load(from: spec)).plan()
        #expect(Array(plan.scenarios.prefix(core.scenarios.count)) == core.scenarios, "the core is unchanged")
        #expect(plan.scenarios.dropFirst(core.scenarios.count).map(\.name) == ["rejects_blank_name", "delete_twice"])
        #expect(
            first.standardError.contains(
                "LLM scenario 1 (\"list_owners\") dropped: endpoint GET /owners is not in the spec"))
        #expect(
            first.standardError.contains("LLM scenario 2 (\"no_status\") dropped: field 'expected_status': missing"))
        #expect(
            first.standardError.contains(
                "LLM scenario 3 (\"happy_path\") dropped: name \"happy_path\" is already used on POST /pets"))
        #expect(first.standardError.contains("LLM scenario 5 (\"rejects_blank_name\") dropped"))
        #expect(!first.standardError.contains("sk-plan-test"))
        let sent = try #require(server.requests().first)
        #expect(sent.body.contains("A pet's name must not be blank."))
        #expect(sent.body.contains("\\\"temperature\\\":0") || sent.body.contains("\"temperature\":0"))

        // A rerun asks nothing and writes the same bytes.
        let written = try Data(contentsOf: out)
        let second = try await CommandRunner.run(
            CommandRunner.repairctl, arguments, environment: environment(directory))
        await server.stop()
        #expect(second.status == 0)
        #expect(second.standardError.contains("from the cache, no tokens"))
        #expect(server.requests().count == 1)
        #expect(try Data(contentsOf: out) == written)
    }

    @Test func llmWithoutAnLLMConfiguredExitsTwo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = FixtureApps.corpus.appendingPathComponent("openapi/petstore-expanded.yaml")
        let out = directory.url.appendingPathComponent("plan.json")
        var environment = ProcessInfo.processInfo.environment
        environment = environment.filter { !$0.key.hasPrefix("REPAIR_LLM") }
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "generate", "--openapi", spec.path, "--llm", "--out", out.path],
            environment: environment)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("--llm needs an LLM, and none is configured"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
