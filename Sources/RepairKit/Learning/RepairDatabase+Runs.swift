import Foundation
import GRDB

extension RepairDatabase {
    /// Starts a run's record.
    public func begin(runID: String, appDirectory: URL, kind: String, startedAt: Date = Date()) throws {
        let run = RunRecord(
            id: runID, appDirectory: appDirectory.path, kind: kind, startedAt: startedAt, finishedAt: nil, healed: nil,
            initialPassRate: nil, finalPassRate: nil, llmCalls: 0, tokensIn: 0, tokensOut: 0, stopReason: nil, cost: nil
        )
        if let postgres { return try postgres.begin(run) }
        try writer.write { db in try run.insert(db) }
    }

    /// The scenario results and violation groups of the run that stands after `iteration`;
    /// what the app printed or answered is masked by `redactor` before it is kept.
    public func record(
        _ smoke: SmokeRun, iteration: Int, runID: String, redactor: SecretRedactor = SecretRedactor()
    ) throws {
        let results = smoke.results.map { result in
            ScenarioResultRecord(
                id: nil, runId: runID, iteration: iteration, scenarioIndex: result.scenario.index,
                endpoint: result.scenario.endpoint.description, name: result.scenario.name,
                expectedStatus: result.scenario.expectation, actualStatus: result.actualStatus,
                passed: result.passed, failureKind: result.failureKind?.rawValue, requestID: result.requestID,
                durationMilliseconds: result.durationMilliseconds, error: result.error.map(redactor.redact))
        }
        let groups = smoke.groups.map { group in
            let trace = group.trace.map { $0.cause == nil ? $0 : $0.rootCause }
            return ViolationGroupRecord(
                id: nil, runId: runID, iteration: iteration, key: group.key, kind: group.kind.rawValue,
                method: group.method, route: group.route, status: group.status, count: group.count,
                exceptionType: trace?.exceptionType, message: trace.map { redactor.redact($0.message) },
                location: group.location.map { "\($0.file)\($0.line.map { ":\($0)" } ?? "")" })
        }
        if let postgres { return try postgres.record(results: results, groups: groups) }
        try writer.write { db in
            for var record in results { try record.insert(db) }
            for var record in groups { try record.insert(db) }
        }
    }

    /// One attempt, with its prompt, answer, patch and outcome.
    public func record(_ attempt: AttemptReport, iteration: Int, runID: String) throws {
        let files = String(decoding: (try? JSONEncoder().encode(attempt.files)) ?? Data("[]".utf8), as: UTF8.self)
        var record = AttemptRecord(
            id: nil, runId: runID, iteration: iteration, groupKey: attempt.group, source: attempt.source,
            outcome: attempt.outcome.rawValue, rule: attempt.rule, files: files, diff: attempt.diff,
            prompt: attempt.prompt, answer: attempt.answer, tokensIn: attempt.tokensIn, tokensOut: attempt.tokensOut,
            durationMilliseconds: attempt.durationMilliseconds, detail: attempt.detail, createdAt: Date())
        if let postgres { return try postgres.record(record) }
        try writer.write { db in try record.insert(db) }
    }

    /// What a run has spent on the LLM so far. Recorded as calls are made (a call about to be
    /// sent counts, with its prompt's estimate), so a cycle killed later keeps its spend.
    /// `usage`, when given, replaces the run's spend by provider and model (answers received).
    public func recordSpend(
        runID: String, calls: Int, tokensIn: Int, tokensOut: Int, usage: [LLMUsage]? = nil
    ) throws {
        if let postgres {
            return try postgres.recordSpend(
                runID: runID, calls: calls, tokensIn: tokensIn, tokensOut: tokensOut, usage: usage)
        }
        try writer.write { db in
            guard var run = try RunRecord.fetchOne(db, key: runID), run.finishedAt == nil else { return }
            run.llmCalls = calls
            run.tokensIn = tokensIn
            run.tokensOut = tokensOut
            if let usage {
                run.cost = LLMUsage.cost(of: usage)
                try Self.replaceUsage(usage, runID: runID, in: db)
            }
            try run.update(db)
        }
    }

    static func replaceUsage(_ usage: [LLMUsage], runID: String, in db: Database) throws {
        try LLMUsageRecord.filter(Column("runId") == runID).deleteAll(db)
        for entry in usage {
            try LLMUsageRecord(
                runId: runID, provider: entry.provider, model: entry.model, calls: entry.calls,
                tokensIn: entry.tokensIn, tokensOut: entry.tokensOut, cost: entry.cost
            ).insert(db)
        }
    }

    /// A run's spend by provider and model.
    public func usage(runID: String) throws -> [LLMUsageRecord] {
        if let postgres { return try postgres.usage(runID: runID) }
        return try writer.read { db in
            try LLMUsageRecord.filter(Column("runId") == runID).order(Column("provider"), Column("model")).fetchAll(db)
        }
    }

    /// Closes every unfinished run of `appDirectory` as interrupted: called by the holder of
    /// the app's lock, so none of them can still be running. Returns their ids.
    @discardableResult
    public func closeInterrupted(appDirectory: URL, at date: Date = Date()) throws -> [String] {
        if let postgres { return try postgres.closeInterrupted(appDirectory: appDirectory.path, at: date) }
        return try writer.write { db in
            let open = try RunRecord.filter(
                RunRecord.Columns.appDirectory == appDirectory.path && RunRecord.Columns.finishedAt == nil
            ).fetchAll(db)
            for var run in open {
                run.finishedAt = date
                run.healed = false
                run.stopReason = "interrupted: the cycle ended (killed or stopped) before it finished"
                try run.update(db)
            }
            return open.map(\.id)
        }
    }

    /// Closes a heal run's record with its outcome.
    public func finish(_ report: HealReport, runID: String) throws {
        if let postgres { return try postgres.finish(report, runID: runID) }
        try writer.write { db in
            guard var run = try RunRecord.fetchOne(db, key: runID) else { return }
            run.finishedAt = Date()
            run.healed = report.healed
            run.initialPassRate = report.initialPassRate
            run.finalPassRate = report.finalPassRate
            run.llmCalls = report.llmCalls
            run.tokensIn = report.tokensIn
            run.tokensOut = report.tokensOut
            run.cost = report.cost
            run.stopReason = report.stopReason
            try Self.replaceUsage(report.llmUsage, runID: runID, in: db)
            try run.update(db)
        }
    }

    /// The most recent runs, newest first.
    public func runs(limit: Int = 50) throws -> [RunRecord] {
        if let postgres { return try postgres.runs(limit: limit) }
        return try writer.read { db in
            try RunRecord.order(RunRecord.Columns.startedAt.desc, RunRecord.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// A run read back whole.
    public struct RunDetails: Sendable {
        public var run: RunRecord
        public var results: [ScenarioResultRecord]
        public var groups: [ViolationGroupRecord]
        public var attempts: [AttemptRecord]
    }

    public func run(id: String) throws -> RunDetails? {
        if let postgres { return try postgres.run(id: id) }
        return try writer.read { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else { return nil }
            let results = try ScenarioResultRecord.filter(ScenarioResultRecord.Columns.runId == id).order(
                Column("iteration"), Column("scenarioIndex")
            ).fetchAll(db)
            let groups = try ViolationGroupRecord.filter(ViolationGroupRecord.Columns.runId == id).order(
                Column("iteration"), Column("id")
            ).fetchAll(db)
            let attempts = try AttemptRecord.filter(AttemptRecord.Columns.runId == id).order(
                Column("iteration"), Column("id")
            ).fetchAll(db)
            return RunDetails(run: run, results: results, groups: groups, attempts: attempts)
        }
    }

    /// A daily budget shared by every cycle of the store (every host's, on a shared store).
    public struct DailyLimit: Sendable, Equatable {
        /// Tokens in and out of the runs started since the day began.
        public var tokens: Int?
        /// Money, in the currency of `[llm] price_in` / `price_out`.
        public var cost: Double?

        public init(tokens: Int? = nil, cost: Double? = nil) {
            self.tokens = tokens
            self.cost = cost
        }

        /// Midnight UTC of `date`'s day: budgets are per UTC day, the same on every host.
        public static func dayStart(of date: Date = Date()) -> Date {
            Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        }
    }

    /// Records `runID`'s spend as `calls`, `tokensIn`, `tokensOut` and `cost` — what it spent
    /// plus what it is about to reserve — if the runs started today stay within `limit` with
    /// it; else changes nothing. Admissions are serialized (one SQLite write at a time; an
    /// advisory lock across hosts), so concurrent cycles cannot both take the last room.
    /// Returns whether it was admitted, and today's spend without this run's new figures.
    public func admit(
        runID: String, calls: Int, tokensIn: Int, tokensOut: Int, cost: Double?, within limit: DailyLimit,
        now: Date = Date()
    ) throws -> (admitted: Bool, today: (tokens: Int, cost: Double)) {
        let start = DailyLimit.dayStart(of: now)
        func decide(today: (tokens: Int, cost: Double), own: (tokens: Int, cost: Double)) -> Bool {
            let others = (tokens: today.tokens - own.tokens, cost: today.cost - own.cost)
            if let tokens = limit.tokens, others.tokens + tokensIn + tokensOut > tokens { return false }
            if let money = limit.cost, others.cost + (cost ?? 0) > money { return false }
            return true
        }
        if let postgres {
            return try postgres.admit(
                runID: runID, calls: calls, tokensIn: tokensIn, tokensOut: tokensOut, cost: cost, since: start,
                decide: decide)
        }
        return try writer.write { db in
            let today = try Row.fetchOne(
                db,
                sql:
                    "SELECT COALESCE(SUM(tokensIn + tokensOut), 0), COALESCE(SUM(cost), 0) FROM run WHERE startedAt >= ?",
                arguments: [start])
            let own = try Row.fetchOne(
                db,
                sql: "SELECT tokensIn + tokensOut, COALESCE(cost, 0), startedAt >= ? FROM run WHERE id = ?",
                arguments: [start, runID])
            let spent: (tokens: Int, cost: Double) = (today?[0] ?? 0, today?[1] ?? 0.0)
            let counted: Bool = own?[2] ?? false
            let mine: (tokens: Int, cost: Double) = counted ? (own?[0] ?? 0, own?[1] ?? 0.0) : (0, 0.0)
            guard decide(today: spent, own: mine) else {
                return (false, (spent.tokens - mine.tokens, spent.cost - mine.cost))
            }
            try db.execute(
                sql:
                    "UPDATE run SET llmCalls = ?, tokensIn = ?, tokensOut = ?, cost = ? WHERE id = ? AND finishedAt IS NULL",
                arguments: [calls, tokensIn, tokensOut, cost, runID])
            return (true, (spent.tokens - mine.tokens, spent.cost - mine.cost))
        }
    }

    /// LLM calls, tokens and cost of the runs started since `start` (every host's, on a
    /// shared store).
    public func spend(since start: Date) throws -> (calls: Int, tokens: Int, cost: Double?) {
        if let postgres { return try postgres.spend(since: start) }
        return try writer.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(llmCalls), 0), COALESCE(SUM(tokensIn + tokensOut), 0), SUM(cost)
                    FROM run WHERE startedAt >= ?
                    """,
                arguments: [start])
            return (row?[0] ?? 0, row?[1] ?? 0, row?[2])
        }
    }
}
