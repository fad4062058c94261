/// What `/metrics` reports from the store: the queue, how jobs ended, and what healing cost and
/// learned. Read from the store at each scrape, so every figure is the store's (all daemons
/// sharing it), survives restarts, and needs no message from the worker processes.
public struct StoreFigures: Sendable, Equatable {
    /// Jobs by (state, priority number).
    public var jobs: [Pair: Int] = [:]
    /// LLM calls, tokens and cost by (provider, model).
    public var llm: [Pair: LLMTotals] = [:]
    /// Fix attempts by (source, outcome).
    public var attempts: [Pair: Int] = [:]
    public var lessons = 0
    /// Patterns by status.
    public var patterns: [String: Int] = [:]

    public struct Pair: Hashable, Sendable {
        public var first: String
        public var second: String
    }

    public struct LLMTotals: Sendable, Equatable {
        public var calls = 0.0
        public var tokensIn = 0.0
        public var tokensOut = 0.0
        public var cost = 0.0
    }

    /// A claim: seconds from its job's enqueue to the claim, keyed by when it happened.
    public struct Claim: Sendable, Equatable {
        public var claimedAt: String
        public var seconds: Double
    }

    /// A finished job's pass-rate gain, keyed by when it ended.
    public struct Gain: Sendable, Equatable {
        public var finishedAt: String
        public var gain: Double
    }
}

extension QueueFile {
    /// The store's totals now.
    public func figures() throws(DaemonError) -> StoreFigures {
        var figures = StoreFigures()
        for row in try execute(#"SELECT "state", "priority", COUNT(*) FROM "job" GROUP BY "state", "priority""#) {
            figures.jobs[.init(first: row[0] ?? "", second: row[1] ?? "")] = Int(row[2] ?? "") ?? 0
        }
        for row in try execute(
            """
            SELECT "provider", "model", SUM("calls"), SUM("tokensIn"), SUM("tokensOut"), COALESCE(SUM("cost"), 0)
            FROM "llmUsage" GROUP BY "provider", "model"
            """)
        {
            figures.llm[.init(first: row[0] ?? "", second: row[1] ?? "")] = StoreFigures.LLMTotals(
                calls: Double(row[2] ?? "") ?? 0, tokensIn: Double(row[3] ?? "") ?? 0,
                tokensOut: Double(row[4] ?? "") ?? 0, cost: Double(row[5] ?? "") ?? 0)
        }
        for row in try execute(#"SELECT "source", "outcome", COUNT(*) FROM "attempt" GROUP BY "source", "outcome""#) {
            figures.attempts[.init(first: row[0] ?? "", second: row[1] ?? "")] = Int(row[2] ?? "") ?? 0
        }
        figures.lessons = Int(try execute(#"SELECT COUNT(*) FROM "lesson""#).first?.first.flatMap { $0 } ?? "") ?? 0
        for row in try execute(#"SELECT "status", COUNT(*) FROM "fixPattern" GROUP BY "status""#) {
            figures.patterns[row[0] ?? ""] = Int(row[1] ?? "") ?? 0
        }
        return figures
    }

    /// A store time as text that sorts as the time does: SQLite's own text; on PostgreSQL, UTC
    /// to the microsecond (the precision it keeps), so no time is seen twice.
    private func timeText(_ column: String) -> String {
        isShared ? "to_char(\"\(column)\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" : "\"\(column)\""
    }

    /// `column` later than the store time text of parameter 1 (every time when it is empty).
    private func later(_ column: String) -> String {
        isShared
            ? "\"\(column)\" > CASE WHEN ?1 = '' THEN '-infinity'::timestamptz ELSE CAST(?1 AS TIMESTAMP) AT TIME ZONE 'UTC' END"
            : "\"\(column)\" > ?1"
    }

    /// Claims made after `after` (a store time; nil for all), oldest first, at most `limit`.
    public func claims(after: String?, limit: Int = 10_000) throws(DaemonError) -> [StoreFigures.Claim] {
        let seconds =
            isShared
            ? #"EXTRACT(EPOCH FROM "claimedAt" - "enqueuedAt")"#
            : #"(julianday("claimedAt") - julianday("enqueuedAt")) * 86400.0"#
        return try execute(
            """
            SELECT \(timeText("claimedAt")), \(seconds) FROM "job"
            WHERE "claimedAt" IS NOT NULL AND \(later("claimedAt")) ORDER BY "claimedAt" LIMIT ?2
            """, [.text(after ?? ""), .integer(Int64(limit))]
        ).compactMap { row in
            guard let at = row[0], let seconds = Double(row[1] ?? "") else { return nil }
            return StoreFigures.Claim(claimedAt: at, seconds: max(0, seconds))
        }
    }

    /// Pass-rate gains of jobs that ended after `after` (a store time; nil for all), oldest
    /// first, at most `limit`.
    public func gains(after: String?, limit: Int = 10_000) throws(DaemonError) -> [StoreFigures.Gain] {
        try execute(
            """
            SELECT \(timeText("finishedAt")), "finalPassRate" - "initialPassRate" FROM "job"
            WHERE "finishedAt" IS NOT NULL AND \(later("finishedAt")) AND "finalPassRate" IS NOT NULL
                AND "initialPassRate" IS NOT NULL
            ORDER BY "finishedAt" LIMIT ?2
            """, [.text(after ?? ""), .integer(Int64(limit))]
        ).compactMap { row in
            guard let at = row[0], let gain = Double(row[1] ?? "") else { return nil }
            return StoreFigures.Gain(finishedAt: at, gain: gain)
        }
    }

    /// The store answers a query.
    public func isReachable() -> Bool {
        (try? execute(#"SELECT 1 FROM "job" LIMIT 1"#)) != nil
    }
}
