// repaird as a fleet on one PostgreSQL store: jobs per minute of a trivial healthy app through
// 1, 2 and 4 daemons × 2 workers, beside one daemon × 2 workers on a SQLite file (the baseline,
// measured in the same run); and an idle daemon's enqueue-to-claim latency and store load when
// it waits for the store's notifications (LISTEN/NOTIFY) and when it reads the queue every tick
// (--poll).
//
//   swift run -c release FleetBenchmark [jobs=60]
//
// Targets: one daemon on PostgreSQL at least 0.8 × the SQLite daemon's jobs per minute; an idle
// daemon that listens commits fewer store transactions than one that polls, with an
// enqueue-to-claim median under one second either way.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

#if canImport(Glibc)
    import Glibc
#endif

BenchmarkSupport.quietLogging(.error)
let arguments = Array(CommandLine.arguments.dropFirst())
let jobCount = arguments.first.flatMap { Int($0) } ?? 60

let directory = try TemporaryDirectory(prefix: "fleet-bench")
defer { directory.remove() }
let probe = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py").path
let daemonPath = CommandRunner.productsDirectory.appendingPathComponent("repaird").path
let cluster = try await PostgresCluster.start()
let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
    .merging(cluster.environment) { $1 }

/// A trivially healthy app: the probe server and a one-scenario plan.
func makeApp(_ name: String) throws -> URL {
    let app = directory.url.appendingPathComponent("apps/\(name)")
    try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
    try Data(
        "version = 1\n[app]\nstart = \"exec python3 \(probe)\"\nhealth = \"/ok\"\nstop_grace = 1\nstartup_timeout = 120\n"
            .utf8
    ).write(to: app.appendingPathComponent("repair.toml"))
    try Data(#"{"scenarios": [{"endpoint": "GET /ok", "name": "ok", "expected_status": 200}]}"#.utf8)
        .write(to: app.appendingPathComponent("smoke_test_plan.json"))
    return app
}

func startDaemon(store: String, host: String, extra: [String] = []) throws -> ChildProcess {
    var hostEnvironment = environment
    hostEnvironment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("state-\(host)").path
    let output = try OutputCapture(logURL: directory.url.appendingPathComponent("repaird-\(host).log"))
    let arguments = (["--store", store, "--workers", "2"] + extra).map { "'\($0)'" }.joined(separator: " ")
    return try ChildProcess.spawn(
        command: "exec '\(daemonPath)' \(arguments)", directory: directory.url, environment: hostEnvironment,
        output: output)
}

func stop(_ daemons: [ChildProcess]) async {
    for daemon in daemons { kill(daemon.pid, SIGTERM) }
    for daemon in daemons { _ = await daemon.waitForExit(timeout: .seconds(60)) }
}

/// Waits until every daemon logged its start.
func waitStarted(_ daemons: [ChildProcess]) async throws {
    while !daemons.allSatisfy({ $0.output.tailText(200).contains("repaird.started") }) {
        if let ended = daemons.first(where: { $0.exitStatus() != nil }) {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: ended.output.tailText(20)])
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Jobs per minute of `jobCount` fresh apps through `daemons` daemons on `store`.
func throughput(store: String, database: RepairDatabase, daemons count: Int, label: String) async throws -> Double {
    let queue = JobQueue(database)
    let daemons = try (0..<count).map { try startDaemon(store: store, host: "\(label)-\($0)") }
    try await waitStarted(daemons)
    let apps = try (0..<jobCount).map { try makeApp("\(label)-\($0)") }
    let started = ContinuousClock.now
    for app in apps { try queue.enqueue(app) }
    while try queue.jobs().contains(where: { !$0.state.isFinal }) { try await Task.sleep(for: .milliseconds(100)) }
    let seconds = BenchmarkSupport.seconds(ContinuousClock.now - started)
    let jobs = try queue.jobs()
    let healed = jobs.filter { $0.state == .healed }.count
    let hosts = Set(jobs.compactMap(\.worker).map { $0.split(separator: "-").last ?? "" }).count
    await stop(daemons)
    let perMinute = Double(jobCount) / seconds * 60
    print(
        String(
            format: "  %@: %d jobs in %.1f s, %.0f jobs/min (%d healed, claimed by %d daemons)", label, jobCount,
            seconds, perMinute, healed, hosts))
    return perMinute
}

/// Store transactions committed in `database` so far (every session's).
func commits(_ endpoint: PostgresEndpoint) throws -> Int {
    let output = Pipe()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "psql", "-h", endpoint.host, "-p", "\(endpoint.port)", "-U", endpoint.user, "-d", endpoint.database, "-tA",
        "-c",
        "SELECT pg_stat_force_next_flush(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    ]
    process.environment = environment
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Int(text.split(separator: "\n").last.map(String.init) ?? "") ?? -1
}

/// An idle daemon: enqueue-to-claim latency over 10 jobs, each enqueued once the daemon is
/// idle again, and the store transactions it commits over 30 s of idleness.
func idle(poll: Bool) async throws -> (median: Double, worst: Double, commitsPerMinute: Double) {
    let endpoint = try await cluster.database()
    let database = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
    let queue = JobQueue(database)
    let label = poll ? "poll" : "listen"
    let daemon = try startDaemon(store: endpoint.description, host: label, extra: poll ? ["--poll"] : [])
    try await waitStarted([daemon])
    var latencies: [Double] = []
    for index in 0..<10 {
        while !ProcessTable.children(of: daemon.pid).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        let job = try queue.enqueue(try makeApp("\(label)-latency-\(index)")).job
        while true {
            let current = try queue.jobs().first { $0.id == job.id }
            if let claimed = current?.claimedAt, let enqueued = current?.enqueuedAt {
                latencies.append(claimed.timeIntervalSince(enqueued) * 1000)
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        while try queue.jobs().first(where: { $0.id == job.id })?.state.isFinal == false {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    while !ProcessTable.children(of: daemon.pid).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
    // Sessions report their figures up to 10 s late once idle: the last job's are in by then.
    try await Task.sleep(for: .seconds(12))
    let before = try commits(endpoint)
    try await Task.sleep(for: .seconds(30))
    let after = try commits(endpoint)
    await stop([daemon])
    latencies.sort()
    // The measuring session's own transaction is not the daemon's.
    return (latencies[5], latencies[9], Double(after - before - 1) * 2)
}

print("FleetBenchmark: \(jobCount) jobs of a trivial healthy app per configuration, 2 workers per daemon")
let sqliteURL = directory.url.appendingPathComponent("store.sqlite")
let sqlite = try await throughput(
    store: sqliteURL.path, database: try RepairDatabase.open(at: sqliteURL), daemons: 1, label: "SQLite, 1 daemon")
var postgres: [Int: Double] = [:]
for count in [1, 2, 4] {
    let endpoint = try await cluster.database()
    let database = try RepairDatabase.open(endpoint.description, environment: cluster.environment)
    postgres[count] = try await throughput(
        store: endpoint.description, database: database, daemons: count,
        label: "PostgreSQL, \(count) daemon\(count == 1 ? "" : "s")")
}
for count in [1, 2, 4] {
    print(
        String(
            format: "  PostgreSQL with %d daemon%@ / SQLite with 1: ratio %.2f", count, count == 1 ? "" : "s",
            (postgres[count] ?? 0) / sqlite))
}
print(
    "  (\(ProcessInfo.processInfo.activeProcessorCount) cores: more daemons add workers, not cores; the apps' start-up is the work)"
)
let listening = try await idle(poll: false)
let polling = try await idle(poll: true)
print(
    String(
        format:
            "  idle daemon, LISTEN/NOTIFY: enqueue-to-claim %.0f ms median, %.0f ms worst of 10; %.0f store commits/min idle",
        listening.median, listening.worst, listening.commitsPerMinute))
print(
    String(
        format:
            "  idle daemon, polling every tick: enqueue-to-claim %.0f ms median, %.0f ms worst of 10; %.0f store commits/min idle",
        polling.median, polling.worst, polling.commitsPerMinute))
var missed: [String] = []
if (postgres[1] ?? 0) < 0.8 * sqlite { missed.append("one PostgreSQL daemon below 0.8 × SQLite") }
if listening.commitsPerMinute >= polling.commitsPerMinute { missed.append("listening commits no fewer than polling") }
if listening.median >= 1000 || polling.median >= 1000 { missed.append("enqueue-to-claim median ≥ 1 s") }
print(
    missed.isEmpty
        ? "targets met (PostgreSQL ≥ 0.8 × SQLite with one daemon; LISTEN idles with fewer commits than polling; claims < 1 s)"
        : "targets missed: " + missed.joined(separator: ", "))
