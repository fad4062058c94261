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

    /// `doing` names what was being written; the reason is `underlying`'s cause in words (a
    /// Foundation error's POSIX reason, not its domain and code).
    public init(path: String, doing: String, underlying: any Error) {
        self.init(path: path, reason: "\(doing): \(Self.reason(of: underlying))")
    }

    /// What went wrong with a file, in words: the POSIX reason under a Foundation error when
    /// there is one, else the error's own description.
    public static func reason(of error: any Error, path: String? = nil) -> String {
        if let storage = error as? StorageError { return storage.reason }
        let nsError = error as NSError
        let path =
            path ?? (nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
        // Foundation on Linux often gives a bare "unknown" code; the path itself says more.
        if nsError.domain == NSCocoaErrorDomain,
            nsError.code == NSFileWriteUnknownError || nsError.code == NSFileReadUnknownError,
            let path, let found = diagnose(path)
        {
            return found
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch nsError.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on the device"
        case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
        case NSFileWriteFileExistsError: return "a file is in the way"
        case NSFileReadCorruptFileError: return "the file is not in the expected format"
        default: return path.flatMap(diagnose) ?? nsError.localizedDescription
        }
    }

    /// Why `path` cannot be created or written, from the nearest part of it that exists: a
    /// file where a folder is needed, or a folder that cannot be written. nil: neither.
    static func diagnose(_ path: String) -> String? {
        var probe = URL(fileURLWithPath: path)
        while true {
            let parent = probe.deletingLastPathComponent()
            if parent.path == probe.path { return nil }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "not a directory (\(parent.path) is a file)" }
                if access(parent.path, W_OK) != 0 { return "permission denied (\(parent.path) cannot be written)" }
                return nil
            }
            probe = parent
        }
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
