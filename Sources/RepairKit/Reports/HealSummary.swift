/// The closing summary of a heal cycle for a person.
public enum HealSummary {
    public static func text(_ report: HealReport, llmConfigured: Bool) -> String {
        var lines: [String] = []
        let before = String(format: "%.1f%%", report.initialPassRate * 100), after = String(format: "%.1f%%", report.finalPassRate * 100)
        lines.append(report.healed ? "Healed: pass rate \(before) → \(after)" : "Not healed: pass rate \(before) → \(after)")
        lines.append("Stopped because \(report.stopReason).")
        let attempts = report.iterations.flatMap(\.attempts)
        var counts: [String: Int] = [:]
        for attempt in attempts { counts[attempt.outcome.rawValue, default: 0] += 1 }
        lines.append("Iterations: \(report.iterations.count); attempts: \(attempts.count)"
            + (counts.isEmpty ? "" : " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"))
        lines.append("LLM calls: \(report.llmCalls); tokens: \(report.tokensIn) in, \(report.tokensOut) out")
        if !report.filesChanged.isEmpty { lines.append("Files changed: \(report.filesChanged.joined(separator: ", "))") }
        if !report.groupsLeft.isEmpty {
            lines.append("")
            lines.append("Groups left (\(report.groupsLeft.count)), worst first:")
            lines += report.groupsLeft.map { "  - \($0)" }
        }
        if !llmConfigured && !report.groupsLeft.isEmpty {
            lines.append("")
            lines.append("No LLM is configured, so nothing was patched. Point repaird at one in repair.toml, e.g.:")
            lines.append("  [llm]")
            lines.append("  provider = \"ollama\"          # a local model; or openai, azure, anthropic")
            lines.append("  model = \"qwen2.5-coder:7b\"")
            lines.append("  # api_key_env = \"OPENAI_API_KEY\"   # the variable holding the key, for hosted providers")
            lines.append("or set REPAIR_LLM_PROVIDER and REPAIR_LLM_MODEL. See the README, \"Pointing it at an LLM\".")
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
            lines.append(report.keptDiff.hasSuffix("\n") ? String(report.keptDiff.dropLast()) : report.keptDiff)
        }
        return lines.joined(separator: "\n")
    }
}
