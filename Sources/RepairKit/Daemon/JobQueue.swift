import Foundation
import GRDB

/// The job queue in the learning store. Workers claim jobs with leases they renew while they
/// work; a lease that runs out (its worker died) puts the job back (the daemon does that,
/// through DaemonCore's `QueueFile`, which speaks the same table). Higher priorities come
/// first, and waiting raises a job's priority by a level every `agingStep`, so low never
/// starves. At most one job per app directory runs at a time. Every change is a transaction.
public struct JobQueue: Sendable {
    let database: RepairDatabase
    /// Waiting this long raises a job by one priority level.
    public var agingStep: TimeInterval

    public init(_ database: RepairDatabase, agingStep: TimeInterval = 60) {
        self.database = database
        self.agingStep = agingStep
    }

    /// What `enqueue` did: the job that will heal the app, and whether it was one already
    /// waiting (merged) rather than a new one.
    public struct Enqueued: Sendable {
        public var job: Job
        public var merged: Bool
    }

    /// Queues a heal of `appDirectory`; a job already waiting for it is kept (at the higher
    /// of the two priorities) rather than doubled.
    @discardableResult
    public func enqueue(_ appDirectory: URL, priority: Job.Priority = .normal, at now: Date = Date()) throws -> Enqueued
    {
        let path = appDirectory.standardizedFileURL.path
        if let store = database.postgres { return try postgresEnqueue(store, path: path, priority: priority, at: now) }
        return try database.writer.write { db in
            if var waiting = try Job.filter(
                Job.Columns.appDirectory == path && Job.Columns.state == Job.State.queued.rawValue
            ).fetchOne(db) {
                if priority.rawValue < waiting.priority.rawValue {
                    waiting.priority = priority
                    try waiting.update(db)
                }
                return Enqueued(job: waiting, merged: true)
            }
            var job = Job(
                id: nil, appDirectory: path, priority: priority, state: .queued, enqueuedAt: now, claimedAt: nil,
                leaseUntil: nil,
                worker: nil, claims: 0, stage: nil, iteration: nil, finishedAt: nil, reason: nil, runId: nil)
            try job.insert(db)
            return Enqueued(job: job, merged: false)
        }
    }

    /// Claims the job with the best effective priority (priority less one level per
    /// `agingStep` waited), oldest first, whose app has no job running.
    public func claim(worker: String, lease: TimeInterval, at now: Date = Date()) throws -> Job? {
        if let store = database.postgres { return try postgresClaim(store, worker: worker, lease: lease, at: now) }
        return try database.writer.write { db in
            let running = Set(try String.fetchAll(db, sql: "SELECT appDirectory FROM job WHERE state = 'running'"))
            let queued = try Job.filter(Job.Columns.state == Job.State.queued.rawValue).fetchAll(db)
            let ranked = queued.filter { !running.contains($0.appDirectory) }.sorted { lhs, rhs in
                let left = Double(lhs.priority.rawValue) - now.timeIntervalSince(lhs.enqueuedAt) / agingStep
                let right = Double(rhs.priority.rawValue) - now.timeIntervalSince(rhs.enqueuedAt) / agingStep
                return left != right ? left < right : (lhs.enqueuedAt, lhs.id ?? 0) < (rhs.enqueuedAt, rhs.id ?? 0)
            }
            guard var job = ranked.first else { return nil }
            job.state = .running
            job.worker = worker
            job.claimedAt = now
            job.leaseUntil = now.addingTimeInterval(lease)
            job.claims += 1
            job.stage = "claimed"
            try job.update(db)
            return job
        }
    }

    /// Extends the lease while the worker still holds the job; false when it lost it.
    public func renew(
        _ job: Job, lease: TimeInterval, stage: String? = nil, iteration: Int? = nil, at now: Date = Date()
    ) throws -> Bool {
        if let store = database.postgres {
            return try postgresRenew(store, job, lease: lease, stage: stage, iteration: iteration, at: now)
        }
        return try database.writer.write { db in
            guard var current = try Job.fetchOne(db, key: job.id), current.state == .running,
                current.worker == job.worker
            else { return false }
            current.leaseUntil = now.addingTimeInterval(lease)
            if let stage { current.stage = stage }
            if let iteration { current.iteration = iteration }
            try current.update(db)
            return true
        }
    }

    /// Ends a job, once: only the worker holding it can, and only while it runs. `report` is the
    /// cycle's, when one ran: its pass rates and the groups left are kept with the job.
    /// `beforeCommit` sees the ended job inside the transaction, before anyone else can: what it
    /// writes (the app's result file) is in place when a reader of the queue sees the job end.
    public func finish(
        _ job: Job, as state: Job.State, reason: String, runID: String?, report: HealReport? = nil,
        at now: Date = Date(), beforeCommit: (Job) -> Void = { _ in }
    ) throws -> Bool {
        precondition(state.isFinal)
        if let store = database.postgres {
            return try postgresFinish(
                store, job, as: state, reason: reason, runID: runID, report: report, at: now, beforeCommit: beforeCommit
            )
        }
        return try database.writer.write { db in
            guard var current = try Job.fetchOne(db, key: job.id), current.state == .running,
                current.worker == job.worker
            else { return false }
            current.state = state
            current.finishedAt = now
            current.reason = reason
            current.runId = runID
            if let report {
                current.initialPassRate = report.initialPassRate
                current.finalPassRate = report.finalPassRate
                current.groupsLeft = String(
                    decoding: (try? JSONEncoder().encode(report.groupsLeft)) ?? Data("[]".utf8), as: UTF8.self)
            }
            current.leaseUntil = nil
            current.stage = nil
            try current.update(db)
            beforeCommit(current)
            return true
        }
    }

    /// Puts a running job back in the queue (its worker is shutting down).
    public func release(_ job: Job) throws {
        if let store = database.postgres { return try postgresRelease(store, job) }
        try database.writer.write { db in
            guard var current = try Job.fetchOne(db, key: job.id), current.state == .running,
                current.worker == job.worker
            else { return }
            current.state = .queued
            current.worker = nil
            current.leaseUntil = nil
            current.stage = nil
            try current.update(db)
        }
    }

    public func jobs() throws -> [Job] {
        if let store = database.postgres {
            return try store.session { try $0.records(Job.self, from: "job", order: #""id""#) }
        }
        return try database.writer.read { try Job.order(Column("id")).fetchAll($0) }
    }

    /// One job by its id; nil when the store has none.
    public func job(id: Int64) throws -> Job? {
        if let store = database.postgres {
            return try store.session { try $0.records(Job.self, from: "job", where: #""id" = \#(id)"#).first }
        }
        return try database.writer.read { try Job.fetchOne($0, key: id) }
    }

    /// Finished jobs, most recent first, at most `limit`; with `since`, only those that finished
    /// after it, oldest first (a pipeline pages forward from the last `finished_at` it saw).
    public func finishedJobs(limit: Int, since: Date? = nil) throws -> [Job] {
        if let store = database.postgres { return try postgresFinished(store, limit: limit, since: since) }
        return try database.writer.read { db in
            let finished = Job.filter(
                [Job.State.healed, .notHealed, .failed].map(\.rawValue).contains(Job.Columns.state))
            if let since {
                return try finished.filter(Job.Columns.finishedAt > since).order(Job.Columns.finishedAt, Job.Columns.id)
                    .limit(limit).fetchAll(db)
            }
            return try finished.order(Job.Columns.finishedAt.desc, Job.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }
}
