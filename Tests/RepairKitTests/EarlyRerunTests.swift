import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// The rerun that judges an iteration's fixes starts as soon as they are in place, beside
/// their checks: kept when every check passes, stopped before anything is rolled back when
/// one fails.
@Suite(.serialized) struct EarlyRerunTests {
    /// The example app, healing its KeyError, with `check` as given; each start notes its
    /// shell's pid and the time in `starts`.
    func cycle(
        check: String, answer: String, directory: TemporaryDirectory
    ) async throws -> (app: TemporaryDirectory, cycle: HealCycle, server: TestLLMServer) {
        let (app, server, cycle) = try await HealCycleTests().app(
            [["content": answer]], directory: directory, planScenarios: ["create_product", "list_products"],
            maxIterations: 1
        ) { config in
            config.app.start = "echo \"$$ $(date +%s.%N)\" >> starts; " + config.app.start
            config.app.check = check
        }
        return (app, cycle, server)
    }

    /// (pid, time) of each start, in order.
    func starts(_ app: TemporaryDirectory) throws -> [(pid: pid_t, time: Double)] {
        try String(contentsOf: app.url.appendingPathComponent("starts"), encoding: .utf8)
            .split(separator: "\n").map { line in
                let fields = line.split(separator: " ")
                return (pid_t(fields[0])!, Double(fields[1])!)
            }
    }

    /// Seconds the check waits: long beside an app start, on any machine the suite runs on.
    var checkPause: Int { Int(4 * Patience.factor) }

    @Test func theRerunStartsWhileTheChecksRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let check = "python3 -m py_compile {files} && sleep \(checkPause) && date +%s.%N > checked"
        let (app, cycle, server) = try await cycle(
            check: check, answer: ShopFixes.searchReplace(ShopFixes.keyError), directory: directory)
        defer { app.remove() }
        let report = try await cycle.run()
        await server.stop()
        #expect(report.healed, "\(report.stopReason)")
        let checked = try #require(
            Double(
                String(contentsOf: app.url.appendingPathComponent("checked"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        let times = try starts(app).map(\.time)
        #expect(times.count == 2, "the first pass and the rerun: \(times)")
        #expect(times.last! < checked, "the rerun's app started before its check had finished")
    }

    @Test func aFailedCheckStopsTheEarlyRerunBeforeTheFixIsRolledBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The fix is sound; its check fails late, once the early rerun's app is up.
        let check = "sleep \(checkPause); echo 'the check says no' >&2; exit 1"
        let (app, cycle, server) = try await cycle(
            check: check, answer: ShopFixes.searchReplace(ShopFixes.keyError), directory: directory)
        defer { app.remove() }
        let services = app.url.appendingPathComponent("shop/services.py")
        let before = try Data(contentsOf: services)
        let report = try await cycle.run()
        await server.stop()
        let attempts = report.iterations.flatMap(\.attempts)
        #expect(attempts.contains { $0.outcome == .checkFailed }, "\(attempts.map(\.outcome))")
        #expect(attempts.allSatisfy { $0.outcome != .kept })
        #expect(try Data(contentsOf: services) == before, "the fix was rolled back")
        let started = try starts(app)
        #expect(started.count >= 2, "the early rerun started: \(started)")
        // A pid still in use in the app's folder is one of its apps (a recycled one is elsewhere).
        let folder = app.url.resolvingSymlinksInPath().path
        for (pid, _) in started {
            let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
            #expect(cwd != folder, "app \(pid) was stopped")
        }
        #expect(!report.healed)
    }
}
