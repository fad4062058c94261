import Foundation
import Logging
import ServiceLifecycle

/// Watches folders for app directories (a folder with a `repair.toml`, the watched folder or
/// one below it) and enqueues one when it is new or changed and has then stayed quiet for
/// `quietPeriod`. On Linux inotify wakes it when files change; it also scans every
/// `pollInterval` (and polls only, where inotify is missing). What repaird itself changes while
/// a job for the app is queued or running is not a change. What is there when it starts is
/// taken as seen.
public struct DirectoryWatcher: Service {
    public var roots: [URL]
    public var queue: JobQueue
    public var pollInterval: Duration
    public var quietPeriod: TimeInterval
    public var logger: Logger

    public init(roots: [URL], queue: JobQueue, pollInterval: Duration = .seconds(1), quietPeriod: TimeInterval = 2, logger: Logger) {
        self.roots = roots
        self.queue = queue
        self.pollInterval = pollInterval
        self.quietPeriod = quietPeriod
        self.logger = logger
    }

    public func run() async throws {
        var seen = scan()
        var changed: [String: (fingerprint: String, since: Date)] = [:]
        let fileEvents = FileEvents(roots: roots)
        fileEvents?.start()
        defer { fileEvents?.stop() }
        logger.info("watch.started", metadata: ["watch.mode": "\(fileEvents == nil ? "polling" : "inotify")"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // With inotify: wake on a change, to finish a quiet period, or for the slow scan.
            let wait: Duration = changed.isEmpty ? (fileEvents == nil ? pollInterval : pollInterval * 5) : .milliseconds(250)
            if let fileEvents {
                _ = await cancelOnGracefulShutdown { await fileEvents.wakeup.wait(timeout: wait) }
            } else {
                try? await cancelOnGracefulShutdown { try await Task.sleep(for: wait) }
            }
            let active = (try? queue.activeAppDirectories()) ?? []
            let now = Date()
            for (path, fingerprint) in scan() {
                if active.contains(path) {
                    // repaird's own changes while it heals the app are not news.
                    seen[path] = fingerprint
                    changed[path] = nil
                    continue
                }
                guard seen[path] != fingerprint else { changed[path] = nil; continue }
                if let pending = changed[path], pending.fingerprint == fingerprint {
                    guard now.timeIntervalSince(pending.since) >= quietPeriod else { continue }
                    _ = try? queue.enqueue(URL(fileURLWithPath: path))
                    logger.info("watch.enqueued", metadata: ["watch.app": "\(path)"])
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
    func scan() -> [String: String] {
        var result: [String: String] = [:]
        for root in roots {
            var candidates = [root]
            candidates += ((try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? [])
            for directory in candidates where FileManager.default.fileExists(atPath: directory.appendingPathComponent("repair.toml").path) {
                result[directory.standardizedFileURL.path] = fingerprint(of: directory)
            }
        }
        return result
    }

    private func fingerprint(of directory: URL) -> String {
        let skipped: Set<String> = [".repair", "__pycache__", "node_modules", ".git"]
        var parts: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.contentModificationDateKey, .fileSizeKey])
        while let url = enumerator?.nextObject() as? URL {
            if skipped.contains(url.lastPathComponent) { enumerator?.skipDescendants(); continue }
            if url.pathExtension == "db" || url.lastPathComponent.hasSuffix(".data.json") { continue }
            let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .fileSizeKey])
            parts.append("\(url.path)|\(values?.fileSize ?? -1)|\(values?.contentModificationDate?.timeIntervalSince1970 ?? 0)")
        }
        return Fingerprint.hash(parts.sorted().joined(separator: "\n"))
    }
}
