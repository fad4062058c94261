/// Why the app could not be brought up, with what it printed.
public struct AppHostError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// The app exited before it became healthy.
        case crash
        /// The app kept running but its health path never answered 2xx in time.
        case unhealthy
        /// The `[app] seed` command failed or timed out.
        case seedFailed = "seed_failed"
        /// The shell could not be started at all.
        case spawnFailed = "spawn_failed"
    }

    public var kind: Kind
    public var message: String
    public var exitStatus: ExitStatus?
    /// The last lines the app (or the seed command) printed.
    public var outputTail: String
    /// The app died during start-up while another process held the port chosen for it.
    public var portLost = false

    public init(kind: Kind, message: String, exitStatus: ExitStatus? = nil, outputTail: String = "") {
        self.kind = kind
        self.message = message
        self.exitStatus = exitStatus
        self.outputTail = outputTail
    }

    public var description: String {
        var text = "app \(kind.rawValue): \(message)"
        if let exitStatus { text += " (\(exitStatus))" }
        return text
    }
}
