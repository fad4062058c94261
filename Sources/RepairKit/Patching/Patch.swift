/// Edits an LLM proposed, as parsed from its answer, before they touch any file.
public struct Patch: Sendable, Equatable {
    public var edits: [FileEdit]

    public init(edits: [FileEdit]) { self.edits = edits }

    /// The files the patch names, in order, each once.
    public var paths: [String] {
        var seen: [String] = []
        for edit in edits where !seen.contains(edit.path) { seen.append(edit.path) }
        return seen
    }
}

/// The edits of one file: unified-diff hunks or SEARCH/REPLACE blocks.
public struct FileEdit: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case hunks([Hunk])
        case replacements([Replacement])
    }

    /// As the answer wrote it, `a/` and `b/` prefixes removed.
    public var path: String
    public var change: Change
    /// The diff asked for a file mode change (refused by the guard).
    public var changesMode: Bool
    /// The diff creates or deletes the file (refused by the guard).
    public var createsOrDeletes: Bool

    public init(path: String, change: Change, changesMode: Bool = false, createsOrDeletes: Bool = false) {
        self.path = path
        self.change = change
        self.changesMode = changesMode
        self.createsOrDeletes = createsOrDeletes
    }
}

/// One hunk of a unified diff. Its line numbers are a hint only: it is placed by its context.
public struct Hunk: Sendable, Equatable {
    public var oldStart: Int
    /// Context and removed lines, in order: what the file must hold.
    public var before: [String]
    /// Context and added lines, in order: what it holds after.
    public var after: [String]
}

/// One SEARCH/REPLACE block.
public struct Replacement: Sendable, Equatable {
    public var search: String
    public var replace: String
}
