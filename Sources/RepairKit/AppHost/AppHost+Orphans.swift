import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AppHost {
    /// Where the running app's process group is noted, so a tool killed with SIGKILL (which
    /// cannot stop the app it started) leaves a trace the next run can clean up.
    static func pidFile(in directory: URL) -> URL {
        directory.appendingPathComponent(".repair/app.pid")
    }

    func noteRunning(_ process: ChildProcess) {
        let url = Self.pidFile(in: directory)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data("\(process.pid)\n".utf8).write(to: url, options: .atomic)
    }

    static func forgetRunning(in directory: URL) {
        try? FileManager.default.removeItem(at: pidFile(in: directory))
    }

    /// Kills an app left running by a tool that was killed, if the noted process group still
    /// lives and its leader still runs in this app's directory (a reused pid is left alone).
    /// Returns the group killed.
    @discardableResult
    public static func reapOrphan(appDirectory: URL) -> pid_t? {
        let url = pidFile(in: appDirectory)
        defer { try? FileManager.default.removeItem(at: url) }
        guard let text = try? String(contentsOf: url, encoding: .utf8), let group = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              group > 1, !ProcessGroup.livingMembers(group).isEmpty else { return nil }
        #if os(Linux)
        let directory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(group)/cwd")).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        guard directory == appDirectory.resolvingSymlinksInPath().path else { return nil }
        #endif
        _ = kill(-group, SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while !ProcessGroup.livingMembers(group).isEmpty && Date() < deadline { usleep(10_000) }
        return group
    }
}
