import Foundation

/// How `repairctl traces` shows traces: a readable listing, or JSON for scripts.
public enum TraceListing {
    /// The listing written as the traces come: each trace's text is ready as soon as the scanner
    /// completes it, so a reader of a long log sees traces at once and nothing is held.
    ///
    /// The JSON is one document, `{"file": …, "traces": [ … ], "count": N}`, with one trace per
    /// line inside the array and the count last (it is known only at the end).
    public struct Writer {
        public let json: Bool
        public let file: String
        public let frameLimit: Int
        public private(set) var count = 0

        public init(json: Bool, file: String, frameLimit: Int = 8) {
            self.json = json
            self.file = file
            self.frameLimit = frameLimit
        }

        /// The text that shows `trace`, the document's opening before the first.
        public mutating func add(_ trace: StackTrace) -> String {
            count += 1
            if json {
                var text = (count == 1 ? opening : ",\n") + "    "
                trace.writeJSON(into: &text)
                return text
            }
            var lines = [
                "\(file):\(trace.startLine)-\(trace.endLine)  \(trace.language.rawValue)\(trace.truncated ? "  (truncated)" : "")"
            ]
            TraceListing.appendException(trace, into: &lines, indent: "  ", frameLimit: frameLimit)
            return lines.joined(separator: "\n") + "\n\n"
        }

        /// What ends the listing: the count line, or the JSON's closing and count.
        public func finish() -> String {
            if json { return (count == 0 ? opening : "\n") + "  ],\n  \"count\" : \(count)\n}\n" }
            guard count > 0 else { return "No stack traces found in \(file).\n" }
            return "\(count) trace\(count == 1 ? "" : "s") in \(file)\n"
        }

        private var opening: String {
            var text = "{\n  \"file\" : "
            JSONText.quote(file, into: &text)
            return text + ",\n  \"traces\" : [\n"
        }
    }

    fileprivate static func appendException(
        _ trace: StackTrace, into lines: inout [String], indent: String, frameLimit: Int
    ) {
        let headline = trace.exceptionType.isEmpty ? "(no exception line)" : trace.exceptionType
        lines.append(indent + headline + (trace.message.isEmpty ? "" : ": \(trace.message)"))
        for frame in trace.frames.prefix(frameLimit) {
            let location = frame.line.map { "\(frame.file):\($0)" } ?? frame.file
            let function = frame.function.isEmpty ? "" : " in \(frame.function)"
            lines.append("\(indent)  \(frame.inApp ? "▸" : " ") \(location)\(function)")
        }
        if trace.frames.count > frameLimit {
            lines.append("\(indent)    … \(trace.frames.count - frameLimit) more frames")
        }
        for sub in trace.subExceptions {
            lines.append(indent + "  sub-exception:")
            appendException(sub, into: &lines, indent: indent + "    ", frameLimit: frameLimit)
        }
        if let cause = trace.cause {
            lines.append(indent + "caused by:")
            appendException(cause, into: &lines, indent: indent + "  ", frameLimit: frameLimit)
        }
    }
}
