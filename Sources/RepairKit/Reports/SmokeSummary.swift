import Foundation

/// The human summary of a smoke run: per endpoint a ✅/❌ line per scenario with actual vs
/// expected status and time, then totals and the pass rate.
public enum SmokeSummary {
    public static func text(for run: SmokeRun, color: Bool) -> String {
        let green = color ? "\u{1B}[32m" : "", red = color ? "\u{1B}[31m" : ""
        let bold = color ? "\u{1B}[1m" : "", dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        var lines: [String] = []
        if let failure = run.appFailure {
            lines.append("\(red)\(bold)The app did not come up: \(failure.kind.rawValue)\(reset)")
            lines.append("  \(failure.message)\(failure.exitStatus.map { " (\($0))" } ?? "")")
            if !failure.outputTail.isEmpty {
                lines.append("  Last lines of its output:")
                lines += failure.outputTail.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
            }
            lines.append("")
        }
        let nameWidth = min(40, run.results.map(\.scenario.name.count).max() ?? 10)
        for (endpoint, results) in run.resultsByEndpoint where run.appFailure == nil {
            lines.append("\(bold)\(endpoint)\(reset)")
            for result in results {
                let mark = result.passed ? "✅" : "❌"
                let tint = result.passed ? green : red
                let expected = result.scenario.expectation
                let actual = result.actualStatus.map(String.init) ?? "—"
                let statusText = result.passed ? actual : "\(actual) (expected \(expected))"
                let name = padded(result.scenario.name, to: nameWidth)
                var line = "  \(mark) \(tint)\(name)\(reset)  \(padded(statusText, to: 26)) \(dim)\(String(format: "%6.1f ms", result.durationMilliseconds))\(reset)"
                if !result.passed, let kind = result.failureKind, kind != .statusMismatch {
                    line += "  \(red)\(kind.rawValue): \(result.error ?? "")\(reset)"
                }
                lines.append(line)
            }
        }
        if run.appFailure == nil { lines.append("") }
        lines += groupLines(run.groups, bold: bold, red: red, dim: dim, reset: reset)
        let rate = String(format: "%.1f%%", run.passRate * 100)
        let tint = run.allPassed ? green : red
        lines.append("\(bold)Total \(run.total)  Passed \(run.passed)  Failed \(run.failed)  \(tint)Pass rate \(rate)\(reset)")
        lines.append("\(dim)Run \(run.runID) · app output: \(run.runDirectory.appendingPathComponent("app.log").path)\(reset)")
        if let confinement = run.confinement { lines.append("\(dim)Confinement: \(confinement)\(reset)") }
        return lines.joined(separator: "\n")
    }

    /// The violation groups, worst first: kind, endpoint, status, count, exception, location.
    static func groupLines(_ groups: [ViolationGroup], bold: String, red: String, dim: String, reset: String) -> [String] {
        guard !groups.isEmpty else { return [] }
        var lines = ["\(bold)\(groups.count) violation group\(groups.count == 1 ? "" : "s"), worst first\(reset)"]
        for (index, group) in groups.enumerated() {
            let endpoint = group.method.isEmpty ? "the app" : "\(group.method) \(group.route)"
            let status = group.status.map { " → \($0)" } ?? ""
            let count = group.count == 1 ? "1 scenario" : "\(group.count) scenarios"
            lines.append("  \(index + 1). \(red)\(group.kind.rawValue)\(reset)  \(endpoint)\(status)  (\(count): \(group.scenarioNames.joined(separator: ", ")))")
            if let trace = group.trace.map({ $0.cause == nil ? $0 : $0.rootCause }), !trace.exceptionType.isEmpty {
                lines.append("     \(trace.exceptionType)\(trace.message.isEmpty ? "" : ": \(trace.message)")")
                if let evidence = group.traceEvidence { lines.append("     \(dim)trace tied to its request \(evidence.phrase)\(reset)") }
            }
            if let location = group.location {
                let place = location.line.map { "\(location.file):\($0)" } ?? location.file
                let function = location.function.map { " in \($0)" } ?? ""
                lines.append("     \(dim)\(location.note): \(place)\(function)\(reset)")
                if let text = location.text, !text.isEmpty { lines.append("     \(dim)  \(text)\(reset)") }
            }
        }
        lines.append("")
        return lines
    }

    /// Pads with spaces to `width`; never cuts.
    private static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
