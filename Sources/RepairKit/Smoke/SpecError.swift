/// An OpenAPI document that cannot be used: names the file and the JSON pointer inside it.
public struct SpecError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// JSON pointer to the bad part, e.g. `/paths/~1pets/get/responses`; empty for the root.
    public var pointer: String
    public var problem: String

    public init(file: String, pointer: String = "", problem: String) {
        self.file = file
        self.pointer = pointer
        self.problem = problem
    }

    public var description: String {
        pointer.isEmpty ? "\(file): \(problem)" : "\(file): at #\(pointer): \(problem)"
    }
}
