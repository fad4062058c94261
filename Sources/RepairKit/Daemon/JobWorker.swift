import Foundation
import Logging
import ServiceLifecycle

/// A worker of `repaird` (the service of a `repaird-worker` process): claims a job, keeps its
/// lease alive, heals the app, ends the job; with `idleExit`, it returns once nothing could be
/// claimed for that long. On graceful shutdown it claims nothing more; a job still running
/// after `grace` is requeued (the next cycle rolls its unjudged change back from the journal).
public struct JobWorker: Service {
    public var name: String
    public var queue: JobQueue
    public var store: RepairDatabase
    public var lease: TimeInterval
    public var pollInterval: Duration
    public var grace: Duration
    /// How long to go on polling an empty queue before returning; nil: until shutdown.
    public var idleExit: Duration?
    public var logger: Logger
    /// Folders hidden from the apps a job runs (the store's), besides the usual ones.
    public var hiddenPaths: [String] = []
    /// The budget per UTC day every job's cycle shares with the store's other cycles.
    public var dailyLimit: RepairDatabase.DailyLimit?

    public init(
        name: String, queue: JobQueue, store: RepairDatabase, lease: TimeInterval = 30,
        pollInterval: Duration = .milliseconds(200),
        grace: Duration = .seconds(20), idleExit: Duration? = nil, logger: Logger
    ) {
        self.name = name
        self.queue = queue
        self.store = store
        self.lease = lease
        self.pollInterval = pollInterval
        self.grace = grace
        self.idleExit = idleExit
        self.logger = logger
    }

    enum Outcome: Sendable {
        case finished(HealReport)
        case failed(String)
        /// Shutdown came and the grace ran out, or the lease was lost.
        case abandoned(String)
    }

    public func run() async throws {
        var idleSince = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let job: Job?
            do { job = try queue.claim(worker: name, lease: lease) } catch {
                logger.error("worker.claim_failed", metadata: ["error": "\(error)"])
                job = nil
            }
            guard let job else {
                if let idleExit, ContinuousClock.now - idleSince >= idleExit { return }
                // Sleeps until the next poll, or returns at once when shutdown begins.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
                continue
            }
            var jobLogger = logger
            jobLogger[metadataKey: "job.id"] = "\(job.id ?? 0)"
            jobLogger[metadataKey: "job.app"] = "\(job.appDirectory)"
            jobLogger.info("job.claimed", metadata: ["job.claims": "\(job.claims)"])
            let outcome = await perform(job, logger: jobLogger)
            var ended = false
            let writeResult = { (ended: Job) in Self.writeResult(of: ended, logger: jobLogger) }
            do {
                switch outcome {
                case .finished(let report):
                    ended = try queue.finish(
                        job, as: report.healed ? .healed : .notHealed, reason: report.stopReason, runID: report.runID,
                        report: report, beforeCommit: writeResult)
                    jobLogger.info(
                        "job.finished", metadata: ["job.healed": "\(report.healed)", "job.recorded": "\(ended)"])
                case .failed(let reason):
                    ended = try queue.finish(job, as: .failed, reason: reason, runID: nil, beforeCommit: writeResult)
                    jobLogger.warning("job.failed", metadata: ["job.reason": "\(reason)"])
                case .abandoned(let reason):
                    try queue.release(job)
                    jobLogger.info("job.requeued", metadata: ["job.reason": "\(reason)"])
                }
            } catch {
                jobLogger.error("job.record_failed", metadata: ["error": "\(error)"])
            }
            if ended { await notify(job, logger: jobLogger) }
            idleSince = ContinuousClock.now
        }
    }

    /// As a job ends: its result in `APP_DIR/.repair/result.json`. A file that cannot be written
    /// is logged; it cannot change how the job ended.
    private static func writeResult(of ended: Job, logger: Logger) {
        do { try JobResult(job: ended).write(in: URL(fileURLWithPath: ended.appDirectory)) } catch {
            logger.warning("job.result_not_written", metadata: ["error": "\(error)"])
        }
    }

    /// After a job ended: the app's `[daemon] notify` command, given the result file.
    private func notify(_ job: Job, logger: Logger) async {
        let appDirectory = URL(fileURLWithPath: job.appDirectory)
        let file = JobResult.file(in: appDirectory)
        guard FileManager.default.fileExists(atPath: file.path),
            let config = try? RepairConfig.load(appDirectory: appDirectory),
            let notifier = ResultNotifier(config: config)
        else { return }
        let outcome = await notifier.notify(resultFile: file, appDirectory: appDirectory)
        if outcome.succeeded {
            logger.info("job.notified")
        } else {
            logger.warning(
                "job.notify_failed", metadata: ["notify.exit": "\(outcome.exitStatus.map { "\($0)" } ?? "none")"])
        }
    }

    /// Runs the cycle beside a heartbeat and a shutdown watch; the first to end decides.
    private func perform(_ job: Job, logger: Logger) async -> Outcome {
        let appDirectory = URL(fileURLWithPath: job.appDirectory)
        let inputs: SmokeInputs
        do {
            inputs = try SmokeInputs.load(appDirectory: appDirectory)
        } catch {
            return .failed(error.description)
        }
        // What the app ships for the learning store, as `once` imports it.
        do {
            let (patterns, lessons) = try LibraryExport.importShipped(
                inputs.config.learning, appDirectory: appDirectory, into: store)
            if patterns != nil || lessons != nil {
                logger.info(
                    "job.imported",
                    metadata: ["learning.patterns": "\(patterns ?? 0)", "learning.lessons": "\(lessons ?? 0)"])
            }
        } catch {
            return .failed("[learning] patterns or graveyard cannot be imported: \(error)")
        }
        var llm: LLMService?
        if inputs.config.llm.isConfigured {
            do { llm = try LLMService(config: inputs.config.llm, cache: store, logger: logger) } catch {
                return .failed(error.description)
            }
            let primary = inputs.config.llm.primary
            logger.info(
                "job.llm",
                metadata: [
                    "llm.provider": "\(primary.provider)", "llm.model": "\(primary.model ?? "")",
                    "llm.origin": "\(inputs.config.llm.origin ?? "[llm] in repair.toml")",
                ])
        }
        var config = inputs.config
        config.app.hiddenPaths += hiddenPaths
        var heal = HealCycle(
            appDirectory: appDirectory, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
            store: store, logger: logger, lockWait: .seconds(86_400), purpose: "repaird job \(job.id ?? 0)")
        heal.dailyLimit = dailyLimit
        let cycle = heal
        let queue = self.queue, lease = self.lease, grace = self.grace
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    let report = try await cycle.run { event in
                        switch event {
                        case .iteration(let number, _):
                            _ = try? queue.renew(job, lease: lease, stage: "repair", iteration: number)
                        case .verifying: _ = try? queue.renew(job, lease: lease, stage: "verify")
                        default: break
                        }
                    }
                    return .finished(report)
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: CheckedNumber.duration(seconds: lease / 3))
                    if Task.isCancelled { return nil }
                    if (try? queue.renew(job, lease: lease)) == false { return .abandoned("the lease was lost") }
                }
                return nil
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: grace)
                    return .abandoned("shutdown: the job did not finish within the grace period")
                } catch {
                    return nil
                }
            }
            var outcome: Outcome = .abandoned("no outcome")
            for await result in group {
                if let result {
                    outcome = result
                    group.cancelAll()
                    break
                }
            }
            return outcome
        }
    }
}
