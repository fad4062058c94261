import Foundation

/// The value types a configuration key can hold.
enum ConfigValueType: Sendable {
    case string, integer, number, boolean, stringList, stringTable

    var name: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "true or false"
        case .stringList: "a list of strings"
        case .stringTable: "a table of strings"
        }
    }
}

/// A configuration value after type checking, before it lands in `RepairConfig`.
enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case stringList([String])
    case stringTable([String: String])
}

/// Every key `repair.toml` may hold, by dotted name. One table drives the file, the
/// `REPAIR_*` environment and `--set` overrides, so all three are checked the same way.
enum ConfigSchema {
    static let keys: [String: ConfigValueType] = [
        "version": .integer,
        "app.start": .string,
        "app.host": .string,
        "app.port": .integer,
        "app.health": .string,
        "app.env": .stringTable,
        "app.pass_env": .stringList,
        "app.sandbox": .string,
        "app.seed": .string,
        "app.check": .string,
        "app.writable": .stringList,
        "app.protected": .stringList,
        "app.startup_timeout": .number,
        "app.stop_grace": .number,
        "app.seed_timeout": .number,
        "app.preload": .boolean,
        "app.preload_modules": .stringList,
        "smoke.plan": .string,
        "smoke.openapi": .string,
        "smoke.spec": .string,
        "smoke.request_timeout": .number,
        "smoke.concurrency": .integer,
        "smoke.robustness": .boolean,
        "repair.trigger_pass_rate": .number,
        "repair.target_pass_rate": .number,
        "repair.max_iterations": .integer,
        "repair.token_budget": .integer,
        "llm.provider": .string,
        "llm.base_url": .string,
        "llm.model": .string,
        "llm.api_key_env": .string,
        "llm.api_version": .string,
        "llm.timeout": .number,
        "llm.concurrency": .integer,
        "llm.price_in": .number,
        "llm.price_out": .number,
        "llm.fallback.provider": .string,
        "llm.fallback.base_url": .string,
        "llm.fallback.model": .string,
        "llm.fallback.api_key_env": .string,
        "llm.fallback.api_version": .string,
        "llm.fallback.price_in": .number,
        "llm.fallback.price_out": .number,
        "learning.store": .string,
        "learning.patterns": .string,
        "learning.graveyard": .string,
        "learning.shipped": .boolean,
        "daemon.notify": .string,
        "daemon.notify_timeout": .number,
    ]

    /// True when `path` names a section (a prefix of some key) rather than a key.
    static func isSection(_ path: String) -> Bool {
        keys.keys.contains { $0.hasPrefix(path + ".") }
    }

    /// `app.startup_timeout` → `REPAIR_APP_STARTUP_TIMEOUT`.
    static func environmentName(for key: String) -> String {
        "REPAIR_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Parses an override given as text (environment or `--set`) into the key's type.
    static func parse(_ text: String, as type: ConfigValueType) -> ConfigValue? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .string:
            return .string(text)
        case .integer:
            return Int(trimmed).map(ConfigValue.integer)
        case .number:
            return CheckedNumber.decimal(trimmed).map(ConfigValue.number)
        case .boolean:
            switch trimmed.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: return nil
            }
        case .stringList:
            let items = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .stringList(items.filter { !$0.isEmpty })
        case .stringTable:
            var table: [String: String] = [:]
            for pair in trimmed.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                table[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1])
            }
            return .stringTable(table)
        }
    }
}
