/// What a parser did with a line it was offered.
enum LineVerdict {
    /// Part of the trace.
    case taken
    /// Not part of the trace but not its end either (another request's log line).
    case skipped
    /// The trace ended with this line, which belongs to it.
    case finished
    /// The trace ended before this line, which the scanner offers to the next parser.
    case finishedBefore
}

/// Reads one trace, line by line, once a `begin` function has recognised its start.
protocol TraceParser {
    mutating func feed(_ line: LogLine) -> LineVerdict
    /// The trace read so far; `truncated` when the log ended inside it.
    func trace(truncated: Bool) -> StackTrace?
}

/// Helpers the parsers share.
enum TraceText {
    /// `KeyError`, `java.lang.IllegalStateException`, `TypeError [ERR_INVALID_ARG_TYPE]`: an
    /// exception name (letters, digits, `_`, `.`, `$`), optionally a code in brackets, then
    /// end of line or `: message`. Returns nil for anything else.
    static func exceptionLine(_ text: Substring) -> (type: String, message: String)? {
        guard let first = text.first, first.isLetter || first == "_" || first == "$" else { return nil }
        var index = text.startIndex
        while index < text.endIndex, text[index].isLetter || text[index].isNumber || "_.$".contains(text[index]) {
            index = text.index(after: index)
        }
        let type = String(text[text.startIndex..<index])
        guard !type.hasSuffix(".") else { return nil }
        var rest = text[index...]
        if rest.hasPrefix(" [") , let close = rest.firstIndex(of: "]") { rest = rest[rest.index(after: close)...] }
        if rest.isEmpty { return (type, "") }
        guard rest.hasPrefix(":") else { return nil }
        return (type, String(rest.dropFirst().drop { $0 == " " }))
    }

    /// Splits `file:line:column` (either number optional) from the right.
    static func location(_ text: Substring) -> (file: String, line: Int?, column: Int?) {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var numbers: [Int] = []
        while parts.count > 1, numbers.count < 2, let value = Int(parts.last!) {
            numbers.insert(value, at: 0)
            parts.removeLast()
        }
        let file = parts.joined(separator: ":")
        switch numbers.count {
        case 2: return (file, numbers[0], numbers[1])
        case 1: return (file, numbers[0], nil)
        default: return (String(text), nil, nil)
        }
    }
}
