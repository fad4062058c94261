import Foundation

/// Ruby backtraces — `file.rb:10:in 'method': message (Type)` then `from file.rb:5:in 'x'`
/// lines — and Rails logs, where `Type (message):` is followed by bare `path:line:in 'x'`
/// lines (gems shown as `actionpack (7.0.4) lib/…`).
struct RubyTraceParser: TraceParser {
    private var type: String
    private var message: String
    private var frames: [StackFrame] = []
    /// Lines read between the exception line and the first `from` frame.
    private var snippetLines = 0
    private let startLine: Int
    private var endLine: Int

    static func begin(_ line: LogLine, previous: LogLine?) -> RubyTraceParser? {
        let text = line.trimmed
        guard let (frame, rest) = frame(in: text) else { return nil }
        if rest.hasPrefix(": "), rest.hasSuffix(")"), let open = rest.lastIndex(of: "(") {
            let type = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            let message = rest[rest.index(rest.startIndex, offsetBy: 2)..<open].trimmingCharacters(in: .whitespaces)
            var parser = RubyTraceParser(type: String(type), message: message, start: line.number)
            parser.frames = [frame]
            return parser
        }
        guard rest.isEmpty else { return nil }
        var header: (String, String) = ("", "")
        var start = line.number
        // Rails: `NoMethodError (undefined method 'name' for nil):` on the line before.
        if let previous, previous.trimmed.hasSuffix("):"), let open = previous.trimmed.firstIndex(of: "(") {
            let candidate = previous.trimmed
            let type = candidate[..<open].trimmingCharacters(in: .whitespaces)
            if TraceText.exceptionLine(Substring(type)) != nil {
                let message = candidate[
                    candidate.index(after: open)..<candidate.index(candidate.endIndex, offsetBy: -2)]
                header = (type, String(message))
                start = previous.number
            }
        }
        var parser = RubyTraceParser(type: header.0, message: header.1, start: start)
        parser.frames = [frame]
        parser.endLine = line.number
        return parser
    }

    private init(type: String, message: String, start: Int) {
        self.type = type
        self.message = message
        startLine = start
        endLine = start
    }

    mutating func feed(_ line: LogLine) -> LineVerdict {
        var text = line.trimmed
        if text.hasPrefix("from ") { text = text.dropFirst(5) }
        guard let (frame, rest) = Self.frame(in: text), rest.isEmpty else {
            // Ruby 3.1+ prints error_highlight (a blank line, the code, a `^^^^` line) and
            // did_you_mean suggestions between the exception line and its first `from`.
            if frames.count == 1, snippetLines < 5, !type.isEmpty, Self.isSnippet(text, after: snippetLines) {
                snippetLines += 1
                return .skipped
            }
            return .finishedBefore
        }
        snippetLines = 5
        frames.append(frame)
        endLine = line.number
        return .taken
    }

    /// A line of error_highlight or did_you_mean output: blank, the code line right after the
    /// blank one, a line of `^` and `~`, or a suggestion. Never another trace's first line.
    static func isSnippet(_ text: Substring, after count: Int) -> Bool {
        if text.isEmpty || text.allSatisfy({ $0 == "^" || $0 == "~" || $0 == " " }) { return true }
        if text.hasPrefix("Did you mean?") { return true }
        return count == 1 && frame(in: text) == nil
    }

    /// `path:12:in 'method'` (or with a backtick) and whatever follows the closing quote.
    static func frame(in text: Substring) -> (StackFrame, Substring)? {
        guard let inRange = text.rangeOfBytes(":in `") ?? text.rangeOfBytes(":in '") else { return nil }
        let location = TraceText.location(text[..<inRange.lowerBound])
        guard location.line != nil else { return nil }
        let afterQuote = text[inRange.upperBound...]
        guard let close = afterQuote.firstIndex(of: "'") else { return nil }
        let function = String(afterQuote[..<close])
        return (
            StackFrame(file: location.file, line: location.line, function: function),
            afterQuote[afterQuote.index(after: close)...]
        )
    }

    func trace(truncated: Bool) -> StackTrace? {
        StackTrace(
            language: .ruby, exceptionType: type, message: message, frames: frames, startLine: startLine,
            endLine: endLine)
    }
}
