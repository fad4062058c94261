import Foundation
import Logging
import RepairKit
import RepairTestSupport

// Correlation accuracy on the framework fixtures, each on its real server: over repeated smoke
// passes at concurrency 1 and 4, how many failing 5xx scenarios are tied to the trace their
// own bug raised. Beside it, in the same runs, the baseline a window-only correlator reaches
// (a request takes the first trace printed while it was in flight), as the ratio's denominator.
//   CorrelationBenchmark [runs=3] [markdown-file]

let arguments = CommandLine.arguments.dropFirst()
let runs = arguments.first.flatMap(Int.init) ?? 3
let markdown = arguments.dropFirst().first

struct Tally {
    var tied = 0
    var baseline = 0
    var total = 0
    var misattributed = 0
}

/// Whether a trace is the one the scenario's own bug raises.
func isOwn(_ trace: StackTrace?, _ cause: String) -> Bool {
    guard let trace else { return false }
    return "\(trace.exceptionType): \(trace.message) / \(trace.rootCause.message)".contains(cause)
}

func pass(_ fixture: FrameworkFixture, start: String?, concurrency: Int) async throws -> (SmokeRun, [StackTrace]) {
    let app = try FixtureApps.copy(fixture.name)
    defer { app.remove() }
    let inputs = try SmokeInputs.load(
        appDirectory: app.url, overrides: ["smoke.concurrency=\(concurrency)"], environment: [:])
    var config = inputs.config
    config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
    if let start { config.app.start = start }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let run = try await SmokePass(
        appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile,
        logger: logger
    ).run()
    let log = (try? String(contentsOf: run.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)) ?? ""
    return (run, TraceScanner.traces(in: log, classifier: InAppClassifier(appDirectory: app.url.path)))
}

var rows: [String] = []
var overall = Tally()
print("Correlation accuracy, \(runs) run(s) per row: failing 5xx scenarios tied to their own bug's trace")
for fixture in FrameworkFixture.all {
    for (label, start) in fixture.starts {
        for concurrency in [1, 4] {
            var tally = Tally()
            for _ in 0..<runs {
                let (run, traces) = try await pass(fixture, start: start, concurrency: concurrency)
                let violations = run.groups.flatMap(\.violations).filter { ($0.result.actualStatus ?? 0) >= 500 }
                for violation in violations {
                    guard let cause = fixture.causes[violation.result.scenario.name] else { continue }
                    tally.total += 1
                    if isOwn(violation.trace, cause) {
                        tally.tied += 1
                    } else if violation.trace != nil {
                        tally.misattributed += 1
                    }
                    let window = violation.result.outputLines
                    let first = traces.first { window?.contains($0.startLine) == true }
                    if isOwn(first, cause) { tally.baseline += 1 }
                }
            }
            overall.tied += tally.tied
            overall.baseline += tally.baseline
            overall.total += tally.total
            overall.misattributed += tally.misattributed
            let ratio = tally.baseline == 0 ? "—" : String(format: "%.2f", Double(tally.tied) / Double(tally.baseline))
            let line =
                "| \(fixture.stack) | \(label) | \(concurrency) | \(tally.tied)/\(tally.total) | \(tally.misattributed) | \(tally.baseline)/\(tally.total) | \(ratio) |"
            rows.append(line)
            print(
                "  \(fixture.stack), \(label), concurrency \(concurrency): \(tally.tied)/\(tally.total) tied right, "
                    + "\(tally.misattributed) to another trace; window-only baseline \(tally.baseline)/\(tally.total); ratio \(ratio)"
            )
        }
    }
}
print(
    "Overall: \(overall.tied)/\(overall.total) tied right, \(overall.misattributed) misattributed; baseline \(overall.baseline)/\(overall.total)"
)

if let markdown {
    var text = """
        # Correlation accuracy on real framework servers

        Produced by `scripts/bench-correlation` (\(runs) smoke pass(es) per row). Each row runs one
        framework fixture on its real server and counts the failing 5xx scenarios whose violation
        carries the trace their own planted bug raised. The baseline, measured on the same runs, is
        a window-only correlator: a request takes the first trace printed while it was in flight.

        | stack | how it prints | concurrency | tied right | tied to another trace | window-only baseline | ratio |
        | --- | --- | --- | --- | --- | --- | --- |

        """
    text += rows.joined(separator: "\n") + "\n\n"
    text +=
        "Overall: \(overall.tied)/\(overall.total) tied right, \(overall.misattributed) tied to another trace; "
        + "baseline \(overall.baseline)/\(overall.total).\n"
    try text.write(toFile: markdown, atomically: true, encoding: .utf8)
    print("wrote \(markdown)")
}
