import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AppHost {
    /// Where the running apps' process groups are noted, one line each (`pid token`), so a
    /// tool killed with SIGKILL (which cannot stop the apps it started) leaves a trace the next
    /// run can clean up. A cycle may have two at once: the last pass's app still stopping
    /// while the next one starts.
    static func pidFile(in directory: URL) -> URL {
        directory.appendingPathComponent(".repair/app.pid")
    }

    /// Serialises this process's changes to the notes.
    private static let notes = Mutex(())

    func noteRunning(_ process: ChildProcess) {
        let url = Self.pidFile(in: directory)
        Self.notes.withLock { _ in
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let kept = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            try? Data((kept + "\(process.pid) \(process.token)\n").utf8).write(to: url, options: .atomic)
        }
    }

    /// Forgets the app led by `pid` (all of them when nil).
    static func forgetRunning(in directory: URL, pid: pid_t? = nil) {
        let url = pidFile(in: directory)
        notes.withLock { _ in
            guard let pid, let text = try? String(contentsOf: url, encoding: .utf8) else {
                try? FileManager.default.removeItem(at: url)
                return
            }
            let kept = text.split(separator: "\n").filter { $0.split(separator: " ").first != Substring(String(pid)) }
            if kept.isEmpty {
                try? FileManager.default.removeItem(at: url)
            } else {
                try? Data((kept.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
            }
        }
    }

    /// Kills an app left running by a tool that was killed, if the noted process group still
    /// lives and its leader still runs in this app's directory (a reused pid is left alone).
    /// Returns the group killed.
    @discardableResult
    public static func reapOrphan(appDirectory: URL) -> pid_t? {
        let url = pidFile(in: appDirectory)
        defer { notes.withLock { _ in try? FileManager.default.removeItem(at: url) } }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var reaped: pid_t?
        for line in text.split(separator: "\n") {
            if let group = reap(line: String(line), appDirectory: appDirectory) { reaped = reaped ?? group }
        }
        return reaped
    }

    /// Kills the app one line of the notes names, if it still lives (see `reapOrphan`).
    private static func reap(line text: String, appDirectory: URL) -> pid_t? {
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let group = fields.first.flatMap(pid_t.init), group > 1 else { return nil }
        // The token is unique to that run: whatever carries it is the orphan's family, even
        // descendants that left its group and session.
        let token = fields.count > 1 ? fields[1] : nil
        var family =
            token.map { ProcessGroup.livingFamily(leader: nil, token: $0) } ?? ProcessGroup.livingMembers(group)
        guard !family.isEmpty else { return nil }
        #if os(Linux)
            if token == nil {
                // An old note without a token: only a group whose leader still runs here.
                let directory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(group)/cwd")).map {
                    URL(fileURLWithPath: $0).resolvingSymlinksInPath().path
                }
                guard directory == appDirectory.resolvingSymlinksInPath().path else { return nil }
            }
        #endif
        let deadline = Date().addingTimeInterval(5)
        repeat {
            ProcessGroup.signal(SIGKILL, leader: token == nil ? group : nil, members: family)
            usleep(20_000)
            family =
                token.map { ProcessGroup.livingFamily(leader: nil, token: $0) } ?? ProcessGroup.livingMembers(group)
        } while !family.isEmpty && Date() < deadline
        return group
    }
}
