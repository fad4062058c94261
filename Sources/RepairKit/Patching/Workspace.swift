import Foundation
import Synchronization

/// Changes an app's files all or nothing, and can always go back.
///
/// Before the first byte of a file changes, its original bytes and a manifest are written
/// to `.repair/journal/<id>/` and synced. Each file is then replaced by a rename, so it is
/// always either old or new. `commit` (the verdict kept the patch) removes the journal;
/// `rollback` restores the originals. A journal found at start-up belongs to a cycle that
/// died before its verdict, so `recover` rolls it back. A journal is forgotten by renaming it
/// aside (`.discarded-<id>`) before its files are removed: a kill in the middle of removing
/// never leaves a manifest without its originals, which `recover` would half restore.
public struct Workspace: Sendable {
    public let appDirectory: URL

    public init(appDirectory: URL) {
        self.appDirectory = appDirectory.standardizedFileURL
    }

    /// Held while any app's files change in this process, so an interrupt handler that rolls
    /// changes back never interleaves with a write (`whileNothingIsWritten`).
    private static let writing = Mutex<Void>(())

    /// Runs `body` while no change is being written or rolled back in this process; `body` may
    /// end the process (an interrupt handler), and no further write begins meanwhile.
    public static func whileNothingIsWritten<T>(_ body: () throws -> T) rethrows -> T {
        try writing.withLock { _ in try body() }
    }

    var journalRoot: URL { appDirectory.appendingPathComponent(".repair/journal", isDirectory: true) }

    /// A set of files changed together, not yet judged.
    public struct Change: Sendable, Equatable {
        public let id: String
        /// Relative paths, in the order they were written.
        public let paths: [String]
    }

    struct Manifest: Codable {
        var paths: [String]
        var modes: [Int]
    }

    /// Writes `contents` (relative path → new text) after journaling the originals.
    public func apply(_ contents: [(path: String, text: String)]) throws -> Change {
        try Self.writing.withLock { _ in try applyUnlocked(contents) }
    }

    private func applyUnlocked(_ contents: [(path: String, text: String)]) throws -> Change {
        // A path that is a symlink is written through to its target (the guard has checked
        // that the target is inside the app and writable): the link itself never changes.
        let contents = try contents.map { entry in (path: try realPath(entry.path), text: entry.text) }
        let id = RequestID.makeRunID()
        let journal = journalRoot.appendingPathComponent(id, isDirectory: true)
        try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
        var modes: [Int] = []
        for (index, entry) in contents.enumerated() {
            let url = appDirectory.appendingPathComponent(entry.path)
            let original = try Data(contentsOf: url)
            try writeSynced(original, to: journal.appendingPathComponent("original-\(index)"))
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            modes.append((attributes[.posixPermissions] as? Int) ?? 0o644)
        }
        let manifest = try JSONEncoder().encode(Manifest(paths: contents.map(\.path), modes: modes))
        try writeSynced(manifest, to: journal.appendingPathComponent("manifest.json"))
        syncDirectory(journal)
        do {
            for (index, entry) in contents.enumerated() {
                try replace(
                    appDirectory.appendingPathComponent(entry.path), with: Data(entry.text.utf8), mode: modes[index])
            }
        } catch {
            _ = try? restore(journal)
            throw error
        }
        return Change(id: id, paths: contents.map(\.path))
    }

    /// `path`'s file once symlinks are resolved, relative to the app; refused when it leads
    /// outside the app.
    func realPath(_ path: String) throws -> String {
        let root = appDirectory.resolvingSymlinksInPath().path
        let real = appDirectory.appendingPathComponent(path).resolvingSymlinksInPath().path
        guard real.hasPrefix(root + "/") else {
            throw PatchError(rule: .symlinkEscape, path: path, message: "the path leads outside the app directory")
        }
        return String(real.dropFirst(root.count + 1))
    }

    /// The verdict kept the change: forget the originals.
    public func commit(_ change: Change) throws {
        try Self.writing.withLock { _ in try discard(journalRoot.appendingPathComponent(change.id)) }
    }

    /// Puts the originals back, byte for byte.
    public func rollback(_ change: Change) throws {
        try Self.writing.withLock { _ in _ = try restore(journalRoot.appendingPathComponent(change.id)) }
    }

    /// Rolls back every change not yet judged or kept: one left by a cycle that stopped before
    /// its verdict, or this cycle's own when it is interrupted. Only the holder of the app's
    /// `AppLock` may call it. Returns the paths restored.
    @discardableResult
    public func recover() throws -> [String] {
        try Self.writing.withLock { _ in try recoverUnlocked() }
    }

    /// `recover` for a caller already inside `whileNothingIsWritten`.
    @discardableResult
    public func recoverUnlocked() throws -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: journalRoot.path) else { return [] }
        var restored: [String] = []
        for entry in entries.sorted().reversed() {
            let journal = journalRoot.appendingPathComponent(entry)
            // Already judged or restored, and being removed when the process died.
            if entry.hasPrefix(Self.discardedPrefix) {
                try FileManager.default.removeItem(at: journal)
                continue
            }
            guard FileManager.default.fileExists(atPath: journal.appendingPathComponent("manifest.json").path) else {
                // The crash came before the manifest: no file had been touched.
                try FileManager.default.removeItem(at: journal)
                continue
            }
            restored += try restore(journal)
        }
        return restored
    }

    @discardableResult
    private func restore(_ journal: URL) throws -> [String] {
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: journal.appendingPathComponent("manifest.json")))
        for (index, path) in manifest.paths.enumerated() {
            let original = try Data(contentsOf: journal.appendingPathComponent("original-\(index)"))
            try replace(appDirectory.appendingPathComponent(path), with: original, mode: manifest.modes[index])
        }
        try discard(journal)
        return manifest.paths
    }

    static let discardedPrefix = ".discarded-"

    /// Forgets a journal: renamed aside at once (a rename is all or nothing, so from here on it
    /// is no change to recover), then removed.
    private func discard(_ journal: URL) throws {
        let aside = journalRoot.appendingPathComponent(Self.discardedPrefix + journal.lastPathComponent)
        guard rename(journal.path, aside.path) == 0 else { throw StorageError(path: journal.path, errno: errno) }
        syncDirectory(journalRoot)
        try FileManager.default.removeItem(at: aside)
    }

    /// Writes beside the file, syncs, sets the mode, renames over it.
    private func replace(_ url: URL, with data: Data, mode: Int) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).repaird-\(UUID().uuidString.prefix(8))")
        do {
            try writeSynced(data, to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw StorageError(path: url.path, errno: code)
        }
        syncDirectory(url.deletingLastPathComponent())
        forgetBytecode(of: url)
    }

    /// Removes Python's cached bytecode of `url` (`__pycache__/NAME.*.pyc`). Python trusts a
    /// cache whose recorded size and modification second match the source's: an edit that
    /// keeps the size (`200` → `201`) within the second the cache was written would otherwise
    /// run the old code — in the rerun that judges the edit.
    private func forgetBytecode(of url: URL) {
        guard url.pathExtension == "py" else { return }
        let cache = url.deletingLastPathComponent().appendingPathComponent("__pycache__")
        let stem = url.deletingPathExtension().lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: cache.path) else { return }
        for name in names where name.hasPrefix(stem) && name.hasSuffix(".pyc") {
            // `NAME.cpython-311.pyc`, `NAME.cpython-311.opt-1.pyc`.
            if name.count > stem.count + 4 {
                try? FileManager.default.removeItem(at: cache.appendingPathComponent(name))
            }
        }
    }

    /// Writes and syncs `data`; a failure (a full disk) is a `StorageError` naming the file.
    private func writeSynced(_ data: Data, to url: URL) throws(StorageError) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StorageError(path: url.path, errno: errno) }
        defer { close(descriptor) }
        var failure = data.withUnsafeBytes { Descriptors.writeAll(descriptor, $0).error }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if failure != 0 { throw StorageError(path: url.path, errno: failure) }
    }

    private func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
