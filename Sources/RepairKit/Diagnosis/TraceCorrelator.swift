/// Ties the traces in an app's output to the failing scenarios that caused them.
///
/// In order of trust: the scenario's `X-Request-ID` printed near the trace; the access-log
/// line the app wrote for the request right after the trace (method, target and status);
/// the window of output lines printed while the request was in flight.
struct TraceCorrelator {
    /// The app's output, line 1 at index 0.
    var lines: [Substring]

    /// The trace for each failing scenario's request id, where one was found.
    func attribute(_ traces: [StackTrace], to failures: [ScenarioResult]) -> [String: StackTrace] {
        var assigned: [String: StackTrace] = [:]
        var used = Set<Int>()
        let byID = Dictionary(failures.map { ($0.requestID, $0) }, uniquingKeysWith: { first, _ in first })
        // 1. Request ids printed in or just before the trace.
        for (index, trace) in traces.enumerated() {
            for number in max(1, trace.startLine - 3)...min(lines.count, trace.endLine + 1) {
                if let id = requestID(in: lines[number - 1], known: byID), assigned[id] == nil {
                    assigned[id] = trace
                    used.insert(index)
                    break
                }
            }
        }
        // 2. The access line the app logged for the request after the trace.
        for (index, trace) in traces.enumerated() where !used.contains(index) {
            guard trace.endLine < lines.count else { continue }
            for number in (trace.endLine + 1)...min(lines.count, trace.endLine + 8) {
                guard let access = AccessLogLine(lines[number - 1]) else { continue }
                let candidates = failures.filter {
                    assigned[$0.requestID] == nil && $0.scenario.endpoint.method == access.method
                        && $0.actualStatus == access.status && Self.sameTarget($0.url, access.target)
                }
                // Of several identical requests, the one whose window is nearest the trace.
                if let match = candidates.min(by: { distance($0, trace) < distance($1, trace) }) {
                    assigned[match.requestID] = trace
                    used.insert(index)
                }
                break
            }
        }
        // 3. Output printed while the request was in flight.
        for (index, trace) in traces.enumerated() where !used.contains(index) {
            if let match = failures.first(where: { assigned[$0.requestID] == nil && $0.outputLines?.contains(trace.startLine) == true }) {
                assigned[match.requestID] = trace
                used.insert(index)
            }
        }
        return assigned
    }

    /// Lines around the trace (or the request's window), bounded to `limit` lines.
    func excerpt(for result: ScenarioResult, trace: StackTrace?, limit: Int = 60) -> String {
        var range: ClosedRange<Int>
        if let trace {
            range = max(1, trace.startLine - 2)...min(lines.count, trace.endLine + 2)
        } else if let window = result.outputLines, !window.isEmpty, window.lowerBound <= lines.count {
            range = window.lowerBound...min(lines.count, max(window.lowerBound, window.upperBound))
        } else {
            return ""
        }
        if range.count > limit { range = range.lowerBound...(range.lowerBound + limit - 1) }
        guard range.lowerBound <= range.upperBound, range.upperBound <= lines.count else { return "" }
        var text = lines[(range.lowerBound - 1)...(range.upperBound - 1)].joined(separator: "\n")
        if text.utf8.count > 8192 { text = String(text.prefix(8192)) + "…" }
        return text
    }

    private func requestID(in line: Substring, known: [String: ScenarioResult]) -> String? {
        guard line.contains("-") else { return nil }
        var index = line.startIndex
        while let dash = line[index...].firstIndex(of: "-") {
            let start = line.index(dash, offsetBy: -8, limitedBy: line.startIndex) ?? line.startIndex
            if let end = line.index(start, offsetBy: 36, limitedBy: line.endIndex) {
                let candidate = String(line[start..<end])
                if known[candidate] != nil { return candidate }
            }
            index = line.index(after: dash)
        }
        return nil
    }

    private func distance(_ result: ScenarioResult, _ trace: StackTrace) -> Int {
        guard let window = result.outputLines else { return Int.max }
        if window.contains(trace.startLine) { return 0 }
        return min(abs(window.lowerBound - trace.startLine), abs(window.upperBound - trace.startLine))
    }

    /// The scenario's URL ends with the target the app logged (path and query).
    static func sameTarget(_ url: String, _ target: String) -> Bool {
        guard let schemeEnd = url.range(of: "://"), let slash = url[schemeEnd.upperBound...].firstIndex(of: "/") else { return false }
        let sent = url[slash...]
        return sent == target || sent.split(separator: "?").first == target.split(separator: "?").first
    }
}
