import Foundation

/// A line a framework prints at the head of an unhandled exception's trace, naming the
/// request: Flask's `Exception on /orders/7 [POST]`, Django's `Internal Server Error: /orders/7`.
struct ErrorLine: Equatable {
    /// nil when the line names only the path (Django).
    var method: String?
    /// The path, without the query.
    var path: String

    init?(_ raw: Substring) {
        let text: Substring = raw.first == "{" ? JSONLogLine.message(raw).map { Substring($0) } ?? raw : raw
        if let range = text.rangeOfBytes("Exception on /") {
            // Flask: `Exception on {request.path} [{request.method}]`
            let rest = text[text.index(before: range.upperBound)...]
            guard let open = rest.lastIndex(of: "["), let close = rest.lastIndex(of: "]"), open < close else {
                return nil
            }
            let method = String(rest[rest.index(after: open)..<close])
            guard Endpoint.methods.contains(method) else { return nil }
            path = String(rest[..<open]).trimmingCharacters(in: [" "])
            self.method = method
        } else if let range = text.rangeOfBytes("Internal Server Error: /") {
            // Django: `Internal Server Error: {request.path}`
            let rest = text[text.index(before: range.upperBound)...]
            path = String(rest.prefix { $0 != " " && $0 != "\"" })
            method = nil
        } else {
            return nil
        }
        guard path.hasPrefix("/") else { return nil }
    }

    /// Whether the line names the request the result records.
    func names(_ result: ScenarioResult) -> Bool {
        if let method, method != result.scenario.endpoint.method { return false }
        guard let target = TraceCorrelator.target(of: result.url) else { return false }
        return target.split(separator: "?", maxSplits: 1).first.map(String.init) == path
    }
}
