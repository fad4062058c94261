/// What a rerun says of one change, judged against the run before it: kept when it healed
/// scenarios that failed before and broke none that passed. A change is credited with the
/// groups whose scenarios it healed — its own, or another's (a schema fix can heal a route
/// that failed for the same reason), and is then kept, never buried as a failure.
public struct Verdict: Sendable {
    /// `kept`, `regressed` or `healedNothing`.
    public var outcome: AttemptOutcome
    /// Groups of the run before whose scenarios now pass, the change's own group first.
    public var credited: [ViolationGroup]
    /// Scenarios of the run before that now pass.
    public var healed: Int
    /// Names of scenarios that passed before and fail now.
    public var regressions: [String]

    /// Judges the change made for `group` by comparing `after` with `before`.
    /// - Parameter creditOthers: whether scenarios of other groups count for the change. Not
    ///   when several changes were judged together: who healed what is then unknown.
    public static func judge(
        _ group: ViolationGroup, before: SmokeRun, after: SmokeRun, creditOthers: Bool = true
    ) -> Verdict {
        let passing = Set(after.results.filter(\.passed).map(\.scenario.index))
        let passedBefore = Set(before.results.filter(\.passed).map(\.scenario.index))
        let regressions = after.results.filter { !$0.passed && passedBefore.contains($0.scenario.index) }.map(
            \.scenario.name)
        let own = before.groups.first { $0.key == group.key } ?? group
        var credited: [ViolationGroup] = []
        var healed = 0
        for candidate in [own] + (creditOthers ? before.groups.filter { $0.key != group.key } : []) {
            let count = candidate.violations.filter { passing.contains($0.result.scenario.index) }.count
            if count > 0 {
                credited.append(candidate)
                healed += count
            }
        }
        let outcome: AttemptOutcome =
            after.appFailure != nil || !regressions.isEmpty ? .regressed : (healed > 0 ? .kept : .healedNothing)
        return Verdict(
            outcome: outcome, credited: outcome == .kept ? credited : [], healed: healed, regressions: regressions)
    }

    /// Whether the change healed some of its own group's scenarios.
    public func healedOwn(_ group: ViolationGroup) -> Bool { credited.first?.key == group.key }

    /// A sentence for the report.
    public func detail(for group: ViolationGroup) -> String {
        switch outcome {
        case .kept:
            let others = credited.filter { $0.key != group.key }.map(\.displayName)
            let credit = others.isEmpty ? "" : "; credited to \(others.joined(separator: ", "))"
            return "healed \(healed) scenario(s), no regression\(credit)"
        case .regressed:
            return regressions.isEmpty
                ? "the app did not come up with it" : "broke: \(regressions.joined(separator: ", "))"
        default:
            return "none of the failing scenarios passed"
        }
    }
}

extension ViolationGroup {
    /// `crash GET /orders/{order_id} → 500`, for reports.
    public var displayName: String {
        "\(kind.rawValue) \(method.isEmpty ? "app" : "\(method) \(route)")\(status.map { " → \($0)" } ?? "")"
    }
}
