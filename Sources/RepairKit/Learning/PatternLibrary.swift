import Foundation
import GRDB

/// Fix patterns and GRAVEYARD lessons in the learning store: what healed a signature before,
/// and what must never be tried for it again.
public struct PatternLibrary: Sendable {
    let database: RepairDatabase
    /// The app's entities (from its plan's routes): a fix naming another entity than its
    /// route's is learned and filled with them too.
    let vocabulary: [EntityNames]

    public init(_ database: RepairDatabase, vocabulary: [EntityNames] = []) {
        self.database = database
        self.vocabulary = vocabulary
    }

    /// The library for an app healed against `plan`.
    public init(_ database: RepairDatabase, plan: SmokePlan) {
        self.init(database, vocabulary: RouteEntities.vocabulary(of: plan.scenarios.map(\.endpoint.path)))
    }

    /// A patch to try before asking the LLM, written for this group's entity.
    public struct Candidate: Sendable {
        public var pattern: FixPattern
        /// The patch text: the example as it is, or the template filled for this entity.
        public var patch: String { patches.first ?? "" }
        /// Every filling of the template (one per way to name the app's other entities in it);
        /// the one that places, if only one does, is the fix.
        public var patches: [String]
        /// True when the example diff is used unchanged (same entity), false when generalised.
        public var exact: Bool
    }

    /// Patterns for the group's signature, most specific first (the same entity's example as
    /// it is, then templates filled with this entity's names), then by success rate.
    public func candidates(for group: ViolationGroup, limit: Int = 3) throws -> [Candidate] {
        let signature = Signature(group)
        let patterns =
            try database.postgres?.patterns(signatureKey: signature.key)
            ?? database.writer.read { db in
                try FixPattern.filter(
                    FixPattern.Columns.signatureKey == signature.key
                        && FixPattern.Columns.status != FixPattern.Status.retired.rawValue
                )
                .fetchAll(db)
            }
        let entities = RouteEntities(route: group.route, vocabulary: vocabulary)
        let own = entities.entities.last?.singular
        let ranked = patterns.sorted {
            ($0.status == .promoted ? 1 : 0, $0.successRate, $0.successes) > (
                $1.status == .promoted ? 1 : 0, $1.successRate, $1.successes
            )
        }
        var result: [Candidate] = []
        for pattern in ranked where pattern.entity == own {
            result.append(Candidate(pattern: pattern, patches: [pattern.exampleDiff], exact: true))
        }
        for pattern in ranked where pattern.entity != own {
            let patches = entities.fillings(pattern.template)
            if !patches.isEmpty { result.append(Candidate(pattern: pattern, patches: patches, exact: false)) }
        }
        return Array(result.prefix(limit))
    }

    /// The lesson that buries `diff` for the group's signature, if it already failed for it.
    public func lesson(burying diff: String, for group: ViolationGroup) throws -> Lesson? {
        let key = Signature(group).key, hash = Self.patchHash(diff)
        if let postgres = database.postgres { return try postgres.lesson(signatureKey: key, patchHash: hash) }
        return try database.writer.read { db in
            try Lesson.filter(Lesson.Columns.signatureKey == key && Lesson.Columns.patchHash == hash).fetchOne(db)
        }
    }

    /// Lessons for the signature, then for the same exception type elsewhere, as prompt lines.
    public func lessonLines(for group: ViolationGroup, limit: Int = 5) throws -> [String] {
        let signature = Signature(group)
        let (own, sameType) =
            try database.postgres?.lessons(
                signatureKey: signature.key, exceptionType: signature.exceptionType, limit: limit)
            ?? database.writer.read { db in
                (
                    try Lesson.filter(Lesson.Columns.signatureKey == signature.key).order(Column("count").desc).limit(
                        limit
                    )
                    .fetchAll(db),
                    try Lesson.filter(
                        Lesson.Columns.signatureKey != signature.key
                            && Lesson.Columns.exceptionType == signature.exceptionType
                    )
                    .order(Column("count").desc).limit(limit).fetchAll(db)
                )
            }
        return (own + sameType).prefix(limit).map { lesson in
            let place = lesson.signatureKey == signature.key ? "" : " (on \(lesson.signature))"
            return "\(lesson.summary) — \(lesson.outcome)\(place): \(lesson.evidence)"
        }
    }

    /// Successful fixes of similar failures (same kind and exception), as prompt examples:
    /// the highest success rate first, the oldest first among equals.
    public func exampleDiffs(for group: ViolationGroup, limit: Int = 3) throws -> [String] {
        let signature = Signature(group)
        if let postgres = database.postgres {
            return try postgres.exampleDiffs(
                kind: group.kind.rawValue, exceptionType: signature.exceptionType, limit: limit)
        }
        return try database.writer.read { db in
            // The order is the `fixPattern_examples` index's, so the read stops at the limit.
            try String.fetchAll(
                db,
                sql: """
                    SELECT exampleDiff FROM fixPattern INDEXED BY fixPattern_examples
                    WHERE kind = ? AND exceptionType = ? AND status != ?
                    ORDER BY \(Self.successRateSQL) DESC, id LIMIT ?
                    """,
                arguments: [group.kind.rawValue, signature.exceptionType, FixPattern.Status.retired.rawValue, limit])
        }
    }

    /// `FixPattern.successRate` in SQL, as the `fixPattern_examples` index spells it (a query
    /// uses an expression index only when it spells the expression the same way).
    static let successRateSQL =
        "(CASE WHEN successes + failures = 0 THEN 0.0 ELSE CAST(successes AS REAL) / (successes + failures) END)"

    /// A kept fix: credits the pattern it came from (`pattern`, when it was proposed from one
    /// for this signature), else strengthens the pattern of the same fix shape, else creates one.
    public func recordSuccess(
        diff: String, group: ViolationGroup, appDirectory: URL, pattern source: FixPattern? = nil
    ) throws {
        // An app that did not come up and left no trace names no bug: whatever patch stood when
        // it came up again is no cure to learn.
        if group.method.isEmpty && group.trace == nil { return }
        let signature = Signature(group)
        let entities = RouteEntities(route: group.route, vocabulary: vocabulary)
        let template = entities.abstract(diff)
        let shape = Self.shapeKey(template)
        let now = Date()
        func credit(_ pattern: inout FixPattern) {
            pattern.successes += 1
            pattern.appsHealed = Self.adding(appDirectory.path, to: pattern.appsHealed)
            pattern.status = Self.status(pattern)
            pattern.updatedAt = now
        }
        func created() -> FixPattern {
            FixPattern(
                id: nil, signatureKey: signature.key, signature: signature.description, kind: group.kind.rawValue,
                template: template, exampleDiff: diff, entity: entities.entities.last?.singular,
                appsHealed: Self.adding(appDirectory.path, to: "[]"), successes: 1, failures: 0,
                status: .candidate, createdAt: now, updatedAt: now, exceptionType: signature.exceptionType)
        }
        if let postgres = database.postgres {
            return try postgres.learn(
                signatureKey: signature.key, lockKey: signature.key,
                find: { session in
                    if let id = source?.id,
                        let credited = try session.records(
                            FixPattern.self, from: "fixPattern",
                            where: #""id" = \#(id) AND "signatureKey" = \#(signature.key)"#
                        ).first
                    {
                        return credited
                    }
                    return try session.records(
                        FixPattern.self, from: "fixPattern",
                        where: #""signatureKey" = \#(signature.key) AND "shapeKey" = \#(shape)"#
                    ).first
                }, change: credit, create: created)
        }
        try database.writer.write { db in
            let now = Date()
            let credited = try source?.id.flatMap { id in
                try FixPattern.fetchOne(db, key: id).flatMap { $0.signatureKey == signature.key ? $0 : nil }
            }
            let sameShape = try FixPattern.filter(
                FixPattern.Columns.signatureKey == signature.key && FixPattern.Columns.shapeKey == shape
            )
            .fetchOne(db)
            if var pattern = try credited ?? sameShape {
                pattern.successes += 1
                pattern.appsHealed = Self.adding(appDirectory.path, to: pattern.appsHealed)
                pattern.status = Self.status(pattern)
                pattern.updatedAt = now
                try pattern.update(db)
            } else {
                var pattern = FixPattern(
                    id: nil, signatureKey: signature.key, signature: signature.description, kind: group.kind.rawValue,
                    template: template,
                    exampleDiff: diff, entity: entities.entities.last?.singular,
                    appsHealed: Self.adding(appDirectory.path, to: "[]"), successes: 1, failures: 0,
                    status: .candidate, createdAt: now, updatedAt: now, exceptionType: signature.exceptionType)
                try pattern.insert(db)
            }
        }
    }

    /// A fix that was rolled back: buries the patch for the signature, and weakens the
    /// pattern it came from.
    public func recordFailure(
        diff: String, group: ViolationGroup, outcome: String, evidence: String, pattern: FixPattern?,
        appDirectory: URL? = nil
    ) throws {
        let signature = Signature(group)
        let hash = Self.patchHash(diff)
        if let postgres = database.postgres {
            let now = Date()
            return try postgres.bury(
                signatureKey: signature.key, patchHash: hash,
                create: {
                    Lesson(
                        id: nil, signatureKey: signature.key, signature: signature.description, patchHash: hash,
                        summary: Self.summary(diff), outcome: outcome, evidence: String(evidence.prefix(500)), count: 1,
                        createdAt: now, updatedAt: now, exceptionType: signature.exceptionType)
                }, pattern: pattern?.id,
                change: { stored in
                    stored.failures += 1
                    if let appDirectory { stored.appsFailed = Self.adding(appDirectory.path, to: stored.appsFailed) }
                    stored.status = Self.status(stored)
                    stored.updatedAt = now
                })
        }
        try database.writer.write { db in
            let now = Date()
            if var lesson = try Lesson.filter(
                Lesson.Columns.signatureKey == signature.key && Lesson.Columns.patchHash == hash
            ).fetchOne(db) {
                lesson.count += 1
                lesson.updatedAt = now
                try lesson.update(db)
            } else {
                var lesson = Lesson(
                    id: nil, signatureKey: signature.key, signature: signature.description, patchHash: hash,
                    summary: Self.summary(diff), outcome: outcome, evidence: String(evidence.prefix(500)), count: 1,
                    createdAt: now, updatedAt: now, exceptionType: signature.exceptionType)
                try lesson.insert(db)
            }
            if let id = pattern?.id, var stored = try FixPattern.fetchOne(db, key: id) {
                stored.failures += 1
                if let appDirectory { stored.appsFailed = Self.adding(appDirectory.path, to: stored.appsFailed) }
                stored.status = Self.status(stored)
                stored.updatedAt = now
                try stored.update(db)
            }
        }
    }

    /// Promoted above 70% success over at least 3 uses, retired below 30%; a person's choice
    /// (promote or retire) is never undone by the numbers.
    static func status(_ pattern: FixPattern) -> FixPattern.Status {
        guard pattern.uses >= 3, !pattern.statusByHand else { return pattern.status }
        if pattern.successRate > 0.7 { return .promoted }
        if pattern.successRate < 0.3 { return .retired }
        return pattern.status
    }

    /// Hash of what a patch changes: its removed and added lines, trimmed, per file — not
    /// its context or line numbers, so the same fix hashes the same wherever it lands.
    public static func patchHash(_ diff: String) -> String {
        Fingerprint.hash(changedLines(diff).joined(separator: "\n"))
    }

    /// The key of a template's fix shape: its removed and added lines, trimmed, without file
    /// names or context, so a fix learned in `services/members.py` and met again inline in
    /// `routers/clients.py` is one pattern.
    public static func shapeKey(_ template: String) -> String {
        Fingerprint.hash(
            changedLines(template).filter { !$0.hasPrefix("+++ ") && !$0.hasPrefix("--- ") }.joined(separator: "\n"))
    }

    static func changedLines(_ diff: String) -> [String] {
        diff.split(separator: "\n").compactMap { line -> String? in
            if line.hasPrefix("+++ ") || line.hasPrefix("--- ") { return String(line) }
            guard line.hasPrefix("+") || line.hasPrefix("-") else { return nil }
            let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
            return body.isEmpty ? nil : String(line.prefix(1)) + body
        }
    }

    static func summary(_ diff: String) -> String {
        let lines = changedLines(diff).filter { !$0.hasPrefix("+++") && !$0.hasPrefix("---") }
        return String(lines.prefix(6).joined(separator: " | ").prefix(300))
    }

    private static func adding(_ app: String, to json: String) -> String {
        var apps = (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
        if !apps.contains(app) { apps.append(app) }
        return String(decoding: (try? JSONEncoder().encode(apps)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
