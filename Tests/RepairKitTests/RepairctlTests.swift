import Foundation
import RepairKit
import RepairTestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The `repairctl` executable as a user runs it: exit codes, output, files written.
@Suite struct RepairctlTests {
    @Test func smokeJSONListsThePlantedBugsAndExitsOne() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let reports = app.url.appendingPathComponent("reports")
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path, "--json", "--report-dir", reports.path])
        #expect(outcome.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["total"] as? Int == 15)
        #expect(object["failed"] as? Int == 5)
        let failed = (object["scenarios"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }
        #expect(Set(failed.compactMap { $0["name"] as? String }) == [
            "get_product_not_found", "create_product", "get_customer", "create_customer", "create_order_zero_quantity"])
        #expect(!outcome.standardOutput.contains("▶"), "progress stays off stdout in --json mode")
        for file in ["results.json", "junit.xml", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent(file).path), "\(file)")
        }
        let junit = try XMLDocument(contentsOf: reports.appendingPathComponent("junit.xml"))
        #expect(try junit.nodes(forXPath: "//testcase").count == 15)
        #expect(try junit.nodes(forXPath: "//testcase/failure").count == 5)
    }

    @Test func allPassingPlanExitsZero() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let plan = try app.write("passing.json", """
        {"scenarios": [{"endpoint": "GET /health", "name": "health", "expected_status": 200},
                       {"endpoint": "GET /products", "name": "list", "expected_status": 200}]}
        """)
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path, "--plan", plan.path])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("Total 2  Passed 2  Failed 0  Pass rate 100.0%"))
    }

    @Test func badPlanExitsTwoNamingFileAndFieldAndWritesNothing() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write("smoke_test_plan.json", #"{"scenarios": [{"endpoint": "GET /products/{id}", "name": "get", "expected_status": 200}]}"#)
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path, "--report-dir", app.url.appendingPathComponent("r").path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("smoke_test_plan.json: scenario 0 (\"get\"): field 'path_params.id'"))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent(".repair").path))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent("r").path))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent("shop.db").path), "the app was not started")
    }

    @Test func badConfigExitsTwoNamingKey() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write("repair.toml", "version = 1\n[app]\nstart = \"python3 app.py\"\nstartup_timeout = \"soon\"\n")
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("repair.toml: key 'app.startup_timeout' = \"soon\": expected a number"))
    }

    @Test func environmentOverridesTheConfig() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["REPAIR_SMOKE_PLAN"] = "missing.json"
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path], environment: environment)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("missing.json: not found"))
    }

    @Test func appThatCannotStartExitsOneWithItsOutput() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path, "--set", "app.start=python3 -c 'raise SystemExit(\"cannot import name Settings\")'"])
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("The app did not come up: crash"))
        #expect(outcome.standardOutput.contains("cannot import name Settings"))
    }

    @Test func helpExplainsTheCommand() throws {
        let outcome = try CommandRunner.run(CommandRunner.repairctl, ["smoke", "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("--report-dir"))
        #expect(outcome.standardOutput.contains("X-Request-ID"))
    }
}

@Suite struct RepairctlInterruptTests {
    @Test func interruptStopsTheAppAndExits130() async throws {
        let app = try TemporaryDirectory()
        defer { app.remove() }
        try app.write("repair.toml", """
        version = 1
        [app]
        start = "echo $$ > app.pid; exec sleep 30"
        startup_timeout = 60
        """)
        try app.write("smoke_test_plan.json", #"{"scenarios": [{"endpoint": "GET /", "name": "root", "expected_status": 200}]}"#)
        let process = Process()
        process.executableURL = CommandRunner.repairctl
        process.arguments = ["smoke", app.url.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pidFile = app.url.appendingPathComponent("app.pid")
        let deadline = ContinuousClock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: pidFile.path), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let appPID = try #require(pid_t(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ProcessGroup.livingMembers(appPID).isEmpty)
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
