import Foundation

/// Runs an app's `[daemon] notify` command when a job of that app ends: in the app directory,
/// with the result file's path as its argument and in `REPAIR_RESULT`, with the app's explicit
/// environment (never the LLM keys), bounded by `[daemon] notify_timeout`. What it prints goes
/// to `.repair/notify.log`. It runs unconfined: it is the pipeline's own command (a webhook,
/// a queue message), from a config file no patch may touch.
public struct ResultNotifier: Sendable {
    public var command: String
    public var timeout: Double
    public var settings: RepairConfig.App

    /// How the command ended.
    public struct Outcome: Sendable {
        /// nil: it did not finish within the timeout (it was stopped) or could not start.
        public var exitStatus: ExitStatus?
        /// The last lines it printed, or why it could not start.
        public var output: String
        public var succeeded: Bool { exitStatus?.isSuccess == true }
    }

    /// nil when the config names no notify command.
    public init?(config: RepairConfig) {
        guard let command = config.daemon.notify else { return nil }
        self.command = command
        timeout = config.daemon.notifyTimeout
        settings = config.app
    }

    public func notify(resultFile: URL, appDirectory: URL) async -> Outcome {
        let environment = AppEnvironment.build(
            settings: settings, parent: ProcessInfo.processInfo.environment, extra: ["REPAIR_RESULT": resultFile.path])
        let output: OutputCapture
        let process: ChildProcess
        do {
            output = try OutputCapture(logURL: appDirectory.appendingPathComponent(".repair/notify.log"))
            process = try ChildProcess.spawn(
                command: "\(command) \"$REPAIR_RESULT\"", directory: appDirectory, environment: environment,
                output: output)
        } catch {
            return Outcome(exitStatus: nil, output: "the notify command could not be started: \(error)")
        }
        let status = await process.waitForExit(timeout: CheckedNumber.duration(seconds: timeout))
        await process.stop(grace: .seconds(1))
        guard let status else {
            return Outcome(
                exitStatus: nil, output: "did not finish in \(formatSeconds(timeout)) s\n" + output.tailText(20))
        }
        return Outcome(exitStatus: status, output: output.tailText(20))
    }
}
