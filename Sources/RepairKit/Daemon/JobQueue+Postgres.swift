import Foundation
import GRDB
import PostgresNIO

/// The job queue's operations on a PostgreSQL store shared by several hosts: the same table
/// and rules as in SQLite. Claims lock the row they take and skip rows another host is taking
/// (`FOR UPDATE SKIP LOCKED`); at most one running job per app holds across hosts by a unique
/// index (a second claim's commit fails and claims nothing); enqueues and requeues notify idle
/// daemons on `JobQueue.channel`.
extension JobQueue {
    /// The channel enqueues and requeues notify; daemons listen on it.
    public static let channel = "repaird_jobs"

    static let returningJob: PostgresQuery = #"RETURNING row_to_json("job")::text"#

    func postgresEnqueue(_ store: PostgresStore, path: String, priority: Job.Priority, at now: Date) throws -> Enqueued
    {
        try store.transaction { session in
            // Two hosts enqueueing the same app at once merge: the second waits for the first.
            try session.change("SELECT pg_advisory_xact_lock(hashtext(\(path)))")
            if let waiting = try session.records(
                Job.self,
                """
                UPDATE "job" SET "priority" = LEAST("priority", \(priority.rawValue))
                WHERE "id" = (SELECT "id" FROM "job" WHERE "appDirectory" = \(path) AND "state" = 'queued'
                              ORDER BY "id" LIMIT 1)
                RETURNING row_to_json("job")::text
                """
            ).first {
                return Enqueued(job: waiting, merged: true)
            }
            var job = Job(
                id: nil, appDirectory: path, priority: priority, state: .queued, enqueuedAt: now, claimedAt: nil,
                leaseUntil: nil, worker: nil, claims: 0, stage: nil, iteration: nil, finishedAt: nil, reason: nil,
                runId: nil)
            job.id = try session.insert(job, into: "job")
            try session.change("SELECT pg_notify(\(Self.channel), '')")
            return Enqueued(job: job, merged: false)
        }
    }

    func postgresClaim(_ store: PostgresStore, worker: String, lease: TimeInterval, at now: Date) throws -> Job? {
        let until = now.addingTimeInterval(lease)
        do {
            return try store.transaction { session in
                try session.records(
                    Job.self,
                    """
                    UPDATE "job" SET "state" = 'running', "worker" = \(worker), "claimedAt" = \(now),
                        "leaseUntil" = \(until), "claims" = "claims" + 1, "stage" = 'claimed'
                    WHERE "id" = (
                        SELECT waiting."id" FROM "job" AS waiting
                        WHERE waiting."state" = 'queued' AND NOT EXISTS (
                            SELECT 1 FROM "job" AS busy
                            WHERE busy."state" = 'running' AND busy."appDirectory" = waiting."appDirectory")
                        ORDER BY waiting."priority"
                            - EXTRACT(EPOCH FROM (\(now)::timestamptz - waiting."enqueuedAt")) / \(agingStep),
                            waiting."enqueuedAt", waiting."id"
                        LIMIT 1
                        FOR UPDATE SKIP LOCKED)
                    RETURNING row_to_json("job")::text
                    """
                ).first
            }
        } catch let error as PostgresStoreError where error.sqlState == "23505" {
            // Another host claimed a job of the same app in the same instant: its commit won.
            return nil
        }
    }

    func postgresRenew(
        _ store: PostgresStore, _ job: Job, lease: TimeInterval, stage: String?, iteration: Int?, at now: Date
    ) throws -> Bool {
        let until = now.addingTimeInterval(lease)
        return try store.session { session in
            try session.change(
                """
                UPDATE "job" SET "leaseUntil" = \(until), "stage" = COALESCE(\(stage), "stage"),
                    "iteration" = COALESCE(\(iteration), "iteration")
                WHERE "id" = \(job.id ?? -1) AND "state" = 'running' AND "worker" = \(job.worker)
                """) == 1
        }
    }

    func postgresFinish(
        _ store: PostgresStore, _ job: Job, as state: Job.State, reason: String, runID: String?, report: HealReport?,
        at now: Date, beforeCommit: (Job) -> Void
    ) throws -> Bool {
        let groupsLeft = report.map {
            String(decoding: (try? JSONEncoder().encode($0.groupsLeft)) ?? Data("[]".utf8), as: UTF8.self)
        }
        return try store.transaction { session in
            guard
                let ended = try session.records(
                    Job.self,
                    """
                    UPDATE "job" SET "state" = \(state.rawValue), "finishedAt" = \(now), "reason" = \(reason),
                        "runId" = \(runID), "leaseUntil" = NULL, "stage" = NULL,
                        "initialPassRate" = COALESCE(\(report?.initialPassRate), "initialPassRate"),
                        "finalPassRate" = COALESCE(\(report?.finalPassRate), "finalPassRate"),
                        "groupsLeft" = COALESCE(\(groupsLeft), "groupsLeft")
                    WHERE "id" = \(job.id ?? -1) AND "state" = 'running' AND "worker" = \(job.worker)
                    RETURNING row_to_json("job")::text
                    """
                ).first
            else { return false }
            // A job waiting behind this one for the same app can be claimed now: idle daemons
            // are told, as on an enqueue.
            try session.change(
                """
                SELECT pg_notify(\(Self.channel), '') WHERE EXISTS (
                    SELECT 1 FROM "job" WHERE "appDirectory" = \(job.appDirectory) AND "state" = 'queued')
                """)
            beforeCommit(ended)
            return true
        }
    }

    func postgresRelease(_ store: PostgresStore, _ job: Job) throws {
        try store.transaction { session in
            let count = try session.change(
                """
                UPDATE "job" SET "state" = 'queued', "worker" = NULL, "leaseUntil" = NULL, "stage" = NULL
                WHERE "id" = \(job.id ?? -1) AND "state" = 'running' AND "worker" = \(job.worker)
                """)
            if count > 0 { try session.change("SELECT pg_notify(\(Self.channel), '')") }
        }
    }

    /// Puts back every running job whose lease ran out before `now` (its worker or host died);
    /// any host may. Returns how many.
    @discardableResult
    public func requeueExpired(at now: Date = Date()) throws -> Int {
        guard let store = database.postgres else {
            return try database.writer.write { db in
                try Job.filter(Job.Columns.state == Job.State.running.rawValue && Column("leaseUntil") < now)
                    .updateAll(
                        db, Job.Columns.state.set(to: Job.State.queued.rawValue), Column("worker").set(to: nil),
                        Column("leaseUntil").set(to: nil), Column("stage").set(to: nil))
            }
        }
        return try store.transaction { session in
            let count = try session.change(
                """
                UPDATE "job" SET "state" = 'queued', "worker" = NULL, "leaseUntil" = NULL, "stage" = NULL
                WHERE "state" = 'running' AND "leaseUntil" < \(now)
                """)
            if count > 0 { try session.change("SELECT pg_notify(\(Self.channel), '')") }
            return count
        }
    }

    func postgresFinished(_ store: PostgresStore, limit: Int, since: Date?) throws -> [Job] {
        try store.session { session in
            if let since {
                return try session.records(
                    Job.self,
                    """
                    SELECT row_to_json(j)::text FROM "job" j
                    WHERE "state" IN ('healed', 'not_healed', 'failed') AND "finishedAt" > \(since)
                    ORDER BY "finishedAt", "id" LIMIT \(limit)
                    """)
            }
            return try session.records(
                Job.self,
                """
                SELECT row_to_json(j)::text FROM "job" j WHERE "state" IN ('healed', 'not_healed', 'failed')
                ORDER BY "finishedAt" DESC, "id" DESC LIMIT \(limit)
                """)
        }
    }
}
