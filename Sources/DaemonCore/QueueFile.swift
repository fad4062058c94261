import CSQLite
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The job table of the learning store, as the resident daemon sees it: how much work waits,
/// which workers hold jobs, and the few writes that belong to the daemon rather than a worker
/// (putting back jobs of workers that died, enqueueing what the watcher found). Workers claim,
/// renew and finish jobs through RepairKit's `JobQueue`; both speak the same table. In a SQLite
/// file times are text as GRDB stores them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC); on a shared
/// PostgreSQL store (libpq) they are `timestamptz`, the writes that make work notify
/// `repaird_jobs`, and the daemon listens there. Every write is one transaction.
public final class QueueFile: Sendable {
    private enum Backend: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PostgresConnection)
    }

    private let backend: Backend
    /// The channel enqueues and requeues notify on a shared store (RepairKit's `JobQueue.channel`).
    public static let channel = "repaird_jobs"

    /// Opens an existing SQLite store (the worker's `--prepare` creates and migrates it).
    public convenience init(path: String) throws(DaemonError) {
        try self.init(location: path)
    }

    /// Opens an existing store: a SQLite file, or a `postgres://` URL of a shared store (then
    /// listening on `channel`).
    public init(location: String) throws(DaemonError) {
        if StoreLocation.isURL(location) {
            let connection = try PostgresConnection(url: location)
            backend = .postgres(connection)
            do {
                _ = try connection.run(#"SELECT 1 FROM "job" LIMIT 1"#)
                try connection.listen(Self.channel)
            } catch {
                throw DaemonError(description: "\(connection.shownLocation): \(error)")
            }
        } else {
            backend = .sqlite(try SQLiteConnection(path: location))
            do {
                _ = try execute(#"SELECT 1 FROM "job" LIMIT 1"#)
            } catch {
                throw DaemonError(description: "\(location): \(error)")
            }
        }
    }

    /// Whether the store is shared by daemons on other hosts (PostgreSQL): running jobs there
    /// may be theirs.
    public var isShared: Bool {
        if case .postgres = backend { return true }
        return false
    }

    /// On a shared store: whether work was announced (a notification arrived, or the
    /// connection was lost meanwhile) since the last call. Reads only what already arrived, so
    /// an idle daemon looks at the queue when told rather than every tick. Always true on a
    /// SQLite file, which is read every tick.
    public func workAnnounced() -> Bool {
        switch backend {
        case .sqlite: return true
        case .postgres(let connection): return connection.notified()
        }
    }

    /// Seconds since 1970, now.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The queue at a glance, for deciding how many workers to run.
    public struct Snapshot: Sendable, Equatable {
        /// App directories with a job waiting and none running: jobs a worker could claim now.
        public var claimable: Int
        /// Workers that hold a running job.
        public var busyWorkers: Set<String>
    }

    public func snapshot() throws(DaemonError) -> Snapshot {
        let claimable =
            try execute(
                """
                SELECT COUNT(DISTINCT "appDirectory") FROM "job" WHERE "state" = 'queued'
                AND "appDirectory" NOT IN (SELECT "appDirectory" FROM "job" WHERE "state" = 'running')
                """
            ).first?.first.flatMap { Int($0 ?? "") } ?? 0
        let busy = try execute(#"SELECT "worker" FROM "job" WHERE "state" = 'running' AND "worker" IS NOT NULL"#)
            .compactMap { $0.first ?? nil }
        return Snapshot(claimable: claimable, busyWorkers: Set(busy))
    }

    /// Puts running jobs back in the queue: every one (`expiredBy` nil, at the start of a
    /// daemon that owns a SQLite store: they belonged to one that died), or those whose lease
    /// ran out before `expiredBy` (any daemon of a shared store may). Returns how many.
    @discardableResult
    public func requeueRunning(expiredBy now: Double?) throws(DaemonError) -> Int {
        let requeue = #"UPDATE "job" SET "state" = 'queued', "worker" = NULL, "leaseUntil" = NULL, "stage" = NULL"#
        return try transaction { (statements: Statements) throws(DaemonError) in
            let count: Int
            if let now {
                count = try statements.change(
                    "\(requeue) WHERE \"state\" = 'running' AND \"leaseUntil\" < \(time(1))", [.real(now)])
            } else {
                count = try statements.change("\(requeue) WHERE \"state\" = 'running'", [])
            }
            if count > 0 { try statements.announce() }
            return count
        }
    }

    /// After a worker process died holding a job: the job goes back to the queue, or, once it
    /// has been claimed `failAfterClaims` times, ends as `failed` with `reason` (a job that
    /// kills its worker each time must not loop forever). Returns (requeued, failed).
    public func releaseJobs(
        of worker: String, failAfterClaims: Int, reason: String, now: Double = QueueFile.now()
    )
        throws(DaemonError) -> (requeued: Int, failed: Int)
    {
        try transaction { (statements: Statements) throws(DaemonError) in
            let failed = try statements.change(
                """
                UPDATE "job" SET "state" = 'failed', "finishedAt" = \(time(3)), "reason" = ?2,
                "leaseUntil" = NULL, "stage" = NULL
                WHERE "state" = 'running' AND "worker" = ?1 AND "claims" >= ?4
                """, [.text(worker), .text(reason), .real(now), .integer(Int64(failAfterClaims))])
            let requeued = try statements.change(
                """
                UPDATE "job" SET "state" = 'queued', "worker" = NULL, "leaseUntil" = NULL, "stage" = NULL
                WHERE "state" = 'running' AND "worker" = ?1
                """, [.text(worker)])
            if requeued > 0 { try statements.announce() }
            return (requeued, failed)
        }
    }

    /// Queues a heal of `appDirectory` at normal priority unless a job for it already waits.
    /// Returns whether a job was added.
    @discardableResult
    public func enqueueIfNotWaiting(_ appDirectory: String, now: Double = QueueFile.now()) throws(DaemonError) -> Bool {
        try transaction { (statements: Statements) throws(DaemonError) in
            // Two hosts enqueueing the same app at once merge: the second waits for the first
            // (the lock `JobQueue`'s enqueue takes too).
            if isShared { _ = try statements.run("SELECT pg_advisory_xact_lock(hashtext(?1))", [.text(appDirectory)]) }
            let added =
                try statements.change(
                    """
                    INSERT INTO "job" ("appDirectory", "priority", "state", "enqueuedAt", "claims")
                    SELECT ?1, 2, 'queued', \(time(2)), 0
                    WHERE NOT EXISTS (SELECT 1 FROM "job" WHERE "appDirectory" = ?1 AND "state" = 'queued')
                    """, [.text(appDirectory), .real(now)]) == 1
            if added { try statements.announce() }
            return added
        }
    }

    /// App directories the queue has ever had a job for.
    public func knownAppDirectories() throws(DaemonError) -> Set<String> {
        Set(try execute(#"SELECT DISTINCT "appDirectory" FROM "job""#).compactMap { $0.first ?? nil })
    }

    /// App directories with a job queued or running.
    public func activeAppDirectories() throws(DaemonError) -> Set<String> {
        Set(
            try execute(#"SELECT DISTINCT "appDirectory" FROM "job" WHERE "state" IN ('queued', 'running')"#)
                .compactMap { $0.first ?? nil })
    }

    // MARK: - Statements

    enum Value {
        case text(String), real(Double), integer(Int64)

        var text: String {
            switch self {
            case .text(let text): return text
            case .real(let number): return "\(number)"
            case .integer(let number): return "\(number)"
            }
        }
    }

    /// The store time of parameter `number`, given in seconds since 1970, in this store's dialect.
    func time(_ number: Int) -> String {
        switch backend {
        case .sqlite: return "strftime('%Y-%m-%d %H:%M:%f', ?\(number), 'unixepoch')"
        case .postgres: return "to_timestamp(CAST(?\(number) AS DOUBLE PRECISION))"
        }
    }

    /// Statements inside one transaction, on whichever store.
    struct Statements {
        fileprivate let sqlite: SQLiteConnection.Statements?
        fileprivate let postgres: PostgresConnection.Statements?

        func run(_ sql: String, _ values: [Value] = []) throws(DaemonError) -> (rows: [[String?]], changes: Int) {
            if let sqlite { return try sqlite.run(sql, values) }
            guard let postgres else { return ([], 0) }
            return try postgres.run(QueueFile.numbered(sql), values.map(\.text))
        }

        func change(_ sql: String, _ values: [Value]) throws(DaemonError) -> Int {
            try run(sql, values).changes
        }

        /// Tells the daemons of a shared store that work may wait (a no-op on a SQLite file).
        func announce() throws(DaemonError) {
            if postgres != nil { _ = try run("SELECT pg_notify('\(QueueFile.channel)', '')") }
        }
    }

    /// Runs `body` inside one write transaction, holding the connection throughout.
    func transaction<T: Sendable>(_ body: (Statements) throws(DaemonError) -> T) throws(DaemonError) -> T {
        switch backend {
        case .sqlite(let connection):
            return try connection.transaction { (statements) throws(DaemonError) -> T in
                try body(Statements(sqlite: statements, postgres: nil))
            }
        case .postgres(let connection):
            return try connection.transaction { (statements) throws(DaemonError) -> T in
                try body(Statements(sqlite: nil, postgres: statements))
            }
        }
    }

    /// Runs one statement and returns its rows, every column as text.
    func execute(_ sql: String, _ values: [Value] = []) throws(DaemonError) -> [[String?]] {
        switch backend {
        case .sqlite(let connection): return try connection.run(sql, values).rows
        case .postgres(let connection): return try connection.run(Self.numbered(sql), values.map(\.text)).rows
        }
    }

    /// `?1` … as PostgreSQL numbers its parameters: `$1` ….
    static func numbered(_ sql: String) -> String {
        var result = ""
        var previous: Character?
        for character in sql {
            if previous == "?" && character.isNumber {
                result.removeLast()
                result.append("$")
            }
            result.append(character)
            previous = character
        }
        return result
    }
}

/// Runs `body` between `begin` and COMMIT, each run by `run`; ROLLBACK when `body` throws.
func inTransaction<T>(
    begin: String, run: (String) throws(DaemonError) -> Void, _ body: () throws(DaemonError) -> T
) throws(DaemonError) -> T {
    try run(begin)
    do throws(DaemonError) {
        let result = try body()
        try run("COMMIT")
        return result
    } catch {
        try? run("ROLLBACK")
        throw error
    }
}

/// The daemon's SQLite connection.
final class SQLiteConnection: Sendable {
    // The connection is only used under the lock.
    private let connection: Mutex<OpaquePointer>

    init(path: String) throws(DaemonError) {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw DaemonError(description: "\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 10_000)
        connection = Mutex(handle)
    }

    deinit {
        connection.withLock { _ = sqlite3_close_v2($0) }
    }

    func transaction<T: Sendable>(_ body: (Statements) throws(DaemonError) -> T) throws(DaemonError) -> T {
        try connection.withLock { (handle: inout OpaquePointer) throws(DaemonError) -> T in
            let statements = Statements(handle: handle)
            return try inTransaction(
                begin: "BEGIN IMMEDIATE", run: { (sql) throws(DaemonError) in _ = try statements.run(sql) }
            ) { () throws(DaemonError) -> T in try body(statements) }
        }
    }

    func run(_ sql: String, _ values: [QueueFile.Value] = []) throws(DaemonError) -> (rows: [[String?]], changes: Int) {
        try connection.withLock { (handle: inout OpaquePointer) throws(DaemonError) in
            try Statements(handle: handle).run(sql, values)
        }
    }

    /// Statements on a connection the caller holds.
    struct Statements {
        let handle: OpaquePointer

        func run(
            _ sql: String, _ values: [QueueFile.Value] = []
        ) throws(DaemonError) -> (
            rows: [[String?]], changes: Int
        ) {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw DaemonError(description: String(cString: sqlite3_errmsg(handle)))
            }
            defer { sqlite3_finalize(statement) }
            // SQLITE_TRANSIENT: SQLite copies the bound text.
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case .text(let text): sqlite3_bind_text(statement, position, text, -1, transient)
                case .real(let number): sqlite3_bind_double(statement, position, number)
                case .integer(let number): sqlite3_bind_int64(statement, position, number)
                }
            }
            var rows: [[String?]] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { return (rows, Int(sqlite3_changes(handle))) }
                guard step == SQLITE_ROW else {
                    throw DaemonError(description: String(cString: sqlite3_errmsg(handle)))
                }
                rows.append(
                    (0..<sqlite3_column_count(statement)).map { column in
                        sqlite3_column_text(statement, column).map { String(cString: $0) }
                    })
            }
        }
    }
}
