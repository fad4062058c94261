import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One cycle per app at a time: `once`, `smoke` and daemon jobs hold `APP_DIR/.repair/lock`
/// for their whole run. The kernel releases it when the holder dies, however it dies, so a
/// lock is never stale; the file names its last holder for the message a second cycle prints.
///
/// An unfinished change in the app's journal is rolled back only by the lock's holder: a
/// journal found while holding the lock cannot belong to a live cycle.
public final class AppLock: Sendable {
    /// Who holds (or last held) an app's lock.
    public struct Holder: Codable, Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        public var since: Date
        /// What holds it: `once`, `smoke`, or a daemon job.
        public var purpose: String

        public var description: String {
            "\(purpose) (pid \(pid) on \(host), since \(since.formatted(.iso8601)))"
        }
    }

    /// The app is held by another cycle, or its lock file cannot be made.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        public var appDirectory: URL
        /// nil when the file could not be read (the holder was just writing it).
        public var holder: Holder?
        public var failure: String?

        public var description: String {
            if let failure { return "\(appDirectory.path)/.repair/lock: \(failure)" }
            return "\(appDirectory.path) is being repaired by \(holder?.description ?? "another process")"
        }
    }

    public let appDirectory: URL
    private let descriptor: Mutex<Int32>

    /// App directories this process holds, for an interrupt handler that rolls their journals
    /// back: only a holder may touch a journal.
    private static let held = Mutex<Set<String>>([])

    public static var heldDirectories: [URL] {
        held.withLock { $0.sorted().map { URL(fileURLWithPath: $0, isDirectory: true) } }
    }

    private init(appDirectory: URL, descriptor: Int32) {
        self.appDirectory = appDirectory
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    static func lockURL(_ appDirectory: URL) -> URL {
        appDirectory.appendingPathComponent(".repair/lock")
    }

    /// Takes the app's lock. With `wait` nil a held lock is refused at once; otherwise the
    /// call polls until the lock is free or `wait` has passed, and is cancellable.
    public static func acquire(appDirectory: URL, purpose: String, wait: Duration? = nil) async throws -> AppLock {
        let directory = appDirectory.standardizedFileURL
        let url = lockURL(directory)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw Busy(appDirectory: directory, failure: "cannot be made (\(error.localizedDescription))")
        }
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Busy(appDirectory: directory, failure: String(cString: strerror(errno)))
        }
        let deadline = wait.map { ContinuousClock.now + $0 }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, let deadline, ContinuousClock.now < deadline else {
                let failure = errno == EWOULDBLOCK ? nil : String(cString: strerror(errno))
                let holder = Self.holder(of: descriptor)
                close(descriptor)
                throw Busy(appDirectory: directory, holder: holder, failure: failure)
            }
            do {
                try await Task.sleep(for: .milliseconds(200))
            } catch {
                close(descriptor)
                throw error
            }
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let holder = Holder(
            pid: getpid(), host: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            since: Date(), purpose: purpose)
        if let data = try? JSONEncoder.iso8601.encode(holder) {
            _ = ftruncate(descriptor, 0)
            _ = data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        held.withLock { _ = $0.insert(directory.path) }
        return AppLock(appDirectory: directory, descriptor: descriptor)
    }

    /// Who holds the app now, or nil when nobody does.
    public static func holder(appDirectory: URL) -> Holder? {
        let descriptor = open(lockURL(appDirectory.standardizedFileURL).path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 { return nil }
        return holder(of: descriptor)
    }

    private static func holder(of descriptor: Int32) -> Holder? {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return try? JSONDecoder.iso8601.decode(Holder.self, from: Data(bytes[..<count]))
    }

    /// Gives the lock up; the file stays, naming its last holder.
    public func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            Self.held.withLock { _ = $0.remove(appDirectory.path) }
            close(descriptor)
            descriptor = -1
        }
    }
}

extension JSONEncoder {
    fileprivate static var iso8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    fileprivate static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
