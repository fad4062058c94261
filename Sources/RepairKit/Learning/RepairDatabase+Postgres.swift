import Foundation
import PostgresNIO

/// The learning store's operations on a PostgreSQL store: the same records and rules as the
/// SQLite forms beside them (`RepairDatabase+Runs`, `PatternLibrary`, the answer cache), each
/// one transaction.
extension PostgresStore {
    // MARK: Runs

    func begin(_ run: RunRecord) throws {
        try transaction { try $0.insert(run, into: "run", returningID: false) }
    }

    func record(results: [ScenarioResultRecord], groups: [ViolationGroupRecord]) throws {
        try transaction { session in
            for result in results { try session.insert(result, into: "scenarioResult") }
            for group in groups { try session.insert(group, into: "violationGroup") }
        }
    }

    func record(_ attempt: AttemptRecord) throws {
        try transaction { try $0.insert(attempt, into: "attempt") }
    }

    func recordSpend(runID: String, calls: Int, tokensIn: Int, tokensOut: Int, usage: [LLMUsage]?) throws {
        try transaction { session in
            let cost = usage.flatMap { LLMUsage.cost(of: $0) }
            let changed = try session.change(
                """
                UPDATE "run" SET "llmCalls" = \(calls), "tokensIn" = \(tokensIn), "tokensOut" = \(tokensOut),
                    "cost" = CASE WHEN \(usage != nil) THEN \(cost) ELSE "cost" END
                WHERE "id" = \(runID) AND "finishedAt" IS NULL
                """)
            if changed == 1, let usage { try replaceUsage(usage, runID: runID, in: session) }
        }
    }

    func replaceUsage(_ usage: [LLMUsage], runID: String, in session: Session) throws {
        try session.change(#"DELETE FROM "llmUsage" WHERE "runId" = \#(runID)"#)
        for entry in usage {
            try session.insert(
                LLMUsageRecord(
                    runId: runID, provider: entry.provider, model: entry.model, calls: entry.calls,
                    tokensIn: entry.tokensIn, tokensOut: entry.tokensOut, cost: entry.cost),
                into: "llmUsage", returningID: false)
        }
    }

    func closeInterrupted(appDirectory: String, at date: Date) throws -> [String] {
        try transaction { session in
            try session.rows(
                """
                UPDATE "run" SET "finishedAt" = \(date), "healed" = FALSE,
                    "stopReason" = 'interrupted: the cycle ended (killed or stopped) before it finished'
                WHERE "appDirectory" = \(appDirectory) AND "finishedAt" IS NULL
                RETURNING "id"
                """
            ).map { try $0.decode(String.self) }
        }
    }

    func finish(_ report: HealReport, runID: String) throws {
        try transaction { session in
            let changed = try session.change(
                """
                UPDATE "run" SET "finishedAt" = \(Date()), "healed" = \(report.healed),
                    "initialPassRate" = \(report.initialPassRate), "finalPassRate" = \(report.finalPassRate),
                    "llmCalls" = \(report.llmCalls), "tokensIn" = \(report.tokensIn),
                    "tokensOut" = \(report.tokensOut), "cost" = \(report.cost), "stopReason" = \(report.stopReason)
                WHERE "id" = \(runID)
                """)
            if changed == 1 { try replaceUsage(report.llmUsage, runID: runID, in: session) }
        }
    }

    func runs(limit: Int) throws -> [RunRecord] {
        try session {
            try $0.records(RunRecord.self, from: "run", order: #""startedAt" DESC, "id" DESC"#, limit: limit)
        }
    }

    func run(id: String) throws -> RepairDatabase.RunDetails? {
        try session { session in
            guard let run = try session.records(RunRecord.self, from: "run", where: #""id" = \#(id)"#).first else {
                return nil
            }
            return RepairDatabase.RunDetails(
                run: run,
                results: try session.records(
                    ScenarioResultRecord.self, from: "scenarioResult", where: #""runId" = \#(id)"#,
                    order: #""iteration", "scenarioIndex""#),
                groups: try session.records(
                    ViolationGroupRecord.self, from: "violationGroup", where: #""runId" = \#(id)"#,
                    order: #""iteration", "id""#),
                attempts: try session.records(
                    AttemptRecord.self, from: "attempt", where: #""runId" = \#(id)"#, order: #""iteration", "id""#))
        }
    }

    func usage(runID: String) throws -> [LLMUsageRecord] {
        try session {
            try $0.records(
                LLMUsageRecord.self, from: "llmUsage", where: #""runId" = \#(runID)"#, order: #""provider", "model""#)
        }
    }

    /// `RepairDatabase.admit` across the fleet: under one advisory lock, so hosts admit one at
    /// a time.
    func admit(
        runID: String, calls: Int, tokensIn: Int, tokensOut: Int, cost: Double?, since start: Date,
        decide: ((tokens: Int, cost: Double), (tokens: Int, cost: Double)) -> Bool
    ) throws -> (admitted: Bool, today: (tokens: Int, cost: Double)) {
        try transaction { session in
            try session.change("SELECT pg_advisory_xact_lock(\(Self.spendLock))")
            let today =
                try session.rows(
                    """
                    SELECT COALESCE(SUM("tokensIn" + "tokensOut"), 0)::bigint, COALESCE(SUM("cost"), 0)::double precision
                    FROM "run" WHERE "startedAt" >= \(start)
                    """
                ).first.map { try $0.decode((Int64, Double).self) } ?? (Int64(0), 0.0)
            let own =
                try session.rows(
                    """
                    SELECT ("tokensIn" + "tokensOut")::bigint, COALESCE("cost", 0)::double precision
                    FROM "run" WHERE "id" = \(runID) AND "startedAt" >= \(start)
                    """
                ).first.map { try $0.decode((Int64, Double).self) } ?? (Int64(0), 0.0)
            let spent = (tokens: Int(today.0), cost: today.1)
            let mine = (tokens: Int(own.0), cost: own.1)
            let others = (tokens: spent.tokens - mine.tokens, cost: spent.cost - mine.cost)
            guard decide(spent, mine) else { return (false, others) }
            try session.change(
                """
                UPDATE "run" SET "llmCalls" = \(calls), "tokensIn" = \(tokensIn), "tokensOut" = \(tokensOut),
                    "cost" = \(cost) WHERE "id" = \(runID) AND "finishedAt" IS NULL
                """)
            return (true, others)
        }
    }

    /// The advisory lock that serializes daily-budget admissions across hosts.
    static let spendLock = 7302

    /// LLM calls, tokens and cost of the runs started since `start`, across the fleet.
    func spend(since start: Date) throws -> (calls: Int, tokens: Int, cost: Double?) {
        try session { session in
            let row = try session.rows(
                """
                SELECT COALESCE(SUM("llmCalls"), 0)::bigint, COALESCE(SUM("tokensIn" + "tokensOut"), 0)::bigint,
                    SUM("cost") FROM "run" WHERE "startedAt" >= \(start)
                """
            ).first
            guard let row else { return (0, 0, nil) }
            let (calls, tokens, cost) = try row.decode((Int64, Int64, Double?).self)
            return (Int(calls), Int(tokens), cost)
        }
    }

    // MARK: Patterns and lessons

    func patterns(signatureKey: String) throws -> [FixPattern] {
        try session {
            try $0.records(
                FixPattern.self, from: "fixPattern",
                where: #""signatureKey" = \#(signatureKey) AND "status" != 'retired'"#)
        }
    }

    func lesson(signatureKey: String, patchHash: String) throws -> Lesson? {
        try session {
            try $0.records(
                Lesson.self, from: "lesson",
                where: #""signatureKey" = \#(signatureKey) AND "patchHash" = \#(patchHash)"#
            ).first
        }
    }

    func lessons(signatureKey: String, exceptionType: String, limit: Int) throws -> (own: [Lesson], sameType: [Lesson])
    {
        try session { session in
            (
                try session.records(
                    Lesson.self, from: "lesson", where: #""signatureKey" = \#(signatureKey)"#, order: #""count" DESC"#,
                    limit: limit),
                try session.records(
                    Lesson.self, from: "lesson",
                    where: #""signatureKey" != \#(signatureKey) AND "exceptionType" = \#(exceptionType)"#,
                    order: #""count" DESC"#, limit: limit)
            )
        }
    }

    func exampleDiffs(kind: String, exceptionType: String, limit: Int) throws -> [String] {
        try session { session in
            try session.rows(
                """
                SELECT "exampleDiff" FROM "fixPattern"
                WHERE "kind" = \(kind) AND "exceptionType" = \(exceptionType) AND "status" != 'retired'
                ORDER BY (CASE WHEN "successes" + "failures" = 0 THEN 0.0
                          ELSE "successes"::float8 / ("successes" + "failures") END) DESC, "id"
                LIMIT \(limit)
                """
            ).map { try $0.decode(String.self) }
        }
    }

    /// Runs `change` on the store's copy of a pattern, in a transaction that locks its rows:
    /// `find` picks the row (nil: `create` inserts one). Two hosts learning the same fix at
    /// once end with one pattern, credited twice.
    func learn(
        signatureKey: String, lockKey: String, find: (Session) throws -> FixPattern?,
        change: (inout FixPattern) -> Void, create: () -> FixPattern?
    ) throws {
        try transaction { session in
            // Serialises learners of one signature across hosts (the unique key alone would
            // make the second fail instead of crediting the first's pattern).
            try session.change("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))")
            if var pattern = try find(session) {
                change(&pattern)
                try update(pattern, in: "fixPattern", value: pattern.id ?? -1, session: session)
            } else if let pattern = create() {
                try session.insert(pattern, into: "fixPattern")
            }
        }
    }

    func bury(
        signatureKey: String, patchHash: String, create: () -> Lesson, pattern id: Int64?,
        change: (inout FixPattern) -> Void
    ) throws {
        try transaction { session in
            try session.change("SELECT pg_advisory_xact_lock(hashtext(\(signatureKey + patchHash)))")
            let changed = try session.change(
                """
                UPDATE "lesson" SET "count" = "count" + 1, "updatedAt" = \(Date())
                WHERE "signatureKey" = \(signatureKey) AND "patchHash" = \(patchHash)
                """)
            if changed == 0 { try session.insert(create(), into: "lesson") }
            if let id,
                var stored = try session.records(
                    FixPattern.self, from: "fixPattern", where: #""id" = \#(id) FOR UPDATE"#
                ).first
            {
                change(&stored)
                try update(stored, in: "fixPattern", value: id, session: session)
            }
        }
    }

    // MARK: Answer cache

    func answer(for key: String) throws -> String? {
        try session {
            try $0.rows(#"SELECT "response" FROM "llmAnswer" WHERE "key" = \#(key)"#).first?.decode(String.self)
        }
    }

    func store(answer: String, for key: String) throws {
        try session {
            try $0.change(
                """
                INSERT INTO "llmAnswer" ("key", "response", "createdAt") VALUES (\(key), \(answer), \(Date()))
                ON CONFLICT ("key") DO UPDATE SET "response" = EXCLUDED."response", "createdAt" = EXCLUDED."createdAt"
                """)
        }
    }
}

// MARK: Library imports

extension PostgresStore {
    func importedFingerprint(source: String) throws -> String? {
        try session {
            try $0.rows(#"SELECT "fingerprint" FROM "libraryImport" WHERE "source" = \#(source)"#).first?
                .decode(String.self)
        }
    }

    /// Adds the patterns the store lacks (by signature and fix shape) and records `source` at
    /// `fingerprint`; hosts importing at once are serialised. Returns what was added and which
    /// differ from the store's.
    func merge(
        _ patterns: [(name: String, pattern: FixPattern)], source: String, fingerprint: String
    ) throws -> LibraryExport.PatternImport {
        try transaction { session in
            try session.change("SELECT pg_advisory_xact_lock(hashtext('library import'))")
            var result = LibraryExport.PatternImport(read: patterns.count, added: 0, differing: [], skipped: false)
            for (name, pattern) in patterns {
                if let existing = try session.records(
                    FixPattern.self, from: "fixPattern",
                    where: #""signatureKey" = \#(pattern.signatureKey) AND "shapeKey" = \#(pattern.shapeKey)"#
                ).first {
                    if (existing.successes, existing.failures, existing.status)
                        != (pattern.successes, pattern.failures, pattern.status)
                    {
                        result.differing.append(name)
                    }
                } else {
                    var fresh = pattern
                    fresh.id = nil
                    try session.insert(fresh, into: "fixPattern")
                    result.added += 1
                }
            }
            try session.change(
                """
                INSERT INTO "libraryImport" ("source", "fingerprint", "importedAt")
                VALUES (\(source), \(fingerprint), \(Date()))
                ON CONFLICT ("source") DO UPDATE SET "fingerprint" = EXCLUDED."fingerprint",
                    "importedAt" = EXCLUDED."importedAt"
                """)
            return result
        }
    }

    /// Adds the lessons the store lacks; a known one keeps the store's count and evidence.
    func insertNew(lessons: [Lesson]) throws {
        try transaction { session in
            try session.change("SELECT pg_advisory_xact_lock(hashtext('library import'))")
            for lesson in lessons {
                let known = try session.rows(
                    """
                    SELECT 1 FROM "lesson" WHERE "signatureKey" = \(lesson.signatureKey)
                    AND "patchHash" = \(lesson.patchHash)
                    """)
                if known.isEmpty {
                    var fresh = lesson
                    fresh.id = nil
                    try session.insert(fresh, into: "lesson")
                }
            }
        }
    }
}
