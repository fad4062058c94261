import Foundation
import Logging

/// Starts a generated app from its `[app]` configuration and waits until it is healthy.
public struct AppHost: Sendable {
    public var directory: URL
    public var settings: RepairConfig.App
    /// Where `app.log` (and the seed's files) of this run are written.
    public var runDirectory: URL
    public var logger: Logger
    /// Where the app's Python commands run when `[app] preload` is on: started by the heal
    /// cycle, shared by its passes.
    public var preload: PreloadServer?

    public init(directory: URL, settings: RepairConfig.App, runDirectory: URL, logger: Logger) {
        self.directory = directory
        self.settings = settings
        self.runDirectory = runDirectory
        self.logger = logger
    }

    /// The confinement the app, its seed and its check run in; nil when none.
    public func sandbox() throws(AppHostError) -> Sandbox? {
        try Sandbox.resolve(settings.sandbox, hiding: settings.hiddenPaths.map { URL(fileURLWithPath: $0) })
    }

    /// Starts the app with `PORT` exported and polls its health path.
    ///
    /// Throws `AppHostError` (`crash`, `unhealthy`) within `startup_timeout`, with the tail
    /// of the app's output; the app is stopped before the error is thrown.
    public func start() async throws(AppHostError) -> RunningApp {
        do {
            return try await startOnce()
        } catch let failure where failure.kind == .crash && failure.portLost && settings.port == 0 {
            // Another process took the free port between the choice and the app's bind (a busy
            // machine starting many apps): once more, on another port.
            logger.info("app.port_lost", metadata: ["app.directory": "\(directory.path)"])
            return try await startOnce()
        }
    }

    private func startOnce() async throws(AppHostError) -> RunningApp {
        let host = settings.host
        guard let port = settings.port == 0 ? LocalPort.free(host: host) : settings.port else {
            throw AppHostError(kind: .spawnFailed, message: "no free port on \(host)")
        }
        // A port someone else holds would answer our health probe for them.
        let portTakenBefore = LocalPort.isTaken(port, host: host)
        let output: OutputCapture
        do {
            output = try OutputCapture(logURL: runDirectory.appendingPathComponent("app.log"))
        } catch {
            throw AppHostError(kind: .spawnFailed, message: "cannot write \(runDirectory.path)/app.log: \(error)")
        }
        var environment = AppEnvironment.build(
            settings: settings, parent: ProcessInfo.processInfo.environment,
            extra: ["PORT": String(port), "HOST": host])
        if let preload { environment = preload.environment(environment) }
        logger.info("app.starting", metadata: ["app.port": "\(port)", "app.directory": "\(directory.path)"])
        let confinement = try sandbox()
        logger.info("app.confinement", metadata: ["app.sandbox": "\(Sandbox.describe(confinement))"])
        let process = try ChildProcess.spawn(
            command: settings.start, directory: directory, environment: environment, output: output,
            sandbox: confinement)
        noteRunning(process)
        let app = RunningApp(
            process: process, port: port, baseURL: "http://\(host):\(port)",
            stopGrace: CheckedNumber.duration(seconds: settings.stopGrace), directory: directory)
        do {
            try await waitUntilHealthy(app, portTakenBefore: portTakenBefore)
        } catch {
            await app.stop()
            var failure = error
            failure.outputTail = output.tailText(30)
            // Our app is gone: a port still held is someone else's.
            failure.portLost = !portTakenBefore && LocalPort.isTaken(port, host: host)
            throw failure
        }
        logger.info("app.healthy", metadata: ["app.port": "\(port)"])
        return app
    }

    private func waitUntilHealthy(_ app: RunningApp, portTakenBefore: Bool) async throws(AppHostError) {
        let client: HTTPClient
        do { client = try HTTPClient(bodyLimit: 4096) } catch {
            throw AppHostError(kind: .spawnFailed, message: "cannot create an HTTP client: \(error)")
        }
        let started = ContinuousClock.now
        let deadline = started + CheckedNumber.duration(seconds: settings.startupTimeout)
        let probe = HTTPRequest(method: "GET", url: app.baseURL + settings.health, timeout: .seconds(2))
        var lastProblem = "no answer yet"
        // Probes are cheap (a refused connection costs microseconds): polling often keeps the
        // time between the app's listen() and its first successful probe small.
        var pause = Duration.milliseconds(10)
        while ContinuousClock.now < deadline {
            // A cancelled task would otherwise probe on without pause until the deadline.
            if Task.isCancelled { throw AppHostError(kind: .unhealthy, message: "start-up was cancelled") }
            if let status = app.process.exitStatus() {
                let note = portTakenBefore ? "; port \(app.port) was already in use by another process" : ""
                throw AppHostError(kind: .crash, message: "the app exited during start-up\(note)", exitStatus: status)
            }
            if !portTakenBefore {
                do {
                    let response = try await client.send(probe)
                    if (200..<300).contains(response.status) { return }
                    lastProblem = "\(settings.health) answered \(response.status)"
                } catch {
                    lastProblem = "\(settings.health): \(error.message)"
                }
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
        if portTakenBefore {
            throw AppHostError(
                kind: .unhealthy,
                message: "port \(app.port) is already in use by another process; the app never took it")
        }
        throw AppHostError(
            kind: .unhealthy,
            message: "not healthy after \(formatSeconds(settings.startupTimeout)) s (\(lastProblem))")
    }

    /// Runs the `[app] seed` command with `REPAIR_SEED_FILE` naming `seedJSON`, written to
    /// the run directory. Its output goes to `seed.log` there.
    public func seed(_ app: RunningApp, seedJSON: Data) async throws(AppHostError) {
        guard let command = settings.seed else { return }
        let seedFile = runDirectory.appendingPathComponent("seed_data.json")
        let output: OutputCapture
        do {
            try seedJSON.write(to: seedFile)
            output = try OutputCapture(logURL: runDirectory.appendingPathComponent("seed.log"))
        } catch {
            throw AppHostError(kind: .seedFailed, message: "cannot write to \(runDirectory.path): \(error)")
        }
        var environment = AppEnvironment.build(
            settings: settings, parent: ProcessInfo.processInfo.environment,
            extra: ["PORT": String(app.port), "REPAIR_SEED_FILE": seedFile.path, "REPAIR_BASE_URL": app.baseURL])
        if let preload { environment = preload.environment(environment) }
        logger.info("app.seeding", metadata: ["seed.file": "\(seedFile.path)"])
        let process = try ChildProcess.spawn(
            command: command, directory: directory, environment: environment, output: output, sandbox: try sandbox())
        let status = await process.waitForExit(timeout: CheckedNumber.duration(seconds: settings.seedTimeout))
        let final = await process.stop(grace: .seconds(1))
        guard let status else {
            throw AppHostError(
                kind: .seedFailed,
                message: "seed command did not finish in \(formatSeconds(settings.seedTimeout)) s",
                exitStatus: final, outputTail: output.tailText(30))
        }
        guard status.isSuccess else {
            throw AppHostError(
                kind: .seedFailed, message: "seed command failed", exitStatus: status,
                outputTail: output.tailText(30))
        }
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
}
