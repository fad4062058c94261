import Foundation

/// The HTML page of a heal cycle: the outcome; before → after, one row per group, each linked
/// to its story (first failure, trace and how it was tied, the source looked at, every attempt,
/// the kept diff in colour, an answer that held no edit); one section per iteration with every
/// attempt and its diff; then the final run's scenarios and groups.
public enum HealHTMLReport {
    public static func html(for report: HealReport, finalRun: SmokeRun?) -> String {
        let escape = HTMLReport.escape
        let before = String(format: "%.1f%%", report.initialPassRate * 100),
            after = String(format: "%.1f%%", report.finalPassRate * 100)
        var body = "<h1>Heal cycle \(escape(report.runID))</h1>\n"
        body +=
            "<p class=\"\(report.healed ? "pass" : "fail")\"><b>\(report.healed ? "Healed" : "Not healed")</b>: pass rate \(before) → \(after). "
        body += "Stopped because \(escape(report.stopReason)).</p>\n"
        body += "<p>LLM calls \(report.llmCalls); tokens \(report.tokensIn) in, \(report.tokensOut) out"
        body += report.cost.map { "; cost \(Money.text($0)). " } ?? ". "
        body +=
            "Files changed: \(report.filesChanged.isEmpty ? "none" : report.filesChanged.map { "<code>\(escape($0))</code>" }.joined(separator: ", ")).</p>\n"
        var anchors: [String: String] = [:]
        for (index, group) in report.groups.enumerated() { anchors[group.group] = "group-\(index + 1)" }
        if !report.groups.isEmpty {
            body += beforeAfter(report.groups, anchors: anchors)
            body += "<h2 id=\"groups\">Groups</h2>\n"
            for group in report.groups { body += story(group, anchor: anchors[group.group] ?? "") }
        }
        for iteration in report.iterations {
            body +=
                "<h2 id=\"iteration-\(iteration.number)\">Iteration \(iteration.number) — \(String(format: "%.1f%%", iteration.passRate * 100)), \(iteration.failed) failing</h2>\n"
            body +=
                "<table><thead><tr><th>Group</th><th>Source</th><th>Outcome</th><th>Files</th><th>Tokens</th><th>Detail</th></tr></thead><tbody>\n"
            for attempt in iteration.attempts {
                let group =
                    anchors[attempt.group].map { "<a href=\"#\($0)\"><code>\(escape(attempt.group))</code></a>" }
                    ?? "<code>\(escape(attempt.group))</code>"
                body +=
                    "<tr><td>\(group)</td><td>\(escape(attempt.source))</td><td class=\"\(tint(attempt.outcome))\">\(escape(attempt.outcome.rawValue))\(attempt.rule.map { " (\(escape($0)))" } ?? "")</td>"
                body +=
                    "<td>\(escape(attempt.files.joined(separator: ", ")))</td><td>\(attempt.tokensIn)+\(attempt.tokensOut)</td><td>\(escape(String(attempt.detail.prefix(400))))</td></tr>\n"
            }
            body += "</tbody></table>\n"
            for attempt in iteration.attempts where !attempt.diff.isEmpty {
                body +=
                    "<details\(attempt.outcome == .kept ? " open" : "")><summary>\(escape(attempt.outcome.rawValue)): \(escape(attempt.group))</summary>\(diff(attempt.diff))</details>\n"
            }
        }
        if let finalRun {
            body += "<h2 id=\"final-run\">Final run \(escape(finalRun.runID))</h2>\n" + HTMLReport.body(for: finalRun)
        }
        return HTMLReport.page(title: "repaird heal — \(report.runID)", body: body)
    }

    /// The class an attempt's outcome is shown in: kept is good news, a deferred fix or one not
    /// asked again is waiting, not a failure.
    static func tint(_ outcome: AttemptOutcome) -> String {
        switch outcome {
        case .kept: "pass"
        case .deferred, .notAskedAgain, .dryRun: "wait"
        default: "fail"
        }
    }

    /// One row per group: endpoint (linked to its story), first failure, end, attempts.
    static func beforeAfter(_ groups: [GroupOutcome], anchors: [String: String]) -> String {
        let escape = HTMLReport.escape
        var html = "<h2 id=\"before-after\">Before → after</h2>\n"
        html +=
            "<table><thead><tr><th></th><th>Group</th><th>Before</th><th>After</th><th>Attempts</th></tr></thead><tbody>\n"
        for group in groups {
            let mark = group.healed ? "<span class=\"pass\">✔</span>" : "<span class=\"fail\">✘</span>"
            let end = group.healed ? "healed \(by(group))" : "still failing"
            html +=
                "<tr><td>\(mark)</td><td><a href=\"#\(anchors[group.group] ?? "")\">\(escape(group.endpoint))</a> <small>\(escape(group.kind))</small></td>"
            html +=
                "<td>\(escape(String(group.failure.prefix(160))))</td><td class=\"\(group.healed ? "pass" : "fail")\">\(escape(end))</td>"
            html += "<td>\(group.attempts.count)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func by(_ group: GroupOutcome) -> String {
        switch group.fixSource {
        case "pattern": "by a learned pattern"
        case "llm": "by the LLM"
        default: "by another group's fix"
        }
    }

    /// A group's whole story, under its anchor.
    static func story(_ group: GroupOutcome, anchor: String) -> String {
        let escape = HTMLReport.escape
        var html =
            "<section id=\"\(anchor)\" class=\"group\"><h3>\(group.healed ? "<span class=\"pass\">✔</span>" : "<span class=\"fail\">✘</span>") \(escape(group.endpoint)) — \(escape(group.kind))</h3>\n"
        if group.appearedLater { html += "<p><i>Appeared during the cycle, once another fix landed.</i></p>\n" }
        html +=
            "<p>Key <code>\(escape(group.group))</code>; scenarios: \(escape(group.scenarios.joined(separator: ", ")))</p>\n"
        html += "<p><b>Before:</b> \(escape(group.failure))</p>\n"
        if let trace = group.trace {
            html +=
                "<p><b>Trace:</b> <code>\(escape(trace))</code>\(group.tiedBy.map { ", tied to the request \(escape($0))" } ?? "")</p>\n"
        }
        if let location = group.location { html += "<p><b>Source:</b> <code>\(escape(location))</code></p>\n" }
        let attempts = group.attempts.isEmpty ? "none" : group.attempts.map(escape).joined(separator: " → ")
        html += "<p><b>Attempts:</b> \(attempts)</p>\n"
        html +=
            "<p><b>After:</b> <span class=\"\(group.healed ? "pass" : "fail")\">\(group.healed ? "healed \(by(group))" : "still failing")</span></p>\n"
        if !group.keptDiff.isEmpty { html += "<p>Kept change:</p>\(diff(group.keptDiff))\n" }
        if let answer = group.answerWithoutEdit {
            html +=
                "<p>The LLM answered without a usable edit:</p><blockquote><pre>\(escape(answer))</pre></blockquote>\n"
        }
        return html + "</section>\n"
    }

    /// A unified diff with added and removed lines coloured.
    static func diff(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let escaped = HTMLReport.escape(String(line))
            if line.hasPrefix("+++") || line.hasPrefix("---") || line.hasPrefix("diff ") { return "<b>\(escaped)</b>" }
            if line.hasPrefix("@@") { return "<span class=\"hunk\">\(escaped)</span>" }
            if line.hasPrefix("+") { return "<span class=\"add\">\(escaped)</span>" }
            if line.hasPrefix("-") { return "<span class=\"del\">\(escaped)</span>" }
            return escaped
        }
        return "<pre class=\"diff\">\(lines.joined(separator: "\n"))</pre>"
    }
}
