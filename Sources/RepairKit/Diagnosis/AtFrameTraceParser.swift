/// Traces whose frames start with `at `: JavaScript (V8/Node.js), Java and Kotlin, and .NET.
/// The exception line is the line before the first frame (absent in some logs); Java adds
/// `Caused by:` sections and `... N more`, .NET adds ` ---> ` inner exceptions.
struct AtFrameTraceParser: TraceParser {
    /// One exception of a chain with its frames; `segments[0]` is the outermost.
    private struct Segment {
        var type: String
        var message: String
        var frames: [StackFrame] = []
    }

    private let language: TraceLanguage
    private var segments: [Segment]
    /// The segment frames go to now (.NET returns to the outer one after its inner trace).
    private var current = 0
    private let startLine: Int
    private var endLine: Int

    static func begin(_ line: LogLine, previous: LogLine?) -> AtFrameTraceParser? {
        // .NET: `Outer: message` then ` ---> Inner: message` before the first frame.
        if line.trimmed.hasPrefix("---> "), let previous,
            let outer = exceptionHeader(previous.trimmed, language: .dotnet),
            let inner = TraceText.exceptionLine(line.trimmed.dropFirst(5))
        {
            var parser = AtFrameTraceParser(language: .dotnet, header: outer, start: previous.number)
            parser.segments.append(Segment(type: inner.type, message: inner.message))
            parser.current = 1
            parser.endLine = line.number
            return parser
        }
        guard let (language, frame) = frame(in: line.trimmed) else { return nil }
        var header: (type: String, message: String)?
        var start = line.number
        if let previous, let candidate = exceptionHeader(previous.trimmed, language: language) {
            header = candidate
            start = previous.number
        }
        var parser = AtFrameTraceParser(language: language, header: header ?? ("", ""), start: start)
        parser.segments[0].frames.append(frame)
        parser.endLine = line.number
        // .NET prints `Outer: message ---> Inner: message` on one line.
        if language == .dotnet, let header, let split = header.message.rangeOfBytes(" ---> ") {
            parser.segments[0].message = String(header.message[..<split.lowerBound])
            if let inner = TraceText.exceptionLine(header.message[split.upperBound...]) {
                parser.segments.append(Segment(type: inner.type, message: inner.message))
                parser.segments[1].frames = parser.segments[0].frames
                parser.segments[0].frames = []
                parser.current = 1
            }
        }
        return parser
    }

    private init(language: TraceLanguage, header: (type: String, message: String), start: Int) {
        self.language = language
        segments = [Segment(type: header.type, message: header.message)]
        startLine = start
        endLine = start
    }

    mutating func feed(_ line: LogLine) -> LineVerdict {
        let text = line.trimmed
        if let (frameLanguage, frame) = Self.frame(in: text), Self.compatible(frameLanguage, language) {
            segments[current].frames.append(frame)
            return take(line)
        }
        switch language {
        case .java:
            if text.hasPrefix("... ") && (text.hasSuffix(" more") || text.hasSuffix("omitted")) { return take(line) }
            if text.hasPrefix("Caused by: "), let cause = TraceText.exceptionLine(text.dropFirst(11)) {
                segments.append(Segment(type: cause.type, message: cause.message))
                current = segments.count - 1
                return take(line)
            }
            if text.hasPrefix("Suppressed: ") || text.hasPrefix("Wrapped by: ") { return take(line) }
        case .dotnet:
            if text.hasPrefix("---> "), let inner = TraceText.exceptionLine(text.dropFirst(5)) {
                segments.append(Segment(type: inner.type, message: inner.message))
                current = segments.count - 1
                return take(line)
            }
            if text.hasPrefix("--- End of inner exception stack trace ---") {
                current = max(0, current - 1)
                return take(line)
            }
            if text.hasPrefix("--- End of stack trace from previous location") { return take(line) }
        case .javascript:
            if text.hasPrefix("at ") { return take(line) }
        default:
            break
        }
        return .finishedBefore
    }

    private mutating func take(_ line: LogLine) -> LineVerdict {
        endLine = line.number
        return .taken
    }

    func trace(truncated: Bool) -> StackTrace? {
        // .NET prints inner frames before the outer ones; every other chain is read in order.
        var chain: StackTrace?
        for segment in segments.reversed() {
            var trace = StackTrace(
                language: language, exceptionType: segment.type, message: segment.message, frames: segment.frames,
                startLine: startLine, endLine: endLine, cause: chain)
            if language == .java, chain == nil, let nested = Self.nestedException(in: segment.message) {
                trace.cause = StackTrace(
                    language: .java, exceptionType: nested.type, message: nested.message,
                    frames: [], startLine: startLine, endLine: endLine)
            }
            chain = trace
        }
        return chain
    }

    private static func compatible(_ frameLanguage: TraceLanguage, _ language: TraceLanguage) -> Bool {
        frameLanguage == language || (language == .dotnet && frameLanguage == .java)
            || (language == .java && frameLanguage == .dotnet)
    }

    /// Spring's `…; nested exception is java.lang.X: message`.
    private static func nestedException(in message: String) -> (type: String, message: String)? {
        guard let range = message.range(of: "nested exception is ", options: .backwards) else { return nil }
        return TraceText.exceptionLine(message[range.upperBound...])
    }

    /// The exception line before the first frame: `TypeError: x`, `Exception in thread "main"
    /// java.lang.X: y`, `Unhandled exception. System.X: y`, `Uncaught Error: z`.
    private static func exceptionHeader(_ text: Substring, language: TraceLanguage) -> (type: String, message: String)?
    {
        var text = text
        for prefix in ["Unhandled exception. ", "Uncaught ", "Error: Uncaught "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        if text.hasPrefix("Exception in thread \""), let close = text.dropFirst(21).firstIndex(of: "\"") {
            text = text[text.index(after: close)...].drop { $0 == " " }
        }
        guard let header = TraceText.exceptionLine(text) else { return nil }
        // A bare word is a header only when it names an exception.
        if header.message.isEmpty && !(header.type.hasSuffix("Error") || header.type.hasSuffix("Exception")) {
            return nil
        }
        return header
    }

    /// Reads one `at …` frame and tells which language printed it.
    static func frame(in text: Substring) -> (TraceLanguage, StackFrame)? {
        guard text.hasPrefix("at ") else { return nil }
        var rest = text.dropFirst(3)
        // Mono: `at NS.Type.Method (System.String id) [0x0000f] in /src/File.cs:9`, or
        // `… [0x00021] in <5f1a…>:0` for an assembly without debug information.
        if let offset = rest.rangeOfBytes(") [0x"), let inRange = rest[offset.upperBound...].rangeOfBytes("] in ") {
            let signature = rest[rest.startIndex...offset.lowerBound]
            let function = signature.rangeOfBytes(" (").map { signature[..<$0.lowerBound] } ?? signature
            let place = rest[inRange.upperBound...]
            if place.hasPrefix("<") {
                return (.dotnet, StackFrame(file: "", line: nil, function: String(function)))
            }
            let location = TraceText.location(place)
            return (.dotnet, StackFrame(file: location.file, line: location.line, function: String(function)))
        }
        if rest.hasSuffix(")"), let open = lastOpenParenthesis(in: rest) {
            let function = rest[rest.startIndex..<open]
            let inside = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            if !function.hasSuffix(" ") && !function.isEmpty {
                if let java = javaLocation(inside) {
                    return (.java, StackFrame(file: java.file, line: java.line, function: String(function)))
                }
                return (.dotnet, StackFrame(file: "", line: nil, function: String(function)))
            }
            let location = TraceText.location(inside)
            return (
                .javascript,
                StackFrame(
                    file: location.file, line: location.line, column: location.column,
                    function: String(function.dropLast(function.hasSuffix(" ") ? 1 : 0)))
            )
        }
        // .NET with a file: `at NS.Type.Method(Int32 id) in /src/File.cs:line 25`.
        if let inRange = rest.rangeOfBytes(") in "), let lineRange = rest.range(of: ":line ", options: .backwards) {
            let function = rest[rest.startIndex..<rest.index(after: inRange.lowerBound)]
            let file = rest[inRange.upperBound..<lineRange.lowerBound]
            let signature = function.firstIndex(of: "(").map { function[..<$0] } ?? function
            return (
                .dotnet,
                StackFrame(file: String(file), line: Int(rest[lineRange.upperBound...]), function: String(signature))
            )
        }
        if rest.hasPrefix("async ") { rest = rest.dropFirst(6) }
        let location = TraceText.location(rest)
        guard location.line != nil || rest.containsBytes("/") else { return nil }
        return (
            .javascript, StackFrame(file: location.file, line: location.line, column: location.column, function: "")
        )
    }

    /// Java's `(File.java:106)`, `(Native Method)`, `(Unknown Source)`.
    private static func javaLocation(_ inside: Substring) -> (file: String, line: Int?)? {
        if inside == "Native Method" || inside == "Unknown Source" { return (String(inside), nil) }
        let parts = inside.split(separator: ":")
        let file = parts.first ?? ""
        let isSource = [".java", ".kt", ".scala", ".groovy", ".clj"].contains { file.hasSuffix($0) }
        guard isSource, !file.containsBytes("/"), !file.containsBytes(" ") else { return nil }
        return (String(file), parts.count == 2 ? Int(parts[1]) : nil)
    }

    private static func lastOpenParenthesis(in text: Substring) -> Substring.Index? {
        var depth = 0
        var index = text.endIndex
        while index > text.startIndex {
            index = text.index(before: index)
            if text[index] == ")" { depth += 1 }
            if text[index] == "(" {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return nil
    }
}
