#if canImport(Glibc)
import Glibc
#endif

/// One daemon per store: a second would take the first one's jobs for dead ones.
public enum StoreLock {
    /// Takes the lock beside the store, waiting up to `patience`: the workers of a daemon just
    /// killed share its lock and die with it, a moment later. The descriptor is inherited by
    /// the workers, so the store stays locked while any of them lives.
    public static func acquire(storePath: String, patience: Duration = .seconds(5)) async -> Result<Int32, DaemonError> {
        let folder = storePath[..<(storePath.lastIndex(of: "/") ?? storePath.startIndex)]
        if !folder.isEmpty { makeFolders(String(folder)) }
        let lockPath = storePath + ".daemon-lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            return .failure(DaemonError(description: "\(lockPath): \(String(cString: strerror(errno)))"))
        }
        let deadline = ContinuousClock.now + patience
        repeat {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return .success(descriptor) }
            try? await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        close(descriptor)
        return .failure(DaemonError(description: "another repaird already uses this store"))
    }

    private static func makeFolders(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)
        }
    }
}
