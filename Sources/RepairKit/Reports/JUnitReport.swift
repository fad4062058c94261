import Foundation

/// JUnit XML for a smoke run: one `testcase` per scenario, classed by endpoint, as CI
/// systems (GitHub Actions, GitLab, Jenkins) read it.
public enum JUnitReport {
    public static func xml(for run: SmokeRun) -> String {
        let seconds = { (value: Double) in String(format: "%.3f", value) }
        let appErrors = run.appFailure == nil ? 0 : run.total
        let failures = run.appFailure == nil ? run.failed : 0
        let totalTime = seconds(run.finishedAt.timeIntervalSince(run.startedAt))
        let suiteName = "smoke \(run.appDirectory.lastPathComponent)"
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<testsuites name="repaird smoke" tests="\#(run.total)" failures="\#(failures)" errors="\#(appErrors)" time="\#(totalTime)">"#,
            #"  <testsuite name="\#(escape(suiteName))" tests="\#(run.total)" failures="\#(failures)" errors="\#(appErrors)" skipped="0" time="\#(totalTime)" timestamp="\#(ISO8601DateFormatter().string(from: run.startedAt))">"#,
        ]
        for result in run.results {
            let attributes =
                #"classname="\#(escape(result.scenario.endpoint.description))" name="\#(escape(result.scenario.name))" time="\#(seconds(result.durationMilliseconds / 1000))""#
            if result.passed {
                lines.append("    <testcase \(attributes)/>")
                continue
            }
            let element = result.failureKind == .appUnavailable || result.failureKind == .notSent ? "error" : "failure"
            var detail = "\(result.scenario.endpoint) → \(result.actualStatus.map(String.init) ?? "no response")\n"
            detail += "request: \(result.curlCommand)\n"
            if !result.bodyExcerpt.isEmpty { detail += "body: \(result.bodyExcerpt)\n" }
            lines.append("    <testcase \(attributes)>")
            lines.append(
                #"      <\#(element) type="\#(result.failureKind?.rawValue ?? "failure")" message="\#(escape(result.error ?? "failed"))">\#(escape(detail))</\#(element)>"#
            )
            lines.append("    </testcase>")
        }
        if let failure = run.appFailure {
            lines.append("    <system-err>\(escape("\(failure)\n\(failure.outputTail)"))</system-err>")
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Escapes XML text and attribute values, dropping characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }
}
