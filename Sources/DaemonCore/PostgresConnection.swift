import CPostgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection to a shared PostgreSQL store, for the daemon's own few statements and
/// its `LISTEN`. The password comes from `PGPASSWORD` or `~/.pgpass`, which libpq reads itself;
/// it is never in a message of ours. A connection the server dropped is reset before the next
/// statement, and listens again.
final class PostgresConnection: Sendable {
    // The connection is only used under the lock.
    private let handle: Mutex<OpaquePointer>
    /// The store's URL without its password, for messages.
    let shownLocation: String
    /// Channels listened on, listened on again after a reset.
    private let channels = Mutex<[String]>([])

    init(url: String) throws(DaemonError) {
        shownLocation = Self.withoutPassword(url)
        guard let connection = PQconnectdb(url) else {
            throw DaemonError(description: "\(shownLocation): cannot allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw DaemonError(description: "\(shownLocation): \(message)")
        }
        handle = Mutex(connection)
    }

    deinit {
        handle.withLock { PQfinish($0) }
    }

    /// Runs one statement with text parameters; returns its rows (every column as text) and the
    /// rows it changed.
    func run(_ sql: String, _ parameters: [String?] = []) throws(DaemonError) -> (rows: [[String?]], changes: Int) {
        try handle.withLock { (connection: inout OpaquePointer) throws(DaemonError) in
            try ensureConnected(connection)
            return try Self.execute(connection, sql, parameters)
        }
    }

    /// Runs `body` in one transaction on the connection, held throughout.
    func transaction<T: Sendable>(_ body: (Statements) throws(DaemonError) -> T) throws(DaemonError) -> T {
        try handle.withLock { (connection: inout OpaquePointer) throws(DaemonError) -> T in
            try ensureConnected(connection)
            let statements = Statements(connection: connection)
            return try inTransaction(begin: "BEGIN", run: { (sql) throws(DaemonError) in _ = try statements.run(sql) })
            {
                () throws(DaemonError) -> T in try body(statements)
            }
        }
    }

    /// Statements on a connection the caller holds.
    struct Statements {
        let connection: OpaquePointer

        func run(_ sql: String, _ parameters: [String?] = []) throws(DaemonError) -> (rows: [[String?]], changes: Int) {
            try PostgresConnection.execute(connection, sql, parameters)
        }
    }

    /// Listens on `channel` from now on.
    func listen(_ channel: String) throws(DaemonError) {
        channels.withLock { $0.append(channel) }
        _ = try run("LISTEN \(channel)")
    }

    /// Whether a notification arrived since the last call (or the connection was lost and
    /// reset, when some may have been missed). Reads only what the socket already holds.
    func notified() -> Bool {
        handle.withLock { connection in
            if PQstatus(connection) != CONNECTION_OK || PQconsumeInput(connection) == 0 {
                // Lost: whatever was sent meanwhile is unknown, so the caller looks.
                try? ensureConnected(connection)
                return true
            }
            var any = false
            while let notification = PQnotifies(connection) {
                any = true
                PQfreemem(notification)
            }
            return any
        }
    }

    private func ensureConnected(_ connection: OpaquePointer) throws(DaemonError) {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw DaemonError(description: "\(shownLocation): \(Self.message(PQerrorMessage(connection)))")
        }
        for channel in channels.withLock({ $0 }) {
            _ = try Self.execute(connection, "LISTEN \(channel)", [])
        }
    }

    private static func execute(
        _ connection: OpaquePointer, _ sql: String, _ parameters: [String?]
    ) throws(DaemonError) -> (rows: [[String?]], changes: Int) {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let values = copies.map { UnsafePointer<CChar>($0) }
        guard let result = PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0) else {
            throw DaemonError(description: message(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw DaemonError(description: message(PQresultErrorMessage(result)))
        }
        var rows: [[String?]] = []
        let columns = PQnfields(result)
        for row in 0..<PQntuples(result) {
            rows.append(
                (0..<columns).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
        let changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        return (rows, changes)
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        var message = String(cString: text)
        while message.last == "\n" || message.last == " " { message.removeLast() }
        return message
    }

    /// `postgres://user:secret@host/db` as `postgres://user@host/db`.
    static func withoutPassword(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound
        else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at...])
    }
}
