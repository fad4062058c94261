import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The workers of repaird, as processes. Each of `size` slots runs a worker program
/// (`repaird-worker`) while there is work for it: the pool starts one when a job could be
/// claimed and no idle worker is there to take it; a worker claims jobs until none is left,
/// then exits. The daemon itself so stays small at idle, and a worker that crashes takes only
/// its own job down: that job goes back to the queue (or ends as `failed` once it has been
/// claimed `failAfterClaims` times). On graceful shutdown every worker gets SIGTERM (it
/// finishes or requeues its job within its grace) and, after `shutdownTimeout`, SIGKILL.
public struct WorkerPool: Service {
    public struct Configuration: Sendable {
        public var size: Int
        /// The worker program and the arguments every worker gets; `--name` is added.
        public var command: [String]
        /// How often the pool looks at the queue and its workers.
        public var tick: Duration = .milliseconds(200)
        /// How often leases that ran out are put back in the queue.
        public var leaseCheck: Duration
        public var shutdownTimeout: Duration
        public var failAfterClaims = 5
        /// On a shared store, an idle pool (no worker, nothing claimable) reads the queue when
        /// a notification announces work, and at least this often; without `listen` it reads
        /// every tick, as on a SQLite file.
        public var idleRead: Duration = .seconds(10)
        public var listen = true

        public init(size: Int, command: [String], leaseCheck: Duration, shutdownTimeout: Duration) {
            self.size = size
            self.command = command
            self.leaseCheck = leaseCheck
            self.shutdownTimeout = shutdownTimeout
        }
    }

    public var queue: QueueFile
    public var configuration: Configuration
    public var logger: Logger
    /// Told the workers' counts at every tick, for `/metrics` and the probes.
    public var state: PoolState

    public init(queue: QueueFile, configuration: Configuration, logger: Logger, state: PoolState = PoolState()) {
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
        self.state = state
    }

    /// One slot: its worker's name, the process running in it, and when it may start another
    /// after a worker that failed.
    struct Slot {
        let name: String
        var process: WorkerProcess?
        var failures = 0
        var notBefore = ContinuousClock.now
    }

    public func run() async throws {
        // Unique across the hosts of a shared store: a worker's jobs are released by its name.
        let host = Self.hostName()
        var slots = (1...configuration.size).map { Slot(name: "worker-\($0)-\(host)-\(getpid())") }
        var lastLeaseCheck = ContinuousClock.now
        // A store that cannot be read is reported when the problem starts or changes, not every tick.
        var lastProblem: String?
        // When the queue was last read and what it held then.
        var lastRead: ContinuousClock.Instant?
        var lastClaimable = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            collectEndings(&slots)
            let now = ContinuousClock.now
            do {
                if now - lastLeaseCheck >= configuration.leaseCheck {
                    lastLeaseCheck = now
                    let count = try queue.requeueRunning(expiredBy: QueueFile.now())
                    if count > 0 { logger.info("lease.requeued", metadata: ["lease.jobs": "\(count)"]) }
                }
                // Idle on a shared store: the queue is read when work is announced, not every tick.
                let announced = !configuration.listen || queue.workAnnounced()
                let idle = slots.allSatisfy { $0.process == nil } && lastClaimable == 0
                if idle && !announced, let lastRead, now - lastRead < configuration.idleRead {
                    state.update(running: 0, busy: 0)
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.tick) }
                    continue
                }
                let snapshot = try queue.snapshot()
                lastRead = now
                lastClaimable = snapshot.claimable
                let alive = slots.filter { $0.process != nil }
                state.update(running: alive.count, busy: alive.filter { snapshot.busyWorkers.contains($0.name) }.count)
                // Workers alive without a job are starting or about to claim: they count first.
                let waiting = alive.filter { !snapshot.busyWorkers.contains($0.name) }.count
                var wanted = snapshot.claimable - waiting
                for index in slots.indices
                where wanted > 0 && slots[index].process == nil && slots[index].notBefore <= now {
                    start(&slots[index])
                    wanted -= 1
                }
                if lastProblem != nil {
                    logger.info("pool.queue_readable")
                    lastProblem = nil
                }
            } catch {
                if lastProblem != error.description {
                    logger.error("pool.queue_failed", metadata: ["error": "\(error)"])
                }
                lastProblem = error.description
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.tick) }
        }
        state.stopping()
        await stopAll(&slots)
    }

    private func start(_ slot: inout Slot) {
        do {
            let process = try WorkerProcess.spawn(configuration.command + ["--name", slot.name])
            slot.process = process
            logger.debug("worker.started", metadata: ["worker": "\(slot.name)", "worker.pid": "\(process.pid)"])
        } catch {
            logger.error("worker.start_failed", metadata: ["worker": "\(slot.name)", "error": "\(error)"])
            slot.failures += 1
            slot.notBefore = ContinuousClock.now + backoff(slot.failures)
        }
    }

    /// Frees the slots whose worker ended; a worker that did not end cleanly gives its job
    /// back (or fails it) and its slot waits a little before the next start.
    private func collectEndings(_ slots: inout [Slot]) {
        for index in slots.indices {
            guard let process = slots[index].process, let ending = process.ending() else { continue }
            slots[index].process = nil
            if ending.isClean {
                slots[index].failures = 0
                continue
            }
            slots[index].failures += 1
            slots[index].notBefore = ContinuousClock.now + backoff(slots[index].failures)
            release(slots[index].name, ending: ending)
        }
    }

    private func release(_ worker: String, ending: WorkerProcess.Ending, blame: Bool = true) {
        do {
            let (requeued, failed) = try queue.releaseJobs(
                of: worker, failAfterClaims: blame ? configuration.failAfterClaims : Int.max,
                reason:
                    "its worker process ended with \(ending) while healing; claimed \(configuration.failAfterClaims) times without finishing"
            )
            logger.warning(
                "worker.died",
                metadata: [
                    "worker": "\(worker)", "worker.ending": "\(ending)",
                    "job.requeued": "\(requeued)", "job.failed": "\(failed)",
                ])
        } catch {
            logger.error("worker.release_failed", metadata: ["worker": "\(worker)", "error": "\(error)"])
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "host" : name
    }

    private func backoff(_ failures: Int) -> Duration {
        .seconds(min(30, 1 << min(failures - 1, 5)))
    }

    /// SIGTERM to every worker; those still running after the timeout get SIGKILL, and their
    /// jobs go back to the queue.
    private func stopAll(_ slots: inout [Slot]) async {
        for slot in slots { slot.process?.signal(SIGTERM) }
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        while slots.contains(where: { $0.process != nil }) && ContinuousClock.now < deadline {
            for index in slots.indices {
                if let ending = slots[index].process?.ending() {
                    slots[index].process = nil
                    if !ending.isClean { release(slots[index].name, ending: ending) }
                }
            }
            do { try await Task.sleep(for: .milliseconds(100)) } catch { break }
        }
        for index in slots.indices {
            guard let process = slots[index].process else { continue }
            process.signal(SIGKILL)
            // Killed for running over: the job is not to blame, so it is only requeued.
            release(slots[index].name, ending: await process.ended(), blame: false)
            slots[index].process = nil
        }
    }
}
