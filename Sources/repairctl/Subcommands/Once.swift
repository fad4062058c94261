import ArgumentParser
import Foundation
import Logging
import RepairKit

/// `repairctl once APP_DIR`: one heal cycle.
struct Once: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one heal cycle: smoke, diagnose, patch with the LLM, rerun, keep what helps.",
        discussion: """
            Starts the app and runs its plan; while the pass rate is below [repair] trigger_pass_rate or \
            anything answers 5xx, asks the configured LLM for a small patch per violation group, applies \
            it safely (guarded paths, a journal, the [app] check command), reruns the plan, and keeps a \
            patch only when it heals its group and breaks nothing. Stops at target_pass_rate, \
            max_iterations, the token budget, or an iteration that kept nothing. With no LLM configured \
            it still runs and diagnoses, and says which groups are left.

            Exit codes: 0 the target was met, 1 it was not, 2 bad input or configuration (or the app is held by \
            another cycle), 3 repaird's own files could not be written (a full disk), 130/143 interrupted.
            """
    )

    @OptionGroup var app: AppOptions

    @Flag(help: "Ask the LLM and show the patches, but write nothing.")
    var dryRun = false

    @Flag(help: "Print the heal report as one JSON object.")
    var json = false

    @Option(
        help:
            "Write heal.json, report.html (every iteration with its diffs, then the final run), and the final run's results.json and junit.xml into this directory."
    )
    var reportDir: String?

    @Option(
        help:
            "The learning store (default: REPAIR_STORE, [learning] store, or $XDG_STATE_HOME/repaird/learning.sqlite).")
    var store: String?

    @Flag(name: .shortAndLong, help: "Log what the tool does on stderr.")
    var verbose = false

    @OptionGroup var colorOption: ColorOption

    func run() async throws {
        Terminal.bootstrapLogging(verbose: verbose)
        Terminal.stopAppsOnInterrupt()
        let appURL = app.appURL
        let inputs = try app.loadInputs()
        if let reportDir { try Terminal.prepareReportFolder(reportDir) }
        // Held until the process ends: a second cycle on this app waits or is refused.
        let lock = try await app.lock("repairctl once")
        let storeLocation = RepairDatabase.locationText(flag: store, config: inputs.config.learning)
        let database = try Terminal.openStore(storeLocation)
        // Shipped patterns and lessons ([learning] patterns / graveyard), imported idempotently.
        do {
            let learning = inputs.config.learning
            let (patterns, lessons) = try LibraryExport.importShipped(learning, appDirectory: appURL, into: database)
            let sources =
                ((learning.shipped ? ["repaird's shipped library"] : [])
                + [learning.patterns, learning.graveyard].compactMap { $0 })
                .joined(separator: ", ")
            if !json, (patterns ?? 0) + (lessons ?? 0) > 0 {
                let patternCount = patterns ?? 0, lessonCount = lessons ?? 0
                Terminal.progress(
                    "▶ imported \(patternCount) pattern\(patternCount == 1 ? "" : "s") and \(lessonCount) GRAVEYARD lesson\(lessonCount == 1 ? "" : "s") from \(sources)"
                )
            }
        } catch {
            Terminal.error("\(Terminal.describe(error)); nothing was started")
            throw ExitCodes.badInput
        }
        var llm: LLMService?
        if inputs.config.llm.isConfigured {
            do {
                llm = try LLMService(config: inputs.config.llm, cache: database)
            } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            if !json {
                let primary = inputs.config.llm.primary
                let origin = inputs.config.llm.origin.map { " (\($0); no [llm] in repair.toml)" } ?? ""
                Terminal.progress("▶ LLM: \(primary.provider)\(primary.model.map { " \($0)" } ?? "")\(origin)")
            }
        }
        var config = inputs.config
        // The confined app never sees the store's folder.
        if !PostgresEndpoint.isURL(storeLocation) {
            config.app.hiddenPaths.append(URL(fileURLWithPath: storeLocation).deletingLastPathComponent().path)
        }
        let cycle = HealCycle(
            appDirectory: appURL, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
            dryRun: dryRun, store: database, logger: Logger(label: "repairctl.once"))
        let quiet = json
        let finalRun = LatestRun()
        let report: HealReport
        do {
            report = try await run(cycle, lock: lock, finalRun: finalRun, quiet: quiet)
        } catch let error as ConfigError {
            Terminal.error(error.description)
            _ = try? JobResult(app: appURL, report: nil, failure: error.description).write(in: appURL)
            throw ExitCodes.badInput
        } catch let error as StorageError {
            Terminal.error("\(error); every unjudged change was rolled back")
            _ = try? JobResult(app: appURL, report: nil, failure: error.description).write(in: appURL)
            throw ExitCodes.cannotWrite
        }
        // What a pipeline reads: the same fields as a repaird job's result.
        var resultProblem: StorageError?
        do { try JobResult(app: appURL, report: report).write(in: appURL) } catch { resultProblem = error }
        if let reportDir {
            let directory = URL(fileURLWithPath: reportDir)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try report.jsonData().write(to: directory.appendingPathComponent("heal.json"), options: .atomic)
                // Reports show what the app printed and answered, with its secrets masked.
                let run = finalRun.value?.redacted(by: cycle.redactor)
                if let run { try ReportWriter.write(run, to: directory) }
                // The page for the whole cycle replaces the final run's: it includes that run.
                try Data(HealHTMLReport.html(for: report, finalRun: run).utf8)
                    .write(to: directory.appendingPathComponent("report.html"), options: .atomic)
            } catch {
                Terminal.error("cannot write reports to \(reportDir): \(Terminal.describe(error))")
                throw ExitCodes.cannotWrite
            }
        }
        if json {
            try Terminal.result(report.jsonData())
            print()
        } else {
            print(
                HealSummary.text(
                    report, llmConfigured: llm != nil, color: colorOption.color.isEnabled(for: STDOUT_FILENO)))
        }
        if let resultProblem {
            Terminal.error(resultProblem.description)
            throw ExitCodes.cannotWrite
        }
        if !report.healed { throw ExitCodes.failures }
    }

    /// Runs the cycle, printing its progress unless `quiet`.
    private func run(_ cycle: HealCycle, lock: AppLock, finalRun: LatestRun, quiet: Bool) async throws -> HealReport {
        try await cycle.run(holding: lock) { event in
            if case .smoke(_, let run) = event { finalRun.set(run) }
            guard !quiet else { return }
            switch event {
            case .recovered(let files):
                Terminal.progress(
                    "▶ rolled back an unfinished change left by an earlier cycle: \(files.joined(separator: ", "))")
            case .rolledBack(let files):
                Terminal.progress(
                    "▶ the cycle stopped early; rolled back its unjudged change: \(files.joined(separator: ", "))")
            case .smoke(let iteration, let run):
                if iteration == 0, let confinement = run.confinement {
                    Terminal.progress("▶ confinement: \(confinement)")
                }
                Terminal.progress(
                    "▶ \(iteration == 0 ? "smoke" : "rerun"): \(run.passed)/\(run.total) passed (\(String(format: "%.1f%%", run.passRate * 100))), \(run.groups.count) violation group\(run.groups.count == 1 ? "" : "s")"
                )
            case .iteration(let number, let groups):
                Terminal.progress("▶ iteration \(number): \(groups) group\(groups == 1 ? "" : "s") to repair")
            case .asking(let group): Terminal.progress("  asking the LLM about \(group)")
            case .attempt(let attempt):
                let detail =
                    attempt.outcome == .kept
                    ? "" : attempt.detail.split(separator: "\n").first.map { " — \($0.prefix(160))" } ?? ""
                Terminal.progress(
                    "  \(attempt.outcome == .kept ? "✔" : "·") \(attempt.outcome.rawValue): \(attempt.group)\(attempt.rule.map { " (\($0))" } ?? "")\(detail)"
                )
            case .verifying(let fixes):
                Terminal.progress("  verifying \(fixes) fix\(fixes == 1 ? "" : "es") with a rerun")
            case .pass: break
            }
        }
    }
}

/// The last smoke run the cycle reported, for the final reports.
private final class LatestRun: @unchecked Sendable {
    // @unchecked: `run` is only touched under `lock`.
    private let lock = NSLock()
    private var run: SmokeRun?
    func set(_ value: SmokeRun) { lock.withLock { run = value } }
    var value: SmokeRun? { lock.withLock { run } }
}
