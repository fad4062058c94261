import Foundation

/// One self-contained HTML page for a smoke run: totals, a table of scenarios, and each
/// failure expanded with its body excerpt and a `curl` command that reproduces it.
public enum HTMLReport {
    public static func html(for run: SmokeRun) -> String {
        page(title: "repaird smoke — \(run.appDirectory.lastPathComponent)", body: "<h1>Smoke run \(escape(run.runID))</h1>\n" + body(for: run))
    }

    /// A self-contained page around `body`: inline styles, no scripts, nothing fetched.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2329}
        h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
        .pass{color:#1a7f37}.fail{color:#cf222e}.totals span{margin-right:1.5rem}
        pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
        details{margin:.8rem 0;border:1px solid #e3e6ea;border-radius:6px;padding:.4rem .8rem}
        summary{cursor:pointer;font-weight:600}
        .wait{color:#6e7781}.add{color:#1a7f37;background:#e6ffec}.del{color:#cf222e;background:#ffebe9}
        .hunk{color:#0969da}section.group{border-left:3px solid #e3e6ea;padding-left:1rem;margin:1rem 0}
        blockquote{margin:.4rem 0 .4rem 1rem}a{color:#0969da}
        </style></head><body>
        \(body)</body></html>

        """
    }

    /// The run's totals, scenario table, groups and failures, as a page section.
    static func body(for run: SmokeRun) -> String {
        let rate = String(format: "%.1f%%", run.passRate * 100)
        var page = """
        <p>App <code>\(escape(run.appDirectory.path))</code>\(run.baseURL.map { " at <code>\(escape($0))</code>" } ?? "")</p>
        <p class="totals"><span>Total <b>\(run.total)</b></span><span class="pass">Passed <b>\(run.passed)</b></span><span class="fail">Failed <b>\(run.failed)</b></span><span>Pass rate <b>\(rate)</b></span></p>

        """
        if let failure = run.appFailure {
            page += "<h2 class=\"fail\">The app did not come up</h2>\n<p>\(escape(failure.description))</p>\n"
            page += "<pre>\(escape(failure.outputTail))</pre>\n"
        }
        page += "<table><thead><tr><th></th><th>Endpoint</th><th>Scenario</th><th>Expected</th><th>Actual</th><th>Time</th><th>Problem</th></tr></thead><tbody>\n"
        for result in run.results {
            let mark = result.passed ? "<span class=\"pass\">✔</span>" : "<span class=\"fail\">✘</span>"
            page += "<tr><td>\(mark)</td><td><code>\(escape(result.scenario.endpoint.description))</code></td>"
            page += "<td>\(escape(result.scenario.name))</td><td>\(result.scenario.expectation)</td>"
            page += "<td>\(result.actualStatus.map(String.init) ?? "—")</td><td>\(String(format: "%.1f ms", result.durationMilliseconds))</td>"
            page += "<td>\(escape(result.failureKind.map { "\($0.rawValue): \(result.error ?? "")" } ?? ""))</td></tr>\n"
        }
        page += "</tbody></table>\n"
        if !run.groups.isEmpty { page += "<h2>Violation groups, worst first</h2>\n" }
        for group in run.groups {
            let endpoint = group.method.isEmpty ? "the app" : "\(group.method) \(group.route)"
            page += "<details open><summary>\(escape(group.kind.rawValue)) — \(escape(endpoint))\(group.status.map { " → \($0)" } ?? "") (\(group.count))</summary>\n"
            page += "<p>Scenarios: \(escape(group.scenarioNames.joined(separator: ", ")))<br>Key <code>\(escape(group.key))</code></p>\n"
            if let location = group.location {
                let place = location.line.map { "\(location.file):\($0)" } ?? location.file
                page += "<p>\(escape(location.note)): <code>\(escape(place))</code>\(location.function.map { " in <code>\(escape($0))</code>" } ?? "")</p>\n"
                if let text = location.text { page += "<pre>\(escape(text))</pre>\n" }
            }
            if !group.routeDeclarations.isEmpty {
                page += "<p>Route declarations:</p><pre>\(escape(group.routeDeclarations.map { "\($0.file):\($0.line ?? 0)  \($0.text ?? "")" }.joined(separator: "\n")))</pre>\n"
            }
            if let excerpt = group.violations.first?.logExcerpt, !excerpt.isEmpty {
                page += "<p>App output:</p><pre>\(escape(excerpt))</pre>\n"
            }
            page += "</details>\n"
        }
        let failures = run.results.filter { !$0.passed && $0.failureKind != .appUnavailable }
        if !failures.isEmpty { page += "<h2>Failures</h2>\n" }
        for result in failures {
            page += "<details open><summary>\(escape(result.scenario.endpoint.description)) — \(escape(result.scenario.name))</summary>\n"
            if !result.scenario.description.isEmpty { page += "<p>\(escape(result.scenario.description))</p>\n" }
            page += "<p>\(escape(result.error ?? ""))</p>\n"
            page += "<p>Reproduce:</p><pre>\(escape(result.curlCommand))</pre>\n"
            if !result.bodyExcerpt.isEmpty { page += "<p>Response body:</p><pre>\(escape(result.bodyExcerpt))</pre>\n" }
            page += "<p>Request id <code>\(escape(result.requestID))</code></p></details>\n"
        }
        return page
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
