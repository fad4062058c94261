import Foundation
import GRDB

/// The learning store: one SQLite file (WAL) holding runs, scenario results, violation
/// groups, attempts and the LLM answer cache. It is also the audit trail: which patch touched
/// which file, when, from which source, with what outcome. Changed only in transactions.
public struct RepairDatabase: Sendable {
    private let sqlite: (any DatabaseWriter)?
    /// The shared PostgreSQL store, when the store is one (`postgres://…`).
    public let postgres: PostgresStore?

    init(writer: any DatabaseWriter) {
        sqlite = writer
        postgres = nil
    }

    public init(postgres: PostgresStore) {
        sqlite = nil
        self.postgres = postgres
    }

    /// The SQLite file's connection; on a PostgreSQL store, the operations that have no
    /// PostgreSQL form yet throw, naming the store.
    var writer: any DatabaseWriter {
        get throws {
            guard let sqlite else {
                throw PostgresStoreError(
                    "\(postgres?.endpoint.description ?? "the store"): this operation needs a SQLite store")
            }
            return sqlite
        }
    }

    /// Opens the store `location` names: a PostgreSQL URL (`postgres://user@host:5432/db`) or
    /// the path of a SQLite file (created and migrated).
    public static func open(
        _ location: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RepairDatabase {
        if PostgresEndpoint.isURL(location) {
            return RepairDatabase(
                postgres: try PostgresStore(PostgresEndpoint.parse(location), environment: environment))
        }
        return try open(at: URL(fileURLWithPath: location))
    }

    /// Opens (creating and migrating) the store at `url`.
    /// - Parameter statements: told the SQL of every statement run, its values filled in (for
    ///   tests that check the queries' plans, and for diagnosis).
    public static func open(at url: URL, statements: (@Sendable (String) -> Void)? = nil) throws -> RepairDatabase {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        if let statements {
            configuration.prepareDatabase { db in
                db.trace(options: .statement) { event in statements(event.expandedDescription) }
            }
        }
        let pool = try DatabasePool(path: url.path, configuration: configuration)
        let database = RepairDatabase(writer: pool)
        try database.migrator.migrate(pool)
        return database
    }

    /// An empty store in memory, for tests.
    public static func inMemory() throws -> RepairDatabase {
        let queue = try DatabaseQueue()
        let database = RepairDatabase(writer: queue)
        try database.migrator.migrate(queue)
        return database
    }

    /// `--store`, else `REPAIR_STORE`, else `[learning] store`, else
    /// `$XDG_STATE_HOME/repaird/learning.sqlite` (`~/.local/state/repaird/learning.sqlite`).
    public static func location(
        flag: String?, config: RepairConfig.Learning?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        URL(fileURLWithPath: locationText(flag: flag, config: config, environment: environment))
    }

    /// The store's location as given: a PostgreSQL URL or a SQLite file's path (see `location`).
    public static func locationText(
        flag: String?, config: RepairConfig.Learning?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let flag { return flag }
        if let path = environment["REPAIR_STORE"], !path.isEmpty { return path }
        if let path = config?.store { return path }
        let state =
            environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return state.appendingPathComponent("repaird/learning.sqlite").path
    }

    /// `PRAGMA integrity_check` says `ok` (PostgreSQL: the store answers).
    public func isIntact() throws -> Bool {
        if let postgres { return try postgres.session { try $0.rows("SELECT 1").count == 1 } }
        return try writer.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") == "ok" }
    }
}
