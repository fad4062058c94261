import Foundation

/// The environment an app under repair runs with: explicit, never the caller's whole one.
///
/// A patch that passes the guard still runs when the app restarts for its verdict, so the app
/// gets only what a server needs — `PATH`, `HOME`, the locale, the language runtimes' own
/// variables — plus what `[app] pass_env` names and `[app] env` sets. The LLM's key variables
/// are never passed, whatever is named; other names that look secret (`*KEY*`, `*TOKEN*`,
/// `*SECRET*`, `*PASSWORD*`, …) only when `pass_env` names them.
public enum AppEnvironment {
    /// Passed from the caller's environment when set.
    public static let passedByDefault: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
        "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NODE_PATH", "JAVA_HOME", "GOPATH", "GOROOT", "GOCACHE",
        "GEM_HOME", "GEM_PATH", "RUBYLIB", "DOTNET_ROOT", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ]

    /// Parts of a name that mark it as holding a secret.
    static let secretMarks = [
        "KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "PRIVATE", "COOKIE", "SESSION",
        "DATABASE_URL", "DSN",
    ]

    /// Whether `name` looks like it holds a secret.
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretMarks.contains { upper.contains($0) }
    }

    /// The app's environment: the allowed part of `parent`, then `[app] env`, then `extra`
    /// (`PORT`, `HOST`, the seed file). `withheld` names variables never passed (the LLM keys).
    public static func build(
        settings: RepairConfig.App, parent: [String: String], extra: [String: String]
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for (name, value) in parent {
            guard !settings.withheldEnv.contains(name), !name.hasPrefix("REPAIR_") else { continue }
            let named = settings.passEnv.contains { Glob.matches($0, name) }
            let allowed = passedByDefault.contains(name) || name.hasPrefix("LC_") || named
            if allowed && (named || !looksSecret(name)) { environment[name] = value }
        }
        for (name, value) in settings.env where !settings.withheldEnv.contains(name) { environment[name] = value }
        environment.merge(extra) { _, new in new }
        return environment
    }
}
