import Foundation
import RepairKit
import RepairTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Three `repaird` with separate state directories play three hosts sharing one PostgreSQL
/// store: one queue, one library.
@Suite struct FleetTests {
    let helper = DaemonProcessTests()

    /// A fleet's store: a fresh database in the test cluster, and the environment its daemons get.
    struct Fleet {
        let cluster: PostgresCluster
        let url: URL
        let database: RepairDatabase
        let queue: JobQueue
        let directory: TemporaryDirectory

        static func make() async throws -> Fleet {
            let cluster = try await PostgresCluster.start()
            let endpoint = try await cluster.database()
            let database = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
            return Fleet(
                cluster: cluster, url: try #require(URL(string: endpoint.description)), database: database,
                queue: JobQueue(database), directory: try TemporaryDirectory())
        }

        /// The environment of host `index`: the store's password, a state directory of its own.
        func environment(host index: Int) -> [String: String] {
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
            environment.merge(cluster.environment) { $1 }
            environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("host-\(index)").path
            return environment
        }
    }

    func start(_ fleet: Fleet, host index: Int, extra: [String] = []) throws -> ChildProcess {
        try helper.startDaemon(
            store: fleet.url, in: fleet.directory, extra: extra, environment: fleet.environment(host: index))
    }

    func stop(_ daemon: ChildProcess) async -> RepairKit.ExitStatus? {
        kill(daemon.pid, SIGTERM)
        return await daemon.waitForExit(timeout: Patience.seconds(60))
    }

    /// A copy of the example app named `name` in the fleet's folder, asking `server`
    /// (`shipped` false: only what the fleet learns is in its library).
    func shopApp(_ name: String, in fleet: Fleet, llm server: TestLLMServer) throws -> URL {
        let copy = try FixtureApps.copy("shop-api")
        let app = fleet.directory.url.appendingPathComponent(name)
        try FileManager.default.moveItem(at: copy.url, to: app)
        var config = try String(contentsOf: app.appendingPathComponent("repair.toml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "shipped = true", with: "shipped = false")
        config += "\n[llm]\nprovider = \"ollama\"\nbase_url = \"\(server.baseURL)/v1\"\nmodel = \"scripted\"\n"
        try config.write(to: app.appendingPathComponent("repair.toml"), atomically: true, encoding: .utf8)
        return app
    }

    /// The daemon's pid from a worker name (`worker-N-HOST-PID`).
    func daemonPID(of worker: String) -> String {
        String(worker.split(separator: "-").last ?? "")
    }

    @Test func thirtyJobsThroughThreeDaemonsEndExactlyOnce() async throws {
        let fleet = try await Fleet.make()
        defer { fleet.directory.remove() }
        // The first host serves /metrics: the store's figures are the whole fleet's.
        let port = try #require(LocalPort.free())
        var daemons: [ChildProcess] = []
        for host in 0..<3 {
            let http = host == 0 ? ["--http", "127.0.0.1:\(port)"] : []
            daemons.append(try start(fleet, host: host, extra: ["--workers", "2"] + http))
        }
        // Every daemon is up and listening before the work arrives: the three share it.
        let up = try await helper.waitUntil(90) {
            daemons.allSatisfy { $0.output.tailText(200).contains("repaird.started") }
        }
        #expect(up, "\(daemons.map { $0.output.tailText(10) })")
        for index in 0..<30 {
            try fleet.queue.enqueue(try helper.healthyApp(in: fleet.directory.url, name: "app-\(index)"))
        }
        let done = try await helper.waitUntil(300) { try fleet.queue.jobs().allSatisfy(\.state.isFinal) }
        let metrics = DaemonMetricsTests()
        let scrape = try await metrics.get("http://127.0.0.1:\(port)/metrics").text
        #expect(metrics.sample(scrape, #"repaird_jobs{state="healed",priority="normal"}"#) == 30, "\(scrape)")
        #expect(metrics.sample(scrape, "repaird_claim_latency_seconds_count") == 30)
        #expect(metrics.sample(scrape, "repaird_pass_rate_gain_count") == 30)
        #expect(metrics.sample(scrape, "repaird_store_up") == 1)
        let again = try await metrics.get("http://127.0.0.1:\(port)/metrics").text
        #expect(metrics.sample(again, "repaird_claim_latency_seconds_count") == 30, "nothing counted twice")
        #expect(try await metrics.get("http://127.0.0.1:\(port)/readyz").status == 200)
        var endings: [RepairKit.ExitStatus?] = []
        for daemon in daemons { endings.append(await stop(daemon)) }

        let jobs = try fleet.queue.jobs()
        #expect(done, "\(jobs.map(\.state))")
        #expect(jobs.count == 30, "no job lost or added")
        #expect(jobs.allSatisfy { $0.state == .healed && $0.claims == 1 }, "\(jobs.map { "\($0.state) \($0.claims)" })")
        // Each app was healed once: one run each, thirty in all.
        let runs = try fleet.database.runs(limit: 500)
        #expect(runs.count == 30 && Set(runs.map(\.appDirectory)).count == 30, "\(runs.map(\.appDirectory))")
        let claimedBy = Set(jobs.compactMap(\.worker).map(daemonPID))
        #expect(claimedBy == Set(daemons.map { "\($0.pid)" }), "every daemon took jobs: \(jobs.compactMap(\.worker))")
        #expect(endings.allSatisfy { $0 == .exited(code: 0) }, "\(endings)")
    }

    /// One of three daemons killed with -9 at random instants, ten times, while they heal apps
    /// with real patches: every job ends once, healed; no app is left with an unjudged change.
    @Test func tenKillsOfOneDaemonInThreeLoseAndDoubleNothing() async throws {
        let fleet = try await Fleet.make()
        defer { fleet.directory.remove() }
        let source = FixtureApps.source("shop-api")
        // Each answer takes 0.4 s, so kills land in the middle of work.
        let gate = fleet.directory.url.appendingPathComponent("llm-gate")
        let server = try await TestLLMServer.start(
            try ShopFixes.answersByFailure(in: source, delay: 0.4) + [["content": "no idea"]], in: fleet.directory,
            gate: gate)
        let apps = try (0..<8).map { try shopApp("shop-\($0)", in: fleet, llm: server) }
        for app in apps { try fleet.queue.enqueue(app) }
        let original = try String(contentsOf: source.appendingPathComponent("shop/services.py"), encoding: .utf8)
        let options = ["--lease", "2"]
        var daemons = try (0..<3).map { try start(fleet, host: $0, extra: options) }
        var random = SeededGenerator(seed: 11)
        var kills = 0
        var interrupted = 0
        for round in 0..<10 {
            let victim: Int
            if round < 2 {
                // The first two kills land while a daemon's job waits for an answer the server
                // holds back, however slowly the machine runs: they surely interrupt claimed
                // work, which another daemon must take over once its lease runs out.
                try Data().write(to: gate)
                let asked = server.requests().count
                let waiting = try await helper.waitUntil(120) { server.requests().count > asked }
                #expect(waiting, "a daemon asked the LLM")
                let holders = Set(
                    try fleet.queue.jobs().filter { $0.state == .running }.compactMap(\.worker).map(daemonPID))
                victim = daemons.firstIndex { holders.contains("\($0.pid)") } ?? 0
            } else {
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...1500, using: &random)))
                victim = Int.random(in: 0..<3, using: &random)
            }
            if try fleet.queue.jobs().contains(where: {
                $0.state == .running && $0.worker.map(daemonPID) == "\(daemons[victim].pid)"
            }) {
                interrupted += 1
            }
            kill(daemons[victim].pid, SIGKILL)
            _ = await daemons[victim].waitForExit(timeout: Patience.seconds(30))
            try? FileManager.default.removeItem(at: gate)
            kills += 1
            daemons[victim] = try start(fleet, host: victim, extra: options)
            if try fleet.queue.jobs().allSatisfy(\.state.isFinal) { break }
        }
        let done = try await helper.waitUntil(300) { try fleet.queue.jobs().allSatisfy(\.state.isFinal) }
        for daemon in daemons { _ = await stop(daemon) }
        await server.stop()

        let jobs = try fleet.queue.jobs()
        print("fleet: \(kills) kills, \(interrupted) of a daemon holding a job; claims \(jobs.map(\.claims))")
        #expect(done, "\(jobs.map { "\($0.state) after \($0.claims) claims" })")
        #expect(jobs.count == 8, "no job lost or added")
        #expect(interrupted >= 2, "\(kills) kills, \(interrupted) of a daemon holding a job")
        #expect(
            jobs.reduce(0) { $0 + $1.claims } > jobs.count,
            "\(kills) kills interrupted jobs, which were claimed again: \(jobs.map(\.claims))")
        #expect(jobs.allSatisfy { $0.state == .healed }, "\(jobs.map { "\($0.state): \($0.reason ?? "")" })")
        try DaemonKillStressTests.expectHealedAsJudged(apps, original: original)
        // Each app was finished exactly once: one heal run ended for it with a verdict.
        let finished = try fleet.database.runs(limit: 500).filter { $0.finishedAt != nil && $0.healed == true }
        #expect(
            finished.count == 8 && Set(finished.map(\.appDirectory)).count == 8,
            "\(kills) kills, \(interrupted) interrupting: \(finished.map(\.appDirectory))")
    }

    /// A daily token budget holds across the fleet: two daemons heal six apps whose every
    /// group asks the LLM, with room for far fewer asks; what the store recorded as spent today
    /// stays within it, and the asks it had no room for were not sent.
    @Test func aDailyTokenBudgetHoldsAcrossDaemons() async throws {
        let fleet = try await Fleet.make()
        defer { fleet.directory.remove() }
        // Answers with no edit: every group of every app asks, once.
        let server = try await TestLLMServer.start([["content": "no idea"]], in: fleet.directory)
        for index in 0..<6 { try fleet.queue.enqueue(try shopApp("shop-\(index)", in: fleet, llm: server)) }
        let limit = 20_000
        let daemons = try (0..<2).map { try start(fleet, host: $0, extra: ["--daily-tokens", "\(limit)"]) }
        let done = try await helper.waitUntil(300) { try fleet.queue.jobs().allSatisfy(\.state.isFinal) }
        for daemon in daemons { _ = await stop(daemon) }
        await server.stop()
        #expect(done, "\(daemons.map { $0.output.tailText(10) })")

        let spent = try fleet.database.spend(since: RepairDatabase.DailyLimit.dayStart())
        #expect(spent.tokens > 0 && spent.tokens <= limit, "\(spent.tokens) tokens spent today, budget \(limit)")
        #expect(spent.calls == server.requests().count, "every ask sent was counted")
        var refused: [String] = []
        for run in try fleet.database.runs(limit: 100) {
            let details = try #require(try fleet.database.run(id: run.id))
            refused += details.attempts.filter { $0.outcome == AttemptOutcome.budgetExhausted.rawValue }.map(\.detail)
        }
        #expect(!refused.isEmpty, "some asks found no room")
        #expect(refused.allSatisfy { $0.contains("daily budget of \(limit) tokens") }, "\(refused)")
        let hosts = Set(try fleet.queue.jobs().compactMap(\.worker).map(daemonPID))
        #expect(hosts.count == 2, "both daemons healed: \(hosts)")
    }

    /// An idle daemon on a shared store does not read the queue: told by the store's
    /// notification, it claims what another host enqueued, and a job that waited behind
    /// another host's job for the same app once that host finishes. (It would otherwise not
    /// look for an hour: `--idle-read 3600`.)
    @Test func anIdleDaemonWakesOnTheStoresNotification() async throws {
        let fleet = try await Fleet.make()
        defer { fleet.directory.remove() }
        let daemon = try start(fleet, host: 0, extra: ["--idle-read", "3600"])
        try fleet.queue.enqueue(try helper.healthyApp(in: fleet.directory.url, name: "first"))
        let first = try await helper.waitUntil(120) { try fleet.queue.jobs().allSatisfy(\.state.isFinal) }
        #expect(first, "\(daemon.output.tailText(20))")
        // Idle: its worker found nothing more and exited, and the pool stopped reading.
        let idle = try await helper.waitUntil(60) { helper.children(of: daemon.pid).isEmpty }
        #expect(idle)
        // Another host enqueues.
        let other = try RepairDatabase.open(fleet.url.absoluteString, environment: fleet.cluster.environment)
        try JobQueue(other).enqueue(try helper.healthyApp(in: fleet.directory.url, name: "second"))
        let second = try await helper.waitUntil(120) {
            try fleet.queue.jobs().count == 2 && fleet.queue.jobs().allSatisfy(\.state.isFinal)
        }
        #expect(second, "the notification woke the daemon: \(daemon.output.tailText(20))")
        #expect(await stop(daemon) == .exited(code: 0))

        // Another host heals an app and a job for the same app waits behind it: a daemon that
        // has looked at the queue (its /healthz answers after its first look) finds nothing to
        // claim, and is told when that host finishes.
        let otherQueue = JobQueue(other)
        let third = try helper.healthyApp(in: fleet.directory.url, name: "third")
        try otherQueue.enqueue(third)
        let held = try #require(try otherQueue.claim(worker: "worker-1-elsewhere-1", lease: 600))
        let behind = try otherQueue.enqueue(third).job
        #expect(behind.id != held.id, "a second job waits behind the running one")
        let port = try #require(LocalPort.free())
        let restarted = try start(fleet, host: 0, extra: ["--idle-read", "3600", "--http", "127.0.0.1:\(port)"])
        var looked = false
        let deadline = ContinuousClock.now + Patience.seconds(120)
        while !looked && ContinuousClock.now < deadline {
            looked = (try? await DaemonMetricsTests().get("http://127.0.0.1:\(port)/healthz").status) == 200
            if !looked { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(looked, "\(restarted.output.tailText(20))")
        #expect(try fleet.queue.jobs().first { $0.id == behind.id }?.state == .queued)
        #expect(try otherQueue.finish(held, as: .healed, reason: "healed elsewhere", runID: nil))
        let claimed = try await helper.waitUntil(120) {
            try fleet.queue.jobs().first { $0.id == behind.id }?.state.isFinal == true
        }
        #expect(claimed, "the finish woke the daemon: \(restarted.output.tailText(20))")
        #expect(await stop(restarted) == .exited(code: 0))
    }

    /// A pattern learned through daemon A heals daemon B's app with no LLM call.
    @Test func aPatternLearnedThroughOneDaemonHealsAnothersAppWithNoLLMCall() async throws {
        let fleet = try await Fleet.make()
        defer { fleet.directory.remove() }
        let source = FixtureApps.source("shop-api")
        let teacher = try await TestLLMServer.start(try ShopFixes.answersByFailure(in: source), in: fleet.directory)
        let silent = try await TestLLMServer.start([["content": "no idea"]], in: fleet.directory)
        defer {
            Task {
                await teacher.stop()
                await silent.stop()
            }
        }
        let daemonA = try start(fleet, host: 0)
        try fleet.queue.enqueue(try shopApp("shop-a", in: fleet, llm: teacher))
        let learned = try await helper.waitUntil(300) { try fleet.queue.jobs().allSatisfy(\.state.isFinal) }
        #expect(learned, "\(daemonA.output.tailText(30))")
        #expect(await stop(daemonA) == .exited(code: 0))
        #expect(!teacher.requests().isEmpty, "daemon A asked the LLM")
        #expect(try !fleet.database.patterns().isEmpty, "daemon A's worker learned patterns into the shared store")

        let daemonB = try start(fleet, host: 1)
        try fleet.queue.enqueue(try shopApp("shop-b", in: fleet, llm: silent))
        let healed = try await helper.waitUntil(300) {
            try fleet.queue.jobs().count == 2 && fleet.queue.jobs().allSatisfy(\.state.isFinal)
        }
        #expect(healed, "\(daemonB.output.tailText(30))")
        #expect(await stop(daemonB) == .exited(code: 0))
        let jobs = try fleet.queue.jobs()
        #expect(jobs.allSatisfy { $0.state == .healed }, "\(jobs.map { "\($0.state): \($0.reason ?? "")" })")
        #expect(silent.requests().isEmpty, "daemon B healed from the library, asking nothing")
        let runB = try #require(try fleet.database.runs().first { $0.appDirectory.hasSuffix("shop-b") })
        #expect(runB.healed == true && runB.llmCalls == 0)
        #expect(Set(jobs.compactMap(\.worker).map(daemonPID)) == ["\(daemonA.pid)", "\(daemonB.pid)"])
    }
}
