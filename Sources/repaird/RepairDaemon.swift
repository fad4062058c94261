import ArgumentParser
import Foundation
import Logging
import RepairKit
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `repaird`: heals queued apps beside a generator pipeline, one job per app at a time.
@main
struct RepairDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repaird",
        abstract: "Heal apps from the queue in the learning store, and watch folders for new ones.",
        discussion: """
        Workers claim jobs (repairctl enqueue APP_DIR) by priority, with ageing so low never \
        starves, at most one per app, and run a heal cycle for each. Leases are renewed while a job \
        runs; a daemon killed with -9 leaves leases that run out, and a restarted daemon requeues \
        them and rolls back any half-applied change from its journal. SIGTERM or SIGINT stops \
        claiming and gives running jobs a grace period before requeuing them. Logs go to stderr.
        """
    )

    @Option(help: "The learning store (default: REPAIR_STORE, or $XDG_STATE_HOME/repaird/learning.sqlite).")
    var store: String?

    @Option(help: ArgumentHelp("A folder to watch for new or changed app directories (repeatable).", valueName: "DIR"))
    var watch: [String] = []

    @Option(help: "Jobs healed at once.")
    var workers = 2

    @Option(help: "Log format on stderr: text or json.")
    var logFormat = "text"

    @Option(help: "Seconds a claimed job's lease lasts without renewal.")
    var lease: Double = 30

    @Option(help: "Seconds a running job gets to finish after SIGTERM before it is requeued.")
    var grace: Double = 20

    @Option(help: "Seconds a watched app must stay unchanged before it is enqueued.")
    var quietPeriod: Double = 2

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1 to 64") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second") }
        for folder in watch {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--watch \(folder): not a folder")
            }
        }
    }

    func run() async throws {
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            json ? AnyLogHandler(JSONLogHandler(label: label)) : AnyLogHandler(StreamLogHandler.standardError(label: label))
        }
        var logger = Logger(label: "repaird")
        logger.logLevel = .info
        let url = RepairDatabase.location(flag: store, config: nil)
        let database = try RepairDatabase.open(at: url)
        // One daemon per store: a second would take the first one's jobs for dead ones.
        let lock = open(url.path + ".daemon-lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            logger.critical("another repaird already uses this store", metadata: ["store": "\(url.path)"])
            throw ExitCode(2)
        }
        let queue = JobQueue(database)
        let requeued = try queue.requeueExpired(all: true)
        logger.info("repaird.started", metadata: ["store": "\(url.path)", "workers": "\(workers)", "requeued": "\(requeued)",
                                                  "watch": "\(watch.joined(separator: ","))"])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = (1...workers).map { index in
            .init(service: JobWorker(name: "worker-\(index)-\(getpid())", queue: queue, store: database, lease: lease,
                                     grace: .milliseconds(Int(grace * 1000)), logger: logger),
                  successTerminationBehavior: .gracefullyShutdownGroup)
        }
        services.append(.init(service: LeaseKeeper(queue: queue, interval: .milliseconds(Int(lease * 500)), logger: logger),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        if !watch.isEmpty {
            services.append(.init(service: DirectoryWatcher(roots: watch.map { URL(fileURLWithPath: $0).standardizedFileURL }, queue: queue,
                                                            quietPeriod: quietPeriod, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("repaird.stopped")
    }
}
