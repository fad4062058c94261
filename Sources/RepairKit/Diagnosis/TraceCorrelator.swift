/// Ties the traces in an app's output to the failing scenarios that caused them, by the
/// strongest evidence there is, whatever order the server prints things in.
///
/// Evidence, strongest first: the scenario's `X-Request-ID` printed in or just before the
/// trace; a line naming the request's method and path at the head of the trace (Flask's
/// `Exception on /path [POST]`, Django's `Internal Server Error: /path`); the access line of
/// the request (method, target and status) beside the trace, before it (uvicorn) or after it
/// (gunicorn, Django, morgan), the side this log uses first; then the output printed while the
/// request alone was in flight (the executor lets output settle after a failing response).
/// Only a request id can tie a trace to a response under 500: an uncaught exception
/// answers 5xx or nothing, so any other tie to a 2xx–4xx would be a guess.
struct TraceCorrelator {
    /// The app's output, line 1 at index 0.
    var lines: [Substring]

    /// Access and error lines are looked for this many lines around a trace.
    static let reach = 12

    /// The trace for each failing scenario's request id, and how it was tied.
    func attribute(
        _ traces: [StackTrace], to failures: [ScenarioResult], all results: [ScenarioResult]? = nil
    )
        -> [String: (trace: StackTrace, evidence: TraceEvidence)]
    {
        let everyResult = (results ?? failures).filter { !$0.requestID.isEmpty }
        let accessLines = mapAccessLines(to: everyResult)
        let failing = Dictionary(failures.map { ($0.requestID, $0) }, uniquingKeysWith: { first, _ in first })
        let side = preferredSide(traces, accessLines: accessLines, failing: failing)

        var candidates: [Candidate] = []
        for (index, trace) in traces.enumerated() {
            let previousEnd = index > 0 ? traces[index - 1].endLine : 0
            let nextStart = index + 1 < traces.count ? traces[index + 1].startLine : lines.count + 1
            let before = max(previousEnd + 1, trace.startLine - Self.reach)..<trace.startLine
            let after = (trace.endLine + 1)..<min(nextStart, trace.endLine + 1 + Self.reach)

            // 1. A request id printed in the trace or just before it.
            for number in max(1, trace.startLine - 3)...min(lines.count, trace.endLine + 1) {
                if let id = requestID(in: lines[number - 1], known: failing) {
                    candidates.append(
                        Candidate(trace: index, requestID: id, evidence: .requestID, score: 1000, distance: 0))
                }
            }
            // 2. A line at the head of the trace naming the request.
            for number in before.reversed() {
                guard let mention = ErrorLine(lines[number - 1]) else { continue }
                for result in failures where Self.explainable(result) && mention.names(result) {
                    candidates.append(
                        Candidate(
                            trace: index, requestID: result.requestID, evidence: .errorLine, score: 400,
                            distance: trace.startLine - number))
                }
                break
            }
            // 3. The request's access line beside the trace, the log's own side first.
            for (range, thisSide) in [(before, AccessSide.before), (after, AccessSide.after)] {
                let numbers = thisSide == .before ? Array(range.reversed()) : Array(range)
                for number in numbers {
                    guard let requestID = accessLines[number] else { continue }
                    // The nearest access line on a side is the only one that can be this trace's.
                    if let result = failing[requestID], Self.explainable(result) {
                        let distance = thisSide == .before ? trace.startLine - number : number - trace.endLine
                        candidates.append(
                            Candidate(
                                trace: index, requestID: requestID, evidence: .accessLine,
                                score: side == thisSide ? 300 : (side == nil ? 250 : 200), distance: distance))
                    }
                    break
                }
            }
            // 4. Output printed while the request was in flight.
            for result in failures where Self.explainable(result) {
                if let window = result.outputLines, window.contains(trace.startLine) {
                    candidates.append(
                        Candidate(
                            trace: index, requestID: result.requestID, evidence: .window, score: 100,
                            distance: window.count))
                }
            }
        }

        // Strongest evidence first; each trace and each request is tied once.
        candidates.sort { lhs, rhs in
            if lhs.score != rhs.score { return lhs.score > rhs.score }
            if lhs.distance != rhs.distance { return lhs.distance < rhs.distance }
            return lhs.trace < rhs.trace
        }
        var assigned: [String: (StackTrace, TraceEvidence)] = [:]
        var usedTraces = Set<Int>()
        for candidate in candidates where !usedTraces.contains(candidate.trace) && assigned[candidate.requestID] == nil
        {
            assigned[candidate.requestID] = (traces[candidate.trace], candidate.evidence)
            usedTraces.insert(candidate.trace)
        }
        return assigned.mapValues { (trace: $0.0, evidence: $0.1) }
    }

    /// A response an uncaught exception can have produced: a 5xx, or none at all.
    static func explainable(_ result: ScenarioResult) -> Bool {
        guard let status = result.actualStatus else {
            return result.failureKind != .appUnavailable && result.failureKind != .notSent
        }
        return status >= 500
    }

    private struct Candidate {
        var trace: Int
        var requestID: String
        var evidence: TraceEvidence
        var score: Int
        var distance: Int
    }

    private enum AccessSide { case before, after }

    /// Each access line in the output, by line number, with the request it records: same
    /// method, target and status; of identical requests, the one in flight when it was printed
    /// (else the nearest). A request has one access line.
    private func mapAccessLines(to results: [ScenarioResult]) -> [Int: String] {
        var byShape: [String: [ScenarioResult]] = [:]
        for result in results {
            guard let status = result.actualStatus, let target = Self.target(of: result.url) else { continue }
            byShape["\(result.scenario.endpoint.method) \(target) \(status)", default: []].append(result)
        }
        var mapped: [Int: String] = [:]
        var taken = Set<String>()
        for (offset, line) in lines.enumerated() {
            guard let access = AccessLogLine(line),
                let same = byShape["\(access.method) \(Self.normalisedTarget(access.target)) \(access.status)"]
            else { continue }
            let number = offset + 1
            let free = same.filter { !taken.contains($0.requestID) }
            guard let match = free.min(by: { Self.distance(of: number, to: $0) < Self.distance(of: number, to: $1) })
            else { continue }
            mapped[number] = match.requestID
            taken.insert(match.requestID)
        }
        return mapped
    }

    /// The side of a trace this log prints access lines on, judged by the traces with a failing
    /// request's access line right beside them on one side only; nil when the log does not say.
    private func preferredSide(
        _ traces: [StackTrace], accessLines: [Int: String], failing: [String: ScenarioResult]
    ) -> AccessSide? {
        var before = 0, after = 0
        for trace in traces {
            func adjacent(_ numbers: [Int]) -> Bool {
                for number in numbers where number >= 1 && number <= lines.count {
                    if let id = accessLines[number] { return failing[id].map(Self.explainable) ?? false }
                }
                return false
            }
            let hasBefore = adjacent(Array((trace.startLine - 3)..<trace.startLine).reversed())
            let hasAfter = adjacent(Array((trace.endLine + 1)...(trace.endLine + 3)))
            if hasBefore && !hasAfter { before += 1 }
            if hasAfter && !hasBefore { after += 1 }
        }
        if before == after { return nil }
        return before > after ? .before : .after
    }

    private static func distance(of line: Int, to result: ScenarioResult) -> Int {
        guard let window = result.outputLines else { return Int.max / 2 }
        if window.contains(line) { return 0 }
        return min(abs(window.lowerBound - line), abs(window.upperBound - line))
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
        guard line.containsBytes("-") else { return nil }
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

    /// The path and query of a URL.
    static func target(of url: String) -> String? {
        guard let schemeEnd = url.rangeOfBytes("://"), let slash = url[schemeEnd.upperBound...].firstIndex(of: "/")
        else {
            return nil
        }
        return normalisedTarget(Substring(url[slash...]))
    }

    /// A target as servers log it differs from the one sent only in percent-escapes of the
    /// query; compare paths and queries with `%20`/`+` read alike.
    static func normalisedTarget(_ target: some StringProtocol) -> String {
        String(target).replacingOccurrences(of: "+", with: "%20")
    }

    /// The scenario's URL ends with the target the app logged (path and query).
    static func sameTarget(_ url: String, _ target: String) -> Bool {
        guard let sent = self.target(of: url) else { return false }
        let logged = normalisedTarget(target)
        return sent == logged || sent.split(separator: "?").first == logged.split(separator: "?").first
    }
}

/// How a trace was tied to the request it belongs to.
public enum TraceEvidence: String, Sendable, Codable {
    /// The request's `X-Request-ID` was printed with the trace.
    case requestID = "request_id"
    /// A line at the head of the trace named the request's method and path.
    case errorLine = "error_line"
    /// The request's access line (method, target, status) stood beside the trace.
    case accessLine = "access_line"
    /// The trace was printed while the request alone was in flight.
    case window

    /// For reports: "by its request id".
    public var phrase: String {
        switch self {
        case .requestID: "by its request id"
        case .errorLine: "by the error line naming the request"
        case .accessLine: "by the request's access line"
        case .window: "by the output printed while the request was in flight"
        }
    }
}
