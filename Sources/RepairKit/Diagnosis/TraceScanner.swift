import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds stack traces in a log, streaming: feed it lines, collect the traces it completes.
///
/// Ordinary lines (access logs, info messages) cost a few byte searches and never become a
/// `String`; only lines that may start or continue a trace are decoded and parsed.
public struct TraceScanner {
    private let classifier: InAppClassifier
    private var active: (any TraceParser)?
    /// The last non-blank line seen while idle: the exception line of a trace whose first
    /// frame comes next (JavaScript, Java, .NET, Rails, Sentry-style Python).
    private var previous: LogLine?
    /// A line ending in `nested exception is:`, waiting for the cause printed on the next line.
    private var nestedHead: LogLine?
    private var previousBytes: [UInt8] = []
    private var previousNumber = 0
    private var cleaned: [UInt8] = []
    private var completed: [StackTrace] = []
    /// Whether a file's frames are the app's, for languages where the file alone decides: a
    /// log repeats the same few hundred files, and judging one costs a dozen byte searches.
    private var inAppFiles: [String: Bool] = [:]

    public init(classifier: InAppClassifier = InAppClassifier()) {
        self.classifier = classifier
    }

    /// Offers one raw line (without its newline). Returns the traces this line completed.
    public mutating func scan(_ raw: UnsafeBufferPointer<UInt8>, number: Int) -> [StackTrace] {
        LogLineCleaner.clean(raw, into: &cleaned)
        if active == nil && nestedHead == nil && !Self.mayMatter(cleaned) {
            if !cleaned.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                previousBytes = cleaned
                previousNumber = number
                previous = nil
            }
            return []
        }
        let text = String(decoding: cleaned, as: UTF8.self)
        let escapedNewline = cleaned.withUnsafeBufferPointer { Self.contains($0, Self.escapedNewline) }
        if escapedNewline, text.first == "{", let parts = JSONLogLine.lines(text) {
            // A JSON record: its fields decoded, so no `"}` is left on the trace's last line.
            for part in parts { feed(LogLine(number: number, text: part)) }
        } else if escapedNewline, Self.looksEscaped(text) {
            for part in Self.unescape(text) { feed(LogLine(number: number, text: part)) }
        } else {
            feed(LogLine(number: number, text: text))
        }
        defer { completed.removeAll(keepingCapacity: true) }
        return completed
    }

    /// Convenience for text already in memory.
    public mutating func scan(line: String, number: Int) -> [StackTrace] {
        var copy = line
        return copy.withUTF8 { scan($0, number: number) }
    }

    /// Ends the log: a trace still open is returned, marked truncated when it lacks its end.
    public mutating func finish() -> [StackTrace] {
        if let parser = active, let trace = parser.trace(truncated: true) { completed.append(classified(trace)) }
        active = nil
        defer { completed.removeAll() }
        return completed
    }

    /// Every trace in `text`, in order.
    public static func traces(in text: String, classifier: InAppClassifier = InAppClassifier()) -> [StackTrace] {
        var scanner = TraceScanner(classifier: classifier)
        var traces: [StackTrace] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            traces += scanner.scan(line: String(line), number: number)
        }
        return traces + scanner.finish()
    }

    /// Every trace in the file at `url`, read in chunks so memory does not grow with the file.
    public static func traces(
        inFile url: URL, classifier: InAppClassifier = InAppClassifier(), each: (StackTrace) throws -> Void
    ) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { close(descriptor) }
        try traces(reading: descriptor, classifier: classifier, each: each)
    }

    /// Every trace in what arrives on standard input (`repairctl traces -`), as it arrives.
    public static func tracesInStandardInput(
        classifier: InAppClassifier = InAppClassifier(), each: (StackTrace) throws -> Void
    ) throws {
        // read(2), not the C library's `stdin`: it returns what has arrived, where a buffered
        // stream would wait for a full block before the scanner saw any of it.
        try traces(reading: STDIN_FILENO, classifier: classifier, each: each)
    }

    /// Every trace read from `descriptor` in chunks, so memory does not grow with the input.
    static func traces(
        reading descriptor: Int32, classifier: InAppClassifier, each: (StackTrace) throws -> Void
    ) throws {
        var scanner = TraceScanner(classifier: classifier)
        let chunkSize = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var carry: [UInt8] = []
        var number = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CocoaError(
                    .fileReadUnknown,
                    userInfo: [NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
            }
            if count == 0 { break }
            try buffer.withUnsafeBufferPointer { chunk in
                var start = 0
                while start < count {
                    let remaining = count - start
                    guard let found = memchr(chunk.baseAddress! + start, 0x0A, remaining) else {
                        carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<count]))
                        break
                    }
                    let end = chunk.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    number += 1
                    var traces: [StackTrace]
                    if carry.isEmpty {
                        traces = scanner.scan(UnsafeBufferPointer(rebasing: chunk[start..<end]), number: number)
                    } else {
                        carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<end]))
                        traces = carry.withUnsafeBufferPointer { scanner.scan($0, number: number) }
                        carry.removeAll(keepingCapacity: true)
                    }
                    for trace in traces { try each(trace) }
                    start = end + 1
                }
            }
        }
        if !carry.isEmpty {
            number += 1
            for trace in carry.withUnsafeBufferPointer({ scanner.scan($0, number: number) }) { try each(trace) }
        }
        for trace in scanner.finish() { try each(trace) }
    }

    private mutating func feed(_ incoming: LogLine) {
        // Java's RemoteException (and Spring before 6) ends its message with `nested exception
        // is:` and prints the cause on the next line: one exception line, the outer type.
        var line = incoming
        if let head = nestedHead {
            nestedHead = nil
            line = LogLine(number: head.number, text: head.text + " " + incoming.trimmed)
        } else if incoming.trimmed.endsWithBytes("nested exception is:") {
            nestedHead = LogLine(number: incoming.number, text: String(incoming.trimmed))
            return
        }
        // Moved out of `active` while it is fed, so its frames are not copied on every line.
        if var parser = active.take() {
            let verdict = parser.feed(line)
            switch verdict {
            case .taken, .skipped:
                active = parser
                return
            case .finished:
                active = nil
                if let trace = parser.trace(truncated: false) { completed.append(classified(trace)) }
                previous = nil
                previousBytes.removeAll(keepingCapacity: true)
                return
            case .finishedBefore:
                active = nil
                if let trace = parser.trace(truncated: false) { completed.append(classified(trace)) }
                previous = nil
                previousBytes.removeAll(keepingCapacity: true)
            }
        }
        let before =
            previous
            ?? (previousBytes.isEmpty
                ? nil : LogLine(number: previousNumber, text: String(decoding: previousBytes, as: UTF8.self)))
        if let parser = Self.begin(line, previous: before) {
            active = parser
        } else if !line.isBlank {
            previous = line
            previousBytes.removeAll(keepingCapacity: true)
        }
    }

    private static func begin(_ line: LogLine, previous: LogLine?) -> (any TraceParser)? {
        if let parser = PythonTraceParser.begin(line, previous: previous) { return parser }
        if let parser = AtFrameTraceParser.begin(line, previous: previous) { return parser }
        if let parser = GoTraceParser.begin(line, previous: previous) { return parser }
        if let parser = RubyTraceParser.begin(line, previous: previous) { return parser }
        if let parser = PHPTraceParser.begin(line, previous: previous) { return parser }
        if let parser = SwiftTraceParser.begin(line, previous: previous) { return parser }
        return nil
    }

    private mutating func classified(_ trace: StackTrace) -> StackTrace {
        var trace = trace
        let byFile = [.python, .javascript, .ruby, .php].contains(trace.language)
        for index in trace.frames.indices {
            let frame = trace.frames[index]
            if byFile, let known = inAppFiles[frame.file] {
                trace.frames[index].inApp = known
                continue
            }
            let inApp = classifier.isInApp(file: frame.file, function: frame.function, language: trace.language)
            trace.frames[index].inApp = inApp
            if byFile {
                if inAppFiles.count >= 4096 { inAppFiles.removeAll(keepingCapacity: true) }
                inAppFiles[frame.file] = inApp
            }
        }
        if let cause = trace.cause { trace.cause = classified(cause) }
        trace.subExceptions = trace.subExceptions.map { classified($0) }
        return trace
    }

    // MARK: The fast path

    private static let leadingTriggers: [[UInt8]] = [
        "Traceback", "File \"", "at ", "---> ", "+ Exception Group", "Exception Group", "goroutine ", "#0 ",
        "Stack trace:", "panic: ",
        "fatal error: ",
    ].map { Array($0.utf8) }

    private static let escapedNewline = Array("\\n".utf8)

    private static let containedTriggers: [[UInt8]] = [
        ":in `", ":in '", "panic serving", "Uncaught ", "Fatal error: ", "Program crashed", "[object] (", "\\n",
        "nested exception is:",
    ].map { Array($0.utf8) }

    /// Whether a line could start a trace; false for nearly every ordinary log line.
    private static func mayMatter(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count,
                buffer[start] == 0x20 || buffer[start] == 0x09 || buffer[start] == 0x7C || buffer[start] == 0x2B
            {
                start += 1
            }
            let rest = buffer.count - start
            for trigger in leadingTriggers where trigger.count <= rest {
                if memcmp(buffer.baseAddress! + start, trigger, trigger.count) == 0 { return true }
            }
            guard buffer.count >= 4 else { return false }
            for trigger in containedTriggers where contains(buffer, trigger) { return true }
            return false
        }
    }

    /// Byte search: `memchr` to the needle's first byte, `memcmp` for the rest (glibc's
    /// `memmem` sits behind `_GNU_SOURCE`, which Swift's Glibc module does not define).
    private static func contains(_ buffer: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let base = buffer.baseAddress, needle.count <= buffer.count else { return false }
        var offset = 0
        let last = buffer.count - needle.count
        while offset <= last {
            guard let found = memchr(base + offset, Int32(needle[0]), last - offset + 1) else { return false }
            let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + position, needle, needle.count) == 0 { return true }
            offset = position + 1
        }
        return false
    }

    /// A whole trace on one line with literal `\n` between its lines, as some shippers send it.
    private static func looksEscaped(_ text: String) -> Bool {
        text.containsBytes("Traceback (most recent call last):\\n") || text.containsBytes("\\n  File \"")
            || text.containsBytes("\\n    at ") || text.containsBytes("\\n\tat ")
            || text.containsBytes("\\nStack trace:")
    }

    private static func unescape(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\\t", with: "\t")
            .components(separatedBy: "\\n")
            .map { $0.replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\"", with: "\"") }
    }
}
