/// Judges an iteration's changes: all together first, which costs one rerun; when the batch
/// broke something or one of its changes healed nothing of its own, each change alone, in
/// order, so the one at fault is found and the others are still kept. A kept change is
/// committed in the workspace, any other rolled back: after `judge` returns, the app's files
/// hold exactly the kept changes.
struct BatchVerdict {
    /// A change waiting for its verdict: the group it was made for and its journal entry.
    struct Pending {
        var group: ViolationGroup
        var change: Workspace.Change
        /// Rewrites the files for the change alone, after the batch was rolled back.
        var reapply: () throws -> Workspace.Change
    }

    var workspace: Workspace
    /// Starts the app on the files as they are now and runs the plan.
    var rerun: () async throws -> SmokeRun

    /// Each change's verdict, in the order given, and the run that stands afterwards.
    func judge(_ pending: [Pending], before: SmokeRun) async throws -> (verdicts: [Verdict], standing: SmokeRun) {
        let together = try await rerun()
        if pending.count == 1, let only = pending.first {
            // Judged alone already: only credit to other groups is left to weigh.
            let verdict = Verdict.judge(only.group, before: before, after: together)
            if verdict.outcome == .kept {
                try workspace.commit(only.change)
                return ([verdict], together)
            }
            try workspace.rollback(only.change)
            return ([verdict], before)
        }
        let verdicts = pending.map { Verdict.judge($0.group, before: before, after: together, creditOthers: false) }
        if verdicts.allSatisfy({ $0.outcome == .kept }) {
            for change in pending { try workspace.commit(change.change) }
            return (verdicts, together)
        }
        for change in pending.reversed() { try workspace.rollback(change.change) }
        var standing = before
        var alone: [Verdict] = []
        for change in pending {
            try Task.checkCancellation()
            let applied = try change.reapply()
            let after = try await rerun()
            let verdict = Verdict.judge(change.group, before: standing, after: after)
            if verdict.outcome == .kept {
                try workspace.commit(applied)
                standing = after
            } else {
                try workspace.rollback(applied)
            }
            alone.append(verdict)
        }
        return (alone, standing)
    }
}
