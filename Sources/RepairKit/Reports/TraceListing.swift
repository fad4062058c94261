import Foundation

/// How `repairctl traces` shows traces: a readable listing, or JSON for scripts.
public enum TraceListing {
    public static func text(_ traces: [StackTrace], file: String, frameLimit: Int = 8) -> String {
        guard !traces.isEmpty else { return "No stack traces found in \(file)." }
        var lines: [String] = []
        for trace in traces {
            lines.append("\(file):\(trace.startLine)-\(trace.endLine)  \(trace.language.rawValue)\(trace.truncated ? "  (truncated)" : "")")
            appendException(trace, into: &lines, indent: "  ", frameLimit: frameLimit)
            lines.append("")
        }
        lines.append("\(traces.count) trace\(traces.count == 1 ? "" : "s") in \(file)")
        return lines.joined(separator: "\n")
    }

    private static func appendException(_ trace: StackTrace, into lines: inout [String], indent: String, frameLimit: Int) {
        let headline = trace.exceptionType.isEmpty ? "(no exception line)" : trace.exceptionType
        lines.append(indent + headline + (trace.message.isEmpty ? "" : ": \(trace.message)"))
        for frame in trace.frames.prefix(frameLimit) {
            let location = frame.line.map { "\(frame.file):\($0)" } ?? frame.file
            let function = frame.function.isEmpty ? "" : " in \(frame.function)"
            lines.append("\(indent)  \(frame.inApp ? "▸" : " ") \(location)\(function)")
        }
        if trace.frames.count > frameLimit { lines.append("\(indent)    … \(trace.frames.count - frameLimit) more frames") }
        for sub in trace.subExceptions {
            lines.append(indent + "  sub-exception:")
            appendException(sub, into: &lines, indent: indent + "    ", frameLimit: frameLimit)
        }
        if let cause = trace.cause {
            lines.append(indent + "caused by:")
            appendException(cause, into: &lines, indent: indent + "  ", frameLimit: frameLimit)
        }
    }

    public static func json(_ traces: [StackTrace], file: String) -> Data {
        struct Document: Encodable {
            var file: String
            var count: Int
            var traces: [StackTrace]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Document(file: file, count: traces.count, traces: traces))) ?? Data("{}".utf8)
    }
}
