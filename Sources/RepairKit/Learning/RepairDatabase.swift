import Foundation
import GRDB

/// The learning store: one SQLite file (WAL) holding runs, scenario results, violation
/// groups, attempts and the LLM answer cache. It is also the audit trail: which patch touched
/// which file, when, from which source, with what outcome. Changed only in transactions.
public struct RepairDatabase: Sendable {
    let writer: any DatabaseWriter

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
        if let flag { return URL(fileURLWithPath: flag) }
        if let path = environment["REPAIR_STORE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        if let path = config?.store { return URL(fileURLWithPath: path) }
        let state =
            environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return state.appendingPathComponent("repaird/learning.sqlite")
    }

    /// `PRAGMA integrity_check` says `ok`.
    public func isIntact() throws -> Bool {
        try writer.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") == "ok" }
    }
}
