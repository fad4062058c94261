/// A smoke plan that cannot be used: names the file, the scenario and the field.
public struct PlanError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Which list of the plan a step is in.
    public enum Part: String, Sendable, Equatable {
        case scenario
        case setup = "setup step"

        var listKey: String { self == .setup ? "setup" : "scenarios" }
    }

    public var file: String
    public var part: Part = .scenario
    /// The position in its list (`scenarios` or `setup`).
    public var scenarioIndex: Int?
    public var scenarioName: String?
    /// The field, e.g. `expected_status` or `seed_data[2].uuid`.
    public var field: String?
    public var problem: String

    public init(
        file: String, part: Part = .scenario, scenarioIndex: Int? = nil, scenarioName: String? = nil,
        field: String? = nil, problem: String
    ) {
        self.file = file
        self.part = part
        self.scenarioIndex = scenarioIndex
        self.scenarioName = scenarioName
        self.field = field
        self.problem = problem
    }

    public var description: String {
        var text = file
        if let scenarioIndex {
            text += ": \(part.rawValue) \(scenarioIndex)"
            if let scenarioName { text += " (\"\(scenarioName)\")" }
        }
        if let field { text += ": field '\(field)'" }
        return text + ": " + problem
    }
}

extension PlanError {
    /// An error about `step`, placed by its position in its own list.
    init(file: String, step: Scenario, setupCount: Int, field: String?, problem: String) {
        self.init(
            file: file, part: step.isSetup ? .setup : .scenario,
            scenarioIndex: step.isSetup ? step.index : step.index - setupCount, scenarioName: step.name, field: field,
            problem: problem)
    }
}
