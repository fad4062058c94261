// Heal-cycle overhead per iteration, without LLM latency or app start-up, on a 50-scenario
// plan of the example app; and the prompt size per violation group beside sending the
// whole files it touches.
//
//   swift run -c release CycleBenchmark [rounds=20]
//
// Then whole heal cycles on the framework fixtures (HealTimes.swift): the cycle's wall time
// split by phase, beside two bare start + smoke passes of the same app measured in the same
// run; and the time a cycle waits on a scripted LLM whose answers take 2 s.
//
// Targets (issues 5 and 17): overhead under 300 ms per iteration; prompts under 3,000 tokens;
// a cycle without its LLM wait ≤ 1.3 × two bare passes; the asks of a cycle with 6+ groups
// waiting ≤ 2 answer-times.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.warning)

let rounds = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20

let milliseconds = BenchmarkSupport.milliseconds

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

// The example app with its plan repeated to 50 scenarios.
let app = try FixtureApps.copy("shop-api")
defer { app.remove() }
let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
var document = try JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as! [String: Any]
let original = document["scenarios"] as! [[String: Any]]
var scenarios: [[String: Any]] = []
while scenarios.count < 50 {
    for var scenario in original where scenarios.count < 50 {
        scenario["name"] = "\(scenario["name"]!)_\(scenarios.count)"
        scenarios.append(scenario)
    }
}
document["scenarios"] = scenarios
try JSONSerialization.data(withJSONObject: document).write(to: planURL)
let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])

// One real pass: the app's start-up and the 50 requests, for scale.
var started = ContinuousClock.now
let run = try await SmokePass(
    appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
    logger: Logger(label: "bench")
).run()
let passMilliseconds = milliseconds(ContinuousClock.now - started)
let executorMilliseconds = run.results.reduce(0) { $0 + $1.durationMilliseconds }
print(
    "CycleBenchmark: example app, \(run.total) scenarios, \(run.failed) failing in \(run.groups.count) groups, \(rounds) rounds"
)

// repaird's own work in one iteration: diagnose the run, build a prompt per group, parse,
// guard and place an answer, journal it, and roll it back.
let answer = ShopFixes.searchReplace(ShopFixes.keyError)
let guardian = PatchGuard(appDirectory: app.url, config: inputs.config)
let workspace = Workspace(appDirectory: app.url)
let logURL = run.runDirectory.appendingPathComponent("app.log")
var diagnose: [Double] = [], prompt: [Double] = [], patch: [Double] = []
var promptTokens: [(group: String, tokens: Int, wholeFiles: Int)] = []
for round in 0..<rounds {
    started = ContinuousClock.now
    let groups = Diagnosis.groups(for: run.results, logURL: logURL, appDirectory: app.url)
    diagnose.append(milliseconds(ContinuousClock.now - started))
    started = ContinuousClock.now
    let prompts = groups.map { RepairPrompt.build(for: $0, appDirectory: app.url, redactor: SecretRedactor()) }
    prompt.append(milliseconds(ContinuousClock.now - started))
    started = ContinuousClock.now
    let parsed = try PatchParser.parse(answer)
    let files = try guardian.check(parsed)
    let old = try String(contentsOf: files[0].url, encoding: .utf8)
    guard case .changed(let new) = try PatchApplier.apply(parsed.edits[0], to: old) else {
        fatalError("the answer did not apply")
    }
    try guardian.checkSize(old: [files[0].relative: old], new: [files[0].relative: new])
    _ = UnifiedDiff.make(path: files[0].relative, old: old, new: new)
    let change = try workspace.apply([(files[0].relative, new)])
    try workspace.rollback(change)
    patch.append(milliseconds(ContinuousClock.now - started))
    if round == 0 {
        for (group, built) in zip(groups, prompts) {
            let whole = built.files.compactMap {
                try? String(contentsOf: app.url.appendingPathComponent($0), encoding: .utf8)
            }
            .reduce(0) { $0 + ($1.utf8.count + 3) / 4 }
            promptTokens.append(("\(group.kind.rawValue) \(group.method) \(group.route)", built.estimatedTokens, whole))
        }
    }
}
let overhead = median(diagnose) + median(prompt) + median(patch)
print(
    String(
        format:
            "  one smoke pass (baseline): %.0f ms, of which the 50 requests %.0f ms; the rest is app start-up, seeding and stop",
        passMilliseconds, executorMilliseconds))
print(
    String(
        format:
            "  repaird's own work per iteration (median): %.1f ms = diagnose %.1f + prompts %.1f + patch/guard/journal %.1f",
        overhead, median(diagnose), median(prompt), median(patch)))
print(
    String(
        format: "  overhead with the rerun's requests: %.1f ms (ratio to the smoke pass %.2f)",
        overhead + executorMilliseconds, (overhead + executorMilliseconds) / passMilliseconds))
print("  prompt size per group (estimated tokens), beside the whole files the prompt shows parts of:")
for entry in promptTokens {
    let label = entry.group.padding(toLength: max(52, entry.group.count), withPad: " ", startingAt: 0)
    print(String(format: "    %@ prompt %5d   whole files %5d", label, entry.tokens, entry.wholeFiles))
}
var missed: [String] = []
if overhead + executorMilliseconds >= 300 {
    missed.append(String(format: "overhead %.0f ms ≥ 300 ms", overhead + executorMilliseconds))
}
if let largest = promptTokens.map(\.tokens).max(), largest >= 3000 {
    missed.append("a prompt of \(largest) tokens ≥ 3000")
}

// Whole heal cycles on the framework fixtures, app restarts included, split by phase.
missed += try await HealTimes.measure()

print(
    missed.isEmpty
        ? "targets met (overhead < 300 ms per iteration, every prompt < 3,000 tokens, each cycle without the LLM ≤ 1.3 × two bare passes, asks waiting ≤ 2 answer-times)"
        : "targets missed: " + missed.joined(separator: ", "))
