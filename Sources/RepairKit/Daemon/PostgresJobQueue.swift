import Foundation
import Logging
import PostgresNIO

/// The job queue in a PostgreSQL database that several repaird share, on one host or many.
/// It speaks the same table as `JobQueue` does in SQLite — the same columns, states and rules:
/// higher priorities first, aged by `agingStep`; at most one running job per app directory
/// (a unique index, so it holds across hosts); leases that run out put a job back; a job ends
/// once, by the worker that holds it. Claims lock the row they take and skip rows another host
/// is taking (`FOR UPDATE SKIP LOCKED`); an enqueue notifies idle hosts (`NOTIFY`) instead of
/// leaving them to poll. Every change is one transaction.
public final class PostgresJobQueue: Sendable {
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger
    /// Waiting this long raises a job by one priority level.
    public let agingStep: TimeInterval

    /// The channel enqueues notify.
    static let channel = "repaird_jobs"

    /// Connects to `endpoint` (the password from `PGPASSWORD` or `~/.pgpass`) and brings the
    /// job table to the current version.
    public static func open(
        _ endpoint: PostgresEndpoint, environment: [String: String] = ProcessInfo.processInfo.environment,
        agingStep: TimeInterval = 60, logger: Logger = Logger(label: "repaird.store")
    ) async throws -> PostgresJobQueue {
        let configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.user,
            password: endpoint.password(environment: environment), database: endpoint.database, tls: .disable)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let queue = PostgresJobQueue(client: client, agingStep: agingStep, logger: logger)
        do {
            try await queue.migrate()
        } catch {
            await queue.close()
            throw error
        }
        return queue
    }

    private init(client: PostgresClient, agingStep: TimeInterval, logger: Logger) {
        self.client = client
        self.agingStep = agingStep
        self.logger = logger
        running = Task { await client.run() }
    }

    /// Ends the connections.
    public func close() async {
        running.cancel()
        await running.value
    }

    /// The job table, its indexes and the version, created once however many hosts start at
    /// the same time (an advisory lock serialises them).
    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7301)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS job (
                    id BIGSERIAL PRIMARY KEY,
                    "appDirectory" TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    "enqueuedAt" TIMESTAMPTZ NOT NULL,
                    "claimedAt" TIMESTAMPTZ,
                    "leaseUntil" TIMESTAMPTZ,
                    worker TEXT,
                    claims INTEGER NOT NULL DEFAULT 0,
                    stage TEXT,
                    iteration INTEGER,
                    "finishedAt" TIMESTAMPTZ,
                    reason TEXT,
                    "runId" TEXT,
                    "initialPassRate" DOUBLE PRECISION,
                    "finalPassRate" DOUBLE PRECISION,
                    "groupsLeft" TEXT)
                """, logger: logger)
            // Two hosts never run the same app at once: the second claim's commit fails.
            try await connection.query(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS job_one_running_per_app ON job ("appDirectory")
                WHERE state = 'running'
                """, logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS job_waiting ON job (priority, \"enqueuedAt\", id) WHERE state = 'queued'",
                logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS job_waiting_app ON job (\"appDirectory\") WHERE state = 'queued'",
                logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS job_leases ON job (\"leaseUntil\") WHERE state = 'running'", logger: logger)
        }
    }

    static let columns = """
        id, "appDirectory", priority, state, "enqueuedAt", "claimedAt", "leaseUntil", worker, claims, stage, \
        iteration, "finishedAt", reason, "runId", "initialPassRate", "finalPassRate", "groupsLeft"
        """

    static func job(_ row: PostgresRow) throws -> Job {
        let cells = row.makeRandomAccess()
        let priority = try cells["priority"].decode(Int.self)
        let state = try cells["state"].decode(String.self)
        return Job(
            id: try cells["id"].decode(Int64.self),
            appDirectory: try cells["appDirectory"].decode(String.self),
            priority: Job.Priority(rawValue: priority) ?? .normal,
            state: Job.State(rawValue: state) ?? .failed,
            enqueuedAt: try cells["enqueuedAt"].decode(Date.self),
            claimedAt: try cells["claimedAt"].decode(Date?.self),
            leaseUntil: try cells["leaseUntil"].decode(Date?.self),
            worker: try cells["worker"].decode(String?.self),
            claims: try cells["claims"].decode(Int.self),
            stage: try cells["stage"].decode(String?.self),
            iteration: try cells["iteration"].decode(Int?.self),
            finishedAt: try cells["finishedAt"].decode(Date?.self),
            reason: try cells["reason"].decode(String?.self),
            runId: try cells["runId"].decode(String?.self),
            initialPassRate: try cells["initialPassRate"].decode(Double?.self),
            finalPassRate: try cells["finalPassRate"].decode(Double?.self),
            groupsLeft: try cells["groupsLeft"].decode(String?.self))
    }

    static func jobs(_ rows: PostgresRowSequence) async throws -> [Job] {
        var jobs: [Job] = []
        for try await row in rows { jobs.append(try job(row)) }
        return jobs
    }

    /// Queues a heal of `appDirectory`; a job already waiting for it is kept (at the higher of
    /// the two priorities) rather than doubled — also when two hosts enqueue it at once.
    @discardableResult
    public func enqueue(
        _ appDirectory: URL, priority: Job.Priority = .normal, at now: Date = Date()
    ) async throws -> JobQueue.Enqueued {
        let path = appDirectory.standardizedFileURL.path
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(path)))", logger: logger)
            let waiting = try await Self.jobs(
                connection.query(
                    """
                    UPDATE job SET priority = LEAST(priority, \(priority.rawValue))
                    WHERE id = (SELECT id FROM job WHERE "appDirectory" = \(path) AND state = 'queued'
                                ORDER BY id LIMIT 1)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger))
            if let job = waiting.first { return JobQueue.Enqueued(job: job, merged: true) }
            let inserted = try await Self.jobs(
                connection.query(
                    """
                    INSERT INTO job ("appDirectory", priority, state, "enqueuedAt", claims)
                    VALUES (\(path), \(priority.rawValue), 'queued', \(now), 0)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger))
            try await connection.query("SELECT pg_notify(\(Self.channel), '')", logger: logger)
            guard let job = inserted.first else { throw PostgresQueueError("the insert returned no job") }
            return JobQueue.Enqueued(job: job, merged: false)
        }
    }

    /// Claims the job with the best effective priority (priority less one level per
    /// `agingStep` waited), oldest first, whose app has no job running anywhere. Rows another
    /// host is claiming are skipped, not waited for; nil when nothing can be claimed now.
    public func claim(worker: String, lease: TimeInterval, at now: Date = Date()) async throws -> Job? {
        let until = now.addingTimeInterval(lease)
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await Self.jobs(
                    connection.query(
                        """
                        UPDATE job SET state = 'running', worker = \(worker), "claimedAt" = \(now),
                            "leaseUntil" = \(until), claims = claims + 1, stage = 'claimed'
                        WHERE id = (
                            SELECT waiting.id FROM job AS waiting
                            WHERE waiting.state = 'queued' AND NOT EXISTS (
                                SELECT 1 FROM job AS busy
                                WHERE busy.state = 'running' AND busy."appDirectory" = waiting."appDirectory")
                            ORDER BY waiting.priority
                                - EXTRACT(EPOCH FROM (\(now)::timestamptz - waiting."enqueuedAt")) / \(agingStep),
                                waiting."enqueuedAt", waiting.id
                            LIMIT 1
                            FOR UPDATE SKIP LOCKED)
                        RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                ).first
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // Another host claimed a job of the same app in the same instant: its commit won.
            return nil
        }
    }

    /// Extends the lease while the worker still holds the job; false when it lost it.
    public func renew(
        _ job: Job, lease: TimeInterval, stage: String? = nil, iteration: Int? = nil, at now: Date = Date()
    ) async throws -> Bool {
        let until = now.addingTimeInterval(lease)
        let rows = try await client.query(
            """
            UPDATE job SET "leaseUntil" = \(until), stage = COALESCE(\(stage), stage),
                iteration = COALESCE(\(iteration), iteration)
            WHERE id = \(job.id ?? -1) AND state = 'running' AND worker = \(job.worker)
            RETURNING id
            """, logger: logger)
        return try await rows.collect().count == 1
    }

    /// Ends a job, once: only the worker holding it can, and only while it runs.
    public func finish(
        _ job: Job, as state: Job.State, reason: String, runID: String?, at now: Date = Date()
    ) async throws -> Bool {
        precondition(state.isFinal)
        let rows = try await client.query(
            """
            UPDATE job SET state = \(state.rawValue), "finishedAt" = \(now), reason = \(reason), "runId" = \(runID),
                "leaseUntil" = NULL, stage = NULL
            WHERE id = \(job.id ?? -1) AND state = 'running' AND worker = \(job.worker)
            RETURNING id
            """, logger: logger)
        return try await rows.collect().count == 1
    }

    /// Puts back every running job whose lease ran out before `now` (its worker or host
    /// died); any host may. Returns how many.
    @discardableResult
    public func requeueExpired(at now: Date = Date()) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE job SET state = 'queued', worker = NULL, "leaseUntil" = NULL, stage = NULL
                WHERE state = 'running' AND "leaseUntil" < \(now)
                RETURNING id
                """, logger: logger)
            let count = try await rows.collect().count
            if count > 0 { try await connection.query("SELECT pg_notify(\(Self.channel), '')", logger: logger) }
            return count
        }
    }

    public func jobs() async throws -> [Job] {
        try await Self.jobs(client.query("SELECT \(unescaped: Self.columns) FROM job ORDER BY id", logger: logger))
    }

    /// Waits until a job is enqueued or requeued by any host, up to `timeout`: an idle host
    /// sleeps on the database's notification instead of polling. True when one came.
    public func waitForWork(timeout: Duration) async throws -> Bool {
        try await client.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        for try await _ in notifications { return true }
                        return false
                    }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return false
                    }
                    let first = try await group.next() ?? false
                    group.cancelAll()
                    return first
                }
            }
        }
    }
}

/// A reply the queue did not expect from the database.
struct PostgresQueueError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
