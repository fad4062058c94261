import Foundation

/// One violation group of a heal cycle, before and after: what failed first and why, where the
/// trace was tied and the source located, what was tried, and how it ended.
public struct GroupOutcome: Sendable, Codable, Equatable {
    public var group: String
    public var kind: String
    /// `POST /products`, or `the app`.
    public var endpoint: String
    public var scenarios: [String]
    /// The first failure: expected and actual status, and what went wrong.
    public var failure: String
    /// The exception and where it was raised, when the app printed a trace.
    public var trace: String?
    /// How the trace was tied to the request (`by its request id`).
    public var tiedBy: String?
    /// The place in the source the repair looked at (`shop/services.py:27 in create_product`).
    public var location: String?
    /// Whether the group passes at the end of the cycle.
    public var healed: Bool
    /// Where the kept fix came from: `pattern` or `llm`; nil when nothing was kept.
    public var fixSource: String?
    /// Every attempt's outcome, in order.
    public var attempts: [String]
    /// The kept change, as a unified diff.
    public var keptDiff: String
    /// The LLM's last answer that held no usable edit, shortened.
    public var answerWithoutEdit: String?
    /// Whether the group only appeared during the cycle (a fix uncovered it).
    public var appearedLater: Bool

    enum CodingKeys: String, CodingKey {
        case group, kind, endpoint, scenarios, failure, trace, tiedBy = "tied_by", location, healed
        case fixSource = "fix_source", attempts, keptDiff = "kept_diff", answerWithoutEdit = "answer_without_edit"
        case appearedLater = "appeared_later"
    }
}

extension GroupOutcome {
    /// Longest answer shown for `no_edit`.
    static let answerLimit = 600

    /// The story of every group the cycle met: those of the first run, then those that
    /// appeared later, each with the attempts made on it. Text from the app is redacted.
    static func outcomes(
        initial: SmokeRun, seen: [ViolationGroup], final: SmokeRun, iterations: [IterationReport],
        redactor: SecretRedactor
    ) -> [GroupOutcome] {
        let attempts = iterations.flatMap(\.attempts)
        let left = Set(final.groups.map(\.key))
        let firstKeys = Set(initial.groups.map(\.key))
        var outcomes: [GroupOutcome] = []
        var listed: Set<String> = []
        for group in initial.groups + seen where !listed.contains(group.key) {
            listed.insert(group.key)
            let tried = attempts.filter { $0.group == group.key }
            let kept = tried.filter { $0.outcome == .kept }
            let result = group.violations.first?.result
            var failure =
                result.map {
                    "expected \($0.scenario.expectation), got \($0.actualStatus.map(String.init) ?? "no answer")"
                } ?? ""
            if let error = result?.error, !error.isEmpty {
                failure = error.hasPrefix(failure) ? error : failure + ": " + error
            }
            var trace: String?
            if let found = group.trace {
                let root = found.rootCause
                trace = "\(root.exceptionType)\(root.message.isEmpty ? "" : ": \(root.message)")"
                if let frame = found.topInAppFrame ?? root.topInAppFrame {
                    let appPrefix = initial.appDirectory.standardizedFileURL.path + "/"
                    let file =
                        frame.file.hasPrefix(appPrefix) ? String(frame.file.dropFirst(appPrefix.count)) : frame.file
                    trace! += " at \(file)\(frame.line.map { ":\($0)" } ?? "") in \(frame.function)"
                }
            }
            let location = group.location.map { place in
                "\(place.file)\(place.line.map { ":\($0)" } ?? "")\(place.function.map { " in \($0)" } ?? "") (\(place.note))"
            }
            let unanswered = tried.last { $0.outcome == .noEdit && !$0.answer.isEmpty }?.answer
            outcomes.append(
                GroupOutcome(
                    group: group.key, kind: group.kind.rawValue,
                    endpoint: group.method.isEmpty ? "the app" : "\(group.method) \(group.route)",
                    scenarios: group.scenarioNames, failure: redactor.redact(failure),
                    trace: trace.map(redactor.redact), tiedBy: group.traceEvidence?.phrase, location: location,
                    healed: !left.contains(group.key), fixSource: kept.last?.source,
                    attempts: tried.map(\.outcome.rawValue),
                    keptDiff: kept.map(\.diff).joined(),
                    answerWithoutEdit: unanswered.map { answer in
                        answer.count > answerLimit ? String(answer.prefix(answerLimit)) + "…" : answer
                    },
                    appearedLater: !firstKeys.contains(group.key)))
        }
        return outcomes
    }
}
