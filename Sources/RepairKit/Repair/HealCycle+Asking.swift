import Foundation

/// Asking the LLM about an iteration's groups at once, bounded by `[llm] concurrency`.
extension HealCycle {
    /// A group's place in an iteration's asking: settled without an ask, or the index of its ask.
    enum AskSlot {
        case settled(AttemptReport)
        case asked(Int)
    }

    struct PlannedAsk: Sendable {
        var group: ViolationGroup
        var prompt: RepairPrompt
        var promptKey: String
    }

    struct Answer: Sendable {
        var result: Result<FixProposer.Proposal, FixProposer.AttemptFailure>
        var spending: FixProposer.Spending
    }

    /// Asks the LLM about every planned group, at most `[llm] concurrency` at once, and returns
    /// the answers in the order of `asks`.
    /// `beforeSending` is called with the asks about to have been sent, just before each is:
    /// the spend is counted before it is made.
    func ask(
        _ asks: [PlannedAsk], of llm: LLMService, proposer: FixProposer, guard guardian: PatchGuard,
        beforeSending: (ArraySlice<PlannedAsk>) -> Void
    ) async -> [Answer] {
        var answers = [Answer?](repeating: nil, count: asks.count)
        await withTaskGroup(of: (Int, Answer).self) { tasks in
            var next = 0
            func launch() {
                let index = next, ask = asks[index]
                next += 1
                beforeSending(asks[..<next])
                tasks.addTask {
                    var spending = FixProposer.Spending()
                    let result = await proposer.ask(
                        llm, ask.prompt, group: ask.group, spending: &spending, guard: guardian)
                    return (index, Answer(result: result, spending: spending))
                }
            }
            while next < min(asks.count, config.llm.concurrency) { launch() }
            for await (index, answer) in tasks {
                answers[index] = answer
                if next < asks.count { launch() }
            }
        }
        return answers.map { $0! }
    }
}
