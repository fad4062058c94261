import Foundation

/// A log line written as one JSON object (structlog, pino, python-json-logger, a
/// `logging.Formatter` that dumps a dict): its message and any trace held in a field, decoded,
/// so the rest of diagnosis reads them as the plain lines a text log would have held.
enum JSONLogLine {
    /// Field names that carry a message, in order of preference.
    static let messageKeys = ["message", "msg", "event", "log"]
    /// Field names that carry a stack trace, in order of preference.
    static let traceKeys = [
        "exc_info", "exc_text", "exception", "stack_trace", "stack", "stacktrace", "traceback", "error", "err", "trace",
    ]

    /// The object, when the line is a JSON object.
    static func object(_ line: some StringProtocol) -> [String: Any]? {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.first == "{", trimmed.last == "}",
            let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any]
        else { return nil }
        return object
    }

    /// The record's message (or the access line it holds).
    static func message(_ line: some StringProtocol) -> String? {
        guard let object = object(line) else { return nil }
        if let method = object["method"] as? String,
            let status = (object["status"] ?? object["status_code"] ?? object["statusCode"]) as? Int,
            let target = (object["path"] ?? object["url"] ?? object["target"]) as? String
        {
            // A structured access record: written as the text access line it stands for.
            return "\"\(method) \(target) HTTP/1.1\" \(status)"
        }
        return messageKeys.lazy.compactMap { object[$0] as? String }.first
    }

    /// The lines a JSON record stands for: its message, then every trace a field holds (in
    /// nested objects too, to a bounded depth), each split at its newlines.
    static func lines(_ line: some StringProtocol) -> [String]? {
        guard let object = object(line) else { return nil }
        var lines: [String] = []
        if let message = messageKeys.lazy.compactMap({ object[$0] as? String }).first {
            lines += message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
        func collect(_ value: [String: Any], depth: Int) {
            for key in traceKeys {
                if let text = value[key] as? String, text.containsBytes("\n") {
                    lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                } else if let nested = value[key] as? [String: Any], depth < 3 {
                    collect(nested, depth: depth + 1)
                }
            }
        }
        collect(object, depth: 0)
        return lines
    }
}
