#if canImport(Glibc)
import Glibc
#endif

/// A worker program started by the daemon: its process id, how to ask it to stop, and how it
/// ended.
public struct WorkerProcess: Sendable {
    public let pid: pid_t

    /// How a process ended.
    public enum Ending: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var isClean: Bool { self == .exited(0) }
        public var description: String {
            switch self {
            case .exited(let code): "exit code \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }

        init(waitStatus status: Int32) {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
            self = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        }
    }

    /// Starts `arguments[0]` with the rest as its arguments, sharing stdout and stderr, with
    /// the signals the daemon handles reset to their defaults and none blocked.
    public static func spawn(_ arguments: [String]) throws(DaemonError) -> WorkerProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], nil, &attributes, &argv, environ)
        guard status == 0 else {
            throw DaemonError(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        return WorkerProcess(pid: pid)
    }

    /// How it ended, once it has; nil while it runs.
    public func ending() -> Ending? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return Ending(waitStatus: status) }
        // Already collected or not ours: nothing more will come.
        if result < 0 && errno == ECHILD { return .exited(-1) }
        return nil
    }

    /// Waits until it ends, looking every 20 ms (waitpid without WNOHANG would hold a thread
    /// of Swift's cooperative pool).
    public func ended() async -> Ending {
        while true {
            if let ending = ending() { return ending }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }
}
