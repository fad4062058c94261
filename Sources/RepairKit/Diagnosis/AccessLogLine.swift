/// An access-log line: uvicorn and gunicorn (`"POST /items HTTP/1.1" 500`), common log
/// format, and express/morgan (`POST /items 500 3.2 ms`).
struct AccessLogLine: Equatable {
    var method: String
    /// The request target as sent: path and query.
    var target: String
    var status: Int

    init?(_ raw: Substring) {
        // morgan's `dev` format colours the status: read the line without its escape codes.
        var text = raw.containsBytes("\u{1B}") ? Self.withoutEscapes(raw) : raw
        // A JSON record: the access line is its message, or its method/path/status fields.
        if text.first == "{", text.containsBytes("HTTP/") || text.containsBytes("\"method\""),
            let message = JSONLogLine.message(text)
        {
            text = Substring(message)
        }
        if let quote = text.firstIndex(of: "\"") {
            let afterQuote = text[text.index(after: quote)...]
            if let parsed = Self.parse(afterQuote, requireHTTPVersion: true) {
                self = parsed
                return
            }
        }
        guard let parsed = Self.parse(text.drop { $0 == " " }, requireHTTPVersion: false) else { return nil }
        self = parsed
    }

    /// The line with ANSI escape sequences (`ESC [ … letter`) removed.
    static func withoutEscapes(_ text: Substring) -> Substring {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\u{1B}" {
                var next = text.index(after: index)
                if next < text.endIndex, text[next] == "[" {
                    next = text.index(after: next)
                    while next < text.endIndex, !text[next].isLetter { next = text.index(after: next) }
                    index = next < text.endIndex ? text.index(after: next) : next
                    continue
                }
            }
            result.append(text[index])
            index = text.index(after: index)
        }
        return Substring(result)
    }

    private init(method: String, target: String, status: Int) {
        self.method = method
        self.target = target
        self.status = status
    }

    private static func parse(_ text: Substring, requireHTTPVersion: Bool) -> AccessLogLine? {
        let parts = text.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
        guard parts.count >= 3, Endpoint.methods.contains(String(parts[0])), parts[1].hasPrefix("/") else { return nil }
        var statusPart = parts[2]
        if requireHTTPVersion {
            guard parts.count >= 4, parts[2].hasPrefix("HTTP/"), parts[2].hasSuffix("\"") else { return nil }
            statusPart = parts[3]
        }
        guard statusPart.count == 3, let status = Int(statusPart), (100...599).contains(status) else { return nil }
        return AccessLogLine(method: String(parts[0]), target: String(parts[1]), status: status)
    }
}
