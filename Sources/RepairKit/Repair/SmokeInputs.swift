import Foundation

/// Bad input to a command: a config or a plan that cannot be used. Nothing has started.
public enum InputError: Error, Sendable, CustomStringConvertible {
    case config(ConfigError)
    case plan(PlanError)

    public var description: String {
        switch self {
        case .config(let error): error.description
        case .plan(let error): error.description
        }
    }
}

/// The checked inputs of a smoke pass: configuration and plan.
public struct SmokeInputs: Sendable {
    public var config: RepairConfig
    public var plan: SmokePlan
    public var planFile: URL

    /// Loads the config (file, environment, `--set`) and the plan it names (or `planFile`).
    public static func load(
        appDirectory: URL,
        configFile: URL? = nil,
        planFile: URL? = nil,
        overrides: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(InputError) -> SmokeInputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: appDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .config(ConfigError(source: appDirectory.path, problem: "not a directory"))
        }
        let config: RepairConfig
        do {
            config = try RepairConfig.load(
                appDirectory: appDirectory, configFile: configFile, environment: environment, overrides: overrides)
        } catch {
            throw .config(error)
        }
        let planURL = planFile ?? URL(fileURLWithPath: config.smoke.plan, relativeTo: appDirectory).standardizedFileURL
        do {
            return SmokeInputs(config: config, plan: try SmokePlan.load(from: planURL), planFile: planURL)
        } catch {
            throw .plan(error)
        }
    }
}
