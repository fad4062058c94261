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

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set smoke.concurrency=4.", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    var appURL: URL { URL(fileURLWithPath: appDirectory).standardizedFileURL }

    /// The checked config and plan; bad input is reported (file, key or field) and exits 2.
    func loadInputs() throws -> SmokeInputs {
        do {
            return try SmokeInputs.load(appDirectory: appURL, configFile: configFile.map { URL(fileURLWithPath: $0) },
                                        planFile: planFile.map { URL(fileURLWithPath: $0) }, overrides: overrides)
        } catch {
            Terminal.error(error.description)
            throw ExitCodes.badInput
        }
    }
}
