import Foundation
import Logging

/// One smoke pass: start the app, seed it, send the plan, stop it. The heal cycle runs one
/// per iteration; `repairctl smoke` runs exactly one.
public struct SmokePass: Sendable {
    /// What a pass reports while it runs, for progress lines.
    public enum Event: Sendable {
        case starting(runID: String)
        case healthy(baseURL: String)
        case seeding
        case sending(count: Int)
        case scenario(ScenarioResult)
        case stopping
    }

    public var appDirectory: URL
    public var config: RepairConfig
    public var plan: SmokePlan
    public var planFile: URL
    public var runID: String
    public var logger: Logger
    /// Where the plan's `${NAME}` values come from (LLM keys are never read from it).
    public var environment: [String: String]
    /// The heal cycle's preload server, when `[app] preload` is on and it runs.
    public var preload: PreloadServer?

    public init(
        appDirectory: URL, config: RepairConfig, plan: SmokePlan, planFile: URL,
        runID: String = RequestID.makeRunID(), logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.appDirectory = appDirectory
        self.config = config
        self.plan = plan
        self.planFile = planFile
        self.runID = runID
        self.logger = logger
        self.environment = environment
    }

    /// `APP_DIR/.repair/runs/<run-id>`.
    public var runDirectory: URL {
        appDirectory.appendingPathComponent(".repair/runs/\(runID)", isDirectory: true)
    }

    /// Runs the pass. An app that does not come up gives a run whose scenarios are all
    /// `app_unavailable` and whose `appFailure` says why; only unexpected faults throw.
    public func run(events: (@Sendable (Event) -> Void)? = nil) async throws -> SmokeRun {
        let startedAt = Date()
        var logger = logger
        logger[metadataKey: "run.id"] = "\(runID)"
        var run = SmokeRun(
            runID: runID, appDirectory: appDirectory, planFile: planFile, runDirectory: runDirectory,
            baseURL: nil, startedAt: startedAt, finishedAt: startedAt, results: [], appFailure: nil, appExit: nil)
        let host = {
            var host = AppHost(
                directory: appDirectory, settings: config.app, runDirectory: runDirectory, logger: logger)
            host.preload = preload
            return host
        }()
        // A confinement that cannot be had is a configuration error, not an app that failed.
        do {
            run.confinement = Sandbox.describe(try host.sandbox())
        } catch {
            throw ConfigError(
                source: appDirectory.appendingPathComponent(RepairConfig.fileName).path, key: "app.sandbox",
                value: "\"\(config.app.sandbox.rawValue)\"",
                problem:
                    "bubblewrap is not installed or cannot run here; install it (scripts/setup does) or use \"auto\"")
        }
        // A disk too full for the run's own files stops here, before the app is started: its
        // failures would otherwise look like bugs of the app.
        try StorageError.ensureSpace(at: runDirectory.deletingLastPathComponent())
        // The plan this run used, beside its log: derived plans can be read and rerun.
        let planCopy = runDirectory.appendingPathComponent("smoke_test_plan.json")
        do {
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try plan.jsonData().write(to: planCopy, options: .atomic)
        } catch {
            throw StorageError(path: planCopy.path, reason: error.localizedDescription)
        }
        // Robustness checks are derived per run, never written into the plan's copy.
        let plan = config.smoke.robustness ? RobustnessChecks.adding(to: plan) : plan
        events?(.starting(runID: runID))
        let app: RunningApp
        do {
            app = try await host.start()
        } catch {
            try Task.checkCancellation()
            run.appFailure = error
            run.results = Self.unavailable(plan.steps, because: error, at: startedAt)
            return diagnosed(run)
        }
        run.baseURL = app.baseURL
        events?(.healthy(baseURL: app.baseURL))
        do {
            if config.app.seed != nil {
                events?(.seeding)
                try await host.seed(app, seedJSON: plan.seedJSON())
            }
        } catch {
            run.appFailure = error
            run.results = Self.unavailable(plan.steps, because: error, at: startedAt)
            events?(.stopping)
            run.appExit = await app.stop()
            return diagnosed(run)
        }
        var executor = SmokeExecutor(
            baseURL: app.baseURL,
            requestTimeout: CheckedNumber.duration(seconds: config.smoke.requestTimeout),
            concurrency: config.smoke.concurrency,
            output: app.output,
            appExitStatus: { app.process.exitStatus() },
            logger: logger)
        events?(.sending(count: plan.steps.count))
        let values = plan.environmentValues(config: config, environment: environment)
        if config.app.seed != nil {
            let seedJSON = plan.seedJSON()
            executor.reseed = {
                do {
                    try await host.seed(app, seedJSON: seedJSON)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        }
        // With a spec, what the app answers is checked against the schemas it documents.
        executor.responseSchemas = (config.smoke.spec ?? config.smoke.openapi).flatMap {
            try? ResponseSchemas(spec: OpenAPISpec.load(from: resolve($0, in: appDirectory)))
        }
        do {
            run.results = try await executor.run(plan, environment: values) { events?(.scenario($0)) }
        } catch {
            events?(.stopping)
            await app.stop()
            throw error
        }
        events?(.stopping)
        // The plan is done and every request answered: nothing of ours keeps the app busy.
        run.appExit = await app.stop(idle: true)
        // A log that could not be written leaves the evidence incomplete: not a run to judge.
        if let failure = app.output.writeFailure { throw failure }
        return diagnosed(run)
    }

    /// Groups the failures with the traces the app printed, once its output is complete.
    private func diagnosed(_ run: SmokeRun) -> SmokeRun {
        var run = run
        run.groups = Diagnosis.groups(
            for: run.results, appFailure: run.appFailure,
            logURL: runDirectory.appendingPathComponent("app.log"), appDirectory: appDirectory)
        run.finishedAt = Date()
        return run
    }

    private static func unavailable(
        _ scenarios: [Scenario], because failure: AppHostError, at date: Date
    ) -> [ScenarioResult] {
        scenarios.map { scenario in
            ScenarioResult(
                scenario: scenario, requestID: "", url: scenario.target, requestBody: nil, actualStatus: nil,
                passed: false, failureKind: .appUnavailable, error: "not sent: \(failure)",
                bodyExcerpt: "", duration: .zero, startedAt: date, outputLines: nil)
        }
    }
}
