/// A smoke plan that cannot be used: names the file, the scenario and the field.
public struct PlanError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var scenarioIndex: Int?
    public var scenarioName: String?
    /// The field, e.g. `expected_status` or `seed_data[2].uuid`.
    public var field: String?
    public var problem: String

    public init(file: String, scenarioIndex: Int? = nil, scenarioName: String? = nil, field: String? = nil, problem: String) {
        self.file = file
        self.scenarioIndex = scenarioIndex
        self.scenarioName = scenarioName
        self.field = field
        self.problem = problem
    }

    public var description: String {
        var text = file
        if let scenarioIndex {
            text += ": scenario \(scenarioIndex)"
            if let scenarioName { text += " (\"\(scenarioName)\")" }
        }
        if let field { text += ": field '\(field)'" }
        return text + ": " + problem
    }
}
