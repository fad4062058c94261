/// Reads the edits out of an LLM's answer: unified diffs (fenced or bare, one or several
/// files) and SEARCH/REPLACE blocks. Prose around them is ignored.
public enum PatchParser {
    /// The patch in `answer`; throws `noEdit` when it holds none, `malformed` when a diff
    /// or block cannot be read.
    public static func parse(_ answer: String) throws(PatchError) -> Patch {
        let lines = answer.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var edits = try searchReplaceEdits(lines)
        if edits.isEmpty { edits = try diffEdits(lines) }
        guard !edits.isEmpty else {
            throw PatchError(rule: .noEdit, message: "the answer holds no unified diff and no SEARCH/REPLACE block")
        }
        return Patch(edits: edits)
    }

    // MARK: Unified diffs

    private static func diffEdits(_ lines: [String]) throws(PatchError) -> [FileEdit] {
        var edits: [FileEdit] = []
        var index = 0
        var pendingMode = false
        var pendingCreateDelete = false
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("old mode ") || line.hasPrefix("new mode ") { pendingMode = true }
            if line.hasPrefix("new file mode") || line.hasPrefix("deleted file mode") { pendingCreateDelete = true }
            if line.hasPrefix("GIT binary patch") {
                throw PatchError(rule: .malformed, message: "binary patches are not applied")
            }
            guard line.hasPrefix("--- "), index + 1 < lines.count, lines[index + 1].hasPrefix("+++ ") else {
                if line.hasPrefix("diff --git ") { pendingMode = false; pendingCreateDelete = false }
                index += 1
                continue
            }
            let oldPath = path(fromHeader: line)
            let newPath = path(fromHeader: lines[index + 1])
            index += 2
            var hunks: [Hunk] = []
            while index < lines.count, lines[index].hasPrefix("@@") {
                let header = lines[index]
                let oldStart = Int(header.dropFirst(4).prefix { $0.isNumber }) ?? 1
                index += 1
                var before: [String] = [], after: [String] = []
                while index < lines.count {
                    let body = lines[index]
                    if body.hasPrefix("@@") || body.hasPrefix("--- ") && index + 1 < lines.count && lines[index + 1].hasPrefix("+++ ") { break }
                    if body.hasPrefix("diff --git ") || body.hasPrefix("```") { break }
                    if body.hasPrefix("\\") { index += 1; continue }
                    if body.hasPrefix("-") {
                        before.append(String(body.dropFirst()))
                    } else if body.hasPrefix("+") {
                        after.append(String(body.dropFirst()))
                    } else if body.hasPrefix(" ") {
                        before.append(String(body.dropFirst()))
                        after.append(String(body.dropFirst()))
                    } else if body.isEmpty {
                        // A context line whose leading space the answer lost.
                        before.append("")
                        after.append("")
                    } else {
                        break
                    }
                    index += 1
                }
                // Trailing blank lines are usually the space between the diff and prose.
                while before.last == "" && after.last == "" && !(before.isEmpty) {
                    before.removeLast()
                    after.removeLast()
                }
                guard before != after else { continue }
                hunks.append(Hunk(oldStart: oldStart, before: before, after: after))
            }
            let creates = oldPath == "/dev/null" || newPath == "/dev/null"
            guard !hunks.isEmpty || creates || pendingMode else {
                throw PatchError(rule: .malformed, path: newPath, message: "a file header without hunks")
            }
            edits.append(FileEdit(path: creates && newPath == "/dev/null" ? oldPath : newPath, change: .hunks(hunks),
                                  changesMode: pendingMode, createsOrDeletes: creates || pendingCreateDelete))
            pendingMode = false
            pendingCreateDelete = false
        }
        return edits
    }

    /// `--- a/shop/services.py\t2024-01-01` → `shop/services.py`.
    private static func path(fromHeader header: String) -> String {
        var path = String(header.dropFirst(4))
        if let tab = path.firstIndex(of: "\t") { path = String(path[..<tab]) }
        path = path.trimmingCharacters(in: .whitespaces)
        if path.hasPrefix("\""), path.hasSuffix("\""), path.count >= 2 { path = String(path.dropFirst().dropLast()) }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { path = String(path.dropFirst(2)) }
        return path
    }

    // MARK: SEARCH/REPLACE

    private static func searchReplaceEdits(_ lines: [String]) throws(PatchError) -> [FileEdit] {
        var edits: [FileEdit] = []
        var index = 0
        while index < lines.count {
            guard lines[index].trimmingCharacters(in: .whitespaces).hasPrefix("<<<<<<< SEARCH") else {
                index += 1
                continue
            }
            guard let path = blockPath(before: index, in: lines) else {
                throw PatchError(rule: .malformed, message: "a SEARCH/REPLACE block without a file path before it")
            }
            var search: [String] = [], replace: [String] = []
            var cursor = index + 1
            while cursor < lines.count, !lines[cursor].hasPrefix("=======") {
                search.append(lines[cursor])
                cursor += 1
            }
            cursor += 1
            while cursor < lines.count, !lines[cursor].trimmingCharacters(in: .whitespaces).hasPrefix(">>>>>>> REPLACE") {
                replace.append(lines[cursor])
                cursor += 1
            }
            guard cursor < lines.count else {
                throw PatchError(rule: .malformed, path: path, message: "a SEARCH/REPLACE block without its >>>>>>> REPLACE line")
            }
            let replacement = Replacement(search: search.joined(separator: "\n"), replace: replace.joined(separator: "\n"))
            if let last = edits.indices.last, edits[last].path == path, case .replacements(var blocks) = edits[last].change {
                blocks.append(replacement)
                edits[last].change = .replacements(blocks)
            } else {
                edits.append(FileEdit(path: path, change: .replacements([replacement])))
            }
            index = cursor + 1
        }
        return edits
    }

    /// The nearest line above a block that names a file (skipping fences and blank lines).
    private static func blockPath(before index: Int, in lines: [String]) -> String? {
        var cursor = index - 1
        while cursor >= 0 {
            var text = lines[cursor].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("```") {
                let info = text.drop { $0 == "`" }.trimmingCharacters(in: .whitespaces)
                if info.contains("/") || info.contains(".") && !info.contains(" ") && info.count > 3 && !["python", "js"].contains(info) {
                    return info
                }
                cursor -= 1
                continue
            }
            if text.isEmpty { cursor -= 1; continue }
            for prefix in ["File:", "file:", "Path:", "path:", "###", "**"] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
            text = text.trimmingCharacters(in: CharacterSet(charactersIn: "`*: "))
            return text.isEmpty || text.contains(" ") ? nil : text
        }
        return nil
    }
}

import Foundation
