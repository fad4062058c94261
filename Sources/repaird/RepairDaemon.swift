import ArgumentParser
import CommandLineSupport
import DaemonCore
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `repaird`: heals queued apps beside a generator pipeline, one job per app at a time.
///
/// This process stays small: it watches folders, watches the queue and keeps worker processes
/// (`repaird-worker`, beside it) running while there is work. The heal cycle runs in them.
@main
struct RepairDaemon: AsyncParsableCommand {
    static func main() async { await mainExitingTwoOnUsageErrors() }

    static let configuration = CommandConfiguration(
        commandName: "repaird",
        abstract: "Heal apps from the queue in the learning store, and watch folders for new ones.",
        discussion: """
            Workers claim jobs (repairctl enqueue APP_DIR) by priority, with ageing so low never \
            starves, at most one per app, and run a heal cycle for each. Each worker is a process \
            (repaird-worker, installed beside repaird) started while there is work and gone when \
            there is none, so an idle daemon is one small process. Leases are renewed while a job \
            runs; a daemon killed with -9 takes its workers with it and leaves leases that run out, \
            and a restarted daemon requeues them and rolls back any half-applied change from its \
            journal. A worker that crashes gives its job back (after 5 claims the job fails). SIGTERM \
            or SIGINT stops claiming and gives running jobs a grace period before requeuing them. \
            Any number of daemons, on any hosts, may share one PostgreSQL store: each claims with \
            row locks, one app is healed on one host at a time, expired leases are requeued by \
            whichever daemon sees them, and an idle daemon waits for the store's notifications \
            rather than reading the queue. Logs go to stderr.
            """,
        version: RepairVersion.current
    )

    @Option(
        help: ArgumentHelp(
            "The learning store: a SQLite file (default: REPAIR_STORE, or $XDG_STATE_HOME/repaird/learning.sqlite), or a PostgreSQL URL (postgres://user@host:5432/db) a fleet of daemons shares; its password comes from PGPASSWORD or ~/.pgpass.",
            valueName: "FILE|URL"))
    var store: String?

    @Option(help: ArgumentHelp("A folder to watch for new or changed app directories (repeatable).", valueName: "DIR"))
    var watch: [String] = []

    @Option(help: "Jobs healed at once (worker processes at most).")
    var workers = 2

    @Option(help: "Log format on stderr: text or json.")
    var logFormat = "text"

    @Option(help: "Seconds a claimed job's lease lasts without renewal.")
    var lease: Double = 30

    @Option(help: "Seconds a running job gets to finish after SIGTERM before it is requeued.")
    var grace: Double = 20

    @Option(help: "Seconds a watched app must stay unchanged before it is enqueued.")
    var quietPeriod: Double = 2

    @Option(
        help: ArgumentHelp(
            "Serve /metrics (Prometheus), /healthz and /readyz on this address (port 0: any free one, logged).",
            valueName: "HOST:PORT"))
    var http: String?

    @Option(
        help: ArgumentHelp(
            "Tokens (in and out) all cycles of the store may spend per UTC day together: on a shared store, the whole fleet's (give every daemon the same).",
            valueName: "N"))
    var dailyTokens: Int?

    @Option(
        help: ArgumentHelp(
            "Money all cycles of the store may spend per UTC day together, at the apps' [llm] price_in/price_out; an unpriced app asks nothing under it.",
            valueName: "AMOUNT"))
    var dailyCost: Double?

    @Flag(
        help:
            "On a PostgreSQL store, read the queue every tick (200 ms) instead of when a notification announces work (for comparison)."
    )
    var poll = false

    @Option(
        help: ArgumentHelp(
            "Seconds an idle daemon on a PostgreSQL store goes without reading the queue when no notification comes.",
            visibility: .hidden))
    var idleRead: Double = 10

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1 to 64") }
        guard DaemonLogging.formats.contains(logFormat) else {
            throw ValidationError("--log-format must be text or json")
        }
        // Checked before they become milliseconds: `inf` or `1e300` would trap there.
        guard lease >= 1, lease <= 86_400 else { throw ValidationError("--lease must be 1 to 86400 seconds") }
        guard idleRead >= 0.1, idleRead <= 86_400 else {
            throw ValidationError("--idle-read must be 0.1 to 86400 seconds")
        }
        guard grace >= 0, grace <= 86_400 else { throw ValidationError("--grace must be 0 to 86400 seconds") }
        guard quietPeriod >= 0, quietPeriod <= 86_400 else {
            throw ValidationError("--quiet-period must be 0 to 86400 seconds")
        }
        for folder in watch where !Files.isDirectory(folder) {
            throw ValidationError("--watch \(folder): not a folder")
        }
        if let store, store.isEmpty { throw ValidationError("--store must not be empty") }
        if let dailyTokens, dailyTokens < 0 { throw ValidationError("--daily-tokens must not be negative") }
        if let dailyCost, !(dailyCost >= 0 && dailyCost < 1e12) {
            throw ValidationError("--daily-cost must be 0 or more")
        }
    }

    func run() async throws {
        DaemonLogging.bootstrap(format: logFormat)
        var logger = Logger(label: "repaird")
        logger.logLevel = .info
        let location = StoreLocation.path(flag: store)
        // A shared store (PostgreSQL) is many daemons' on many hosts: no lock file admits one.
        let shared = StoreLocation.isURL(location)
        let path = shared ? location : Files.standardized(location)
        let shown = shared ? StoreLocation.withoutPassword(location) : path
        guard let worker = StoreLocation.workerProgram() else {
            logger.critical("repaird-worker is missing: install it beside repaird")
            throw ExitCode(2)
        }
        // The worker program creates or migrates the store; it says on stderr what went wrong.
        // First, so a store that cannot be used is refused before anything is written beside it.
        let prepared = try await WorkerProcess.spawn([worker, "--store", path, "--prepare", "--log-format", logFormat])
            .ended()
        guard prepared.isClean else {
            logger.critical(
                "the store cannot be opened", metadata: ["store": "\(shown)", "worker.ending": "\(prepared)"])
            throw ExitCode(2)
        }
        var lock: Int32 = -1
        if !shared {
            switch await StoreLock.acquire(storePath: path) {
            case .success(let descriptor): lock = descriptor
            case .failure(let problem):
                logger.critical("\(problem.description)", metadata: ["store": "\(path)"])
                throw ExitCode(2)
            }
        }
        defer { if lock >= 0 { close(lock) } }
        let queue: QueueFile
        do {
            queue = try QueueFile(location: path)
        } catch {
            logger.critical("the store cannot be opened: \(error.description)")
            throw ExitCode(2)
        }
        // Bound before anything runs, so a taken port is refused at once.
        var endpoint: HTTPEndpoint?
        if let http {
            do {
                endpoint = try HTTPEndpoint(address: http)
            } catch {
                logger.critical("\(error.description)")
                throw ExitCode(2)
            }
        }
        // A SQLite store is this daemon's alone: what runs there belonged to one that died. On a
        // shared store running jobs may be other hosts'; only leases that ran out are put back.
        let requeued = try queue.requeueRunning(expiredBy: shared ? QueueFile.now() : nil)
        logger.info(
            "repaird.started",
            metadata: [
                "store": "\(shown)", "workers": "\(workers)", "requeued": "\(requeued)",
                "watch": "\(watch.joined(separator: ","))",
            ])
        let command = [
            worker, "--store", path, "--lease", "\(lease)", "--grace", "\(grace)", "--log-format", logFormat,
            "--parent", "\(getpid())",
        ]
        let limits =
            (dailyTokens.map { ["--daily-tokens", "\($0)"] } ?? [])
            + (dailyCost.map { ["--daily-cost", "\($0)"] } ?? [])
        var pool = WorkerPool.Configuration(
            size: workers, command: command + limits, leaseCheck: .milliseconds(Int(lease * 500)),
            shutdownTimeout: .milliseconds(Int(grace * 1000)) + .seconds(10))
        pool.listen = !poll
        pool.idleRead = .milliseconds(Int(idleRead * 1000))
        let poolState = PoolState()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: WorkerPool(queue: queue, configuration: pool, logger: logger, state: poolState),
                successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let endpoint {
            let metrics = DaemonMetrics(queue: queue, pool: poolState)
            services.append(
                .init(
                    service: HTTPService(
                        endpoint: endpoint, metrics: metrics, pool: poolState, queue: queue,
                        staleAfter: max(10, lease), logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        if !watch.isEmpty {
            services.append(
                .init(
                    service: DirectoryWatcher(
                        roots: watch, queue: queue, quietPeriod: .milliseconds(Int(quietPeriod * 1000)),
                        logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("repaird.stopped")
    }
}
