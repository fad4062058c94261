import Foundation
import RepairKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster on loopback for the tests of the shared store, started once
/// per test process by `scripts/pg-cluster` (as the `postgres` user when the tests run as root)
/// and stopped when the process exits. Its superuser's password is random and reaches the
/// server and the clients only through the environment.
public final class PostgresCluster: Sendable {
    public let endpoint: PostgresEndpoint
    /// What a client needs besides the URL: `PGPASSWORD`.
    public let environment: [String: String]
    let directory: URL

    private init(endpoint: PostgresEndpoint, environment: [String: String], directory: URL) {
        self.endpoint = endpoint
        self.environment = environment
        self.directory = directory
    }

    /// The process's cluster, started on first use.
    public static func start() async throws -> PostgresCluster {
        try await Starter.shared.cluster()
    }

    private actor Starter {
        static let shared = Starter()
        private var starting: Task<PostgresCluster, any Error>?

        func cluster() async throws -> PostgresCluster {
            if let starting { return try await starting.value }
            let task = Task { try await PostgresCluster.launch() }
            starting = task
            return try await task.value
        }
    }

    /// A fresh database in the cluster, for one test: tests do not see each other's tables.
    public func database(
        named name: String = "t_\(UUID().uuidString.prefix(8).lowercased())"
    ) async throws
        -> PostgresEndpoint
    {
        let result = try await Self.run(
            [
                "/usr/bin/env", "psql", "-h", endpoint.host, "-p", String(endpoint.port), "-U", endpoint.user,
                "-d", "postgres", "-q", "-c", "CREATE DATABASE \(name)",
            ],
            environment: environment)
        guard result.status == 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "CREATE DATABASE failed: \(result.output)"])
        }
        var database = endpoint
        database.database = name
        return database
    }

    private static func launch() async throws -> PostgresCluster {
        let directory = URL(fileURLWithPath: "/tmp/repaird-pg-\(UUID().uuidString.prefix(8))")
        guard let port = LocalPort.free(host: "127.0.0.1") else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "no free port for PostgreSQL"])
        }
        let password = UUID().uuidString
        let environment = ["PGPASSWORD": password]
        let script = FixtureApps.repositoryRoot.appendingPathComponent("scripts/pg-cluster")
        let result = try await run([script.path, "start", directory.path, String(port)], environment: environment)
        guard result.status == 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [NSLocalizedDescriptionKey: "scripts/pg-cluster start failed: \(result.output)"])
        }
        stopping.withLock { $0 = directory.path }
        atexit { PostgresCluster.stopAtExit() }
        return PostgresCluster(
            endpoint: PostgresEndpoint(host: "127.0.0.1", port: port, user: "repaird", database: "repaird"),
            environment: environment, directory: directory)
    }

    /// Runs `arguments` with `environment` added to this process's, its output in a file, and
    /// waits on a thread of its own. Not Foundation's `Process`: the server the script starts
    /// outlives it, and a `Process` run here was seen never to notice the script's end.
    static func run(
        _ arguments: [String], environment: [String: String]
    ) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("repaird-pg-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let lines = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.map {
            "\($0.key)=\($0.value)"
        }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
                // Nothing else of ours: the server the script starts outlives it, and a pipe of
                // another test held open by it would never end.
                let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
                for descriptor in open.compactMap(Int32.init) where descriptor > 2 && fcntl(descriptor, F_GETFD) != -1 {
                    posix_spawn_file_actions_addclose(&actions, descriptor)
                }
                let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
                let envp: [UnsafeMutablePointer<CChar>?] = lines.map { strdup($0) } + [nil]
                defer { (argv + envp).forEach { free($0) } }
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
                guard spawned == 0 else {
                    continuation.resume(
                        throwing: CocoaError(
                            .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot run \(arguments[0])"]))
                    return
                }
                var word: Int32 = 0
                while waitpid(pid, &word, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: (word & 0x7f) == 0 ? (word >> 8) & 0xff : 128 + (word & 0x7f))
            }
            thread.start()
        }
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// The cluster folder to stop when the process exits.
    private static let stopping = Mutex<String?>(nil)

    /// Stops the cluster as the test process exits (`atexit`: no Foundation `Process` there).
    private static func stopAtExit() {
        guard let directory = stopping.withLock({ $0 }) else { return }
        let script = FixtureApps.repositoryRoot.appendingPathComponent("scripts/pg-cluster").path
        let arguments = [script, "stop", directory]
        var pid: pid_t = 0
        let copies: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        guard posix_spawn(&pid, script, nil, nil, copies, environ) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}
