// Learning that compounds, on the framework fixtures: for each framework, K generated variants
// of its fixture app (other entity names, another structure, the same planted bugs) healed one
// after another with one learning store, each on its real server, against the scripted LLM
// server — which answers a bug's fix only when the prompt shows the lines to change.
//
//   LearningMatrixBenchmark [variants=10] [markdown-file] [frameworks=fastapi,flask,django,express]
//
// Targets per framework (issue 14): LLM calls ≤ bug classes + 1; every app after the first
// with only known bugs heals with 0 tokens; pattern rows ≤ distinct fix shapes; at least one
// promotion; and across the matrix at least one retirement (flask's variants change a
// convention from the second app on, and the next three run without an LLM). Printed
// beside the naive cost (every app asks the LLM for every bug), and written as Markdown with
// the rules export of the last store when a file is given.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.critical)

let arguments = Array(CommandLine.arguments.dropFirst())
let variantCount = arguments.first.flatMap { Int($0) } ?? 10
let markdownFile = arguments.dropFirst().first.flatMap { $0.isEmpty ? nil : $0 }
let wanted =
    arguments.dropFirst(2).first.map { $0.split(separator: ",").map(String.init) } ?? [
        "fastapi", "flask", "django", "express",
    ]

struct Framework {
    var name: String
    var stack: String
    var fixes: [PlantedFix]
}

let frameworks = [
    Framework(name: "fastapi", stack: FrameworkFixture.fastAPI.stack, fixes: LibraryFastAPIFixes.all),
    Framework(name: "flask", stack: FrameworkFixture.flask.stack, fixes: ProjectsFlaskFixes.all),
    Framework(name: "django", stack: FrameworkFixture.django.stack, fixes: ClinicDjangoFixes.all),
    Framework(name: "express", stack: FrameworkFixture.express.stack, fixes: EventsExpressFixes.all),
].filter { wanted.contains($0.name) }

struct AppResult {
    var name: String
    var structure: [String]
    var healed: Bool
    var initial: Double
    var final: Double
    var calls: Int
    var tokens: Int
    var fromPatterns: Int
    var seconds: Double
}

struct FrameworkResult {
    var framework: Framework
    var bugClasses: Int
    var apps: [AppResult]
    var patternRows: Int
    var promoted: Int
    var retired: Int
    var rules: String
    var missed: [String]
    var calls: Int { apps.reduce(0) { $0 + $1.calls } }
}

let directory = try TemporaryDirectory(prefix: "learning-matrix")
defer { directory.remove() }
let environment = try FixtureApps.frameworkEnvironment()
var results: [FrameworkResult] = []
nonisolated(unsafe) var output = ""
@MainActor func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
    output += line + "\n"
}

say("LearningMatrixBenchmark: \(variantCount) generated variants per framework, one store per framework, scripted LLM")
for framework in frameworks {
    // The fixture's fixes, renamed and relocated with each variant by the generator.
    let fixesFile = directory.url.appendingPathComponent("\(framework.name)-fixes.json")
    let plain = framework.fixes.map { fix -> [String: Any] in
        ["bug": fix.bug, "match": fix.match, "file": fix.file, "edits": fix.edits.map { [$0.old, $0.new] }]
    }
    try JSONSerialization.data(withJSONObject: plain).write(to: fixesFile)
    let generator = FixtureApps.repositoryRoot.appendingPathComponent("scripts/generate-variants")
    let generated = try await CommandRunner.run(
        URL(fileURLWithPath: "/usr/bin/env"),
        [
            "python3", generator.path, framework.name, directory.url.appendingPathComponent("apps").path,
            String(variantCount), "--fixes", fixesFile.path,
        ])
    guard generated.status == 0 else { fatalError("generate-variants \(framework.name): \(generated.standardError)") }
    let records = generated.standardOutput.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    var variants: [(app: URL, structure: [String], fixes: [PlantedFix], newShapes: Int)] = []
    for record in records {
        let app = URL(fileURLWithPath: record["folder"] as? String ?? "")
        let fixesData = try Data(contentsOf: URL(fileURLWithPath: record["fixes"] as? String ?? ""))
        let fixes = (try JSONSerialization.jsonObject(with: fixesData) as? [[String: Any]] ?? []).map { fix in
            PlantedFix(
                bug: fix["bug"] as? String ?? "", match: fix["match"] as? String ?? "",
                file: fix["file"] as? String ?? "",
                edits: (fix["edits"] as? [[String]] ?? []).map { ($0[0], $0[1]) })
        }
        variants.append((app, record["structure"] as? [String] ?? [], fixes, record["new_fix_shapes"] as? Int ?? 0))
    }
    // Where a generator change brings a new fix shape, the pipeline's LLM budget is spent for
    // the next 3 apps: they run on the library alone, as a pipeline without an LLM would. The
    // fix learned before the change still places there and fails: it is retired.
    let changed = variants.firstIndex { $0.newShapes > 0 }
    let withoutLLM = changed.map { Set($0..<min(variants.count - 1, $0 + 3)) } ?? []
    // A good model: any variant's bug is answered when its prompt shows the evidence.
    var steps: [[String: Any]] = []
    for variant in variants {
        steps += try PlantedFix.script(variant.fixes, in: variant.app).filter { $0["default"] == nil }
    }
    steps.append(["default": true, "content": "I cannot tell which change would fix this."])
    let server = try await TestLLMServer.start(steps, in: directory)
    var llm = RepairConfig.LLM()
    llm.primary.provider = "openai"
    llm.primary.baseURL = server.baseURL + "/v1"
    llm.primary.model = "scripted"
    llm.primary.apiKeyEnv = "BENCH_KEY"
    let service = try LLMService(config: llm, environment: ["BENCH_KEY": "sk-bench-0001"], cache: nil)
    let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("\(framework.name).sqlite"))
    // Bug classes: distinct fixes (one bug met by two routes is one class). Fix shapes: a
    // pattern is a failure's signature and a fix, so one per planted fix (the bug met by two
    // routes is learned for both), and one more for each convention a later variant changes.
    let bugClasses = Set(framework.fixes.map { $0.edits.map { "\($0.old)→\($0.new)" }.joined(separator: "|") }).count
    let fixShapes = framework.fixes.count + variants.reduce(0) { $0 + $1.newShapes }

    say("")
    say("\(framework.name) (\(framework.stack)): \(bugClasses) bug classes, \(fixShapes) fix shapes")
    say(
        "  app                             structure                                   healed  pass rate        LLM calls  tokens  from patterns   time"
    )
    var apps: [AppResult] = []
    var newShapeSeen = false
    var targetApps: [(result: AppResult, known: Bool)] = []
    for (index, variant) in variants.enumerated() {
        let inputs = try SmokeInputs.load(
            appDirectory: variant.app, overrides: ["repair.max_iterations=6"], environment: [:])
        var config = inputs.config
        let asks = !withoutLLM.contains(index)
        config.llm = llm
        config.app.env.merge(environment) { _, new in new }
        let started = ContinuousClock.now
        let report = try await HealCycle(
            appDirectory: variant.app, config: config, plan: inputs.plan, planFile: inputs.planFile,
            llm: asks ? service : nil, redactor: SecretRedactor(secrets: ["sk-bench-0001"]), promptTokenLimit: 6000,
            store: store, logger: Logger(label: "bench")
        ).run()
        let seconds = BenchmarkSupport.seconds(ContinuousClock.now - started)
        let kept = report.iterations.flatMap(\.attempts).filter { $0.outcome == .kept && $0.source == "pattern" }.count
        let result = AppResult(
            name: variant.app.lastPathComponent, structure: variant.structure, healed: report.healed,
            initial: report.initialPassRate, final: report.finalPassRate, calls: report.llmCalls,
            tokens: report.tokensIn + report.tokensOut, fromPatterns: kept, seconds: seconds)
        apps.append(result)
        // Held to the targets: every app asked with an LLM; those after the first count as
        // known-bug apps unless they are the first with the LLM back after a new fix shape.
        if asks {
            let bringsNewShape = variant.newShapes > 0 || (changed != nil && index > changed! && !newShapeSeen)
            if bringsNewShape { newShapeSeen = true }
            targetApps.append((result, index > 0 && !bringsNewShape))
        }
        if index > 0 {
            for attempt in report.iterations.flatMap(\.attempts) where attempt.source == "llm" && attempt.tokensIn > 0 {
                say("    asked the LLM: \(attempt.group) → \(attempt.outcome.rawValue)")
            }
        }
        let structure =
            (asks ? "" : "no LLM; ")
            + (result.structure.isEmpty ? "as the fixture" : result.structure.joined(separator: ", "))
        say(
            String(
                format: "  %@ %@ %@  %5.1f%% → %5.1f%%  %9d  %6d  %13d  %5.1f s",
                result.name.padding(toLength: 31, withPad: " ", startingAt: 0),
                String(structure.prefix(43)).padding(toLength: 43, withPad: " ", startingAt: 0),
                (result.healed ? "yes" : "no").padding(toLength: 6, withPad: " ", startingAt: 0), result.initial * 100,
                result.final * 100, result.calls, result.tokens, result.fromPatterns, result.seconds))
    }
    await server.stop()
    let patterns = try store.patterns()
    let rules = try GenerationRules.from(store).markdown
    var missed: [String] = []
    let calls = apps.reduce(0) { $0 + $1.calls }
    if targetApps.contains(where: { !$0.result.healed }) { missed.append("an app healed with an LLM did not heal") }
    if calls > bugClasses + 1 { missed.append("\(calls) LLM calls > \(bugClasses + 1)") }
    if targetApps.contains(where: { $0.known && $0.result.tokens > 0 }) {
        missed.append("an app with only known bugs spent tokens")
    }
    if patterns.count > fixShapes { missed.append("\(patterns.count) pattern rows > \(fixShapes) fix shapes") }
    let promoted = patterns.filter { $0.status == .promoted }.count
    let retired = patterns.filter { $0.status == .retired }.count
    if promoted == 0 { missed.append("no pattern was promoted") }
    let result = FrameworkResult(
        framework: framework, bugClasses: bugClasses, apps: apps, patternRows: patterns.count, promoted: promoted,
        retired: retired, rules: rules, missed: missed)
    results.append(result)
    say(
        "  LLM calls \(calls) beside the naive \(apps.count * bugClasses) (\(apps.count) apps × \(bugClasses) bug classes); "
            + "pattern rows \(patterns.count) for \(fixShapes) fix shapes; \(promoted) promoted, \(retired) retired")
    say(missed.isEmpty ? "  targets met" : "  targets missed: " + missed.joined(separator: ", "))
}

// A retirement is expected where a generator change made a learned fix wrong (flask).
let retirements = results.reduce(0) { $0 + $1.retired }
let retirementExpected = wanted.contains("flask")
let allMet = results.allSatisfy(\.missed.isEmpty) && (retirements > 0 || !retirementExpected)
say("")
say(
    "\(retirements) pattern\(retirements == 1 ? "" : "s") retired across the matrix\(retirementExpected ? " (target: at least one)" : "")"
)
say(
    allMet
        ? "all targets met on every framework"
        : "targets missed on: "
            + (results.filter { !$0.missed.isEmpty }.map(\.framework.name)
            + (retirementExpected && retirements == 0 ? ["no retirement"] : [])).joined(separator: ", "))

if let markdownFile {
    var markdown = """
        # Learning across generated apps, per framework

        Produced by `scripts/bench-learning-matrix` (the `LearningMatrixBenchmark` executable) on \
        \(ProcessInfo.processInfo.activeProcessorCount) cores. For each framework, \(variantCount) \
        variants of its fixture app, made by `scripts/generate-variants` (other entity names, irregular \
        plurals and names of two words among them; another structure: router prefixes or full paths, \
        sync or async handlers, services or inline code; the same planted bugs), healed one after \
        another with one learning store, each on its real server. The LLM is the scripted server, \
        which answers a bug's fix only when the prompt shows the lines to change; a real model would \
        add its latency to every call counted here.

        Targets: LLM calls ≤ bug classes + 1; every app after the first with only known bugs heals \
        with 0 tokens; pattern rows ≤ distinct fix shapes; at least one promotion; across the matrix \
        at least one retirement. Flask's variants change a convention from the second app on (the \
        e-mail column is renamed), so the fix learned for its misnamed field still places and is \
        wrong; the next three apps run without an LLM, as a pipeline with a spent budget would, and \
        that pattern is retired; the fifth app asks the LLM once for the new fix shape. The naive \
        cost is one LLM call per bug per app.

        ```
        \(output.trimmingCharacters(in: .newlines))
        ```

        """
    if let last = results.last(where: { $0.promoted > 0 }) {
        markdown += """

            ## What `patterns export --format rules` gave after \(last.framework.name)

            \(last.rules.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n"))

            """
    }
    try Data(markdown.utf8).write(to: URL(fileURLWithPath: markdownFile), options: .atomic)
}
exit(allMet ? 0 : 1)
