#if canImport(Glibc)
    import Glibc
#endif

/// Where the store and the worker program are.
public enum StoreLocation {
    /// `--store`, else REPAIR_STORE, else $XDG_STATE_HOME (or ~/.local/state)/repaird/learning.sqlite:
    /// where repairctl looks too.
    public static func path(flag: String?) -> String {
        if let flag { return flag }
        if let path = environment("REPAIR_STORE"), !path.isEmpty { return path }
        let state = environment("XDG_STATE_HOME") ?? ((environment("HOME") ?? "/") + "/.local/state")
        return state + "/repaird/learning.sqlite"
    }

    /// Whether `location` names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// A store location fit for a message: a URL without any password.
    public static func withoutPassword(_ location: String) -> String {
        PostgresConnection.withoutPassword(location)
    }

    /// `repaird-worker` in the folder this program was started from.
    public static func workerProgram() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let own = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = own.lastIndex(of: "/") else { return nil }
        let worker = String(own[..<slash]) + "/repaird-worker"
        return access(worker, X_OK) == 0 ? worker : nil
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
