import Foundation
import TOMLKit

extension RepairConfig {
    /// The file name looked for in an app directory.
    public static let fileName = "repair.toml"

    /// Reads `repair.toml` (or `configFile`), then applies `environment` (`REPAIR_*`) and
    /// `overrides` (`key=value`, from `--set`). Throws `ConfigError` naming the source and key.
    public static func load(
        appDirectory: URL,
        configFile: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String] = []
    ) throws(ConfigError) -> RepairConfig {
        let file = configFile ?? appDirectory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            let problem =
                FileManager.default.fileExists(atPath: file.path)
                ? "cannot be read"
                : "not found (give the app's config with --config FILE)"
            throw ConfigError(source: file.path, problem: problem)
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, source: file.path, environment: environment, overrides: overrides)
    }

    /// The `[llm]` settings for a command that has no app to start (`plan generate --llm`):
    /// from `configFile` when it exists, else from `REPAIR_LLM_*` variables alone.
    public static func llmSettings(
        configFile: URL?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws(ConfigError) -> RepairConfig.LLM
    {
        if let configFile, FileManager.default.fileExists(atPath: configFile.path) {
            return try load(
                appDirectory: configFile.deletingLastPathComponent(), configFile: configFile, environment: environment
            ).llm
        }
        return try parse("[app]\nstart = \"none\"\n", source: "environment", environment: environment).llm
    }

    /// Parses configuration text; the steps of `load` after reading the file.
    public static func parse(
        _ text: String,
        source: String,
        environment: [String: String] = [:],
        overrides: [String] = []
    ) throws(ConfigError) -> RepairConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                source: source,
                problem:
                    "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"
            )
        } catch {
            throw ConfigError(source: source, problem: "not valid TOML: \(error)")
        }
        var values: [String: ConfigValue] = [:]
        // Where each value came from when not the file, so an error names the right one.
        var sources: [String: String] = [:]
        try collect(table, prefix: "", source: source, into: &values)

        for (key, type) in ConfigSchema.keys {
            let variable = ConfigSchema.environmentName(for: key)
            guard let text = environment[variable] else { continue }
            guard let value = ConfigSchema.parse(text, as: type) else {
                throw ConfigError(
                    source: "environment \(variable)", key: key, value: text, problem: "expected \(type.name)")
            }
            values[key] = value
            sources[key] = "environment \(variable)"
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw ConfigError(source: "--set", value: override, problem: "expected KEY=VALUE, e.g. app.port=8000")
            }
            guard let type = ConfigSchema.keys[parts[0]] else {
                throw ConfigError(source: "--set", key: parts[0], problem: "unknown key")
            }
            guard let value = ConfigSchema.parse(parts[1], as: type) else {
                throw ConfigError(source: "--set", key: parts[0], value: parts[1], problem: "expected \(type.name)")
            }
            values[parts[0]] = value
            sources[parts[0]] = "--set"
        }
        return try build(from: values, source: source, sources: sources, environment: environment)
    }

    /// Walks the TOML tables, checking every key against the schema and its type.
    private static func collect(
        _ table: TOMLTable, prefix: String, source: String, into values: inout [String: ConfigValue]
    ) throws(ConfigError) {
        for key in table.keys.sorted() {
            guard let raw = table[key] else { continue }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let type = ConfigSchema.keys[path] {
                guard let value = convert(raw, to: type) else {
                    throw ConfigError(source: source, key: path, value: render(raw), problem: "expected \(type.name)")
                }
                values[path] = value
            } else if ConfigSchema.isSection(path), let subtable = raw.table {
                try collect(subtable, prefix: path, source: source, into: &values)
            } else {
                throw ConfigError(source: source, key: path, value: render(raw), problem: "unknown key")
            }
        }
    }

    private static func convert(_ raw: TOMLValueConvertible, to type: ConfigValueType) -> ConfigValue? {
        switch type {
        case .string: return raw.string.map(ConfigValue.string)
        case .integer: return raw.int.map(ConfigValue.integer)
        case .number:
            if let number = raw.double { return .number(number) }
            return raw.int.map { .number(Double($0)) }
        case .boolean: return raw.bool.map(ConfigValue.boolean)
        case .stringList:
            guard let array = raw.array else { return nil }
            var items: [String] = []
            for element in array {
                guard let item = element.string else { return nil }
                items.append(item)
            }
            return .stringList(items)
        case .stringTable:
            guard let table = raw.table else { return nil }
            var result: [String: String] = [:]
            for key in table.keys {
                if let item = table[key]?.string {
                    result[key] = item
                } else if let item = table[key]?.int {
                    result[key] = String(item)
                } else {
                    return nil
                }
            }
            return .stringTable(result)
        }
    }

    private static func render(_ raw: TOMLValueConvertible) -> String {
        if let text = raw.string { return "\"\(text)\"" }
        if raw.table != nil { return "{…}" }
        return raw.debugDescription
    }

    /// Fills the struct from checked values, then checks ranges and required keys.
    private static func build(
        from values: [String: ConfigValue], source: String, sources: [String: String], environment: [String: String]
    )
        throws(ConfigError) -> RepairConfig
    {
        let reader = ValueReader(values: values)
        if let version = reader.integer("version"), version != currentVersion {
            throw ConfigError(
                source: sources["version"] ?? source, key: "version", value: String(version),
                problem: "unsupported version; this repaird reads version \(currentVersion)")
        }
        guard let start = reader.string("app.start"), !start.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError(
                source: source, key: "app.start", problem: "required: the shell command that starts the app")
        }
        var config = RepairConfig(app: App(start: start))
        config.app.host = reader.string("app.host") ?? config.app.host
        config.app.port = reader.integer("app.port") ?? config.app.port
        config.app.health = reader.string("app.health") ?? config.app.health
        config.app.env = reader.table("app.env") ?? config.app.env
        config.app.passEnv = reader.list("app.pass_env") ?? config.app.passEnv
        if let sandbox = reader.string("app.sandbox") {
            guard let mode = Sandbox.Mode(rawValue: sandbox) else {
                throw ConfigError(
                    source: sources["app.sandbox"] ?? source, key: "app.sandbox", value: "\"\(sandbox)\"",
                    problem: "must be auto, bwrap or off")
            }
            config.app.sandbox = mode
        }
        config.app.seed = reader.string("app.seed").flatMap(nonEmpty)
        config.app.check = reader.string("app.check").flatMap(nonEmpty)
        config.app.writable = reader.list("app.writable") ?? config.app.writable
        config.app.protected = reader.list("app.protected") ?? config.app.protected
        config.app.startupTimeout = reader.number("app.startup_timeout") ?? config.app.startupTimeout
        config.app.stopGrace = reader.number("app.stop_grace") ?? config.app.stopGrace
        config.app.seedTimeout = reader.number("app.seed_timeout") ?? config.app.seedTimeout
        config.app.preload = reader.boolean("app.preload") ?? config.app.preload
        config.app.preloadModules = reader.list("app.preload_modules") ?? config.app.preloadModules
        if let bad = config.app.preloadModules.first(where: { !PreloadServer.isModuleName($0) }) {
            throw ConfigError(
                source: sources["app.preload_modules"] ?? source, key: "app.preload_modules", value: "\"\(bad)\"",
                problem: "must be dotted Python module names, such as \"gunicorn.workers.sync\"")
        }
        config.smoke.plan = reader.string("smoke.plan") ?? config.smoke.plan
        config.smoke.openapi = reader.string("smoke.openapi").flatMap(nonEmpty)
        config.smoke.spec = reader.string("smoke.spec").flatMap(nonEmpty)
        config.smoke.requestTimeout = reader.number("smoke.request_timeout") ?? config.smoke.requestTimeout
        config.smoke.concurrency = reader.integer("smoke.concurrency") ?? config.smoke.concurrency
        config.smoke.robustness = reader.boolean("smoke.robustness") ?? config.smoke.robustness
        config.repair.triggerPassRate = reader.number("repair.trigger_pass_rate") ?? config.repair.triggerPassRate
        config.repair.targetPassRate = reader.number("repair.target_pass_rate") ?? config.repair.targetPassRate
        config.repair.maxIterations = reader.integer("repair.max_iterations") ?? config.repair.maxIterations
        config.repair.tokenBudget = reader.integer("repair.token_budget") ?? config.repair.tokenBudget
        config.llm.primary = reader.endpoint(prefix: "llm") ?? config.llm.primary
        config.llm.fallback = reader.endpoint(prefix: "llm.fallback")
        config.llm.timeout = reader.number("llm.timeout") ?? config.llm.timeout
        config.llm.concurrency = reader.integer("llm.concurrency") ?? config.llm.concurrency
        // The providers' standard variables fill what the file left out, or choose the LLM
        // when there is no [llm] at all.
        config.llm.primary = LLMConvention.filled(config.llm.primary, from: environment)
        config.llm.fallback = config.llm.fallback.map { LLMConvention.filled($0, from: environment) }
        if !config.llm.isConfigured, let chosen = LLMConvention.endpoint(from: environment) {
            config.llm.primary = chosen.endpoint
            config.llm.origin = chosen.origin
        }
        // Prices belong to the primary endpoint whichever way it was chosen.
        config.llm.primary.priceIn = reader.number("llm.price_in")
        config.llm.primary.priceOut = reader.number("llm.price_out")
        // The LLM's keys never reach the app under repair.
        config.app.withheldEnv =
            [config.llm.primary.apiKeyEnv, config.llm.fallback?.apiKeyEnv].compactMap { $0 }
            + LLMConvention.keyVariables.filter { name in
                ![config.llm.primary.apiKeyEnv, config.llm.fallback?.apiKeyEnv].contains(name)
            }
        config.learning.store = reader.string("learning.store").flatMap(nonEmpty)
        if let store = config.learning.store, !PostgresEndpoint.isURL(store) {
            config.app.hiddenPaths.append(URL(fileURLWithPath: store).deletingLastPathComponent().path)
        }
        config.learning.patterns = reader.string("learning.patterns").flatMap(nonEmpty)
        config.learning.graveyard = reader.string("learning.graveyard").flatMap(nonEmpty)
        config.learning.shipped = reader.boolean("learning.shipped") ?? config.learning.shipped
        config.daemon.notify = reader.string("daemon.notify").flatMap(nonEmpty)
        config.daemon.notifyTimeout = reader.number("daemon.notify_timeout") ?? config.daemon.notifyTimeout
        try config.validate { key in sources[key] ?? source }
        return config
    }

    /// Checks ranges; `source` names where a key's value came from (the file, an
    /// environment variable, `--set`).
    private func validate(source: (String) -> String) throws(ConfigError) {
        func fail(_ key: String, _ value: CustomStringConvertible, _ problem: String) -> ConfigError {
            ConfigError(source: source(key), key: key, value: value.description, problem: problem)
        }
        // Every number goes through the one checked conversion: a value that would trap later
        // (`inf`, `1e300`) or is out of range is refused here, naming its key.
        func check<T>(
            _ key: String, _ value: CustomStringConvertible, _ result: Result<T, CheckedNumber.Refusal>
        )
            throws(ConfigError)
        {
            if case .failure(let refusal) = result { throw fail(key, value, refusal.description) }
        }
        try check("app.port", app.port, CheckedNumber.whole(app.port, in: 0...65535))
        guard app.health.hasPrefix("/") else { throw fail("app.health", app.health, "must be a path starting with /") }
        try check("app.startup_timeout", app.startupTimeout, CheckedNumber.seconds(app.startupTimeout))
        try check("app.stop_grace", app.stopGrace, CheckedNumber.seconds(app.stopGrace, zeroAllowed: true))
        try check("app.seed_timeout", app.seedTimeout, CheckedNumber.seconds(app.seedTimeout))
        try check("smoke.request_timeout", smoke.requestTimeout, CheckedNumber.seconds(smoke.requestTimeout))
        try check("llm.timeout", llm.timeout, CheckedNumber.seconds(llm.timeout))
        try check("daemon.notify_timeout", daemon.notifyTimeout, CheckedNumber.seconds(daemon.notifyTimeout))
        try check("smoke.concurrency", smoke.concurrency, CheckedNumber.whole(smoke.concurrency, in: 1...64))
        try check("llm.concurrency", llm.concurrency, CheckedNumber.whole(llm.concurrency, in: 1...16))
        try check(
            "repair.trigger_pass_rate", repair.triggerPassRate, CheckedNumber.number(repair.triggerPassRate, in: 0...1))
        try check(
            "repair.target_pass_rate", repair.targetPassRate, CheckedNumber.number(repair.targetPassRate, in: 0...1))
        try check("repair.max_iterations", repair.maxIterations, CheckedNumber.whole(repair.maxIterations, in: 1...100))
        try check(
            "repair.token_budget", repair.tokenBudget,
            CheckedNumber.whole(repair.tokenBudget, in: 0...Self.largestBudget))
        for (prefix, endpoint) in [("llm", llm.primary), ("llm.fallback", llm.fallback ?? LLMEndpoint())] {
            for (key, price) in [("price_in", endpoint.priceIn), ("price_out", endpoint.priceOut)] {
                guard let price else { continue }
                try check("\(prefix).\(key)", price, CheckedNumber.number(price, in: 0...1_000_000))
            }
            guard Self.providers.contains(endpoint.provider) else {
                throw fail(
                    "\(prefix).provider", "\"\(endpoint.provider)\"", "must be one of openai, azure, ollama, anthropic")
            }
        }
    }
}

extension RepairConfig {
    /// The largest token budget a cycle may have: far above any real spend, and small enough
    /// that sums of token counts never overflow.
    static let largestBudget = 1_000_000_000_000
}

private func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

/// Typed look-ups into checked configuration values.
private struct ValueReader {
    let values: [String: ConfigValue]

    func string(_ key: String) -> String? {
        if case .string(let value) = values[key] { return value }
        return nil
    }

    func boolean(_ key: String) -> Bool? {
        if case .boolean(let value) = values[key] { return value }
        return nil
    }

    func integer(_ key: String) -> Int? {
        if case .integer(let value) = values[key] { return value }
        return nil
    }

    func number(_ key: String) -> Double? {
        if case .number(let value) = values[key] { return value }
        return nil
    }

    func list(_ key: String) -> [String]? {
        if case .stringList(let value) = values[key] { return value }
        return nil
    }

    func table(_ key: String) -> [String: String]? {
        if case .stringTable(let value) = values[key] { return value }
        return nil
    }

    func endpoint(prefix: String) -> RepairConfig.LLMEndpoint? {
        let provider = string("\(prefix).provider")
        let fields = ["base_url", "model", "api_key_env", "api_version"].map { string("\(prefix).\($0)") }
        let prices = ["price_in", "price_out"].map { number("\(prefix).\($0)") }
        guard provider != nil || fields.contains(where: { $0 != nil }) || prices.contains(where: { $0 != nil }) else {
            return nil
        }
        var endpoint = RepairConfig.LLMEndpoint()
        endpoint.provider = provider ?? ""
        endpoint.baseURL = fields[0]
        endpoint.model = fields[1]
        endpoint.apiKeyEnv = fields[2]
        endpoint.apiVersion = fields[3]
        endpoint.priceIn = prices[0]
        endpoint.priceOut = prices[1]
        return endpoint
    }
}
