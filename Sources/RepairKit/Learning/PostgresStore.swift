import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The learning store in a PostgreSQL database that a fleet of repaird shares: the same
/// tables, columns and records as the SQLite file (camelCase names, quoted), reached through
/// postgres-nio. Its calls block the calling thread until the database answers, as SQLite's
/// do; the waiting happens on NIO's own threads, never on a task's. Every change is one
/// transaction; connections are pooled per process.
public final class PostgresStore: Sendable {
    public let endpoint: PostgresEndpoint
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)
    private let columnCache = Mutex<[String: [String]]>([:])

    /// Connects to `endpoint` (the password from `PGPASSWORD` or `~/.pgpass`) and brings the
    /// schema to the current version.
    public init(
        _ endpoint: PostgresEndpoint, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "repaird.store")
    ) throws {
        self.endpoint = endpoint
        self.logger = logger
        var configuration = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.user,
            password: endpoint.password(environment: environment), database: endpoint.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
        try migrate()
    }

    deinit {
        for connection in idle.withLock({ $0 }) { Self.close(connection) }
    }

    // MARK: - Connections and transactions

    /// Statements on one connection, inside or outside a transaction.
    public struct Session {
        let connection: PostgresConnection
        let logger: Logger

        /// Runs `query` and returns its rows.
        @discardableResult
        public func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
            do { return try connection.query(query, logger: logger).wait().rows } catch {
                throw PostgresStoreError(error)
            }
        }

        /// Runs `query` and returns how many rows it changed.
        @discardableResult
        public func change(_ query: PostgresQuery) throws -> Int {
            do { return try connection.query(query, logger: logger).wait().metadata.rows ?? 0 } catch {
                throw PostgresStoreError(error)
            }
        }

        /// Rows as records: `query` must select `row_to_json(...)::text` as its only column.
        public func records<T: Decodable>(_ type: T.Type, _ query: PostgresQuery) throws -> [T] {
            try rows(query).map { row in
                let text = try row.decode(String.self)
                return try PostgresStore.decoder.decode(T.self, from: Data(text.utf8))
            }
        }

        /// Every row of `table` matching `condition` (SQL after WHERE; "TRUE" for all), as records.
        public func records<T: Decodable>(
            _ type: T.Type, from table: String, where condition: PostgresQuery = "TRUE", order: String = "",
            limit: Int? = nil
        ) throws -> [T] {
            var query: PostgresQuery = "SELECT row_to_json(t)::text FROM \(unescaped: "\"\(table)\"") t WHERE "
            query.sql += condition.sql
            query.binds = condition.binds
            if !order.isEmpty { query.sql += " ORDER BY \(order)" }
            if let limit { query.sql += " LIMIT \(limit)" }
            return try records(T.self, query)
        }

        /// Inserts `record` into `table` (its columns named by its coding keys; nil values left
        /// to the column's default) and returns the new row's `id` when the table has one.
        @discardableResult
        public func insert<T: Encodable>(_ record: T, into table: String, returningID: Bool = true) throws -> Int64? {
            let (json, columns) = try Self.encoded(record, leaving: [])
            let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            var query: PostgresQuery = "INSERT INTO \(unescaped: "\"\(table)\"") (\(unescaped: names)) "
            query.sql += "SELECT \(names) FROM json_populate_record(NULL::\"\(table)\", $1::json)"
            if returningID { query.sql += " RETURNING id" }
            query.binds = PostgresBindings()
            try query.binds.append(json)
            let rows = try rows(query)
            return returningID ? try rows.first?.decode(Int64.self) : nil
        }

        /// Writes every column of `record` into the row of `table` whose `key` column is `value`
        /// (a nil value clears its column).
        public func update<T: Encodable>(
            _ record: T, in table: String, key: String = "id", value: some PostgresEncodable & Sendable,
            columns: [String]
        ) throws {
            let (json, _) = try Self.encoded(record, leaving: [key])
            let names = columns.filter { $0 != key }.map { "\"\($0)\"" }.joined(separator: ", ")
            var query: PostgresQuery = ""
            query.sql =
                "UPDATE \"\(table)\" SET (\(names)) = (SELECT \(names) FROM json_populate_record(NULL::\"\(table)\", $1::json)) WHERE \"\(key)\" = $2"
            try query.binds.append(json)
            try query.binds.append(value)
            try change(query)
        }

        /// The record as a JSON object (without `leaving`), and the columns it names: nil
        /// values are left out, so an insert leaves them to the column's default.
        static func encoded<T: Encodable>(_ record: T, leaving: Set<String>) throws -> (String, [String]) {
            let data = try PostgresStore.encoder.encode(record)
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw PostgresStoreError("a record is not a JSON object")
            }
            for key in leaving { object.removeValue(forKey: key) }
            let json = try JSONSerialization.data(withJSONObject: object)
            return (String(decoding: json, as: UTF8.self), Array(object.keys).sorted())
        }
    }

    /// The columns of `table`, read from the database once.
    func columns(of table: String) throws -> [String] {
        if let known = columnCache.withLock({ $0[table] }) { return known }
        let names = try session { session in
            try session.rows(
                """
                SELECT column_name::text FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
                """
            ).map { try $0.decode(String.self) }
        }
        columnCache.withLock { $0[table] = names }
        return names
    }

    /// Writes `record` over its row (every column, so nil values clear theirs).
    func update<T: Encodable>(
        _ record: T, in table: String, key: String = "id", value: some PostgresEncodable & Sendable, session: Session
    ) throws {
        try session.update(record, in: table, key: key, value: value, columns: try columns(of: table))
    }

    /// Runs `body` with a connection of the pool (a new one when none is idle).
    public func session<T>(_ body: (Session) throws -> T) throws -> T {
        let connection = try acquire()
        do {
            let result = try body(Session(connection: connection, logger: logger))
            release(connection)
            return result
        } catch {
            // A connection that failed may be broken: it is not reused.
            if connection.isClosed { Self.close(connection) } else { release(connection) }
            throw error
        }
    }

    /// Runs `body` inside one transaction, committed when it returns and rolled back when it throws.
    public func transaction<T>(_ body: (Session) throws -> T) throws -> T {
        try session { session in
            try session.change("BEGIN")
            do {
                let result = try body(session)
                try session.change("COMMIT")
                return result
            } catch {
                _ = try? session.change("ROLLBACK")
                throw error
            }
        }
    }

    private func acquire() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
            ).wait()
            _ = try connection.query("SET TIME ZONE 'UTC'", logger: logger).wait()
            return connection
        } catch {
            throw PostgresStoreError("\(endpoint): \(Self.describe(error))")
        }
    }

    private func release(_ connection: PostgresConnection) {
        let kept = idle.withLock { idle -> Bool in
            guard idle.count < 8 else { return false }
            idle.append(connection)
            return true
        }
        if !kept { Self.close(connection) }
    }

    /// Closes `connection`, keeping it alive until the close is done (postgres-nio requires a
    /// connection be closed before it goes away).
    static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// The server's message for a failed statement or connection, without the query's values.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return "\(error)"
    }

    // MARK: - Records as JSON

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            return date
        }
        return decoder
    }()

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// A timestamp as `row_to_json` writes it (`2026-11-24T16:31:30.48+00:00`, the fraction
    /// of any length or none).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// A reply the store did not expect from the database, or a database that cannot be reached.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public var description: String
    /// The server's SQLSTATE (`23505`: a unique key already held), when it sent one.
    public var sqlState: String?

    init(_ description: String) { self.description = description }

    /// A failed statement: the server's message and state, never the statement's values.
    init(_ error: any Error) {
        description = PostgresStore.describe(error)
        sqlState = (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
