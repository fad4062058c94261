/// Python tracebacks: `Traceback (most recent call last):`, `File "…", line N, in f` frames
/// with their source and caret lines, the exception line, chained exceptions ("During
/// handling of the above exception…", "The above exception was the direct cause…"),
/// exception groups (`+ Exception Group Traceback`, `| ` prefixes), and the Sentry-style
/// layout where the exception line comes first.
struct PythonTraceParser: TraceParser {
    private enum State { case frames, afterException, awaitingChain }

    private var state = State.frames
    private var frames: [StackFrame] = []
    private var exception: (type: String, message: String)?
    private var startLine: Int
    private var endLine: Int
    /// Earlier tracebacks of a chain, each the cause of the next.
    private var chain: [StackTrace] = []
    /// The exception line came before the frames; the trace ends at the first non-frame line.
    private var headerFirst: Bool
    private var expectingSource = false
    private var frameIndentation = 0
    /// Exception groups: the sub-exceptions read so far and the one being read.
    private var isGroup: Bool
    private var groupMembers: [PythonTraceParser] = []
    private var blankRun = 0

    static func begin(_ line: LogLine, previous: LogLine?) -> PythonTraceParser? {
        let text = line.trimmed
        if text.startsWithBytes("Traceback (most recent call last)") {
            return PythonTraceParser(start: line.number, header: nil, isGroup: false)
        }
        if text.startsWithBytes("+ Exception Group Traceback") || text.startsWithBytes("Exception Group Traceback") {
            return PythonTraceParser(start: line.number, header: nil, isGroup: true)
        }
        guard let frame = frame(in: text) else { return nil }
        var header: (type: String, message: String)?
        var start = line.number
        if let previous, previous.indentation == 0, let candidate = TraceText.exceptionLine(previous.trimmed) {
            header = candidate
            start = previous.number
        }
        var parser = PythonTraceParser(start: start, header: header, isGroup: false)
        parser.frames.append(frame)
        parser.expectingSource = true
        parser.frameIndentation = line.indentation
        parser.endLine = line.number
        return parser
    }

    private init(start: Int, header: (type: String, message: String)?, isGroup: Bool) {
        startLine = start
        endLine = start
        exception = header
        headerFirst = header != nil
        self.isGroup = isGroup
    }

    mutating func feed(_ line: LogLine) -> LineVerdict {
        if isGroup { return feedGroup(line) }
        let text = line.trimmed
        switch state {
        case .frames:
            if let frame = Self.frame(in: text) {
                frames.append(frame)
                expectingSource = true
                frameIndentation = line.indentation
                return take(line)
            }
            if text.isEmpty {
                blankRun += 1
                return blankRun > 1 && headerFirst ? .finishedBefore : .skipped
            }
            blankRun = 0
            if text.consistsOfBytes("^~ ") { return take(line) }
            if expectingSource && line.indentation > frameIndentation {
                expectingSource = false
                frames[frames.count - 1].source = String(text)
                return take(line)
            }
            if headerFirst {
                return line.indentation > frameIndentation ? .skipped : .finishedBefore
            }
            if line.indentation <= frameIndentation, !frames.isEmpty, let candidate = TraceText.exceptionLine(text) {
                exception = candidate
                state = .afterException
                return take(line, finished: false)
            }
            // Another request's log line in the middle of the traceback: the source line
            // this frame is waiting for may still come.
            return .skipped
        case .afterException:
            if text.isEmpty { return .skipped }
            if Self.isChainSeparator(text) {
                state = .awaitingChain
                return .taken
            }
            return .finishedBefore
        case .awaitingChain:
            if text.isEmpty { return .skipped }
            if text.startsWithBytes("Traceback (most recent call last)") {
                if let finished = trace(truncated: false) { chain = [finished] }
                frames = []
                exception = nil
                state = .frames
                return take(line)
            }
            return .finishedBefore
        }
    }

    private mutating func take(_ line: LogLine, finished: Bool = false) -> LineVerdict {
        endLine = line.number
        return finished ? .finished : .taken
    }

    static func isChainSeparator(_ text: Substring) -> Bool {
        text.startsWithBytes("During handling of the above exception")
            || text.startsWithBytes("The above exception was the direct cause")
    }

    /// `File "app/x.py", line 12, in handler` → a frame (function `handler`).
    static func frame(in text: Substring) -> StackFrame? {
        guard text.startsWithBytes("File \""), let close = text.rangeOfBytes("\", line ") else { return nil }
        let bytes = text.utf8
        let file = String(Substring(bytes[bytes.index(bytes.startIndex, offsetBy: 6)..<close.lowerBound]))
        let rest = text[close.upperBound...]
        var line = 0
        var digits = 0
        for byte in rest.utf8 {
            guard byte >= 0x30 && byte <= 0x39, digits < 18 else { break }
            line = line * 10 + Int(byte - 0x30)
            digits += 1
        }
        guard digits > 0 else { return nil }
        var function = ""
        if let inRange = rest.rangeOfBytes(", in ") { function = String(Substring(rest.utf8[inRange.upperBound...])) }
        return StackFrame(file: file, line: line, function: function)
    }

    // MARK: Exception groups

    /// Lines of a group carry `|` and `+---` decoration; strip it and read the rest as an
    /// ordinary traceback, one sub-parser per numbered sub-exception.
    private mutating func feedGroup(_ line: LogLine) -> LineVerdict {
        let raw = line.trimmed
        if raw.isEmpty { return state == .afterException && groupMembers.isEmpty ? .finishedBefore : .skipped }
        let isDecorated = raw.hasPrefix("|") || raw.hasPrefix("+")
        if !isDecorated {
            if state == .afterException || !groupMembers.isEmpty { return .finishedBefore }
        }
        endLine = line.number
        if raw.hasPrefix("+") && raw.containsBytes("----") {
            let label = raw.filter(\.isNumber)
            if raw.hasPrefix("+-") && !label.isEmpty || (!label.isEmpty && raw.containsBytes(" \(label) ")) {
                groupMembers.append(PythonTraceParser(start: line.number, header: nil, isGroup: false))
                groupMembers[groupMembers.count - 1].state = .frames
                return .taken
            }
            // The closing `+------------` rule ends the group.
            if label.isEmpty && !groupMembers.isEmpty { return .finished }
            return .taken
        }
        var content = raw
        while let first = content.first, first == "|" || first == "+" || first == " " {
            content = content.dropFirst()
            if first == "|" { break }
        }
        // Keep the indentation that followed the bar: it tells source from exception lines.
        let inner = LogLine(number: line.number, text: String(content.dropFirst(content.hasPrefix(" ") ? 1 : 0)))
        if groupMembers.isEmpty {
            if inner.trimmed.hasPrefix("Exception Group Traceback") { return .taken }
            if let frame = Self.frame(in: inner.trimmed) {
                frames.append(frame)
                expectingSource = true
                frameIndentation = inner.indentation
                return .taken
            }
            if expectingSource && inner.indentation > frameIndentation {
                expectingSource = false
                frames[frames.count - 1].source = String(inner.trimmed)
                return .taken
            }
            if inner.trimmed.consistsOfBytes("^~ ") { return .taken }
            if let candidate = TraceText.exceptionLine(inner.trimmed) {
                exception = candidate
                state = .afterException
            }
            return .taken
        }
        var member = groupMembers.removeLast()
        if member.frames.isEmpty && member.exception == nil && inner.trimmed.hasPrefix("Traceback") {
            groupMembers.append(member)
            return .taken
        }
        if member.exception == nil, let candidate = TraceText.exceptionLine(inner.trimmed),
            Self.frame(in: inner.trimmed) == nil,
            !(member.expectingSource && inner.indentation > member.frameIndentation)
        {
            member.exception = candidate
            member.endLine = line.number
        } else {
            _ = member.feed(inner)
        }
        groupMembers.append(member)
        return .taken
    }

    func trace(truncated: Bool) -> StackTrace? {
        guard exception != nil || !frames.isEmpty || !chain.isEmpty else { return nil }
        var trace = StackTrace(
            language: .python, exceptionType: exception?.type ?? "", message: exception?.message ?? "",
            frames: frames.reversed(), startLine: startLine, endLine: endLine,
            truncated: truncated && exception == nil, cause: chain.last)
        trace.subExceptions = groupMembers.compactMap { $0.trace(truncated: false) }
        return trace
    }
}
