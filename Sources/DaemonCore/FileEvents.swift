import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wake-ups for the directory watcher when something changes under its roots (Linux
/// inotify). inotify watches one folder each, so every folder below the roots is watched, and
/// folders created later are added as they appear. Only a signal: the watcher's scan decides
/// what changed.
final class FileEvents: @unchecked Sendable {
    // @unchecked: `paths` is only touched by the reader thread once `start` has run.
    let wakeup = Wakeup()
    private let descriptor: Int32
    private var paths: [Int32: String] = [:]

    #if os(Linux)
    private static let mask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
    #endif

    /// nil where inotify is missing or refuses (then the watcher polls).
    init?(roots: [String]) {
        #if os(Linux)
        let descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        for root in roots { watchTree(root) }
        guard !paths.isEmpty else {
            close(descriptor)
            return nil
        }
        #else
        return nil
        #endif
    }

    /// Starts the reader thread.
    func start() {
        #if os(Linux)
        // The read blocks: it gets a thread of its own, off Swift's cooperative pool.
        DispatchQueue(label: "repaird.inotify").async { [self] in readLoop() }
        #endif
    }

    /// Closes the descriptor, which ends the reader thread.
    func stop() {
        close(descriptor)
    }

    private func watchTree(_ path: String) {
        #if os(Linux)
        let watch = inotify_add_watch(descriptor, path, Self.mask)
        if watch >= 0 { paths[watch] = path }
        for entry in Files.entries(of: path) where entry.isDirectory && !Files.runtimeFolders.contains(entry.name) {
            watchTree(path + "/" + entry.name)
        }
        #endif
    }

    private func readLoop() {
        #if os(Linux)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name[len].
            var offset = 0
            while offset + 16 <= count {
                let (watch, mask, length) = buffer.withUnsafeBytes { raw in
                    (raw.loadUnaligned(fromByteOffset: offset, as: Int32.self), raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, let parent = paths[watch] {
                    let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    if !Files.runtimeFolders.contains(name) { watchTree(parent + "/" + name) }
                }
                offset += 16 + length
            }
            wakeup.signal()
        }
        #endif
    }
}

/// A wake-up one side signals and the other waits for, with a timeout. A signal that comes
/// while nobody waits is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next signal (or a kept one), after `timeout`, or when cancelled.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.nextSignal() }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    self.signal()
                } catch {}
            }
            await group.next()
            group.cancelAll()
        }
        state.withLock { $0.pending = false }
    }

    private func nextSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
