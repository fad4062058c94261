import Foundation

/// Swift runtime crashes: `Fatal error: message` (often as `File.swift:12: Fatal error: …`
/// or ending `…: file X.swift, line 12`), `💣 Program crashed: …`, then `Current stack
/// trace:` frames `N  module  0xADDR  symbol + OFFSET` or the backtracer's
/// `N 0xADDR symbol + OFFSET in Module at /path/File.swift:12:5`.
struct SwiftTraceParser: TraceParser {
    private var type: String
    private var message: String
    private var frames: [StackFrame] = []
    private let startLine: Int
    private var endLine: Int
    private var blankRun = 0

    static func begin(_ line: LogLine, previous: LogLine?) -> SwiftTraceParser? {
        let text = line.trimmed
        if let range = text.rangeOfBytes("💣 Program crashed: ") {
            return SwiftTraceParser(
                type: "Program crashed", message: String(text[range.upperBound...]), start: line.number)
        }
        guard let range = text.rangeOfBytes("Fatal error: "), !text.containsBytes("Uncaught"), !text.hasPrefix("PHP ")
        else {
            return nil
        }
        var parser = SwiftTraceParser(
            type: "Fatal error", message: String(text[range.upperBound...]), start: line.number)
        let before = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        if before.hasSuffix(":") {
            let location = TraceText.location(Substring(before.dropLast()))
            if location.line != nil {
                parser.frames.append(StackFrame(file: location.file, line: location.line, function: ""))
            }
        }
        if let fileRange = parser.message.range(of: ": file ", options: .backwards),
            let lineRange = parser.message.range(of: ", line ", options: .backwards),
            fileRange.upperBound < lineRange.lowerBound
        {
            let file = String(parser.message[fileRange.upperBound..<lineRange.lowerBound])
            parser.frames.append(
                StackFrame(file: file, line: Int(parser.message[lineRange.upperBound...]), function: ""))
            parser.message = String(parser.message[..<fileRange.lowerBound])
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
        if text.isEmpty {
            blankRun += 1
            return blankRun > 2 ? .finishedBefore : .skipped
        }
        blankRun = 0
        if text == "Current stack trace:" || (text.hasPrefix("Thread ") && text.hasSuffix(":"))
            || text.hasPrefix("Stack dump:")
        {
            return take(line)
        }
        if text.hasPrefix("Registers:") || text.hasPrefix("Images") || text.containsBytes("(core dumped)") {
            return take(line, finished: true)
        }
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, Int(fields[0]) != nil else { return .finishedBefore }
        if fields[1].hasPrefix("0x") || fields[1].hasPrefix("[") {
            // Backtracer: `0 0x… symbol + 52 in App at /src/main.swift:5:13`
            var rest = text[fields[1].endIndex...].drop { $0 == " " }
            if rest.hasPrefix("0x") { rest = rest.drop { $0 != " " }.drop { $0 == " " } }
            var file = "", lineNumber: Int?, column: Int?
            if let atRange = rest.range(of: " at ", options: .backwards) {
                let location = TraceText.location(rest[atRange.upperBound...])
                (file, lineNumber, column) = (location.file, location.line, location.column)
                rest = rest[..<atRange.lowerBound]
            }
            var module = ""
            if let inRange = rest.range(of: " in ", options: .backwards) {
                module = String(rest[inRange.upperBound...])
                rest = rest[..<inRange.lowerBound]
            }
            let symbol = Self.stripOffset(rest)
            frames.append(
                StackFrame(file: file.isEmpty ? module : file, line: lineNumber, column: column, function: symbol))
        } else if fields.count >= 4, fields[2].hasPrefix("0x") {
            // `3    libswiftCore.so    0x00007f…  $sSS + 12`
            let symbolStart = text.range(of: String(fields[2]))!.upperBound
            frames.append(
                StackFrame(
                    file: String(fields[1]), line: nil,
                    function: Self.stripOffset(text[symbolStart...].drop { $0 == " " })))
        } else {
            return .finishedBefore
        }
        return take(line)
    }

    private static func stripOffset(_ symbol: Substring) -> String {
        if let plus = symbol.range(of: " + ", options: .backwards), symbol[plus.upperBound...].allSatisfy(\.isNumber) {
            return String(symbol[..<plus.lowerBound])
        }
        return String(symbol)
    }

    private mutating func take(_ line: LogLine, finished: Bool = false) -> LineVerdict {
        endLine = line.number
        return finished ? .finished : .taken
    }

    func trace(truncated: Bool) -> StackTrace? {
        // The runtime's own frames (reporting the error) come first; keep the order printed,
        // which is already innermost first.
        StackTrace(
            language: .swift, exceptionType: type, message: message, frames: frames, startLine: startLine,
            endLine: endLine)
    }
}
