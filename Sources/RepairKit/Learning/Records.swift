import Foundation
import GRDB

/// A row of `run`: one smoke pass or heal cycle.
public struct RunRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run"
    public var id: String
    public var appDirectory: String
    /// `smoke` or `heal`.
    public var kind: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var healed: Bool?
    public var initialPassRate: Double?
    public var finalPassRate: Double?
    public var llmCalls: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var stopReason: String?
    /// What the run's LLM calls cost at the configured prices; nil when unpriced.
    public var cost: Double?

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let startedAt = Column(CodingKeys.startedAt)
        static let appDirectory = Column(CodingKeys.appDirectory)
        static let finishedAt = Column(CodingKeys.finishedAt)
    }
}

/// A row of `scenarioResult`: one scenario in one iteration of a run (0 is the first pass).
public struct ScenarioResultRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "scenarioResult"
    public var id: Int64?
    public var runId: String
    public var iteration: Int
    public var scenarioIndex: Int
    public var endpoint: String
    public var name: String
    public var expectedStatus: String
    public var actualStatus: Int?
    public var passed: Bool
    public var failureKind: String?
    public var requestID: String
    public var durationMilliseconds: Double
    public var error: String?

    public enum Columns {
        static let runId = Column(CodingKeys.runId)
        static let iteration = Column(CodingKeys.iteration)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `violationGroup`.
public struct ViolationGroupRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "violationGroup"
    public var id: Int64?
    public var runId: String
    public var iteration: Int
    public var key: String
    public var kind: String
    public var method: String
    public var route: String
    public var status: Int?
    public var count: Int
    public var exceptionType: String?
    public var message: String?
    /// `file:line` of the place to start from.
    public var location: String?

    public enum Columns {
        static let runId = Column(CodingKeys.runId)
        static let iteration = Column(CodingKeys.iteration)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `attempt`: one proposed fix, its prompt and answer, and what became of it.
public struct AttemptRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attempt"
    public var id: Int64?
    public var runId: String
    public var iteration: Int
    public var groupKey: String
    public var source: String
    public var outcome: String
    public var rule: String?
    /// JSON list of relative paths.
    public var files: String
    public var diff: String
    public var prompt: String
    public var answer: String
    public var tokensIn: Int
    public var tokensOut: Int
    public var durationMilliseconds: Double
    public var detail: String
    public var createdAt: Date

    public enum Columns {
        static let runId = Column(CodingKeys.runId)
        static let iteration = Column(CodingKeys.iteration)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `llmAnswer`: an answer kept by the hash of what was asked.
struct LLMAnswerRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "llmAnswer"
    var key: String
    var response: String
    var createdAt: Date
}

/// A row of `fixPattern`: a fix that healed a signature, with the entity's names as holes.
public struct FixPattern: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "fixPattern"

    public enum Status: String, Codable, Sendable { case candidate, promoted, retired }

    public var id: Int64?
    public var signatureKey: String
    public var signature: String
    public var kind: String
    public var template: String
    public var exampleDiff: String
    public var entity: String?
    /// JSON list of app directories it healed.
    public var appsHealed: String
    public var successes: Int
    public var failures: Int
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date
    /// The signature's exception type (or kind), kept as a value so lookups need not read it
    /// back out of the signature's text.
    public var exceptionType: String = ""
    /// A person promoted or retired it: counts never change its status again.
    public var statusByHand = false
    /// What the fix changes, entity names abstracted, context and file names left out: the
    /// same fix on another entity or in another file has the same shape, and strengthens the
    /// same pattern.
    public var shapeKey = ""
    /// JSON list of app directories where a fix from it was tried and failed.
    public var appsFailed = "[]"

    public init(
        id: Int64? = nil, signatureKey: String, signature: String, kind: String, template: String, exampleDiff: String,
        entity: String?, appsHealed: String, successes: Int, failures: Int, status: Status, createdAt: Date,
        updatedAt: Date,
        exceptionType: String = ""
    ) {
        self.exceptionType = exceptionType
        self.id = id
        self.signatureKey = signatureKey
        self.signature = signature
        self.kind = kind
        self.template = template
        self.exampleDiff = exampleDiff
        self.entity = entity
        self.appsHealed = appsHealed
        self.successes = successes
        self.failures = failures
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.shapeKey = PatternLibrary.shapeKey(template)
    }

    public var uses: Int { successes + failures }
    public var successRate: Double { uses == 0 ? 0 : Double(successes) / Double(uses) }

    /// The shape is the template's, whatever was set since the record was made.
    public mutating func willInsert(_ db: Database) throws { shapeKey = PatternLibrary.shapeKey(template) }

    public enum Columns {
        static let signatureKey = Column(CodingKeys.signatureKey)
        static let template = Column(CodingKeys.template)
        static let shapeKey = Column(CodingKeys.shapeKey)
        static let status = Column(CodingKeys.status)
        static let exceptionType = Column(CodingKeys.exceptionType)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `lesson`: a patch that failed for a signature — never to be applied again for it.
public struct Lesson: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "lesson"
    public var id: Int64?
    public var signatureKey: String
    public var signature: String
    /// Hash of the normalised patch (its changed lines, not its context or line numbers).
    public var patchHash: String
    /// What was tried: the changed lines, shortened.
    public var summary: String
    public var outcome: String
    public var evidence: String
    public var count: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The signature's exception type (or kind), as a value.
    public var exceptionType: String = ""

    public init(
        id: Int64?, signatureKey: String, signature: String, patchHash: String, summary: String, outcome: String,
        evidence: String, count: Int, createdAt: Date, updatedAt: Date, exceptionType: String = ""
    ) {
        self.id = id
        self.signatureKey = signatureKey
        self.signature = signature
        self.patchHash = patchHash
        self.summary = summary
        self.outcome = outcome
        self.evidence = evidence
        self.count = count
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.exceptionType = exceptionType
    }

    public enum Columns {
        static let signatureKey = Column(CodingKeys.signatureKey)
        static let patchHash = Column(CodingKeys.patchHash)
        static let exceptionType = Column(CodingKeys.exceptionType)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `llmUsage`: one run's calls, tokens and cost with one provider and model.
public struct LLMUsageRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "llmUsage"
    public var runId: String
    public var provider: String
    public var model: String
    public var calls: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var cost: Double?
}
