import Foundation
import Logging

/// Where a group's fix comes from, before any verdict: the pattern library, else the LLM,
/// asked with the group's prompt; the answer parsed and placed against the files as they are
/// now; on a failing `[app] check`, the LLM asked once more with its output. Nothing here
/// judges a fix or sequences a cycle: `HealCycle` does.
struct FixProposer: Sendable {
    var appDirectory: URL
    var config: RepairConfig
    /// nil when no LLM is configured.
    var llm: LLMService?
    var redactor: SecretRedactor
    var promptTokenLimit: Int
    var logger: Logger

    /// A fix proposed for one group, placed against the files as they are now.
    struct Proposal: Sendable {
        var group: ViolationGroup
        var patch: Patch
        var contents: [(path: String, text: String)]
        var diff: String
        var tokensIn: Int
        var tokensOut: Int
        var prompt = ""
        var answer = ""
        var durationMilliseconds = 0.0
        /// `llm`, or `pattern` when the learning store supplied the fix.
        var source = "llm"
        var pattern: FixPattern?
        var files: [String] { contents.map(\.path) }
    }

    /// Token and call counts of the cycle so far, and the same by provider and model.
    struct Spending: Sendable {
        var calls = 0
        var tokensIn = 0
        var tokensOut = 0
        var usage: [LLMUsage] = []
        var total: Int { tokensIn + tokensOut }
        var cost: Double? { LLMUsage.cost(of: usage) }

        mutating func add(_ response: LLMResponse) {
            calls += 1
            tokensIn += response.tokensIn
            tokensOut += response.tokensOut
            usage = LLMUsage.adding(response, to: usage)
        }

        mutating func add(_ other: Spending) {
            calls += other.calls
            tokensIn += other.tokensIn
            tokensOut += other.tokensOut
            for entry in other.usage {
                if let index = usage.firstIndex(where: { $0.provider == entry.provider && $0.model == entry.model }) {
                    usage[index].calls += entry.calls
                    usage[index].tokensIn += entry.tokensIn
                    usage[index].tokensOut += entry.tokensOut
                    if let cost = entry.cost { usage[index].cost = (usage[index].cost ?? 0) + cost }
                } else {
                    usage.append(entry)
                }
            }
        }
    }

    func ask(
        _ llm: LLMService, _ prompt: RepairPrompt, group: ViolationGroup, spending: inout Spending,
        guard guardian: PatchGuard
    ) async -> Result<Proposal, AttemptFailure> {
        let response: LLMResponse
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - started
            return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        do {
            response = try await llm.complete(prompt.request)
        } catch {
            var report = AttemptReport(
                group: group.key, kind: group.kind.rawValue, source: "llm", outcome: .llmError, rule: nil,
                files: [], diff: "", tokensIn: 0, tokensOut: 0, detail: error.description)
            report.prompt = prompt.system + "\n\n" + prompt.user
            report.durationMilliseconds = elapsed()
            return .failure(AttemptFailure(report))
        }
        if !response.cached { spending.add(response) }
        let cost = response.cached ? (0, 0) : (response.tokensIn, response.tokensOut)
        let promptText = prompt.system + "\n\n" + prompt.user
        let patch: Patch
        do {
            patch = try PatchParser.parse(response.text)
        } catch {
            var report = AttemptReport(
                group: group.key, kind: group.kind.rawValue, source: "llm",
                outcome: error.rule == .noEdit ? .noEdit : .notApplicable,
                rule: error.rule.rawValue, files: [], diff: "", tokensIn: cost.0, tokensOut: cost.1,
                detail: error.message)
            report.prompt = promptText
            report.answer = response.text
            report.durationMilliseconds = elapsed()
            return .failure(AttemptFailure(report))
        }
        switch place(patch, guard: guardian) {
        case .success(let placed):
            return .success(
                Proposal(
                    group: group, patch: patch, contents: placed.contents, diff: placed.diff, tokensIn: cost.0,
                    tokensOut: cost.1,
                    prompt: promptText, answer: response.text, durationMilliseconds: elapsed()))
        case .failure(let failure):
            var attempt = failure.with(group: group)
            attempt.tokensIn = cost.0
            attempt.tokensOut = cost.1
            attempt.prompt = promptText
            attempt.answer = response.text
            attempt.durationMilliseconds = elapsed()
            return .failure(AttemptFailure(attempt))
        }
    }

    struct AttemptFailure: Error {
        var report: AttemptReport
        init(_ report: AttemptReport) { self.report = report }
        func with(group: ViolationGroup) -> AttemptReport {
            var report = report
            report.group = group.key
            report.kind = group.kind.rawValue
            return report
        }
    }

    /// The first learned fix for the group that places cleanly and is not buried.
    func patternProposal(for group: ViolationGroup, library: PatternLibrary, guard guardian: PatchGuard) -> Proposal? {
        guard let candidates = try? library.candidates(for: group) else { return nil }
        for candidate in candidates {
            // Of the template's fillings, the change that places: several fillings may place
            // as one change (they differed in context only); two changes are a guess, not a fix.
            var placing: [(patch: Patch, placed: (contents: [(path: String, text: String)], diff: String))] = []
            for text in candidate.patches {
                guard let parsed = try? PatchParser.parse(text), let found = placeOrRelocate(parsed, guard: guardian),
                    !placing.contains(where: { $0.placed.diff == found.placed.diff })
                else { continue }
                placing.append(found)
                if placing.count > 1 { break }
            }
            guard placing.count == 1, let (patch, placed) = placing.first,
                (try? library.lesson(burying: placed.diff, for: group)) == nil
            else { continue }
            return Proposal(
                group: group, patch: patch, contents: placed.contents, diff: placed.diff, tokensIn: 0, tokensOut: 0,
                prompt: "",
                answer: "pattern \(candidate.pattern.id ?? 0) (\(candidate.exact ? "as learned" : "generalised"))",
                source: "pattern", pattern: candidate.pattern)
        }
        return nil
    }

    /// A learned one-file fix placed where its lines are: in the file it names, else in the one
    /// other source file of the same kind where it places (another app keeps the same code in
    /// a router instead of a service). Ambiguity places nothing.
    func placeOrRelocate(
        _ patch: Patch, guard guardian: PatchGuard
    ) -> (patch: Patch, placed: (contents: [(path: String, text: String)], diff: String))? {
        if case .success(let placed) = place(patch, guard: guardian) { return (patch, placed) }
        // The same change among other surroundings (a handler made async, a function written
        // as an arrow): without the context on one side, then with its changed lines alone —
        // each placed only where it stands once.
        let core = patch.changedLinesOnly()
        for cut in [patch.cut(leading: true, trailing: false), patch.cut(leading: false, trailing: true), core]
        where cut != patch {
            if case .success(let placed) = place(cut, guard: guardian) { return (cut, placed) }
        }
        guard patch.paths.count == 1, let named = patch.paths.first else { return nil }
        let kind = (named as NSString).pathExtension
        var found: [(Patch, (contents: [(path: String, text: String)], diff: String))] = []
        // Only files holding the change's first line are worth placing it in.
        let needle = core.edits.lazy.compactMap { edit -> String? in
            guard case .hunks(let hunks) = edit.change else { return nil }
            return hunks.lazy.flatMap(\.before).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        }.first
        for file in SourceLocator.sourcePaths(in: appDirectory)
        where file != named && (file as NSString).pathExtension == kind {
            if let needle, SourceText.read(appDirectory.appendingPathComponent(file))?.contains(needle) != true {
                continue
            }
            for candidate in [patch, core] {
                let moved = Patch(
                    edits: candidate.edits.map {
                        var edit = $0; edit.path = file; return edit
                    })
                if case .success(let placed) = place(moved, guard: guardian) {
                    found.append((moved, placed))
                    break
                }
            }
            if found.count > 1 { return nil }
        }
        return found.first
    }

    /// Guards a patch and places it against the files as they are now, in memory.
    func place(
        _ patch: Patch, guard guardian: PatchGuard
    ) -> Result<(contents: [(path: String, text: String)], diff: String), AttemptFailure> {
        switch PatchPlacement(guardian: guardian).place(patch) {
        case .success(let placed):
            return .success((placed.contents, placed.diff))
        case .failure(let failure):
            let outcome: AttemptOutcome =
                switch failure.kind {
                case .refused: .refused
                case .notApplicable: .notApplicable
                case .alreadyApplied: .alreadyApplied
                }
            return .failure(
                AttemptFailure(
                    AttemptReport(
                        group: "", kind: "", source: "llm", outcome: outcome, rule: failure.rule,
                        files: failure.files, diff: "", tokensIn: 0, tokensOut: 0, detail: failure.detail)))
        }
    }

    typealias Checked = Result<(proposal: Proposal, change: Workspace.Change), AttemptFailure>

    private var checkHost: AppHost {
        AppHost(
            directory: appDirectory, settings: config.app,
            runDirectory: appDirectory.appendingPathComponent(".repair/checks"), logger: logger)
    }

    /// Applies the fixes of one batch (their files are disjoint) and runs the check command
    /// for each at once, each on its own files, as many at a time as the machine has cores.
    /// When every check passes, that is the outcome; otherwise all are rolled back and taken
    /// one by one as `applyChecked` does, so a check that reads more than its own files (a
    /// whole-project type check) judges each fix as before. Results are in the batch's order.
    /// A file that cannot be written stops the cycle: it throws.
    ///
    /// With `verify` (the rerun that judges the batch), the rerun starts as soon as the batch
    /// is in place, beside the checks: when every check passes, the files it runs on are the
    /// ones the verdict judges, and its run comes back with the results. When a check fails,
    /// it is cancelled and waited for — its app stopped — before anything is rolled back.
    func applyCheckedTogether(
        _ batch: [Proposal], workspace: Workspace, spending: inout Spending, guard guardian: PatchGuard,
        verify: (@Sendable () async throws -> SmokeRun)? = nil
    ) async throws(StorageError) -> (results: [Checked], verification: Task<SmokeRun, any Error>?) {
        var changes: [Workspace.Change] = []
        var appliedAll = batch.count > (verify == nil ? 1 : 0) && config.app.check != nil
        if appliedAll {
            for proposal in batch {
                do { changes.append(try workspace.apply(proposal.contents)) } catch let error as StorageError {
                    for change in changes.reversed() { try? workspace.rollback(change) }
                    throw error
                } catch {
                    appliedAll = false
                    break
                }
            }
        }
        if appliedAll {
            let early = verify.map { verify in Task { try await verify() } }
            let host = checkHost
            let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
            let checks = await withTaskGroup(of: AppHost.CheckResult.self) { group in
                var running = 0
                var checks: [AppHost.CheckResult] = []
                for (index, proposal) in batch.enumerated() {
                    if running == width, let done = await group.next() {
                        checks.append(done)
                        running -= 1
                    }
                    let files = proposal.files
                    group.addTask { await host.check(files: files, log: "check-\(index).log") }
                    running += 1
                }
                for await done in group { checks.append(done) }
                return checks
            }
            if checks.allSatisfy(\.passed) { return (zip(batch, changes).map { .success(($0, $1)) }, early) }
            if let early {
                early.cancel()
                _ = try? await early.value
            }
            // A fix alone was judged on its own files already: its check is not run again.
            if batch.count == 1, let only = batch.first, let change = changes.first, let check = checks.first {
                try? workspace.rollback(change)
                return (
                    [
                        try await applyChecked(
                            only, workspace: workspace, spending: &spending, guard: guardian, first: check)
                    ],
                    nil
                )
            }
        }
        for change in changes.reversed() { try? workspace.rollback(change) }
        var results: [Checked] = []
        for proposal in batch {
            results.append(try await applyChecked(proposal, workspace: workspace, spending: &spending, guard: guardian))
        }
        return (results, nil)
    }

    /// Applies a fix and runs the check command; on failure, asks the LLM once more with the
    /// check's output. A file that cannot be written (a full disk) stops the cycle: it throws.
    /// `first` is what the check said of the proposal already (applied as it is now).
    func applyChecked(
        _ proposal: Proposal, workspace: Workspace, spending: inout Spending,
        guard guardian: PatchGuard, first: AppHost.CheckResult? = nil
    ) async throws(StorageError) -> Checked {
        var proposal = proposal
        let host = checkHost
        for round in 0..<2 {
            let change: Workspace.Change
            do { change = try workspace.apply(proposal.contents) } catch let error as StorageError {
                throw error
            } catch {
                return .failure(
                    AttemptFailure(attemptReport(proposal, outcome: .refused, detail: "could not write: \(error)")))
            }
            let result: AppHost.CheckResult
            if round == 0, let first {
                result = first
            } else {
                result = await host.check(files: proposal.files)
            }
            if result.passed { return .success((proposal, change)) }
            try? workspace.rollback(change)
            guard round == 0, let llm else {
                return .failure(
                    AttemptFailure(
                        attemptReport(
                            proposal, outcome: .checkFailed,
                            detail: "the check command failed:\n" + redactor.redact(result.output))))
            }
            let prompt = RepairPrompt.build(
                for: proposal.group, appDirectory: appDirectory, redactor: redactor,
                feedback: result.output, tokenLimit: promptTokenLimit)
            switch await ask(llm, prompt, group: proposal.group, spending: &spending, guard: guardian) {
            case .success(let corrected):
                proposal.patch = corrected.patch
                proposal.contents = corrected.contents
                proposal.diff = corrected.diff
                proposal.tokensIn += corrected.tokensIn
                proposal.tokensOut += corrected.tokensOut
                proposal.prompt = corrected.prompt
                proposal.answer = corrected.answer
                proposal.durationMilliseconds += corrected.durationMilliseconds
            case .failure:
                return .failure(
                    AttemptFailure(
                        attemptReport(
                            proposal, outcome: .checkFailed,
                            detail: "the check command failed:\n" + redactor.redact(result.output))))
            }
        }
        return .failure(
            AttemptFailure(attemptReport(proposal, outcome: .checkFailed, detail: "the check command failed")))
    }

    func attemptReport(_ proposal: Proposal, outcome: AttemptOutcome, detail: String) -> AttemptReport {
        var report = AttemptReport(
            group: proposal.group.key, kind: proposal.group.kind.rawValue, source: proposal.source, outcome: outcome,
            rule: nil,
            files: proposal.files, diff: proposal.diff, tokensIn: proposal.tokensIn, tokensOut: proposal.tokensOut,
            detail: detail)
        report.prompt = proposal.prompt
        report.answer = proposal.answer
        report.durationMilliseconds = proposal.durationMilliseconds
        return report
    }
}
