import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` of repairctl in the middle of a cycle: the next run puts everything back.
@Suite struct CrashSafetyTests {
    func processes(in directory: URL) -> [pid_t] { ProcessTable.processes(workingIn: directory) }

    func snapshot(_ app: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in ["shop/services.py", "shop/routes.py", "shop/models.py", "app.py"] {
            files[path] = try Data(contentsOf: app.appendingPathComponent(path))
        }
        return files
    }

    @Test func killedMidVerdictTheNextRunRollsBackAndReapsTheApp() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let before = try snapshot(app.url)
        let server = try await TestLLMServer.start(
            [["content": ShopFixes.searchReplace(ShopFixes.keyError)]], in: directory)
        var environment = server.repairEnvironment(store: directory.url.appendingPathComponent("store.sqlite"))
        // The rerun takes its time to come up (longer on a busy machine), so the kill lands
        // while the patch waits for its verdict. The app writes nothing to its pipe: a chatty
        // orphan would die of SIGPIPE once repairctl is gone, a quiet one lives on until it is
        // reaped.
        environment["REPAIR_APP_START"] = "sleep \(Int(5 * Patience.factor)); exec python3 app.py >/dev/null 2>&1"
        environment["REPAIR_APP_STARTUP_TIMEOUT"] = "\(Int(60 * Patience.factor))"

        // repairctl as a real process of its own (exec'd by the shell, so the pid is repairctl's).
        let output = try OutputCapture(logURL: directory.url.appendingPathComponent("repairctl.log"))
        let process = try ChildProcess.spawn(
            command: "exec '\(CommandRunner.repairctl.path)' once '\(app.url.path)'", directory: directory.url,
            environment: environment, output: output)
        // Kill as soon as the patched app is starting for its verdict: the patch's journal exists
        // and the rerun's app is up, and its slow start keeps that window open on a busy machine.
        let journal = app.url.appendingPathComponent(".repair/journal")
        func journaled() -> Bool {
            !((try? FileManager.default.contentsOfDirectory(atPath: journal.path)) ?? []).isEmpty
        }
        func verdictUnderWay() -> Bool {
            output.tailText(200).contains("verifying") && journaled() && !processes(in: app.url).isEmpty
        }
        let deadline = ContinuousClock.now + Patience.seconds(120)
        while !verdictUnderWay(), process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.pid, SIGKILL)
        #expect(output.tailText(200).contains("verifying"), "the cycle reached its verdict: \(output.tailText(40))")
        #expect(await process.waitForExit(timeout: Patience.seconds(60)) == .signaled(signal: SIGKILL))
        await server.stop()

        // Killed between the patch and its verdict: patched files, a journal, an orphaned app.
        try await Task.sleep(for: .seconds(2))
        #expect(!processes(in: app.url).isEmpty, "the killed cycle's app is still running")
        #expect(journaled())
        #expect(try snapshot(app.url) != before)

        environment = environment.filter { !$0.key.hasPrefix("REPAIR_LLM") && $0.key != "REPAIR_APP_START" }
        let next = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.url.path], environment: environment)
        #expect(
            next.standardError.contains("rolled back an unfinished change left by an earlier cycle: shop/services.py"))
        #expect(try snapshot(app.url) == before, "the files are as they were before the killed cycle")
        #expect(processes(in: app.url).isEmpty, "no app is left running")
        #expect(try RepairDatabase.open(at: directory.url.appendingPathComponent("store.sqlite")).isIntact())
    }
}
