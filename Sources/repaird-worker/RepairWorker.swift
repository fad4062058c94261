import ArgumentParser
import CRepairSystem
import CommandLineSupport
import DaemonCore
import Foundation
import Logging
import RepairKit
import ServiceLifecycle

/// `repaird-worker`: one worker of repaird, as its own process. repaird starts it while there
/// is work; it claims jobs, heals each app, and exits once nothing is left to claim.
@main
struct RepairWorker: AsyncParsableCommand {
    static func main() async { await mainExitingTwoOnUsageErrors() }

    static let configuration = CommandConfiguration(
        commandName: "repaird-worker",
        abstract: "Claim jobs from the queue and heal them (started by repaird, not by hand).",
        discussion: """
            Claims the job with the best effective priority, keeps its lease alive, runs a heal \
            cycle and records how the job ended; then the next, until none can be claimed for \
            --idle-exit seconds. SIGTERM or SIGINT stops claiming; a running job gets --grace \
            seconds, then goes back to the queue. With --prepare it only creates or migrates the \
            store and exits.
            """,
        version: RepairVersion.current
    )

    @Option(help: "The learning store: a SQLite file, or a PostgreSQL URL (postgres://user@host:5432/db).")
    var store: String

    @Option(help: "The name the worker claims jobs under (default: worker-PID).")
    var name: String?

    @Option(help: "Seconds a claimed job's lease lasts without renewal.")
    var lease: Double = 30

    @Option(help: "Seconds a running job gets to finish after SIGTERM before it is requeued.")
    var grace: Double = 20

    @Option(help: "Seconds without a job to claim before the worker exits.")
    var idleExit: Double = 1

    @Option(help: "Log format on stderr: text or json.")
    var logFormat = "text"

    @Option(help: "The daemon's process id: the worker dies with it and does not start without it.")
    var parent: Int32?

    @Option(help: "Tokens (in and out) every cycle of the store may spend per UTC day, together.")
    var dailyTokens: Int?

    @Option(help: "Money (at [llm] price_in/price_out) every cycle of the store may spend per UTC day, together.")
    var dailyCost: Double?

    @Flag(help: "Create or migrate the store, then exit.")
    var prepare = false

    func validate() throws {
        guard DaemonLogging.formats.contains(logFormat) else {
            throw ValidationError("--log-format must be text or json")
        }
        // Checked before they become milliseconds: `inf` or `1e300` would trap there.
        guard lease >= 1, lease <= 86_400 else { throw ValidationError("--lease must be 1 to 86400 seconds") }
        guard grace >= 0, grace <= 86_400, idleExit >= 0, idleExit <= 86_400 else {
            throw ValidationError("--grace and --idle-exit must be 0 to 86400 seconds")
        }
        if let dailyTokens, dailyTokens < 0 { throw ValidationError("--daily-tokens must not be negative") }
        if let dailyCost, !(dailyCost >= 0 && dailyCost < 1e12) {
            throw ValidationError("--daily-cost must be 0 or more")
        }
    }

    func run() async throws {
        if let parent {
            // Killed with its daemon, so a restarted daemon never meets a worker of the old one.
            _ = repaird_die_with_parent(SIGKILL)
            guard getppid() == parent else { throw ExitCode(3) }
        }
        DaemonLogging.bootstrap(format: logFormat)
        let name = self.name ?? "worker-\(getpid())"
        var logger = Logger(label: "repaird")
        logger.logLevel = .info
        logger[metadataKey: "worker"] = "\(name)"
        let database: RepairDatabase
        do {
            database = try RepairDatabase.open(store)
        } catch {
            logger.critical(
                "store.unusable", metadata: ["store": "\(PostgresEndpoint.shown(store))", "error": "\(error)"])
            throw ExitCode(2)
        }
        if prepare { return }
        var worker = JobWorker(
            name: name, queue: JobQueue(database), store: database, lease: lease,
            grace: .milliseconds(Int(grace * 1000)), idleExit: .milliseconds(Int(idleExit * 1000)), logger: logger)
        if dailyTokens != nil || dailyCost != nil {
            worker.dailyLimit = RepairDatabase.DailyLimit(tokens: dailyTokens, cost: dailyCost)
        }
        // The confined apps never see the store's folder.
        if !PostgresEndpoint.isURL(store) {
            worker.hiddenPaths = [URL(fileURLWithPath: store).deletingLastPathComponent().path]
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
