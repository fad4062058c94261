import Foundation

/// A PostgreSQL database shared by a fleet of repaird, named by a store URL
/// (`postgres://user@host:5432/database`). The URL never holds the password: it comes from
/// `PGPASSWORD` or a `~/.pgpass` line, as for PostgreSQL's own tools, and is never printed.
public struct PostgresEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String

    public init(host: String, port: Int = 5432, user: String, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
    }

    /// The URL, without any password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// A store location fit for a message: a URL's password, if it holds one, left out; a
    /// file's path as it is.
    public static func shown(_ location: String) -> String {
        guard isURL(location), var components = URLComponents(string: location), components.password != nil else {
            return location
        }
        components.password = nil
        return components.string ?? "postgres://…"
    }

    /// Parses a store URL; the problem names what is wrong (and never echoes a password).
    public static func parse(_ text: String) throws(ConfigError) -> PostgresEndpoint {
        func problem(_ message: String) -> ConfigError {
            ConfigError(source: "store URL", key: "learning.store", value: "postgres://…", problem: message)
        }
        guard isURL(text), let components = URLComponents(string: text) else {
            throw problem("must look like postgres://user@host:5432/database")
        }
        guard components.password == nil else {
            throw problem(
                "must not hold a password: export PGPASSWORD or add a ~/.pgpass line (host:port:database:user:password)"
            )
        }
        guard let host = components.host, !host.isEmpty else { throw problem("names no host") }
        guard let user = components.user, !user.isEmpty else { throw problem("names no user (postgres://user@host/…)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw problem("names no database (…/database)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw problem("has a port outside 1–65535") }
        return PostgresEndpoint(host: host, port: port, user: user, database: database)
    }

    /// The password: `PGPASSWORD`, else the first matching line of `~/.pgpass` (or the file
    /// `PGPASSFILE` names); nil when neither has one (trust or peer authentication).
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file =
            environment["PGPASSFILE"]
            ?? environment["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".pgpass").path }
        guard let file, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = Self.pgpassFields(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// A `.pgpass` line's fields: `:` separates, `\` escapes `:` and `\`.
    static func pgpassFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
