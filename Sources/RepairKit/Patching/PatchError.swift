/// Why a patch was not applied. Each is an outcome to record, never a crash.
public struct PatchError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Rule: String, Sendable, Codable {
        /// The answer held no usable edit.
        case noEdit = "no_edit"
        /// A diff or block could not be read.
        case malformed
        /// The context or search text is not in the file.
        case contextNotFound = "context_not_found"
        /// The context or search text matches in more than one place.
        case ambiguous
        // Guard rules:
        case absolutePath = "absolute_path"
        case pathTraversal = "path_traversal"
        case symlinkEscape = "symlink_escape"
        case notWritable = "not_writable"
        case protected
        case missingFile = "missing_file"
        case createOrDelete = "create_or_delete"
        case modeChange = "mode_change"
        case tooLarge = "too_large"
    }

    public var rule: Rule
    public var path: String?
    public var message: String

    public init(rule: Rule, path: String? = nil, message: String) {
        self.rule = rule
        self.path = path
        self.message = message
    }

    public var description: String {
        "patch refused (\(rule.rawValue))" + (path.map { " for \($0)" } ?? "") + ": \(message)"
    }
}
