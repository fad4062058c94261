import Foundation
import Logging
import Synchronization

/// One heal cycle: smoke → diagnose → patch → rerun, until the target pass rate, the
/// iteration limit, the token budget, or an iteration that kept nothing. The app's files end
/// as they were or in a state the verdict accepted.
public struct HealCycle: Sendable {
    /// What the cycle reports while it runs, for progress lines.
    public enum Event: Sendable {
        case smoke(iteration: Int, SmokeRun)
        /// A step of a smoke pass under way (start, seed, requests, stop), for progress and
        /// for timing the cycle's phases.
        case pass(iteration: Int, SmokePass.Event)
        case iteration(number: Int, groups: Int)
        case asking(group: String)
        case attempt(AttemptReport)
        case verifying(fixes: Int)
        case recovered(files: [String])
        /// The cycle stopped (interrupted, cancelled or failed) with these changes unjudged:
        /// they were rolled back.
        case rolledBack(files: [String])
    }

    public var appDirectory: URL
    public var config: RepairConfig
    public var plan: SmokePlan
    public var planFile: URL
    /// nil when no LLM is configured: the cycle then diagnoses and reports what is left.
    public var llm: LLMService?
    public var redactor: SecretRedactor
    public var dryRun: Bool
    public var promptTokenLimit: Int
    /// Where runs, results, groups and attempts are recorded; nil records nothing.
    public var store: RepairDatabase?
    public var logger: Logger
    /// How long to wait for another cycle holding the app (`AppLock`); nil refuses at once.
    public var lockWait: Duration?
    /// Who holds the app's lock, as a second cycle is told: `once`, a daemon job.
    public var purpose: String
    /// Where a version 2 plan's `${NAME}` values are read.
    public var environment: [String: String]
    /// A budget per UTC day shared by every cycle of `store` (a fleet's, on a shared store):
    /// asks are admitted by the store before they are sent, their largest answers reserved.
    public var dailyLimit: RepairDatabase.DailyLimit?

    public init(
        appDirectory: URL, config: RepairConfig, plan: SmokePlan, planFile: URL, llm: LLMService?,
        redactor: SecretRedactor? = nil, dryRun: Bool = false, promptTokenLimit: Int = 3000,
        store: RepairDatabase? = nil, logger: Logger = Logger(label: "repaird.cycle"), lockWait: Duration? = nil,
        purpose: String = "a heal cycle", environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.appDirectory = appDirectory.standardizedFileURL
        self.config = config
        self.plan = plan
        self.planFile = planFile
        self.llm = llm
        // One redactor for the whole cycle, however it is run: the configured keys' values and
        // every secret-looking variable's, besides the patterns it knows.
        var redactor = redactor ?? .forCycle(config: config, environment: environment, plan: plan)
        // What the plan reads from the environment is masked even under a caller's redactor.
        redactor.add(plan.environmentValues(config: config, environment: environment).values)
        self.redactor = redactor
        self.environment = environment
        self.dryRun = dryRun
        self.promptTokenLimit = promptTokenLimit
        self.store = store
        self.logger = logger
        self.lockWait = lockWait
        self.purpose = purpose
    }

    /// Runs the cycle holding the app's lock: `lock` when the caller took it, else one taken
    /// here (waiting up to `lockWait`) and released at the end. Whatever ends the cycle early
    /// (cancellation, an error), every change not yet kept is rolled back before it returns.
    public func run(holding lock: AppLock? = nil, events: (@Sendable (Event) -> Void)? = nil) async throws -> HealReport
    {
        let held: AppLock
        if let lock {
            held = lock
        } else {
            held = try await AppLock.acquire(appDirectory: appDirectory, purpose: purpose, wait: lockWait)
        }
        defer { if lock == nil { held.release() } }
        let workspace = Workspace(appDirectory: appDirectory)
        let preload = startPreload()
        do {
            let report = try await heal(workspace: workspace, preload: preload, events: events)
            await preload?.stop()
            return report
        } catch {
            await preload?.stop()
            let restored = (try? workspace.recover()) ?? []
            if !restored.isEmpty {
                logger.warning("cycle.rolled_back", metadata: ["files": "\(restored)", "error": "\(error)"])
                events?(.rolledBack(files: restored))
            }
            throw error
        }
    }

    /// The preload server of `[app] preload`, shared by the cycle's passes; nil when it is off
    /// or cannot start (the passes then start the app as usual).
    private func startPreload() -> PreloadServer? {
        guard config.app.preload else { return nil }
        let host = AppHost(
            directory: appDirectory, settings: config.app,
            runDirectory: appDirectory.appendingPathComponent(".repair/preload"), logger: logger)
        do {
            return try PreloadServer.start(host: host)
        } catch {
            logger.warning("app.preload_failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func heal(
        workspace: Workspace, preload: PreloadServer?, events: (@Sendable (Event) -> Void)?
    ) async throws -> HealReport {
        let proposer = FixProposer(
            appDirectory: appDirectory, config: config, llm: llm, redactor: redactor,
            promptTokenLimit: promptTokenLimit, logger: logger)
        // A cycle killed earlier may have left its app running and a change unjudged.
        AppHost.reapOrphan(appDirectory: appDirectory)
        // Runs of this app left open were cut short: the lock is ours, so none still runs.
        try store?.closeInterrupted(appDirectory: appDirectory)
        let recovered = try workspace.recover()
        if !recovered.isEmpty { events?(.recovered(files: recovered)) }
        var current = try await smoke(iteration: 0, preload: preload, events: events)
        let initial = current
        try store?.begin(runID: initial.runID, appDirectory: appDirectory, kind: "heal", startedAt: initial.startedAt)
        try store?.record(initial, iteration: 0, runID: initial.runID, redactor: redactor)
        var iterations: [IterationReport] = []
        var spending = FixProposer.Spending()
        var pending: [FixProposer.Proposal] = []
        var keptDiffs: [String] = []
        // Groups of the reruns, for the report's before → after (some appear only once a fix lands).
        var seenGroups: [ViolationGroup] = []
        var stopReason = "the app passed its plan"
        let guardian = PatchGuard(appDirectory: appDirectory, config: config, planFile: planFile)
        let library = store.map { PatternLibrary($0, plan: plan) }
        // Groups whose prompt got an answer with no usable edit, by that prompt's hash.
        var fruitless: [String: String] = [:]
        // Groups that waited once for another group's fix of the same crash site.
        var waitedForSameCrash: Set<String> = []

        if !needsRepair(current) {
            return try finished(
                report(
                    initial: initial, final: current, iterations: [], spending: spending, kept: [],
                    stop: "no repair was needed"))
        }
        iterationLoop: for number in 1...config.repair.maxIterations {
            // A cancelled cycle (a daemon past its shutdown grace) stops between steps; an
            // unjudged change is rolled back from the journal by the next cycle, as after a kill.
            try Task.checkCancellation()
            if meetsTarget(current) { stopReason = "the target pass rate was met"; break }
            events?(.iteration(number: number, groups: current.groups.count))
            var attempts: [AttemptReport] = []
            var proposals: [FixProposer.Proposal] = []
            let failing = Set(current.groups.map(\.key))
            pending = pending.filter { failing.contains($0.group.key) }
            var budgetSpent = false
            var dailySpent = false
            // Fixes that cost nothing first — a deferred fix still placing, a learned pattern —
            // so a group that crashes where one of those groups crashes waits for its fix
            // instead of asking the LLM for the same bug.
            var unproposed: [ViolationGroup] = []
            for group in current.groups where group.method != "" || current.appFailure != nil {
                try Task.checkCancellation()
                if let waiting = pending.firstIndex(where: { $0.group.key == group.key }) {
                    var proposal = pending.remove(at: waiting)
                    proposal.group = group
                    // A deferred fix is reused while it still places; once the files moved
                    // under it, the LLM is asked again with the source as it is now.
                    if case .success(let placed) = proposer.place(proposal.patch, guard: guardian) {
                        proposal.contents = placed.contents
                        proposal.diff = placed.diff
                        proposals.append(proposal)
                        continue
                    }
                }
                // A fix learned before, for no tokens, before any LLM call.
                if let library, let proposal = proposer.patternProposal(for: group, library: library, guard: guardian) {
                    proposals.append(proposal)
                    continue
                }
                unproposed.append(group)
            }
            // Which groups are asked is decided in order before anything is sent, and answers
            // are taken in that order, so the outcome does not depend on which answer came first.
            var slots: [AskSlot] = []
            var asks: [PlannedAsk] = []
            var reserved = 0
            for group in unproposed {
                try Task.checkCancellation()
                // A group that crashes where a fix in hand, or an ask already planned, is about
                // waits for that fix rather than paying for the same bug twice.
                if let site = group.crashSite, !waitedForSameCrash.contains(group.key),
                    let other = proposals.first(where: { $0.group.crashSite == site })?.group
                        ?? asks.first(where: { $0.group.crashSite == site })?.group
                {
                    waitedForSameCrash.insert(group.key)
                    slots.append(
                        .settled(
                            AttemptReport.unasked(
                                group, .deferred,
                                detail: "it crashes where \(other.key) does, whose fix is tried first")))
                    continue
                }
                guard llm != nil else {
                    slots.append(.settled(AttemptReport.unasked(group, .noLLM, detail: "no [llm] is configured")))
                    continue
                }
                let lessons = (try? library?.lessonLines(for: group)) ?? []
                let examples = (try? library?.exampleDiffs(for: group)) ?? []
                let prompt = RepairPrompt.build(
                    for: group, appDirectory: appDirectory, redactor: redactor, lessons: lessons,
                    examples: examples, tokenLimit: promptTokenLimit)
                let promptKey = LLMAnswerCache.key([prompt.system, prompt.user])
                if fruitless[group.key] == promptKey {
                    slots.append(
                        .settled(
                            AttemptReport.unasked(
                                group, .notAskedAgain,
                                detail: "its evidence has not changed since an answer with no usable edit")))
                    continue
                }
                // Room for the prompt and the longest answer it allows, beside every ask already
                // admitted: these asks stay within the budget however many are in flight. (The one
                // corrected answer after a failed check is asked later, unreserved, as before.)
                let reservation = prompt.estimatedTokens + prompt.request.maxTokens
                if budgetSpent || spending.total + reserved + reservation > config.repair.tokenBudget {
                    budgetSpent = true
                    slots.append(
                        .settled(
                            AttemptReport.unasked(
                                group, .budgetExhausted,
                                detail: "the cycle's budget of \(config.repair.tokenBudget) tokens would be exceeded")))
                    continue
                }
                reserved += reservation
                slots.append(.asked(asks.count))
                asks.append(PlannedAsk(group: group, prompt: prompt, promptKey: promptKey))
            }
            if let dailyLimit, let store, !asks.isEmpty, !dryRun {
                let admitted = try admitToday(
                    asks, spending: spending, limit: dailyLimit, store: store, runID: initial.runID)
                if admitted.count < asks.count {
                    budgetSpent = true
                    dailySpent = true
                    for index in slots.indices {
                        guard case .asked(let ask) = slots[index], ask >= admitted.count else { continue }
                        slots[index] = .settled(
                            AttemptReport.unasked(asks[ask].group, .budgetExhausted, detail: admitted.detail))
                    }
                    asks.removeLast(asks.count - admitted.count)
                }
            }
            var answers: [Answer] = []
            if let llm, !asks.isEmpty {
                for ask in asks { events?(.asking(group: ask.group.key)) }
                // Each ask is counted just before it is sent: a cycle killed while waiting keeps
                // the spend of what it sent, and only that.
                // Under a daily limit the admission recorded every ask with its largest answer,
                // which stays reserved until the answers are counted.
                let before = spending, store = dailyLimit == nil ? self.store : nil, runID = initial.runID
                // The first wave goes out at once; a store that cannot take its count stops the
                // cycle before anything is spent. Later asks are counted as their slots free up.
                let firstWave = asks.prefix(config.llm.concurrency)
                try store?.recordSpend(
                    runID: runID, calls: before.calls + firstWave.count,
                    tokensIn: before.tokensIn + firstWave.reduce(0) { $0 + $1.prompt.estimatedTokens },
                    tokensOut: before.tokensOut)
                answers = await ask(asks, of: llm, proposer: proposer, guard: guardian) { sent in
                    guard sent.count > firstWave.count else { return }
                    try? store?.recordSpend(
                        runID: runID, calls: before.calls + sent.count,
                        tokensIn: before.tokensIn + sent.reduce(0) { $0 + $1.prompt.estimatedTokens },
                        tokensOut: before.tokensOut)
                }
                for answer in answers { spending.add(answer.spending) }
                try recordSpend(spending, runID: initial.runID)
            }
            for slot in slots {
                guard case .asked(let index) = slot else {
                    if case .settled(let report) = slot { attempts.append(report) }
                    continue
                }
                let group = asks[index].group, promptKey = asks[index].promptKey
                switch answers[index].result {
                case .success(let proposal):
                    if let lesson = try? library?.lesson(burying: proposal.diff, for: group) {
                        fruitless[group.key] = promptKey
                        attempts.append(
                            proposer.attemptReport(
                                proposal, outcome: .graveyard,
                                detail:
                                    "this patch already failed for this failure (\(lesson.outcome), \(lesson.count)×): \(lesson.evidence)"
                            ))
                    } else {
                        proposals.append(proposal)
                    }
                case .failure(let failure):
                    if [.noEdit, .notApplicable, .refused, .alreadyApplied].contains(failure.report.outcome) {
                        fruitless[group.key] = promptKey
                    }
                    attempts.append(failure.report)
                }
            }
            attempts.forEach { events?(.attempt($0)) }

            if dryRun {
                for proposal in proposals {
                    let attempt = proposer.attemptReport(proposal, outcome: .dryRun, detail: "not written (--dry-run)")
                    attempts.append(attempt)
                    events?(.attempt(attempt))
                }
                iterations.append(
                    IterationReport(
                        number: number, passRate: current.passRate, failed: current.failed, attempts: attempts))
                try record(iterations[iterations.count - 1], standing: current, runID: initial.runID)
                stopReason = "--dry-run writes nothing"
                break
            }

            // Fixes touching different files go together; the rest wait for the next iteration.
            var batch: [FixProposer.Proposal] = []
            var used = Set<String>()
            for proposal in proposals {
                if used.isDisjoint(with: proposal.files) {
                    batch.append(proposal)
                    used.formUnion(proposal.files)
                } else {
                    pending.append(proposal)
                    let attempt = proposer.attemptReport(
                        proposal, outcome: .deferred, detail: "touches a file another fix of this iteration changes")
                    attempts.append(attempt)
                    events?(.attempt(attempt))
                }
            }
            var applied: [(proposal: FixProposer.Proposal, change: Workspace.Change)] = []
            // The rerun judging the batch starts beside its checks (discarded if one fails).
            let (outcomes, verification) = try await proposer.applyCheckedTogether(
                batch, workspace: workspace, spending: &spending, guard: guardian,
                verify: { try await pass(iteration: number, preload: preload, events: events) })
            do {
                try recordSpend(spending, runID: initial.runID)
                for (proposal, outcome) in zip(batch, outcomes) {
                    switch outcome {
                    case .success(let result): applied.append(result)
                    case .failure(let failure):
                        if failure.report.outcome == .checkFailed, !failure.report.diff.isEmpty {
                            try library?.recordFailure(
                                diff: failure.report.diff, group: proposal.group, outcome: "check_failed",
                                evidence: failure.report.detail, pattern: proposal.pattern,
                                appDirectory: appDirectory)
                        }
                        attempts.append(failure.report)
                        events?(.attempt(failure.report))
                    }
                }
            } catch {
                // Nothing is rolled back while the early rerun's app still runs on these files.
                verification?.cancel()
                _ = try? await verification?.value
                throw error
            }
            guard !applied.isEmpty else {
                iterations.append(
                    IterationReport(
                        number: number, passRate: current.passRate, failed: current.failed, attempts: attempts))
                try record(iterations[iterations.count - 1], standing: current, runID: initial.runID)
                if pending.isEmpty {
                    stopReason =
                        budgetSpent
                        ? (dailySpent ? "the daily budget was spent" : "the token budget was spent")
                        : (llm == nil ? "no LLM is configured" : "an iteration kept nothing")
                    break iterationLoop
                }
                continue
            }

            events?(.verifying(fixes: applied.count))
            let started = OneShot(verification)
            let verdict = BatchVerdict(
                workspace: workspace,
                rerun: {
                    guard let early = started.take() else {
                        return try await smoke(iteration: number, preload: preload, events: events)
                    }
                    let run = try await withTaskCancellationHandler {
                        try await early.value
                    } onCancel: {
                        early.cancel()
                    }
                    events?(.smoke(iteration: number, run))
                    return run
                })
            let pendingChanges = applied.map { entry in
                BatchVerdict.Pending(
                    group: entry.proposal.group, change: entry.change,
                    reapply: { try workspace.apply(entry.proposal.contents) })
            }
            let judged = try await verdict.judge(pendingChanges, before: current)
            var keptAny = false
            for ((proposal, _), judgement) in zip(applied, judged.verdicts) {
                if judgement.outcome == .kept {
                    keptAny = true
                    keptDiffs.append(proposal.diff)
                    // Credited to each group it healed, its own or another's: learned for them.
                    for group in judgement.credited {
                        // The pattern it came from is credited for its own group.
                        try library?.recordSuccess(
                            diff: proposal.diff, group: group, appDirectory: appDirectory,
                            pattern: group.key == proposal.group.key ? proposal.pattern : nil)
                    }
                } else {
                    let evidence =
                        judgement.outcome == .regressed
                        ? "broke \(judgement.regressions.joined(separator: ", "))" : "none of its scenarios passed"
                    try library?.recordFailure(
                        diff: proposal.diff, group: proposal.group, outcome: judgement.outcome.rawValue,
                        evidence: evidence, pattern: proposal.pattern, appDirectory: appDirectory)
                }
                let attempt = proposer.attemptReport(
                    proposal, outcome: judgement.outcome, detail: judgement.detail(for: proposal.group))
                attempts.append(attempt)
                events?(.attempt(attempt))
            }
            current = judged.standing
            seenGroups += current.groups
            iterations.append(
                IterationReport(number: number, passRate: current.passRate, failed: current.failed, attempts: attempts))
            try record(iterations[iterations.count - 1], standing: current, runID: initial.runID)
            if !keptAny && pending.isEmpty {
                stopReason = "an iteration kept nothing"
                break
            }
            if number == config.repair.maxIterations { stopReason = "the iteration limit was reached" }
        }
        if meetsTarget(current) { stopReason = "the target pass rate was met" }
        return try finished(
            report(
                initial: initial, final: current, iterations: iterations, spending: spending, kept: keptDiffs,
                stop: stopReason, seen: seenGroups))
    }

    /// Records an iteration's attempts and the run that stands after it.
    private func record(_ iteration: IterationReport, standing run: SmokeRun, runID: String) throws {
        guard let store else { return }
        for attempt in iteration.attempts { try store.record(attempt, iteration: iteration.number, runID: runID) }
        try store.record(run, iteration: iteration.number, runID: runID, redactor: redactor)
    }

    /// How many of `asks`, in order, the store admits under the daily limit (with what is
    /// spent, and each ask's prompt and largest answer at the dearest endpoint's price), and
    /// why the rest are not sent.
    private func admitToday(
        _ asks: [PlannedAsk], spending: FixProposer.Spending, limit: RepairDatabase.DailyLimit,
        store: RepairDatabase, runID: String
    ) throws -> (count: Int, detail: String) {
        let endpoints = [config.llm.primary] + (config.llm.fallback.map { [$0] } ?? [])
        func refusal(_ today: (tokens: Int, cost: Double)) -> String {
            var spent = "\(today.tokens) tokens"
            if limit.cost != nil { spent += ", \(Money.text(today.cost))" }
            var budget: [String] = []
            if let tokens = limit.tokens { budget.append("\(tokens) tokens") }
            if let cost = limit.cost { budget.append(Money.text(cost)) }
            return "the daily budget of \(budget.joined(separator: " and ")) would be exceeded (\(spent) spent today)"
        }
        var detail = ""
        for count in stride(from: asks.count, through: 1, by: -1) {
            let tokensIn = spending.tokensIn + asks.prefix(count).reduce(0) { $0 + $1.prompt.estimatedTokens }
            let tokensOut = spending.tokensOut + asks.prefix(count).reduce(0) { $0 + $1.prompt.request.maxTokens }
            let reserved = endpoints.compactMap {
                $0.cost(tokensIn: tokensIn - spending.tokensIn, tokensOut: tokensOut - spending.tokensOut)
            }.max()
            if limit.cost != nil && reserved == nil {
                return (0, "the daily money budget is set but [llm] has no price_in or price_out: nothing is sent")
            }
            let answer = try store.admit(
                runID: runID, calls: spending.calls + count, tokensIn: tokensIn, tokensOut: tokensOut,
                cost: spending.cost.map { $0 + (reserved ?? 0) } ?? reserved, within: limit)
            if answer.admitted { return (count, detail) }
            // The first refusal, of every ask, says what the ones left out would have exceeded.
            if detail.isEmpty { detail = refusal(answer.today) }
        }
        return (0, detail)
    }

    private func recordSpend(_ spending: FixProposer.Spending, runID: String) throws {
        try store?.recordSpend(
            runID: runID, calls: spending.calls, tokensIn: spending.tokensIn, tokensOut: spending.tokensOut,
            usage: spending.usage)
    }

    private func finished(_ report: HealReport) throws -> HealReport {
        try store?.finish(report, runID: report.runID)
        return report
    }

    // MARK: Steps

    private func smoke(
        iteration: Int, preload: PreloadServer?, events: (@Sendable (Event) -> Void)?
    ) async throws -> SmokeRun {
        var run = try await pass(iteration: iteration, preload: preload, events: events)
        // An app that kept running but did not answer its health check in time, and printed
        // no trace, may only have been slow (a loaded machine): its pass is taken once more
        // before it counts, so a slow start is neither diagnosed nor "healed" by the next patch.
        if let failure = run.appFailure, failure.kind == .unhealthy, run.groups.allSatisfy({ $0.trace == nil }) {
            logger.notice("cycle.pass_retaken", metadata: ["run.id": "\(run.runID)", "reason": "\(failure)"])
            run = try await pass(iteration: iteration, preload: preload, events: events)
        }
        events?(.smoke(iteration: iteration, run))
        return run
    }

    /// A smoke pass, reporting its steps but not its run (`smoke` does, once the run counts).
    private func pass(
        iteration: Int, preload: PreloadServer?, events: (@Sendable (Event) -> Void)?
    ) async throws -> SmokeRun {
        var pass = SmokePass(
            appDirectory: appDirectory, config: config, plan: plan, planFile: planFile, logger: logger,
            environment: environment)
        pass.preload = preload
        var passEvents: (@Sendable (SmokePass.Event) -> Void)?
        if let events { passEvents = { events(.pass(iteration: iteration, $0)) } }
        return try await pass.run(events: passEvents)
    }

    func needsRepair(_ run: SmokeRun) -> Bool {
        run.passRate < config.repair.triggerPassRate || Self.hasBreakage(run)
    }

    /// A 5xx, a crash, a timeout or a dropped connection is never healed, whatever the target.
    func meetsTarget(_ run: SmokeRun) -> Bool {
        !Self.hasBreakage(run) && run.passRate >= config.repair.targetPassRate
    }

    /// Whether the app broke rather than answered wrong: it did not come up, answered 5xx,
    /// died, timed out or dropped a connection.
    static func hasBreakage(_ run: SmokeRun) -> Bool {
        let broken: Set<FailureKind> = [
            .appDied, .timeout, .connectionReset, .connectionRefused, .appUnavailable, .transport,
        ]
        return run.appFailure != nil
            || run.results.contains { ($0.actualStatus ?? 0) >= 500 || $0.failureKind.map(broken.contains) == true }
    }

    private func report(
        initial: SmokeRun, final: SmokeRun, iterations: [IterationReport], spending: FixProposer.Spending,
        kept: [String], stop: String, seen: [ViolationGroup] = []
    ) -> HealReport {
        var files: [String] = []
        for attempt in iterations.flatMap(\.attempts) where attempt.outcome == .kept {
            for file in attempt.files where !files.contains(file) { files.append(file) }
        }
        return HealReport(
            healed: meetsTarget(final), runID: initial.runID, initialPassRate: initial.passRate,
            finalPassRate: final.passRate,
            llmCalls: spending.calls, tokensIn: spending.tokensIn, tokensOut: spending.tokensOut,
            cost: spending.cost, llmUsage: spending.usage, iterations: iterations,
            filesChanged: files, keptDiff: kept.joined(), stopReason: stop,
            groupsLeft: final.groups.map {
                "\($0.kind.rawValue) \($0.method.isEmpty ? "app" : "\($0.method) \($0.route)")\($0.status.map { " → \($0)" } ?? "")"
            },
            groups: GroupOutcome.outcomes(
                initial: initial, seen: seen, final: final, iterations: iterations, redactor: redactor))
    }
}

/// A value handed over once (the rerun started beside an iteration's checks).
private final class OneShot<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>
    init(_ value: Value?) { self.value = Mutex(value) }
    func take() -> Value? {
        value.withLock { value in
            defer { value = nil }; return value
        }
    }
}
