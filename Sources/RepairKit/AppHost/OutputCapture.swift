import Foundation
import Synchronization

/// One line an app printed, numbered from 1 in the order it arrived.
public struct OutputLine: Sendable, Equatable {
    public var number: Int
    public var time: Date
    public var text: String
}

/// Keeps what a process prints: the most recent lines in memory (bounded by bytes) and
/// every byte in a log file. Fed by a reader thread; read from anywhere.
public final class OutputCapture: Sendable {
    private struct State {
        var lines: [OutputLine] = []
        var first = 0
        var bytesHeld = 0
        var nextNumber = 1
        var partial: [UInt8] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let byteLimit: Int
    private let logFile: FileHandle?
    public let logURL: URL?

    /// - Parameters:
    ///   - logURL: file that receives every byte, created (with its folder) when missing.
    ///   - byteLimit: bytes of text kept in memory; older lines are dropped first.
    public init(logURL: URL?, byteLimit: Int = 4 << 20) throws {
        self.byteLimit = byteLimit
        self.logURL = logURL
        if let logURL {
            try FileManager.default.createDirectory(
                at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            logFile = try FileHandle(forWritingTo: logURL)
            try logFile?.seekToEnd()
        } else {
            logFile = nil
        }
    }

    deinit { try? logFile?.close() }

    /// Adds raw output: written to the log as is, split into lines for memory.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        logFile?.write(Data(bytes))
        let now = Date()
        state.withLock { state in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                state.partial.append(contentsOf: bytes[start..<index])
                Self.commit(&state, now: now, limit: byteLimit)
                start = index + 1
            }
            state.partial.append(contentsOf: bytes[start...])
        }
    }

    /// Marks the end of output; a last line without a newline is kept.
    func finish() {
        state.withLock { state in
            if !state.partial.isEmpty { Self.commit(&state, now: Date(), limit: byteLimit) }
            state.finished = true
        }
        try? logFile?.synchronize()
    }

    private static func commit(_ state: inout State, now: Date, limit: Int) {
        var text = String(decoding: state.partial, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
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
