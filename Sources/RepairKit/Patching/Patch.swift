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

extension Patch {
    /// The patch with each hunk cut to its changed lines, where they remove something (the
    /// removed lines then place it, and must stand once); a hunk that only adds keeps one
    /// context line each side. For learned fixes met among other surroundings.
    public func changedLinesOnly() -> Patch { cut(leading: true, trailing: true) }

    /// The patch without the context before (`leading`) and/or after (`trailing`) each
    /// hunk's changed lines, as far as the hunk can still be placed (see `changedLinesOnly`).
    public func cut(leading: Bool, trailing: Bool) -> Patch {
        Patch(
            edits: edits.map { edit in
                guard case .hunks(let hunks) = edit.change else { return edit }
                var edit = edit
                edit.change = .hunks(hunks.map { $0.cut(leading: leading, trailing: trailing) })
                return edit
            })
    }
}

extension Hunk {
    /// How many lines `a` and `b` share at their start, and then at their end: a hunk's
    /// context around its change.
    static func sharedEnds(_ a: [String], _ b: [String]) -> (leading: Int, trailing: Int) {
        var leading = 0
        while leading < min(a.count, b.count), a[leading] == b[leading] { leading += 1 }
        var trailing = 0
        while trailing < min(a.count, b.count) - leading, a[a.count - 1 - trailing] == b[b.count - 1 - trailing] {
            trailing += 1
        }
        return (leading, trailing)
    }

    func cut(leading cutLeading: Bool, trailing cutTrailing: Bool) -> Hunk {
        let (leading, trailing) = Self.sharedEnds(before, after)
        let removed = before[leading..<(before.count - trailing)]
        let keep = removed.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ? 0 : 1
        let front = cutLeading ? max(0, leading - keep) : 0
        let backBefore = cutTrailing ? min(before.count, before.count - trailing + keep) : before.count
        let backAfter = cutTrailing ? min(after.count, after.count - trailing + keep) : after.count
        return Hunk(
            oldStart: oldStart + front, before: Array(before[front..<backBefore]),
            after: Array(after[front..<backAfter]))
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
