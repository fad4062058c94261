/// Unified diffs of whole files, in the form `git apply` accepts: `diff --git` headers, three
/// lines of context, `\ No newline at end of file` where it applies.
public enum UnifiedDiff {
    public static func make(path: String, old: String, new: String, context: Int = 3) -> String {
        let oldText = TextLines(old), newText = TextLines(new)
        let a = oldText.lines, b = newText.lines
        // A last line without its newline is a different line from the same text with one.
        func comparable(_ lines: [String], trailingNewline: Bool) -> [String] {
            guard !trailingNewline, let last = lines.last else { return lines }
            return lines.dropLast() + [last + "\u{0}"]
        }
        let script = editScript(comparable(a, trailingNewline: oldText.trailingNewline), comparable(b, trailingNewline: newText.trailingNewline))
        guard script.contains(where: { $0.kind != .same }) else { return "" }
        var output = "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n"
        // Group the script into hunks with `context` lines around each change.
        var index = 0
        while index < script.count {
            guard let changeStart = script[index...].firstIndex(where: { $0.kind != .same }) else { break }
            var hunkStart = max(0, changeStart - context)
            var hunkEnd = changeStart
            var cursor = changeStart
            while cursor < script.count {
                if script[cursor].kind != .same {
                    hunkEnd = cursor
                    cursor += 1
                    continue
                }
                // A run of equal lines longer than twice the context ends the hunk.
                let runEnd = script[cursor...].firstIndex { $0.kind != .same } ?? script.count
                if runEnd - cursor > 2 * context || runEnd == script.count { break }
                cursor = runEnd
            }
            let stop = min(script.count, hunkEnd + context + 1)
            if hunkStart < index { hunkStart = index }
            let slice = script[hunkStart..<stop]
            let oldStart = slice.first { $0.kind != .insert }?.oldIndex ?? (script[..<hunkStart].last { $0.kind != .insert }?.oldIndex ?? -1) + 1
            let newStart = slice.first { $0.kind != .delete }?.newIndex ?? (script[..<hunkStart].last { $0.kind != .delete }?.newIndex ?? -1) + 1
            let oldCount = slice.filter { $0.kind != .insert }.count
            let newCount = slice.filter { $0.kind != .delete }.count
            output += "@@ -\(oldCount == 0 ? oldStart : oldStart + 1),\(oldCount) +\(newCount == 0 ? newStart : newStart + 1),\(newCount) @@\n"
            for step in slice {
                let missingNewline: Bool
                switch step.kind {
                case .same:
                    output += " \(a[step.oldIndex])\n"
                    missingNewline = step.oldIndex == a.count - 1 && !oldText.trailingNewline
                case .delete:
                    output += "-\(a[step.oldIndex])\n"
                    missingNewline = step.oldIndex == a.count - 1 && !oldText.trailingNewline
                case .insert:
                    output += "+\(b[step.newIndex])\n"
                    missingNewline = step.newIndex == b.count - 1 && !newText.trailingNewline
                }
                if missingNewline { output += "\\ No newline at end of file\n" }
            }
            index = stop
        }
        return output
    }

    struct Step {
        enum Kind { case same, delete, insert }
        var kind: Kind
        var oldIndex: Int
        var newIndex: Int
    }

    /// Myers' O(ND) shortest edit script, exploring at most `limit` edits; past that (or for
    /// very long files) the differing middle becomes one delete-and-insert block. Each trace
    /// row keeps only its live diagonals, so memory is O(D²), not O(D·N).
    static func editScript(_ a: [String], _ b: [String], limit: Int = 2000) -> [Step] {
        let n = a.count, m = b.count
        if let script = myers(a, b, limit: limit) { return script }
        var prefix = 0
        while prefix < n, prefix < m, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < n - prefix, suffix < m - prefix, a[n - 1 - suffix] == b[m - 1 - suffix] { suffix += 1 }
        var steps = (0..<prefix).map { Step(kind: .same, oldIndex: $0, newIndex: $0) }
        steps += (prefix..<(n - suffix)).map { Step(kind: .delete, oldIndex: $0, newIndex: prefix) }
        steps += (prefix..<(m - suffix)).map { Step(kind: .insert, oldIndex: n - suffix, newIndex: $0) }
        steps += (0..<suffix).map { Step(kind: .same, oldIndex: n - suffix + $0, newIndex: m - suffix + $0) }
        return steps
    }

    private static func myers(_ a: [String], _ b: [String], limit: Int) -> [Step]? {
        let n = a.count, m = b.count
        let maximum = min(n + m, limit)
        var v = [Int: Int]()
        v[1] = 0
        var trace: [[Int: Int]] = []
        var found = false
        search: for d in 0...maximum {
            var row = [Int: Int]()
            for k in stride(from: -d, through: d, by: 2) {
                let down = k == -d || (k != d && (v[k - 1] ?? -1) < (v[k + 1] ?? -1))
                var x = down ? (v[k + 1] ?? 0) : (v[k - 1] ?? 0) + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                row[k] = x
                v[k] = x
                if x >= n && y >= m {
                    trace.append(row)
                    found = true
                    break search
                }
            }
            trace.append(row)
        }
        guard found else { return nil }
        var steps: [Step] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let k = x - y
            let previous = d > 0 ? trace[d - 1] : [:]
            let down = k == -d || (k != d && (previous[k - 1] ?? -1) < (previous[k + 1] ?? -1))
            let previousK = down ? k + 1 : k - 1
            let previousX = d > 0 ? (previous[previousK] ?? 0) : 0
            let previousY = previousX - previousK
            let startX = d > 0 ? (down ? previousX : previousX + 1) : 0
            let startY = startX - k
            while x > startX && y > startY {
                x -= 1; y -= 1
                steps.append(Step(kind: .same, oldIndex: x, newIndex: y))
            }
            if d > 0 {
                if down { steps.append(Step(kind: .insert, oldIndex: previousX, newIndex: previousY)) }
                else { steps.append(Step(kind: .delete, oldIndex: previousX, newIndex: previousY)) }
            }
            x = previousX
            y = previousY
        }
        return steps.reversed()
    }
}
