import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Looks at which processes of a process group are still alive.
public enum ProcessGroup {
    /// The environment variable every started process carries, with a value of its own:
    /// descendants that leave the process group and session (`setsid`, a double fork) keep
    /// their environment, so they are still found and stopped.
    public static let tokenVariable = "REPAIRD_PROCESS_TOKEN"

    /// Living processes of an app started as the leader of group and session `leader`: the
    /// group's members, the session's, and every process whose environment holds `token`.
    /// With no leader (a pid noted by an earlier run may have been reused), only the token's.
    public static func livingFamily(leader: pid_t?, token: String) -> [pid_t] {
        #if os(Linux)
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
                return leader.map { kill(-$0, 0) == 0 ? [$0] : [] } ?? []
            }
            let marker = Array("\(tokenVariable)=\(token)".utf8)
            var members: [pid_t] = []
            for entry in entries {
                guard let pid = pid_t(entry), pid != getpid(),
                    let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { continue }
                // After "pid (comm) " come: state ppid pgrp session …
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 3, fields[0] != "Z", fields[0] != "X" else { continue }
                if let leader, pid_t(fields[2]) == leader || pid_t(fields[3]) == leader {
                    members.append(pid)
                } else if let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                    environment.split(separator: 0).contains(where: { $0.elementsEqual(marker) })
                {
                    members.append(pid)
                }
            }
            return members
        #else
            return leader.map { kill(-$0, 0) == 0 ? [$0] : [] } ?? []
        #endif
    }

    /// Sends `signal` to the group of `leader` and to each of `members`.
    static func signal(_ signal: Int32, leader: pid_t?, members: [pid_t]) {
        if let leader { _ = kill(-leader, signal) }
        for member in members where member != leader && member > 1 { _ = kill(member, signal) }
    }

    /// Members of process group `group` that are running (zombies do not count: they hold
    /// no port and no file, and their parent reaps them).
    public static func livingMembers(_ group: pid_t) -> [pid_t] {
        #if os(Linux)
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
                return kill(-group, 0) == 0 ? [group] : []
            }
            var members: [pid_t] = []
            for entry in entries {
                guard let pid = pid_t(entry),
                    let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { continue }
                // After "pid (comm) " come: state ppid pgrp …
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 2, let processGroup = pid_t(fields[2]) else { continue }
                if processGroup == group && fields[0] != "Z" && fields[0] != "X" { members.append(pid) }
            }
            return members
        #else
            return kill(-group, 0) == 0 ? [group] : []
        #endif
    }
}
