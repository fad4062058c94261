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
        try? Data("\(process.pid) \(process.token)\n".utf8).write(to: url, options: .atomic)
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
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let group = fields.first.flatMap(pid_t.init), group > 1 else { return nil }
        // The token is unique to that run: whatever carries it is the orphan's family, even
        // descendants that left its group and session.
        let token = fields.count > 1 ? fields[1] : nil
        var family = token.map { ProcessGroup.livingFamily(leader: nil, token: $0) } ?? ProcessGroup.livingMembers(group)
        guard !family.isEmpty else { return nil }
        #if os(Linux)
        if token == nil {
            // An old note without a token: only a group whose leader still runs here.
            let directory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(group)/cwd")).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            guard directory == appDirectory.resolvingSymlinksInPath().path else { return nil }
        }
        #endif
        let deadline = Date().addingTimeInterval(5)
        repeat {
            ProcessGroup.signal(SIGKILL, leader: token == nil ? group : nil, members: family)
            usleep(20_000)
            family = token.map { ProcessGroup.livingFamily(leader: nil, token: $0) } ?? ProcessGroup.livingMembers(group)
        } while !family.isEmpty && Date() < deadline
        return group
    }
}
