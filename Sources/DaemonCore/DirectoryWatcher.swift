import Logging
import ServiceLifecycle

/// Watches folders for app directories (a folder with a `repair.toml`, the watched folder or
/// one below it) and enqueues one when it is new or changed and has then stayed quiet for
/// `quietPeriod`. On Linux inotify wakes it when files change; it also scans every
/// `pollInterval` (and polls only, where inotify is missing). What repaird itself changes while
/// a job for the app is queued or running is not a change. Of what is there when it starts, an
/// app the queue has never had a job for is new (it arrived while no daemon watched); the rest
/// is taken as seen.
public struct DirectoryWatcher: Service {
    /// Standardized absolute paths.
    public var roots: [String]
    public var queue: QueueFile
    public var pollInterval: Duration
    public var quietPeriod: Duration
    public var logger: Logger

    public init(roots: [String], queue: QueueFile, pollInterval: Duration = .seconds(1), quietPeriod: Duration = .seconds(2), logger: Logger) {
        self.roots = roots.map(Files.standardized)
        self.queue = queue
        self.pollInterval = pollInterval
        self.quietPeriod = quietPeriod
        self.logger = logger
    }

    public func run() async throws {
        var seen = scan()
        var changed: [String: (fingerprint: UInt64, since: ContinuousClock.Instant)] = [:]
        if let known = try? queue.knownAppDirectories() {
            // Unknown apps wait out the quiet period like any new one: a generator may still be writing.
            for (path, fingerprint) in seen where !known.contains(path) {
                seen[path] = nil
                changed[path] = (fingerprint, ContinuousClock.now)
            }
        }
        let fileEvents = FileEvents(roots: roots)
        fileEvents?.start()
        defer { fileEvents?.stop() }
        logger.info("watch.started", metadata: ["watch.mode": "\(fileEvents == nil ? "polling" : "inotify")"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // With inotify: wake on a change, to finish a quiet period, or for the slow scan.
            let wait: Duration = changed.isEmpty ? (fileEvents == nil ? pollInterval : pollInterval * 5) : .milliseconds(250)
            if let fileEvents {
                _ = await cancelWhenGracefulShutdown { await fileEvents.wakeup.wait(timeout: wait) }
            } else {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
            let active = (try? queue.activeAppDirectories()) ?? []
            let now = ContinuousClock.now
            for (path, fingerprint) in scan() {
                if active.contains(path) {
                    // repaird's own changes while it heals the app are not news.
                    seen[path] = fingerprint
                    changed[path] = nil
                    continue
                }
                guard seen[path] != fingerprint else { changed[path] = nil; continue }
                if let pending = changed[path], pending.fingerprint == fingerprint {
                    guard now - pending.since >= quietPeriod else { continue }
                    do {
                        try queue.enqueueIfNotWaiting(path)
                        logger.info("watch.enqueued", metadata: ["watch.app": "\(path)"])
                    } catch {
                        logger.error("watch.enqueue_failed", metadata: ["watch.app": "\(path)", "error": "\(error)"])
                    }
                    seen[path] = fingerprint
                    changed[path] = nil
                } else {
                    changed[path] = (fingerprint, now)
                }
            }
        }
    }

    /// Every app directory under the roots, with a fingerprint of its files (paths, sizes,
    /// modification times; runtime folders left out).
    func scan() -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for root in roots {
            let candidates = [root] + Files.entries(of: root).filter(\.isDirectory).map { root + "/" + $0.name }
            for directory in candidates where Files.exists(directory + "/repair.toml") {
                result[directory] = fingerprint(of: directory)
            }
        }
        return result
    }

    private func fingerprint(of directory: String) -> UInt64 {
        var parts: [String] = []
        var pending = [directory]
        while let folder = pending.popLast() {
            for entry in Files.entries(of: folder) where !Files.runtimeFolders.contains(entry.name) {
                let path = folder + "/" + entry.name
                if entry.isDirectory {
                    pending.append(path)
                    continue
                }
                if entry.name.hasSuffix(".db") || entry.name.hasSuffix(".data.json") { continue }
                let status = Files.status(of: path)
                parts.append("\(path)|\(status?.size ?? -1)|\(status?.modified ?? 0)")
            }
        }
        // FNV-1a, 64 bits, over the sorted list.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.sorted().joined(separator: "\n").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }
}
