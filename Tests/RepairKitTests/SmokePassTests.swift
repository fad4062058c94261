import Foundation
import Logging
import RepairKit
import RepairTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SmokePassTests {
    func pass(_ app: TemporaryDirectory, overrides: [String] = []) throws -> SmokePass {
        let inputs = try SmokeInputs.load(appDirectory: app.url, overrides: overrides, environment: [:])
        return SmokePass(appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
                         logger: Logger(label: "repaird.test"))
    }

    func failures(_ run: SmokeRun) -> [String: Int?] {
        Dictionary(uniqueKeysWithValues: run.results.filter { !$0.passed }.map { ($0.scenario.name, $0.actualStatus) })
    }

    @Test func exampleAppFailsExactlyItsPlantedBugs() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let run = try await pass(app).run()
        #expect(run.appFailure == nil)
        #expect(run.total == 15)
        #expect(failures(run) == [
            "get_product_not_found": 500,   // crashes on a missing record
            "create_product": 500,          // reads the payload field under the wrong name
            "get_customer": 404,            // handler never registered
            "create_customer": 200,         // answers 200 instead of 201
            "create_order_zero_quantity": 201, // no validation of quantity
        ])
        #expect(run.results.allSatisfy { $0.failureKind == nil || $0.failureKind == .statusMismatch })
        // Every request carried its own id, and the app's traceback names the crashing ones.
        #expect(Set(run.results.map(\.requestID)).count == 15)
        let log = try String(contentsOf: run.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)
        let crash = try #require(run.results.first { $0.scenario.name == "create_product" })
        #expect(log.contains("request_id=\(crash.requestID)"))
        #expect(log.contains("KeyError: 'product_name'"))
        #expect(run.appExit != nil)
    }

    @Test func nodeAppWithDifferentStyleIsJudgedTheSameWay() async throws {
        let app = try FixtureApps.copy("notes-node")
        defer { app.remove() }
        let run = try await pass(app).run()
        #expect(run.appFailure == nil)
        #expect(failures(run) == ["get_note_not_found": 500, "create_note": 200, "update_note": 404])
        let log = try String(contentsOf: run.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)
        #expect(log.contains("TypeError: Cannot read properties of undefined"))
        #expect(log.contains("GET /notes?q=milk%20%26%20eggs 200"))
    }

    @Test func concurrencyGivesTheSameVerdicts() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let serial = try await pass(app).run()
        let parallel = try await pass(app, overrides: ["smoke.concurrency=4"]).run()
        #expect(parallel.results.map(\.scenario.name) == serial.results.map(\.scenario.name))
        #expect(parallel.results.map(\.actualStatus) == serial.results.map(\.actualStatus))
        #expect(parallel.results.map(\.passed) == serial.results.map(\.passed))
    }

    @Test func appKilledMidRunFailsTheRestAsAppDiedAndTheRunGoesOn() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
        let host = FixtureServer.host(directory: app.url, settings: inputs.config.app)
        let running = try await host.start()
        let executor = SmokeExecutor(baseURL: running.baseURL, requestTimeout: .seconds(3),
                                     output: running.output, appExitStatus: { running.process.exitStatus() })
        let client = try HTTPClient()
        let first = await executor.send(inputs.plan.scenarios[0], with: client)
        kill(-running.process.pid, SIGKILL)
        let rest = try await executor.run(Array(inputs.plan.scenarios[1...4]))
        await running.stop()
        #expect(first.passed)
        #expect(rest.count == 4)
        #expect(rest.allSatisfy { $0.failureKind == .appDied && $0.actualStatus == nil })
        #expect(rest[0].error?.contains("signal 9") == true)
    }

    @Test func appDirectoryWithoutATrailingSlashFindsItsPlan() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let bare = URL(fileURLWithPath: app.url.path.hasSuffix("/") ? String(app.url.path.dropLast()) : app.url.path, isDirectory: false)
        let inputs = try SmokeInputs.load(appDirectory: bare, environment: [:])
        #expect(inputs.planFile.path == app.url.appendingPathComponent("smoke_test_plan.json").path)
    }

    @Test func appThatCannotStartMakesEveryScenarioUnavailable() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write("app.py", "import fastapi_missing_dependency\n")
        let run = try await pass(app).run()
        let failure = try #require(run.appFailure)
        #expect(failure.kind == .crash)
        #expect(failure.outputTail.contains("ModuleNotFoundError"))
        #expect(run.passed == 0 && run.total == 15)
        #expect(run.results.allSatisfy { $0.failureKind == .appUnavailable })
    }
}
