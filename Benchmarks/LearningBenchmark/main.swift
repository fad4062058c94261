// Why the learning store exists: K generated apps with the same bug classes under other
// entity names, healed one after another with one store against the scripted LLM server.
// Counts LLM calls, tokens and time per app, beside the naive cost (K × bugs calls).
//
//   swift run -c release LearningBenchmark [apps=10] [llm-latency-seconds=2]
//
// The scripted server answers instantly; `llm-latency-seconds` delays each answer to stand
// for a real model's latency, and is printed with the results.
// Targets (issue 6): LLM calls ≤ bug classes + 1; zero tokens for every app after the first
// with only known bugs; their heal time under 40% of the first's.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.error)

let arguments = Array(CommandLine.arguments.dropFirst())
let appCount = arguments.first.flatMap { Int($0) } ?? 10
let latency = arguments.dropFirst().first.flatMap { Double($0) } ?? 2
let bugClasses = 5

let directory = try TemporaryDirectory(prefix: "learning-bench")
defer { directory.remove() }
let generator = FixtureApps.repositoryRoot.appendingPathComponent("scripts/generate-apps")
let generated = try await CommandRunner.run(
    URL(fileURLWithPath: "/usr/bin/env"),
    ["python3", generator.path, directory.url.appendingPathComponent("apps").path, String(appCount)])
guard generated.status == 0 else { fatalError("generate-apps failed: \(generated.standardError)") }
let apps = generated.standardOutput.split(separator: "\n").map { URL(fileURLWithPath: String($0)) }

// The first app's fixes, as a good model would answer them (each for the failure its prompt
// names), after `latency` seconds each.
let answers = try ShopFixes.answersByFailure(in: apps[0], delay: latency)
let server = try await TestLLMServer.start(answers, in: directory)
var llmSettings = RepairConfig.LLM()
llmSettings.primary.provider = "ollama"
llmSettings.primary.baseURL = server.baseURL + "/v1"
llmSettings.primary.model = "scripted"
let llm = try LLMService(config: llmSettings, environment: [:], cache: nil)
let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning.sqlite"))

print(
    "LearningBenchmark: \(apps.count) generated apps × \(bugClasses) planted bug classes, one store, scripted LLM answering after \(latency) s"
)
print("  app                      healed  pass rate       LLM calls  tokens   from patterns  time")
var results: [(calls: Int, tokens: Int, seconds: Double, healed: Bool)] = []
for app in apps {
    let inputs = try SmokeInputs.load(appDirectory: app, environment: [:])
    let started = ContinuousClock.now
    let report = try await HealCycle(
        appDirectory: app, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
        llm: llm, store: store, logger: Logger(label: "bench")
    ).run()
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let fromPatterns = report.iterations.flatMap(\.attempts).filter { $0.outcome == .kept && $0.source == "pattern" }
        .count
    results.append((report.llmCalls, report.tokensIn + report.tokensOut, seconds, report.healed))
    let rates = String(format: "%5.1f%% → %5.1f%%", report.initialPassRate * 100, report.finalPassRate * 100)
    print(
        String(
            format: "  %@ %@  %@   %9d  %6d   %13d  %5.1f s",
            app.lastPathComponent.padding(toLength: 24, withPad: " ", startingAt: 0),
            (report.healed ? "yes" : "no ").padding(toLength: 6, withPad: " ", startingAt: 0), rates, report.llmCalls,
            report.tokensIn + report.tokensOut, fromPatterns, seconds))
}
await server.stop()
let totalCalls = results.reduce(0) { $0 + $1.calls }
let later = results.dropFirst()
let laterTime = later.map(\.seconds).reduce(0, +) / Double(max(1, later.count))
print(
    String(
        format:
            "  LLM calls %d beside the naive %d (%d apps × %d bugs); later apps' mean heal time %.1f s = %.0f%% of the first's %.1f s",
        totalCalls, apps.count * bugClasses, apps.count, bugClasses, laterTime, laterTime * 100 / results[0].seconds,
        results[0].seconds))
var missed: [String] = []
if results.contains(where: { !$0.healed }) { missed.append("an app did not heal") }
if totalCalls > bugClasses + 1 { missed.append("\(totalCalls) LLM calls > \(bugClasses + 1)") }
if later.contains(where: { $0.tokens > 0 }) { missed.append("a later app spent tokens") }
if laterTime >= 0.4 * results[0].seconds { missed.append("later apps took ≥ 40% of the first's time") }
print(
    missed.isEmpty
        ? "targets met (calls ≤ bug classes + 1, zero tokens after the first app, later apps < 40% of its time)"
        : "targets missed: " + missed.joined(separator: ", "))
