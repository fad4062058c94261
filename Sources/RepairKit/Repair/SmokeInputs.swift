import Foundation

/// Bad input to a command: a config or a plan that cannot be used. Nothing has started.
public enum InputError: Error, Sendable, CustomStringConvertible {
    case config(ConfigError)
    case plan(PlanError)
    case spec(SpecError)

    public var description: String {
        switch self {
        case .config(let error): error.description
        case .plan(let error): error.description
        case .spec(let error): error.description
        }
    }
}

/// The checked inputs of a smoke pass: configuration and plan.
public struct SmokeInputs: Sendable {
    public var config: RepairConfig
    public var plan: SmokePlan
    /// The plan file, or the OpenAPI spec the plan was derived from.
    public var planFile: URL

    /// Loads the config (file, environment, `--set`) and the plan: `planFile` when given, else
    /// derived from `[smoke] openapi` when set, else `[smoke] plan`.
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
        if planFile == nil, let openapi = config.smoke.openapi {
            let specURL = resolve(openapi, in: appDirectory)
            do {
                let spec = try OpenAPISpec.load(from: specURL)
                return SmokeInputs(config: config, plan: PlanGenerator(spec: spec).plan(), planFile: specURL)
            } catch {
                throw .spec(error)
            }
        }
        let planURL = planFile ?? resolve(config.smoke.plan, in: appDirectory)
        do {
            return SmokeInputs(config: config, plan: try SmokePlan.load(from: planURL), planFile: planURL)
        } catch {
            throw .plan(error)
        }
    }
}

/// `path` from the config: absolute as it is, else inside `directory` (whether or not the
/// directory's URL ends with a slash, which `relativeTo:` would silently depend on).
public func resolve(_ path: String, in directory: URL) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path).standardizedFileURL
}
