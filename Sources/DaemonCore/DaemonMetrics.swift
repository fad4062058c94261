import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The worker pool as `/metrics` and `/readyz` see it: updated by the pool at every tick.
public final class PoolState: Sendable {
    struct Values {
        var running = 0
        var busy = 0
        var lastTick: Double = 0
        var stopping = false
    }
    private let values = Mutex(Values())

    public init() {}

    func update(running: Int, busy: Int) {
        values.withLock {
            $0.running = running
            $0.busy = busy
            $0.lastTick = QueueFile.monotonicNow()
        }
    }

    func stopping() { values.withLock { $0.stopping = true } }

    /// Worker processes running, and those of them holding a job.
    public var workers: (running: Int, busy: Int) { values.withLock { ($0.running, $0.busy) } }

    /// Why the pool is not serving, or nil: it is ticking and not shutting down.
    public func problem(staleAfter seconds: Double) -> String? {
        values.withLock { values in
            if values.stopping { return "the worker pool is shutting down" }
            if values.lastTick == 0 { return "the worker pool has not started" }
            let age = QueueFile.monotonicNow() - values.lastTick
            return age > seconds ? "the worker pool last looked at the queue \(Int(age)) s ago" : nil
        }
    }
}

/// repaird's metrics in Prometheus' text format. Queue, outcome and spend figures are the
/// store's (read at each scrape: every daemon sharing a store shows the same totals, so
/// dashboards take `max` across daemons rather than `sum`); worker figures are this daemon's.
public final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let queue: QueueFile
    let pool: PoolState
    /// Totals already counted, by counter, so each scrape adds what the store gained since.
    private let counted = Mutex<[ObjectIdentifier: Double]>([:])
    /// The store time of the last claim and the last finished job observed by the histograms.
    private let seen = Mutex<(claim: String?, finish: String?)>((nil, nil))
    private let claimLatency: ValueHistogram
    private let passRateGain: ValueHistogram

    static let priorities = ["urgent", "high", "normal", "low"]
    static let states = ["queued", "running", "healed", "not_healed", "failed"]

    public init(queue: QueueFile, pool: PoolState) {
        self.queue = queue
        self.pool = pool
        claimLatency = registry.makeValueHistogram(
            descriptor: Self.name(
                "repaird_claim_latency_seconds", "Seconds from a job's enqueue to its claim by a worker"),
            buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800])
        passRateGain = registry.makeValueHistogram(
            descriptor: Self.name("repaird_pass_rate_gain", "A finished job's final pass rate less its initial one"),
            buckets: [-0.5, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1])
    }

    /// The text `/metrics` answers: the store read now, or what was last read if it cannot be.
    public func render() -> [UInt8] {
        let reachable = update()
        registry.makeGauge(descriptor: Self.name("repaird_store_up", "1 when the store answered this scrape"))
            .set(reachable ? 1.0 : 0.0)
        let workers = pool.workers
        registry.makeGauge(descriptor: Self.name("repaird_workers_running", "Worker processes of this daemon"))
            .set(Double(workers.running))
        registry.makeGauge(
            descriptor: Self.name("repaird_workers_busy", "Worker processes of this daemon holding a job")
        )
        .set(Double(workers.busy))
        return registry.emitToBuffer()
    }

    private func update() -> Bool {
        guard let figures = try? queue.figures() else { return false }
        for state in Self.states {
            for (number, priority) in Self.priorities.enumerated() {
                registry.makeGauge(
                    descriptor: Self.name(
                        "repaird_jobs",
                        "Jobs in the store by state and priority (finished states count every job that ended so)"),
                    labels: [("state", state), ("priority", priority)]
                ).set(Double(figures.jobs[.init(first: state, second: "\(number)")] ?? 0))
            }
        }
        for (key, totals) in figures.llm {
            let labels = [("provider", key.first), ("model", key.second)]
            add(totals.calls, to: "repaird_llm_calls_total", labels, "LLM calls answered")
            add(totals.tokensIn, to: "repaird_llm_tokens_total", labels + [("direction", "in")], "LLM tokens")
            add(totals.tokensOut, to: "repaird_llm_tokens_total", labels + [("direction", "out")], "LLM tokens")
            add(totals.cost, to: "repaird_llm_cost_total", labels, "LLM spend at [llm] price_in/price_out")
        }
        var hits = 0, rollbacks = 0
        for (key, count) in figures.attempts {
            add(
                Double(count), to: "repaird_fix_attempts_total", [("source", key.first), ("outcome", key.second)],
                "Fix attempts by where the fix came from and how the verdict ended")
            if key.first == "pattern" && key.second == "kept" { hits += count }
            if ["regressed", "healed_nothing", "check_failed"].contains(key.second) { rollbacks += count }
        }
        add(Double(hits), to: "repaird_pattern_hits_total", [], "Fixes kept from a learned pattern, with no LLM call")
        add(Double(rollbacks), to: "repaird_rollbacks_total", [], "Applied fixes the verdict rolled back")
        add(Double(figures.lessons), to: "repaird_lessons_total", [], "GRAVEYARD lessons in the store")
        for status in ["candidate", "promoted", "retired"] {
            registry.makeGauge(
                descriptor: Self.name("repaird_patterns", "Fix patterns by status"), labels: [("status", status)]
            )
            .set(Double(figures.patterns[status] ?? 0))
        }
        observeNewClaimsAndEndings()
        return true
    }

    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private func observeNewClaimsAndEndings() {
        let last = seen.withLock { $0 }
        if let claims = try? queue.claims(after: last.claim) {
            for claim in claims { claimLatency.record(claim.seconds) }
            if let newest = claims.last { seen.withLock { $0.claim = newest.claimedAt } }
        }
        if let gains = try? queue.gains(after: last.finish) {
            for gain in gains { passRateGain.record(gain.gain) }
            if let newest = gains.last { seen.withLock { $0.finish = newest.finishedAt } }
        }
    }

    /// Brings a counter up to the store's `total` (a counter only grows: a smaller total, as
    /// after rows were pruned, adds nothing).
    private func add(_ total: Double, to name: String, _ labels: [(String, String)], _ help: String) {
        let counter = registry.makeCounter(descriptor: Self.name(name, help), labels: labels)
        let key = ObjectIdentifier(counter)
        let delta = counted.withLock { counted -> Double in
            let before = counted[key] ?? 0
            guard total > before else { return 0 }
            counted[key] = total
            return total - before
        }
        if delta > 0 { counter.increment(by: delta) }
    }
}

extension QueueFile {
    /// Seconds on a clock that only moves forward.
    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
