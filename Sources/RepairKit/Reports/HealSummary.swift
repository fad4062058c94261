/// The closing summary of a heal cycle for a person.
public enum HealSummary {
    /// With `color`, marks and diffs are coloured (ANSI) for a terminal.
    public static func text(_ report: HealReport, llmConfigured: Bool, color: Bool = false) -> String {
        var lines: [String] = []
        let paint = Paint(enabled: color)
        let before = String(format: "%.1f%%", report.initialPassRate * 100),
            after = String(format: "%.1f%%", report.finalPassRate * 100)
        lines.append(
            report.healed
                ? paint.green("Healed") + ": pass rate \(before) → \(after)"
                : paint.red("Not healed") + ": pass rate \(before) → \(after)")
        lines.append("Stopped because \(report.stopReason).")
        if !report.groups.isEmpty {
            lines.append("")
            lines.append("Before → after, per group:")
            lines += report.groups.flatMap { groupLines($0, paint: paint) }
        }
        let attempts = report.iterations.flatMap(\.attempts)
        var counts: [String: Int] = [:]
        for attempt in attempts { counts[attempt.outcome.rawValue, default: 0] += 1 }
        lines.append(
            "Iterations: \(report.iterations.count); attempts: \(attempts.count)"
                + (counts.isEmpty
                    ? ""
                    : " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                        + ")"))
        lines.append(
            "LLM calls: \(report.llmCalls); tokens: \(report.tokensIn) in, \(report.tokensOut) out"
                + (report.cost.map { "; cost: \(Money.text($0))" } ?? ""))
        if !report.filesChanged.isEmpty {
            lines.append("Files changed: \(report.filesChanged.joined(separator: ", "))")
        }
        if !report.groupsLeft.isEmpty {
            lines.append("")
            lines.append("Groups left (\(report.groupsLeft.count)), worst first:")
            lines += report.groupsLeft.map { "  - \($0)" }
        }
        if !llmConfigured && !report.groupsLeft.isEmpty {
            lines.append("")
            lines.append("No LLM is configured, so nothing was patched. Set a provider's usual variables, e.g.:")
            lines.append(
                "  export OPENAI_API_KEY=…          # OpenAI (OPENAI_BASE_URL for a compatible server, OPENAI_MODEL)")
            lines.append("  export ANTHROPIC_API_KEY=…       # Anthropic")
            lines.append("  export OLLAMA_HOST=127.0.0.1     # a local Ollama (OLLAMA_MODEL)")
            lines.append("or add an [llm] section to repair.toml; `repairctl llm check APP_DIR` tries it without")
            lines.append("spending a token. See the README, \"Pointing it at an LLM\".")
        }
        let proposed = report.iterations.flatMap(\.attempts).filter { $0.outcome == .dryRun && !$0.diff.isEmpty }
        if !proposed.isEmpty {
            lines.append("")
            lines.append("Patches proposed (--dry-run, nothing written):")
            for attempt in proposed {
                lines.append("# \(attempt.group)")
                lines.append(attempt.diff.hasSuffix("\n") ? String(attempt.diff.dropLast()) : attempt.diff)
            }
        }
        if !report.keptDiff.isEmpty {
            lines.append("")
            lines.append("Kept changes:")
            lines.append(
                paint.diff(report.keptDiff.hasSuffix("\n") ? String(report.keptDiff.dropLast()) : report.keptDiff))
        }
        return lines.joined(separator: "\n")
    }

    /// A group's before → after: its first failure and trace, where it was tied, what was tried.
    static func groupLines(_ group: GroupOutcome, paint: Paint) -> [String] {
        let mark = group.healed ? paint.green("✔") : paint.red("✘")
        var lines = [
            "\(mark) \(group.endpoint) — \(group.kind)\(group.appearedLater ? " (appeared during the cycle)" : "")"
        ]
        lines.append("    before: \(group.failure.prefix(200))")
        if let trace = group.trace {
            lines.append("    trace: \(trace.prefix(200))\(group.tiedBy.map { " (tied \($0))" } ?? "")")
        }
        if let location = group.location { lines.append("    source: \(location)") }
        let tried = group.attempts.isEmpty ? "nothing tried" : group.attempts.joined(separator: ", ")
        if group.healed {
            let by =
                group.fixSource.map { $0 == "pattern" ? "by a learned pattern" : "by the LLM" }
                ?? "by another group's fix"
            lines.append("    after: healed \(by) (\(tried))")
        } else {
            lines.append("    after: \(paint.red("still failing")) (\(tried))")
        }
        if let answer = group.answerWithoutEdit {
            let oneLine = answer.split(whereSeparator: \.isNewline).joined(separator: " ")
            lines.append(
                "    the LLM answered without an edit: \"\(oneLine.prefix(240))\(oneLine.count > 240 ? "…" : "")\"")
        }
        return lines
    }
}

/// ANSI colours for a terminal, or plain text.
struct Paint {
    var enabled: Bool

    func green(_ text: String) -> String { enabled ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
    func red(_ text: String) -> String { enabled ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { enabled ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    /// A unified diff with added lines green, removed lines red and headers bold.
    func diff(_ text: String) -> String {
        guard enabled else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("+++") || line.hasPrefix("---") || line.hasPrefix("diff ") { return bold(String(line)) }
            if line.hasPrefix("@@") { return "\u{1B}[36m\(line)\u{1B}[0m" }
            if line.hasPrefix("+") { return green(String(line)) }
            if line.hasPrefix("-") { return red(String(line)) }
            return String(line)
        }.joined(separator: "\n")
    }
}
