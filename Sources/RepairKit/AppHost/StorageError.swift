import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// repaird could not write its own files — a run's logs, the journal, a report — most often
/// because the disk is full. It stops the cycle (nothing unjudged is left in the app) and is
/// never taken for a bug of the app.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    public var description: String {
        "cannot write \(path): \(reason); free some space (or fix the permissions) and run again"
    }

    /// The least free space a cycle starts with: enough for its logs, journal and reports.
    public static let minimumFreeBytes: UInt64 = 16 << 20

    /// Refuses to go on when the file system holding `directory` has less than `minimum`
    /// bytes free: with less, the app's own writes fail too, and its errors would look like
    /// bugs to repair.
    public static func ensureSpace(at directory: URL, minimum: UInt64 = minimumFreeBytes) throws(StorageError) {
        var stats = statvfs()
        var probe = directory
        // The nearest folder that exists (`.repair/` may not yet).
        while statvfs(probe.path, &stats) != 0 {
            let parent = probe.deletingLastPathComponent()
            if parent.path == probe.path { return }
            probe = parent
        }
        let free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        guard free >= minimum else {
            throw StorageError(
                path: directory.path,
                reason:
                    "only \(free >> 10) KiB are free on its file system; a cycle needs at least \(minimum >> 20) MiB")
        }
    }
}
