/// Go panics: `panic: …` or `http: panic serving ADDR: …` (net/http's recovered handler
/// panics) or `fatal error: …`, then goroutine dumps whose frames come in pairs — the
/// function line, then a tab-indented `file.go:LINE +0x…`. Only the first goroutine (the
/// one that panicked) gives frames; the others are read past.
struct GoTraceParser: TraceParser {
    private var type: String
    private var message: String
    private var frames: [StackFrame] = []
    private var pendingFunction: String?
    private var goroutines = 0
    private let startLine: Int
    private var endLine: Int

    static func begin(_ line: LogLine, previous: LogLine?) -> GoTraceParser? {
        let text = line.trimmed
        var detail: Substring?
        if text.hasPrefix("panic: ") {
            detail = text.dropFirst(7)
        } else if let range = text.rangeOfBytes("http: panic serving ") {
            let rest = text[range.upperBound...]
            // `http: panic serving 127.0.0.1:5000: message` — the address has one colon.
            if let colon = rest.firstIndex(of: ":"), let second = rest[rest.index(after: colon)...].rangeOfBytes(": ") {
                detail = rest[second.upperBound...]
            }
        } else if text.hasPrefix("fatal error: ") {
            return GoTraceParser(type: "fatal error", message: String(text.dropFirst(13)), start: line.number)
        } else if text.hasPrefix("goroutine "), text.hasSuffix("]:") {
            var parser = GoTraceParser(type: "", message: "", start: line.number)
            parser.goroutines = 1
            return parser
        }
        guard var detail else { return nil }
        if detail.hasSuffix(" [recovered]") { detail = detail.dropLast(12) }
        if detail.hasPrefix("runtime error: ") {
            return GoTraceParser(type: "runtime error", message: String(detail.dropFirst(15)), start: line.number)
        }
        return GoTraceParser(type: "panic", message: String(detail), start: line.number)
    }

    private init(type: String, message: String, start: Int) {
        self.type = type
        self.message = message
        startLine = start
        endLine = start
    }

    mutating func feed(_ line: LogLine) -> LineVerdict {
        let text = line.trimmed
        if text.isEmpty || text.hasPrefix("[signal ") || text.hasPrefix("panic: ") && frames.isEmpty {
            return take(line)
        }
        if text.hasPrefix("goroutine "), text.hasSuffix("]:") {
            goroutines += 1
            return take(line)
        }
        if text.hasPrefix("exit status ") { return take(line, finished: true) }
        if line.indentation > 0, let pendingFunction, let plus = text.rangeOfBytes(" +0x") ?? text.rangeOfBytes(":"),
            text.containsBytes(".go:")
        {
            let location = text[..<(text.rangeOfBytes(" +0x")?.lowerBound ?? text.endIndex)]
            let parsed = TraceText.location(location)
            if goroutines <= 1 {
                frames.append(StackFrame(file: parsed.file, line: parsed.line, function: pendingFunction))
            }
            self.pendingFunction = nil
            _ = plus
            return take(line)
        }
        if line.indentation == 0, text.hasSuffix(")") || text.hasPrefix("created by ") {
            var function = String(text)
            if function.hasPrefix("created by ") {
                function = String(function.dropFirst(11))
                if let range = function.rangeOfBytes(" in goroutine ") {
                    function = String(function[..<range.lowerBound])
                }
            } else if let open = function.lastIndex(of: "(") {
                function = String(function[..<open])
            }
            pendingFunction = function
            return take(line)
        }
        if goroutines == 0 && !text.isEmpty && frames.isEmpty && line.indentation > 0 { return take(line) }
        return .finishedBefore
    }

    private mutating func take(_ line: LogLine, finished: Bool = false) -> LineVerdict {
        endLine = line.number
        return finished ? .finished : .taken
    }

    func trace(truncated: Bool) -> StackTrace? {
        StackTrace(
            language: .go, exceptionType: type, message: message, frames: frames,
            startLine: startLine, endLine: endLine, truncated: truncated && frames.isEmpty)
    }
}
