import ArgumentParser
import Foundation
import RepairKit

/// The app, its config, its plan and `--set` overrides: what `smoke` and `once` both take.
struct AppOptions: ParsableArguments {
    @Argument(help: "The app directory (holds repair.toml).", completion: .directory)
    var appDirectory: String

    @Option(name: .customLong("config"), help: "Config file to use instead of APP_DIR/repair.toml.")
    var configFile: String?

    @Option(name: .customLong("plan"), help: "Smoke plan to use instead of [smoke] plan or [smoke] openapi.")
    var planFile: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a config key, e.g. --set smoke.concurrency=4.", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    @Option(
        help: ArgumentHelp(
            "When another cycle holds the app, wait up to this many seconds for it instead of refusing.",
            valueName: "SECONDS"))
    var wait: Double?

    var appURL: URL { URL(fileURLWithPath: appDirectory).standardizedFileURL }

    /// How long to wait for the app's lock; nil refuses at once.
    func lockWait() throws -> Duration? {
        guard let wait else { return nil }
        switch CheckedNumber.seconds(wait, zeroAllowed: true) {
        case .success(let duration): return duration
        case .failure(let refusal):
            Terminal.error("--wait \(wait): \(refusal)")
            throw ExitCodes.badInput
        }
    }

    /// Takes the app's lock for `purpose`; a held app is exit 2 naming its holder.
    func lock(_ purpose: String) async throws -> AppLock {
        let wait = try lockWait()
        do {
            return try await AppLock.acquire(appDirectory: appURL, purpose: purpose)
        } catch let busy as AppLock.Busy {
            guard let wait, busy.failure == nil else {
                Terminal.error("\(busy); wait for it, or pass --wait SECONDS")
                throw ExitCodes.badInput
            }
            Terminal.progress("▶ \(busy); waiting up to \(self.wait.map { String(format: "%g", $0) } ?? "") s")
            do {
                return try await AppLock.acquire(appDirectory: appURL, purpose: purpose, wait: wait)
            } catch let busy as AppLock.Busy {
                Terminal.error("\(busy); still held after waiting")
                throw ExitCodes.badInput
            }
        }
    }

    /// The checked config and plan; bad input is reported (file, key or field) and exits 2.
    func loadInputs() throws -> SmokeInputs {
        do {
            return try SmokeInputs.load(
                appDirectory: appURL, configFile: configFile.map { URL(fileURLWithPath: $0) },
                planFile: planFile.map { URL(fileURLWithPath: $0) }, overrides: overrides)
        } catch {
            Terminal.error(error.description)
            throw ExitCodes.badInput
        }
    }
}
