/// Applies one file's edits to its text, placing each by its context, never by line number.
public enum PatchApplier {
    public enum Outcome: Sendable, Equatable {
        case changed(String)
        /// Every edit is already in the file.
        case alreadyApplied
    }

    public static func apply(_ edit: FileEdit, to content: String) throws(PatchError) -> Outcome {
        var text = TextLines(content)
        var changedAny = false
        switch edit.change {
        case .hunks(let hunks):
            for hunk in hunks {
                if try apply(hunk, to: &text, path: edit.path) { changedAny = true }
            }
        case .replacements(let replacements):
            for replacement in replacements {
                if try apply(replacement, to: &text, path: edit.path) { changedAny = true }
            }
        }
        return changedAny ? .changed(text.joined) : .alreadyApplied
    }

    /// True when the hunk changed the text; false when its result was already there.
    private static func apply(_ hunk: Hunk, to text: inout TextLines, path: String) throws(PatchError) -> Bool {
        guard !hunk.before.isEmpty else {
            throw PatchError(rule: .malformed, path: path, message: "a hunk with no context lines cannot be placed")
        }
        // Full context first; then, like patch(1)'s fuzz, up to two outer context lines less
        // on each side — the changed lines and what context remains must still match once.
        for fuzz in 0...2 {
            guard let trimmed = hunk.trimmingContext(fuzz) else { break }
            let matches = text.positions(of: trimmed.before)
            if matches.count > 1 {
                if fuzz == 0 {
                    throw PatchError(
                        rule: .ambiguous, path: path,
                        message: "the hunk at line \(hunk.oldStart) matches \(matches.count) places")
                }
                break
            }
            if let start = matches.first {
                text.lines.replaceSubrange(
                    start..<(start + trimmed.before.count),
                    with: Self.reindented(
                        trimmed.after, from: trimmed.before,
                        to: Array(text.lines[start..<(start + trimmed.before.count)])))
                return true
            }
        }
        if !hunk.after.isEmpty, text.positions(of: hunk.after).count == 1 { return false }
        throw PatchError(
            rule: .contextNotFound, path: path,
            message:
                "the hunk at line \(hunk.oldStart) does not match the file: \(hunk.before.first { !$0.isEmpty }.map { "\"\($0.trimmingCharacters(in: .whitespaces))\"…" } ?? "")"
        )
    }

    /// `lines` (a hunk's after-text) moved to the indentation of the place they land: when the
    /// matched text is indented otherwise than the hunk (the same code one level deeper in
    /// another app), context lines are the file's own and added lines shift by the difference.
    static func reindented(_ lines: [String], from hunk: [String], to file: [String]) -> [String] {
        func indentation(_ line: String) -> Substring { line.prefix { $0 == " " || $0 == "\t" } }
        guard let index = hunk.indices.first(where: { !hunk[$0].trimmingCharacters(in: .whitespaces).isEmpty }),
            index < file.count
        else { return lines }
        let from = indentation(hunk[index]), to = indentation(file[index])
        guard from != to, hunk.count == file.count else { return lines }
        let (leading, trailing) = Hunk.sharedEnds(hunk, lines)
        let delta = to.count - from.count, unit: Character = to.first ?? from.first ?? " "
        return lines.enumerated().map { offset, line in
            if offset < leading { return file[offset] }
            if offset >= lines.count - trailing { return file[file.count - (lines.count - offset)] }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return line }
            let own = indentation(line)
            return String(repeating: unit, count: max(0, own.count + delta)) + line.dropFirst(own.count)
        }
    }

    private static func apply(
        _ replacement: Replacement, to text: inout TextLines, path: String
    ) throws(PatchError) -> Bool {
        let search = replacement.search.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let replace =
            replacement.replace.isEmpty
            ? [] : replacement.replace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard search.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw PatchError(rule: .malformed, path: path, message: "an empty SEARCH section")
        }
        let matches = text.positions(of: search)
        if matches.count > 1 {
            throw PatchError(rule: .ambiguous, path: path, message: "the SEARCH text matches \(matches.count) places")
        }
        if let start = matches.first {
            text.lines.replaceSubrange(start..<(start + search.count), with: replace)
            return true
        }
        if !replace.isEmpty, text.positions(of: replace).count == 1 { return false }
        throw PatchError(
            rule: .contextNotFound, path: path,
            message:
                "the SEARCH text is not in the file: \"\(search.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }!.trimmingCharacters(in: .whitespaces))\"…"
        )
    }
}

/// A file's text as lines, remembering whether it ended with a newline.
struct TextLines {
    var lines: [String]
    let trailingNewline: Bool

    init(_ content: String) {
        var parts = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        trailingNewline = content.hasSuffix("\n")
        if trailingNewline { parts.removeLast() }
        lines = parts
    }

    var joined: String { lines.joined(separator: "\n") + (trailingNewline ? "\n" : "") }

    /// Where `block` stands: exact matches, else matches ignoring trailing white space, else
    /// ignoring indentation too.
    func positions(of block: [String]) -> [Int] {
        for normalize in [{ (line: String) in line }, Self.trimmingTrailing, Self.trimmingBoth] {
            let wanted = block.map(normalize)
            var found: [Int] = []
            if wanted.count <= lines.count {
                for start in 0...(lines.count - wanted.count) {
                    var equal = true
                    for offset in 0..<wanted.count where normalize(lines[start + offset]) != wanted[offset] {
                        equal = false
                        break
                    }
                    if equal { found.append(start) }
                }
            }
            if !found.isEmpty { return found }
        }
        return []
    }

    static func trimmingTrailing(_ line: String) -> String {
        var line = line
        while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
        return line
    }

    static func trimmingBoth(_ line: String) -> String {
        trimmingTrailing(line).drop { $0 == " " || $0 == "\t" }.description
    }
}

extension Hunk {
    /// The hunk with `count` context lines fewer at each end (only lines that are context on
    /// both sides); nil when no context would be left around the change.
    func trimmingContext(_ count: Int) -> Hunk? {
        guard count > 0 else { return self }
        let (leading, trailing) = Self.sharedEnds(before, after)
        let dropFront = min(count, leading), dropBack = min(count, trailing)
        guard dropFront + dropBack > 0,
            leading - dropFront + trailing - dropBack > 0 || before.count - leading - trailing > 0
        else { return nil }
        let newBefore = Array(before[dropFront..<(before.count - dropBack)])
        let newAfter = Array(after[dropFront..<(after.count - dropBack)])
        guard !newBefore.isEmpty else { return nil }
        return Hunk(oldStart: oldStart + dropFront, before: newBefore, after: newAfter)
    }
}
