import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// One cycle per app, and an interrupted cycle leaves the app's files as they were: `repairctl`
/// as a real process on a copy of the shop fixture, signalled at chosen instants.
@Suite(.serialized) struct InterruptTests {
    static let watched = ["shop/services.py", "shop/routes.py", "shop/models.py", "app.py"]

    func snapshot(_ app: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in Self.watched { files[path] = try Data(contentsOf: app.appendingPathComponent(path)) }
        return files
    }

    func journalEntries(_ app: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: app.appendingPathComponent(".repair/journal").path)) ?? []
    }

    /// The environment of a `repairctl` run: its own store, an app that takes `startDelay`
    /// seconds to come up, and the scripted LLM server when one is given.
    func environment(store: URL, startDelay: Int, llm: TestLLMServer? = nil, gate: URL? = nil) -> [String: String] {
        var environment =
            llm?.repairEnvironment(store: store)
            ?? ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }.merging([
                "REPAIR_STORE": store.path
            ]) {
                _, new in new
            }
        environment["REPAIR_APP_START"] = "sleep \(startDelay); exec python3 app.py"
        if let gate {
            // The app comes up only once the test opens the gate: the cycle holds the app until then.
            environment["REPAIR_APP_START"] = "while [ ! -e '\(gate.path)' ]; do sleep 0.1; done; exec python3 app.py"
        }
        return environment
    }

    /// `repairctl ARGUMENTS` as a process of its own (exec'd by the shell, so the pid is its).
    func start(
        _ arguments: [String], environment: [String: String], in directory: TemporaryDirectory
    ) throws
        -> ChildProcess
    {
        let output = try OutputCapture(
            logURL: directory.url.appendingPathComponent("repairctl-\(UUID().uuidString.prefix(6)).log"))
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        return try ChildProcess.spawn(
            command: "exec '\(CommandRunner.repairctl.path)' \(quoted)", directory: directory.url,
            environment: environment, output: output)
    }

    /// Polls `condition` until it holds, the process ends, or a generous limit passes.
    func waitUntil(_ process: ChildProcess, seconds: Int = 120, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + Patience.seconds(Double(seconds))
        while !condition(), process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func aSecondCycleOnTheSameAppIsRefusedNamingItsHolderAndAWaiterFollowsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let before = try snapshot(app.url)
        // Inside the app: a confined app sees no other folder of /tmp.
        let gate = app.url.appendingPathComponent("gate")
        let store = directory.url.appendingPathComponent("store.sqlite")
        let environment = environment(store: store, startDelay: 0, gate: gate)

        let first = try start(["once", app.url.path], environment: environment, in: directory)
        let held = try await waitUntil(first) { AppLock.holder(appDirectory: app.url) != nil }
        #expect(held, "the first cycle takes the app's lock: \(first.output.tailText(20))")
        let holder = try #require(AppLock.holder(appDirectory: app.url))
        #expect(holder.pid == first.pid && holder.purpose == "repairctl once")

        for command in ["once", "smoke"] {
            let second = try await CommandRunner.run(
                CommandRunner.repairctl, [command, app.url.path], environment: environment)
            #expect(second.status == 2, "\(command): \(second.standardError)")
            #expect(
                second.standardError.contains("is being repaired by repairctl once (pid \(first.pid) on "),
                "\(command): \(second.standardError)")
            #expect(!second.standardError.contains("rolled back"))
        }
        let waiter = try start(["once", "--wait", "600", app.url.path], environment: environment, in: directory)
        // The waiter is waiting for the lock before the first cycle may go on.
        _ = try await Patience.waitUntil(60) { waiter.output.tailText(50).contains("waiting") || !waiter.isRunning }
        try Data().write(to: gate)

        #expect(await first.waitForExit(timeout: Patience.seconds(300)) == .exited(code: 1))
        #expect(await waiter.waitForExit(timeout: Patience.seconds(300)) == .exited(code: 1))
        let runs = try RepairDatabase.open(at: store).runs()
        try #require(runs.count == 2, "\(runs.map(\.id))")
        #expect(
            runs[0].startedAt >= (runs[1].finishedAt ?? .distantFuture),
            "the waiter's cycle began after the first ended")
        for process in [first, waiter] {
            let text = process.output.tailText(200)
            #expect(text.contains("smoke:") && !text.contains("rolled back"), "\(text)")
        }
        #expect(try snapshot(app.url) == before)
        #expect(AppLock.holder(appDirectory: app.url) == nil, "the lock ends with its holder")
    }

    /// Where a signal lands in a cycle.
    enum Instant: String, CaseIterable, Sendable {
        /// The first smoke pass's app is starting.
        case appStarting
        /// The LLM is being asked (it takes its time to answer).
        case asking
        /// A patch is written and its verdict's rerun is under way.
        case verifying
    }

    @Test(arguments: [
        (Instant.appStarting, SIGINT), (Instant.asking, SIGTERM), (Instant.verifying, SIGINT),
        (Instant.verifying, SIGTERM),
    ])
    func anInterruptedCycleRollsBackStopsTheAppAndSaysSo(instant: Instant, signal: Int32) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let before = try snapshot(app.url)
        var answer: [String: Any] = ["content": ShopFixes.searchReplace(ShopFixes.keyError)]
        if instant == .asking { answer["delay"] = 120 }
        let server = try await TestLLMServer.start([answer], in: directory)
        let store = directory.url.appendingPathComponent("store.sqlite")
        // A slow start keeps each window open on a busy machine.
        let once = try start(
            ["once", app.url.path], environment: environment(store: store, startDelay: 3, llm: server), in: directory)

        let reached = try await waitUntil(once) {
            let text = once.output.tailText(200)
            switch instant {
            case .appStarting:
                return AppLock.holder(appDirectory: app.url) != nil
                    && !ProcessTable.processes(workingIn: app.url).isEmpty
            case .asking: return text.contains("asking the LLM") && !server.requests().isEmpty
            case .verifying:
                return text.contains("verifying") && !journalEntries(app.url).isEmpty
                    && !ProcessTable.processes(workingIn: app.url).isEmpty
            }
        }
        #expect(reached, "\(instant) was reached: \(once.output.tailText(30))")
        kill(once.pid, signal)
        let status = await once.waitForExit(timeout: Patience.seconds(120))
        await server.stop()
        #expect(status == .exited(code: 128 + signal), "\(String(describing: status)): \(once.output.tailText(30))")

        let text = once.output.tailText(200)
        let said = signal == SIGINT ? "interrupted;" : "terminated;"
        #expect(text.contains("\(said) the app was stopped"), "\(text)")
        // On a loaded machine the signal can land later than the instant aimed at (an app start
        // is also the verifying rerun's): what is said follows where the cycle really was.
        if instant == .verifying {
            #expect(text.contains("unjudged changes rolled back: shop/services.py"), "\(text)")
        } else if text.contains("verifying") {
            #expect(
                text.contains("unjudged changes rolled back: shop/services.py")
                    || text.contains("no unjudged change was left"), "\(text)")
        } else {
            #expect(text.contains("no unjudged change was left"), "\(text)")
        }
        #expect(try snapshot(app.url) == before, "the files are as they were")
        #expect(journalEntries(app.url).isEmpty, "no journal is left for the next run")
        // SIGKILL was sent to the app's group; the kernel may take a moment to reap it.
        _ = try await Patience.waitUntil(30) { ProcessTable.processes(workingIn: app.url).isEmpty }
        #expect(ProcessTable.processes(workingIn: app.url).isEmpty, "no app is left running")
        #expect(AppLock.holder(appDirectory: app.url) == nil)
        #expect(try RepairDatabase.open(at: store).isIntact())
    }

    /// `kill -9` while the LLM is answering: every call sent is in the store, and the next cycle
    /// closes the killed run as interrupted. The example's five groups are asked at once (four
    /// at a time): the first gets its answer, which frees a slot for the fifth; the other four
    /// hang, so once the server has seen all five nothing more is on its way.
    @Test func aKilledCyclesSpendIsKeptAndTheNextCycleClosesItsRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let server = try await TestLLMServer.start(
            [["content": ShopFixes.searchReplace(ShopFixes.keyError)], ["content": "thinking", "delay": 120]],
            in: directory)
        let store = directory.url.appendingPathComponent("store.sqlite")
        let once = try start(
            ["once", app.url.path], environment: environment(store: store, startDelay: 0, llm: server), in: directory)
        let allAsked = try await waitUntil(once) { server.requests().count >= 5 }
        #expect(allAsked, "\(once.output.tailText(30))")
        kill(once.pid, SIGKILL)
        _ = await once.waitForExit(timeout: Patience.seconds(60))
        let sent = server.requests().count
        await server.stop()

        let database = try RepairDatabase.open(at: store)
        let killed = try #require(try database.runs().first)
        #expect(killed.finishedAt == nil)
        #expect(killed.llmCalls == sent, "every request the server saw is recorded: \(killed.llmCalls) of \(sent)")
        #expect(killed.tokensIn > 0)

        let next = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.url.path], environment: environment(store: store, startDelay: 0))
        #expect(next.status == 1, "\(next.standardError)")
        let closed = try #require(try database.run(id: killed.id)?.run)
        #expect(closed.finishedAt != nil && closed.healed == false)
        #expect(closed.stopReason?.hasPrefix("interrupted") == true, "\(closed.stopReason ?? "")")
        #expect(closed.llmCalls == sent, "closing keeps the spend")
    }
}
