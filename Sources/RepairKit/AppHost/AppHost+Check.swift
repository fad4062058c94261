import Foundation

extension AppHost {
    /// What the `[app] check` command said about changed files.
    public struct CheckResult: Sendable {
        public var passed: Bool
        public var exitStatus: ExitStatus?
        /// The last lines it printed.
        public var output: String
    }

    /// Runs `[app] check` with `{files}` replaced by the changed files (shell-quoted), in
    /// the app directory, bounded by `timeout` seconds. Passes when no check is configured.
    /// Its output goes to `log` in the run directory (checks run at once need their own).
    public func check(files: [String], timeout: Double = 120, log: String = "check.log") async -> CheckResult {
        guard let command = settings.check else { return CheckResult(passed: true, exitStatus: nil, output: "") }
        let quoted = files.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let expanded = command.replacingOccurrences(of: "{files}", with: quoted)
        let environment = AppEnvironment.build(
            settings: settings, parent: ProcessInfo.processInfo.environment, extra: [:])
        let confinement: Sandbox?
        do { confinement = try sandbox() } catch {
            return CheckResult(passed: false, exitStatus: nil, output: error.description)
        }
        guard let output = try? OutputCapture(logURL: runDirectory.appendingPathComponent(log)),
            let process = try? ChildProcess.spawn(
                command: expanded, directory: directory, environment: environment, output: output,
                sandbox: confinement)
        else {
            return CheckResult(
                passed: false, exitStatus: nil, output: "the check command could not be started: \(expanded)")
        }
        let status = await process.waitForExit(timeout: CheckedNumber.duration(seconds: timeout))
        await process.stop(grace: .seconds(1))
        guard let status else {
            return CheckResult(
                passed: false, exitStatus: nil,
                output: "the check command did not finish in \(formatSeconds(timeout)) s\n" + output.tailText(40))
        }
        return CheckResult(passed: status.isSuccess, exitStatus: status, output: output.tailText(40))
    }
}
