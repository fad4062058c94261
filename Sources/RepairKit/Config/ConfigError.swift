/// Bad configuration: names where it came from, the key and the value that was wrong.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file, `environment`, or `--set`, that held the bad value.
    public var source: String
    public var key: String?
    public var value: String?
    public var problem: String

    public init(source: String, key: String? = nil, value: String? = nil, problem: String) {
        self.source = source
        self.key = key
        self.value = value
        self.problem = problem
    }

    public var description: String {
        var text = source
        if let key { text += ": key '\(key)'" }
        if let value { text += " = \(value)" }
        return text + ": " + problem
    }
}
