import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Looks at which processes of a process group are still alive.
public enum ProcessGroup {
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
