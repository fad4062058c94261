import ArgumentParser
import Foundation
import Logging
import RepairKit

/// `repairctl smoke APP_DIR`: one strict smoke pass over an app.
struct Smoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the app, run its smoke plan strictly, and report what failed.",
        discussion: """
            Reads APP_DIR/repair.toml, starts the app in its own process session with PORT set, \
            waits for its health path, runs the optional seed command, sends every scenario of the \
            plan with its own X-Request-ID, stops the app, and prints a summary. A status passes \
            only when it equals the scenario's expected status (or is in its list).

            The app's output is kept in APP_DIR/.repair/runs/<run-id>/app.log. Exit codes: 0 all \
            passed, 1 a scenario failed or the app did not come up, 2 bad input or configuration.
            """
    )

    @OptionGroup var app: AppOptions

    @Flag(help: "Print one JSON object with the results instead of the summary.")
    var json = false

    @Option(help: "Write results.json, junit.xml and report.html into this directory.")
    var reportDir: String?

    @Flag(name: .shortAndLong, help: "Log what the tool does on stderr.")
    var verbose = false

    @OptionGroup var colorOption: ColorOption

    func run() async throws {
        Terminal.bootstrapLogging(verbose: verbose)
        Terminal.stopAppsOnInterrupt()
        let logger = Logger(label: "repairctl.smoke")
        let appURL = app.appURL
        let inputs = try app.loadInputs()
        if let reportDir { try Terminal.prepareReportFolder(reportDir) }
        let lock = try await app.lock("repairctl smoke")
        defer { lock.release() }
        // A cycle killed earlier may have left its app running or a patch unjudged: undo both
        // so this pass sees the app as it really is.
        AppHost.reapOrphan(appDirectory: appURL)
        let recovered = try Workspace(appDirectory: appURL).recover()
        if !recovered.isEmpty && !json {
            Terminal.progress(
                "▶ rolled back an unfinished change left by an earlier cycle: \(recovered.joined(separator: ", "))")
        }
        let pass = SmokePass(
            appDirectory: appURL, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile, logger: logger)
        let showProgress = !json
        let progress = ProgressLine(color: colorOption.color)
        let measured: SmokeRun
        do {
            measured = try await pass.run { event in
                guard showProgress else { return }
                if case .scenario(let result) = event {
                    progress.record(result)
                    return
                }
                progress.end()
                switch event {
                case .starting(let runID):
                    Terminal.progress("▶ run \(runID): starting the app (\(inputs.config.app.start))")
                case .healthy(let baseURL): Terminal.progress("▶ app healthy at \(baseURL)")
                case .seeding: Terminal.progress("▶ seeding (\(inputs.config.app.seed ?? ""))")
                case .sending(let count):
                    Terminal.progress("▶ sending \(count) scenarios")
                    progress.start(total: count)
                case .scenario: break
                case .stopping: Terminal.progress("▶ stopping the app")
                }
            }
        } catch let error as ConfigError {
            Terminal.error(error.description)
            throw ExitCodes.badInput
        } catch let error as StorageError {
            Terminal.error("\(error)")
            throw ExitCodes.cannotWrite
        }
        // Reports show what the app printed and answered, with its secrets masked.
        let run = measured.redacted(
            by: .forCycle(config: inputs.config, environment: ProcessInfo.processInfo.environment, plan: inputs.plan))
        if let reportDir {
            do {
                try ReportWriter.write(run, to: URL(fileURLWithPath: reportDir))
            } catch {
                Terminal.error("cannot write reports to \(reportDir): \(Terminal.describe(error))")
                throw ExitCodes.cannotWrite
            }
        }
        if json {
            try Terminal.result(SmokeReport(run).jsonData())
            print()
        } else {
            print(SmokeSummary.text(for: run, color: colorOption.color.isEnabled(for: STDOUT_FILENO)))
            if let reportDir { print("Reports: \(reportDir)/report.html, results.json, junit.xml") }
        }
        if !run.allPassed { throw ExitCodes.failures }
    }
}
