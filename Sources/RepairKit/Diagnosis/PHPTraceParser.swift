/// PHP: `PHP Fatal error:  Uncaught Type: message in /file.php:12`, then `Stack trace:`,
/// `#0 /file.php(5): fn()` frames, `#1 {main}`, `  thrown in … on line 12`; also an
/// exception printed as `Type: message in /file.php:12` + `Stack trace:`, and Laravel's
/// `[object] (Type(code: 0): message at /file.php:25)` + `[stacktrace]`.
struct PHPTraceParser: TraceParser {
    private var type: String
    private var message: String
    /// Where the exception was thrown (the header's `in FILE:LINE`).
    private var thrownAt: (file: String, line: Int?)?
    private var calls: [(file: String, line: Int?, function: String)] = []
    private let startLine: Int
    private var endLine: Int

    static func begin(_ line: LogLine, previous: LogLine?) -> PHPTraceParser? {
        let text = line.trimmed
        if let range = text.rangeOfBytes("Uncaught ") {
            return header(text[range.upperBound...], separator: " in ", start: line.number)
        }
        if let range = text.rangeOfBytes("[object] (") {
            var rest = text[range.upperBound...]
            if let code = rest.rangeOfBytes("(code: "), let close = rest[code.upperBound...].rangeOfBytes("): ") {
                rest = Substring(String(rest[..<code.lowerBound]) + ": " + rest[close.upperBound...])
            }
            if rest.hasSuffix(")") { rest = rest.dropLast() }
            return header(rest, separator: " at ", start: line.number)
        }
        if text == "Stack trace:", let previous {
            var parser = header(previous.trimmed, separator: " in ", start: previous.number)
            parser?.endLine = line.number
            return parser
        }
        return nil
    }

    private static func header(_ text: Substring, separator: String, start: Int) -> PHPTraceParser? {
        guard let exception = TraceText.exceptionLine(text) else { return nil }
        var parser = PHPTraceParser(type: exception.type, message: exception.message, start: start)
        if let range = exception.message.range(of: separator, options: .backwards) {
            parser.message = String(exception.message[..<range.lowerBound])
            let location = exception.message[range.upperBound...]
            if let onLine = location.rangeOfBytes(" on line ") {
                parser.thrownAt = (String(location[..<onLine.lowerBound]), Int(location[onLine.upperBound...]))
            } else {
                let parsed = TraceText.location(location)
                parser.thrownAt = (parsed.file, parsed.line)
            }
        }
        return parser
    }

    private init(type: String, message: String, start: Int) {
        self.type = type
        self.message = message
        startLine = start
        endLine = start
    }

    mutating func feed(_ line: LogLine) -> LineVerdict {
        let text = line.trimmed
        if text == "Stack trace:" || text == "[stacktrace]" { return take(line) }
        if text.hasPrefix("thrown in ") || text.hasPrefix("\"}") || text == "\"}" { return take(line, finished: true) }
        guard text.hasPrefix("#"), let space = text.firstIndex(of: " ") else { return .finishedBefore }
        let rest = text[text.index(after: space)...]
        if rest == "{main}" { return take(line) }
        if rest.hasPrefix("[internal function]: ") {
            calls.append(("[internal function]", nil, String(rest.dropFirst(21))))
            return take(line)
        }
        guard let open = rest.firstIndex(of: "("), let close = rest[open...].rangeOfBytes("): ") else {
            return .finishedBefore
        }
        let file = String(rest[..<open])
        let lineNumber = Int(rest[rest.index(after: open)..<close.lowerBound])
        calls.append((file, lineNumber, String(rest[close.upperBound...])))
        return take(line)
    }

    private mutating func take(_ line: LogLine, finished: Bool = false) -> LineVerdict {
        endLine = line.number
        return finished ? .finished : .taken
    }

    /// PHP's frame `#k FILE(LINE): fn()` says fn was called at FILE:LINE, so the function
    /// running at a location is the one named on the frame before it.
    func trace(truncated: Bool) -> StackTrace? {
        var frames: [StackFrame] = []
        if let thrownAt {
            frames.append(
                StackFrame(
                    file: thrownAt.file, line: thrownAt.line, function: Self.name(calls.first?.function ?? "{main}")))
        }
        for (index, call) in calls.enumerated() {
            let function = index + 1 < calls.count ? Self.name(calls[index + 1].function) : "{main}"
            frames.append(StackFrame(file: call.file, line: call.line, function: function))
        }
        return StackTrace(
            language: .php, exceptionType: type, message: message, frames: frames,
            startLine: startLine, endLine: endLine)
    }

    /// `App\Http\UserController->show('7')` → `App\Http\UserController->show`.
    private static func name(_ call: String) -> String {
        call.firstIndex(of: "(").map { String(call[..<$0]) } ?? call
    }
}
