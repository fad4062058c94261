import Foundation

/// What happened to one proposed fix.
public enum AttemptOutcome: String, Sendable, Codable {
    /// The verdict kept it: it healed its group and broke nothing.
    case kept
    /// Rolled back: a scenario that passed before failed with it.
    case regressed
    /// Rolled back: none of its group's scenarios passed with it.
    case healedNothing = "healed_nothing"
    /// Rolled back: the `[app] check` command failed, also after one corrected answer.
    case checkFailed = "check_failed"
    /// The guard refused it before any write (the rule says why).
    case refused
    /// This patch already failed for this failure (a GRAVEYARD lesson): never applied again.
    case graveyard
    /// The answer held no edit.
    case noEdit = "no_edit"
    /// The edit could not be placed: context not found, or found twice.
    case notApplicable = "not_applicable"
    /// The file already held the edit.
    case alreadyApplied = "already_applied"
    /// The LLM gave no answer (after retries and the fallback).
    case llmError = "llm_error"
    /// The token budget would be exceeded.
    case budgetExhausted = "budget_exhausted"
    /// No LLM is configured.
    case noLLM = "no_llm"
    /// `--dry-run`: shown, not written.
    case dryRun = "dry_run"
    /// Waits for another fix touching the same files to be judged first.
    case deferred
    /// Not asked again: its prompt is the one that got an answer with no usable edit earlier in
    /// this cycle, so the answer would be the same.
    case notAskedAgain = "not_asked_again"
}

/// One attempt at one group.
public struct AttemptReport: Sendable, Codable {
    public var group: String
    public var kind: String
    /// `llm` (or `pattern` once the learning store supplies fixes).
    public var source: String
    public var outcome: AttemptOutcome
    /// The guard or placement rule that refused the patch.
    public var rule: String?
    public var files: [String]
    /// The patch as a unified diff that `git apply` accepts.
    public var diff: String
    public var tokensIn: Int
    public var tokensOut: Int
    public var detail: String
    /// The prompt sent and the answer received; kept in the store, left out of reports.
    public var prompt = ""
    public var answer = ""
    /// Time spent asking the LLM for this fix.
    public var durationMilliseconds = 0.0

    enum CodingKeys: String, CodingKey {
        case group, kind, source, outcome, rule, files, diff, tokensIn = "tokens_in", tokensOut = "tokens_out", detail
    }
    /// A group the LLM was not asked about (none configured, the budget spent, the same
    /// evidence already answered without an edit): its outcome and why, nothing spent.
    static func unasked(_ group: ViolationGroup, _ outcome: AttemptOutcome, detail: String) -> AttemptReport {
        AttemptReport(
            group: group.key, kind: group.kind.rawValue, source: "llm", outcome: outcome, rule: nil,
            files: [], diff: "", tokensIn: 0, tokensOut: 0, detail: detail)
    }
}

/// One iteration: its attempts and the pass rate after its verdict.
public struct IterationReport: Sendable, Codable {
    public var number: Int
    public var passRate: Double
    public var failed: Int
    public var attempts: [AttemptReport]

    enum CodingKeys: String, CodingKey { case number, passRate = "pass_rate", failed, attempts }
}

/// The outcome of a heal cycle, as `repairctl once --json` prints it.
public struct HealReport: Sendable, Codable {
    public var healed: Bool
    public var runID: String
    public var initialPassRate: Double
    public var finalPassRate: Double
    public var llmCalls: Int
    public var tokensIn: Int
    public var tokensOut: Int
    /// What the LLM calls cost at the configured prices; nil when no endpoint is priced.
    public var cost: Double?
    /// Calls, tokens and cost by provider and model.
    public var llmUsage: [LLMUsage] = []
    public var iterations: [IterationReport]
    public var filesChanged: [String]
    /// Every kept change, as one unified diff.
    public var keptDiff: String
    /// Why the loop stopped.
    public var stopReason: String
    /// Violation groups still failing, worst first.
    public var groupsLeft: [String]
    /// Every group the cycle met, before and after, those of the first run first.
    public var groups: [GroupOutcome] = []

    enum CodingKeys: String, CodingKey {
        case healed, runID = "run_id", initialPassRate = "initial_pass_rate", finalPassRate = "final_pass_rate"
        case llmCalls = "llm_calls", tokensIn = "tokens_in", tokensOut = "tokens_out", cost, llmUsage = "llm_usage"
        case iterations
        case filesChanged = "files_changed", keptDiff = "kept_diff", stopReason = "stop_reason", groupsLeft =
            "groups_left"
        case groups
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
