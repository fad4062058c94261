import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One line an app printed, numbered from 1 in the order it arrived.
public struct OutputLine: Sendable, Equatable {
    public var number: Int
    public var time: Date
    public var text: String
}

/// Keeps what a process prints: the most recent lines in memory (bounded by bytes, each line
/// bounded too) and the output in a log file, up to a cap per log. Fed by a reader thread;
/// read from anywhere. A write to the log that fails (a full disk) stops the logging and is
/// kept as `writeFailure`, never a crash.
public final class OutputCapture: Sendable {
    private struct State {
        var lines: [OutputLine] = []
        var first = 0
        var bytesHeld = 0
        var nextNumber = 1
        var partial: [UInt8] = []
        /// Bytes of the current line beyond `lineLimit`, not kept.
        var partialDropped = 0
        var finished = false
        var logged = 0
        var logDropped = 0
        var writeFailure: String?
    }

    private let state = Mutex(State())
    private let byteLimit: Int
    private let lineLimit: Int
    private let logLimit: Int
    /// The log's descriptor, or -1.
    private let logDescriptor: Int32
    public let logURL: URL?

    /// - Parameters:
    ///   - logURL: file that receives the output, created (with its folder) when missing.
    ///   - byteLimit: bytes of text kept in memory; older lines are dropped first.
    ///   - lineLimit: bytes kept of one line; a line with no newline for longer is cut there.
    ///   - logLimit: bytes written to the log; the rest is counted, and the count noted at the end.
    public init(logURL: URL?, byteLimit: Int = 4 << 20, lineLimit: Int = 64 << 10, logLimit: Int = 64 << 20) throws {
        self.byteLimit = byteLimit
        self.lineLimit = max(1, lineLimit)
        self.logLimit = logLimit
        self.logURL = logURL
        if let logURL {
            do {
                try FileManager.default.createDirectory(
                    at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw StorageError(
                    path: logURL.deletingLastPathComponent().path, reason: "\(error.localizedDescription)")
            }
            let descriptor = open(logURL.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw StorageError(path: logURL.path, errno: errno) }
            logDescriptor = descriptor
        } else {
            logDescriptor = -1
        }
    }

    deinit { if logDescriptor >= 0 { close(logDescriptor) } }

    /// Why the log could not be written (a full disk), or nil.
    public var writeFailure: StorageError? {
        state.withLock { state in state.writeFailure.map { StorageError(path: logURL?.path ?? "", reason: $0) } }
    }

    /// Bytes the log did not keep: past its cap, or after a failed write.
    public var droppedBytes: Int { state.withLock { $0.logDropped } }

    /// Adds raw output: written to the log as is (up to its cap), split into lines for memory.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let now = Date()
        state.withLock { state in
            log(bytes, &state)
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                keep(bytes[start..<index], &state)
                Self.commit(&state, now: now, limit: byteLimit)
                start = index + 1
            }
            keep(bytes[start...], &state)
        }
    }

    /// Adds to the current line what fits under `lineLimit`; counts the rest.
    private func keep(_ bytes: Slice<UnsafeRawBufferPointer>, _ state: inout State) {
        let room = max(0, lineLimit - state.partial.count)
        state.partial.append(contentsOf: bytes.prefix(room))
        state.partialDropped += max(0, bytes.count - room)
    }

    /// Writes to the log until its cap, then only counts; a failed write ends the logging.
    private func log(_ bytes: UnsafeRawBufferPointer, _ state: inout State) {
        guard logDescriptor >= 0 else { return }
        guard state.writeFailure == nil else {
            state.logDropped += bytes.count
            return
        }
        let allowed = min(bytes.count, max(0, logLimit - state.logged))
        let (written, error) = Descriptors.writeAll(logDescriptor, UnsafeRawBufferPointer(rebasing: bytes[..<allowed]))
        if error != 0 { state.writeFailure = String(cString: strerror(error)) }
        state.logged += written
        state.logDropped += bytes.count - written
    }

    /// Marks the end of output; a last line without a newline is kept, and the log notes
    /// what it did not keep.
    func finish() {
        state.withLock { state in
            if !state.partial.isEmpty || state.partialDropped > 0 { Self.commit(&state, now: Date(), limit: byteLimit) }
            state.finished = true
            if logDescriptor >= 0, state.logDropped > 0, state.writeFailure == nil {
                let note =
                    "\n[repaird: \(state.logDropped) more bytes of output were not kept: this log holds at most \(logLimit) bytes]\n"
                _ = note.utf8CString.withUnsafeBufferPointer { write(logDescriptor, $0.baseAddress, $0.count - 1) }
            }
        }
        if logDescriptor >= 0 { fsync(logDescriptor) }
    }

    private static func commit(_ state: inout State, now: Date, limit: Int) {
        var text = String(decoding: state.partial, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if state.partialDropped > 0 { text += " … [\(state.partialDropped) bytes of this line not kept]" }
        state.partialDropped = 0
        state.partial.removeAll(keepingCapacity: true)
        state.lines.append(OutputLine(number: state.nextNumber, time: now, text: text))
        state.nextNumber += 1
        state.bytesHeld += text.utf8.count + 1
        while state.bytesHeld > limit, state.first < state.lines.count - 1 {
            state.bytesHeld -= state.lines[state.first].text.utf8.count + 1
            state.first += 1
        }
        // Compact now and then so dropped lines do not pile up.
        if state.first > 4096, state.first * 2 > state.lines.count {
            state.lines.removeFirst(state.first)
            state.first = 0
        }
    }

    /// True once the process closed its output.
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// The number the next line will get; lines before it have been seen.
    public var nextLineNumber: Int { state.withLock { $0.nextNumber } }

    /// The last `count` lines held in memory.
    public func tail(_ count: Int) -> [OutputLine] {
        state.withLock { state in
            let held = state.lines[state.first...]
            return Array(held.suffix(count))
        }
    }

    /// Lines numbered `from` up to (not including) `to`, as far as memory still holds them.
    public func lines(from: Int, to: Int) -> [OutputLine] {
        state.withLock { state in
            state.lines[state.first...].filter { $0.number >= from && $0.number < to }
        }
    }

    /// The last `count` lines joined as text, for error messages.
    public func tailText(_ count: Int = 20) -> String {
        tail(count).map(\.text).joined(separator: "\n")
    }
}
