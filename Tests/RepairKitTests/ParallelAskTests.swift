import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// The groups of one iteration are asked at once, up to `[llm] concurrency`; their answers are
/// taken in the groups' order, so the outcome is the same however the answers arrive.
@Suite struct ParallelAskTests {
    static let prose = "I cannot tell from this prompt what to change."

    /// The example's five groups, each answered in prose after `delay`, at `concurrency`.
    /// `delay`: seconds each answer takes — long enough that asks sent together overlap at the
    /// server however busy the machine.
    func cycle(
        concurrency: Int, directory: TemporaryDirectory, budget: Int? = nil, delay: Double = 2
    ) async throws
        -> (HealReport, TestLLMServer)
    {
        let steps: [[String: Any]] = [["default": true, "delay": delay, "content": Self.prose]]
        var (app, server, cycle) = try await HealCycleTests().app(steps, directory: directory, maxIterations: 1)
        defer { app.remove() }
        cycle.config.llm.concurrency = concurrency
        if let budget { cycle.config.repair.tokenBudget = budget }
        let report = try await cycle.run()
        await server.stop()
        return (report, server)
    }

    @Test func groupsAreAskedAtOnceAndJudgedInTheirOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (together, parallel) = try await cycle(concurrency: 2, directory: directory)
        let (oneByOne, serial) = try await cycle(concurrency: 1, directory: directory, delay: 0.2)
        #expect(parallel.answerSpans().count == 5 && serial.answerSpans().count == 5)
        #expect(parallel.mostAtOnce() == 2, "two asks in flight at once, never more")
        #expect(serial.mostAtOnce() == 1)
        let attempts = { (report: HealReport) in
            report.iterations.flatMap(\.attempts).map { "\($0.group) \($0.outcome.rawValue)" }
        }
        #expect(attempts(together) == attempts(oneByOne), "the same outcome in the same order")
        #expect(attempts(together).count == 5 && together.iterations[0].attempts.allSatisfy { $0.outcome == .noEdit })
        #expect(together.llmCalls == 5 && together.tokensIn == oneByOne.tokensIn)
    }

    /// A budget with room for some asks: those first in order are asked, the rest are not, and
    /// what was spent stays within it although the asks were in flight together.
    @Test func theBudgetHoldsWithAsksInFlight() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (report, server) = try await cycle(concurrency: 4, directory: directory, budget: 11_000, delay: 0.2)
        let outcomes = report.iterations.flatMap(\.attempts).map(\.outcome)
        let asked = outcomes.prefix { $0 != .budgetExhausted }
        #expect(!asked.isEmpty && asked.count < 5, "\(outcomes)")
        #expect(outcomes.dropFirst(asked.count).allSatisfy { $0 == .budgetExhausted }, "the asked ones are the first")
        #expect(server.answerSpans().count == asked.count && report.llmCalls == asked.count)
        #expect(report.tokensIn + report.tokensOut <= 11_000)
    }
}
