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
        guard FileManager.default.fileExists(atPath: appDirectory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
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
        // A spec to check responses against is read now: a broken one stops here, not mid-run.
        if let spec = config.smoke.spec {
            do {
                _ = try OpenAPISpec.load(from: resolve(spec, in: appDirectory))
            } catch {
                throw .spec(error)
            }
        }
        let planURL = planFile ?? resolve(config.smoke.plan, in: appDirectory)
        let plan: SmokePlan
        do {
            plan = try SmokePlan.load(from: planURL)
        } catch {
            throw .plan(error)
        }
        if let problem = plan.environmentProblem(config: config, environment: environment) {
            throw .plan(PlanError(file: planURL.path, problem: problem))
        }
        return SmokeInputs(config: config, plan: plan, planFile: planURL)
    }
}

extension SmokePlan {
    /// The names of the LLM's key variables: never read by a plan, so never sent to the app.
    static func llmKeyNames(_ config: RepairConfig) -> Set<String> {
        Set([config.llm.primary.apiKeyEnv, config.llm.fallback?.apiKeyEnv].compactMap { $0 })
            .union(["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY"])
    }

    /// Why the plan cannot run with `environment`: a `${NAME}` it reads from there is unset, or
    /// is the LLM's key. Checked before the app is started.
    func environmentProblem(config: RepairConfig, environment: [String: String]) -> String? {
        let names = environmentNames()
        if let key = names.first(where: Self.llmKeyNames(config).contains) {
            return "it uses ${\(key)}, an LLM key: the app under repair never gets it; use a variable of its own"
        }
        let unset = names.filter { environment[$0] == nil }
        guard !unset.isEmpty else { return nil }
        let list = unset.map { "${\($0)}" }.joined(separator: ", ")
        return
            "it uses \(list), which no step captures and the environment does not set; export \(unset.count == 1 ? "it" : "them") before running"
    }

    /// The values the plan reads from `environment` (LLM keys never among them).
    public func environmentValues(config: RepairConfig, environment: [String: String]) -> [String: String] {
        let keys = Self.llmKeyNames(config)
        var values: [String: String] = [:]
        for name in environmentNames() where !keys.contains(name) { values[name] = environment[name] }
        return values
    }
}

/// `path` from the config: absolute as it is, else inside `directory` (whether or not the
/// directory's URL ends with a slash, which `relativeTo:` would silently depend on).
public func resolve(_ path: String, in directory: URL) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path).standardizedFileURL
}
