import Foundation

/// The diagnosis stage: failing scenarios plus the app's output in, violation groups out,
/// worst first, each with its trace and the source location the repair should start from.
public enum Diagnosis {
    /// Bytes of the app's log read at the most (its end, when longer).
    static let logByteLimit = 64 << 20

    public static func groups(
        for results: [ScenarioResult], appFailure: AppHostError? = nil, logURL: URL?, appDirectory: URL
    ) -> [ViolationGroup] {
        // A step not sent because an earlier one failed is that one's consequence, not a bug.
        let failures = results.filter { !$0.passed && $0.failureKind != .notSent }
        guard !failures.isEmpty else { return [] }
        let lines = readLines(logURL)
        let root = appDirectory.standardizedFileURL.path
        let classifier = InAppClassifier(appDirectory: root)
        let traces = TraceScanner.traces(in: lines.joined(separator: "\n"), classifier: classifier)
        var locator: SourceLocator?
        func sourceLocator() -> SourceLocator {
            if let locator { return locator }
            let made = SourceLocator(appDirectory: appDirectory)
            locator = made
            return made
        }

        if let appFailure {
            // Nothing was sent: one group, the app itself, with the trace it printed on the way down.
            let trace = traces.last ?? TraceScanner.traces(in: appFailure.outputTail, classifier: classifier).last
            let violations = failures.map { Violation(result: $0, trace: trace, logExcerpt: appFailure.outputTail) }
            let frame = trace.flatMap { $0.rootCause.topInAppFrame ?? $0.topInAppFrame }
            return [
                ViolationGroup(
                    key:
                        "app \(appFailure.kind.rawValue) \(trace.map { Fingerprint.of($0, appDirectory: root) } ?? "-")",
                    kind: .crash, method: "", route: "",
                    status: nil,
                    fingerprint: trace.map { Fingerprint.of($0, appDirectory: root) } ?? appFailure.kind.rawValue,
                    violations: violations,
                    location: frame.map { sourceLocator().location(of: $0, note: "raised here") }, routeDeclarations: []
                )
            ]
        }

        let correlator = TraceCorrelator(lines: lines)
        let tracesByRequest = correlator.attribute(traces, to: failures, all: results)
        var answered = Set<String>()
        for result in results where result.actualStatus.map({ $0 != 404 && $0 != 405 }) == true {
            answered.insert(result.scenario.endpoint.description)
        }

        var groups: [String: ViolationGroup] = [:]
        var order: [String] = []
        for result in failures {
            let tied = tracesByRequest[result.requestID]
            let trace = tied?.trace
            let kind = ViolationKind.of(
                result, hasTrace: trace != nil, routeAnswered: answered.contains(result.scenario.endpoint.description))
            let fingerprint = trace.map { Fingerprint.of($0, appDirectory: root) } ?? kind.rawValue
            let statusPart = result.actualStatus.map(String.init) ?? result.failureKind?.rawValue ?? "failed"
            let key = "\(result.scenario.endpoint) \(statusPart) \(fingerprint)"
            let violation = Violation(
                result: result, trace: trace, traceEvidence: tied?.evidence,
                logExcerpt: correlator.excerpt(for: result, trace: trace))
            if groups[key] == nil {
                order.append(key)
                groups[key] = ViolationGroup(
                    key: key, kind: kind, method: result.scenario.endpoint.method, route: result.scenario.endpoint.path,
                    status: result.actualStatus, fingerprint: fingerprint, violations: [], location: nil,
                    routeDeclarations: [])
            }
            groups[key]!.violations.append(violation)
        }

        var ordered = order.map { groups[$0]! }
        for index in ordered.indices {
            var group = ordered[index]
            let endpoint = Endpoint("\(group.method) \(group.route)")!
            if let trace = group.trace, let frame = trace.rootCause.topInAppFrame ?? trace.topInAppFrame {
                group.location = sourceLocator().location(of: frame, note: "raised here")
            } else if group.kind == .routeMissing, group.status == 404,
                var handler = sourceLocator().handler(for: endpoint)
            {
                // The app declares this route: its 404 is its own (an id it does not hold, a
                // lookup that fails), not a missing route.
                group.kind = .wrongStatus
                handler.note = "handler of \(endpoint): the route is declared, so the 404 comes from the app"
                group.location = handler
            } else if group.kind == .routeMissing {
                group.routeDeclarations = sourceLocator().routeDeclarations(near: endpoint)
                group.location = group.routeDeclarations.first.map {
                    var location = $0
                    location.note = "nothing serves \(endpoint); nearest declaration (\($0.note))"
                    return location
                }
            } else {
                group.location = sourceLocator().handler(for: endpoint)
            }
            // Where the fix may lie beyond the failing line: types and called functions.
            var places = group.location.map { [$0] } ?? []
            if let trace = group.trace {
                let root = trace.rootCause.frames.contains(where: \.inApp) ? trace.rootCause : trace
                let frames = root.frames.filter(\.inApp).prefix(3).map {
                    sourceLocator().location(of: $0, note: "frame")
                }
                places += frames
                // A trace that never reaches the handler (an async chain cut at a queue, say):
                // the handler is where the request's own code starts, so show it too.
                var handler: SourceLocation?
                if !endpoint.path.isEmpty, let found = sourceLocator().handler(for: endpoint),
                    !trace.frames.contains(where: { $0.inApp && $0.file.hasSuffix("/" + found.file) })
                {
                    handler = found
                    handler?.note = "handler of \(endpoint); the trace does not reach it"
                    places.append(found)
                }
                group.related =
                    (handler.map { [$0] } ?? [])
                    + sourceLocator().relatedDefinitions(
                        for: places, message: trace.rootCause.message + " " + trace.message)
            } else if group.kind == .routeMissing {
                // The handlers behind the nearest declarations: where a framework checks the
                // method (Django's require_http_methods) or where a route's own code starts.
                group.related = group.routeDeclarations.prefix(2).compactMap { declaration in
                    guard let name = declaration.function, let line = declaration.line,
                        var definition = sourceLocator().definition(
                            ofHandler: name, declaredIn: declaration.file, near: line),
                        definition.file != declaration.file || abs((definition.line ?? 0) - line) > 3
                    else { return nil }
                    definition.note = "handler \(name) of a nearby route"
                    return definition
                }
            } else {
                group.related = sourceLocator().relatedDefinitions(for: places, message: nil)
            }
            ordered[index] = group
        }
        return ordered.enumerated().sorted { lhs, rhs in
            if lhs.element.kind != rhs.element.kind { return lhs.element.kind < rhs.element.kind }
            if lhs.element.count != rhs.element.count { return lhs.element.count > rhs.element.count }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    private static func readLines(_ url: URL?) -> [Substring] {
        guard let url, let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(logByteLimit) ? size - UInt64(logByteLimit) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
    }
}
