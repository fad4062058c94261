import Foundation

/// The HTML page of a heal cycle: the outcome, one section per iteration with every attempt
/// and its diff, then the final run's scenarios and groups.
public enum HealHTMLReport {
    public static func html(for report: HealReport, finalRun: SmokeRun?) -> String {
        let escape = HTMLReport.escape
        let before = String(format: "%.1f%%", report.initialPassRate * 100), after = String(format: "%.1f%%", report.finalPassRate * 100)
        var body = "<h1>Heal cycle \(escape(report.runID))</h1>\n"
        body += "<p class=\"\(report.healed ? "pass" : "fail")\"><b>\(report.healed ? "Healed" : "Not healed")</b>: pass rate \(before) → \(after). "
        body += "Stopped because \(escape(report.stopReason)).</p>\n"
        body += "<p>LLM calls \(report.llmCalls); tokens \(report.tokensIn) in, \(report.tokensOut) out. "
        body += "Files changed: \(report.filesChanged.isEmpty ? "none" : report.filesChanged.map { "<code>\(escape($0))</code>" }.joined(separator: ", ")).</p>\n"
        for iteration in report.iterations {
            body += "<h2>Iteration \(iteration.number) — \(String(format: "%.1f%%", iteration.passRate * 100)), \(iteration.failed) failing</h2>\n"
            body += "<table><thead><tr><th>Group</th><th>Outcome</th><th>Files</th><th>Tokens</th><th>Detail</th></tr></thead><tbody>\n"
            for attempt in iteration.attempts {
                let tint = attempt.outcome == .kept ? "pass" : "fail"
                body += "<tr><td><code>\(escape(attempt.group))</code></td><td class=\"\(tint)\">\(escape(attempt.outcome.rawValue))\(attempt.rule.map { " (\(escape($0)))" } ?? "")</td>"
                body += "<td>\(escape(attempt.files.joined(separator: ", ")))</td><td>\(attempt.tokensIn)+\(attempt.tokensOut)</td><td>\(escape(String(attempt.detail.prefix(400))))</td></tr>\n"
            }
            body += "</tbody></table>\n"
            for attempt in iteration.attempts where !attempt.diff.isEmpty {
                body += "<details\(attempt.outcome == .kept ? " open" : "")><summary>\(escape(attempt.outcome.rawValue)): \(escape(attempt.group))</summary><pre>\(escape(attempt.diff))</pre></details>\n"
            }
        }
        if let finalRun {
            body += "<h2>Final run \(escape(finalRun.runID))</h2>\n" + HTMLReport.body(for: finalRun)
        }
        return HTMLReport.page(title: "repaird heal — \(report.runID)", body: body)
    }
}
