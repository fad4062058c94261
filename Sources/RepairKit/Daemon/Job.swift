import Foundation
import GRDB

/// One heal job of the queue: an app directory to heal, from `queued` through `running` to
/// exactly one of `healed`, `not_healed` or `failed`.
public struct Job: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job"

    public enum Priority: Int, Codable, Sendable, CaseIterable, CustomStringConvertible {
        case urgent = 0, high = 1, normal = 2, low = 3
        public var description: String { name }
        public var name: String { ["urgent", "high", "normal", "low"][rawValue] }
        public init?(name: String) {
            guard let index = ["urgent", "high", "normal", "low"].firstIndex(of: name) else { return nil }
            self.init(rawValue: index)
        }
    }

    public enum State: String, Codable, Sendable {
        case queued, running, healed
        case notHealed = "not_healed"
        case failed
        public var isFinal: Bool { self == .healed || self == .notHealed || self == .failed }
    }

    public var id: Int64?
    public var appDirectory: String
    public var priority: Priority
    public var state: State
    public var enqueuedAt: Date
    public var claimedAt: Date?
    public var leaseUntil: Date?
    /// The worker that holds the job while it runs.
    public var worker: String?
    /// How often it was claimed (more than once after a crash or shutdown requeued it).
    public var claims: Int
    /// What the running cycle is doing: `smoke`, `repair`, `verify`.
    public var stage: String?
    public var iteration: Int?
    public var finishedAt: Date?
    /// Why it ended as it did.
    public var reason: String?
    public var runId: String?
    /// The pass rates of the cycle's first and last smoke runs.
    public var initialPassRate: Double?
    public var finalPassRate: Double?
    /// The violation groups still failing when the cycle ended, as a JSON list, worst first.
    public var groupsLeft: String?

    /// `groupsLeft` as a list (nil while the job has not finished a cycle).
    public var groupsLeftList: [String]? {
        groupsLeft.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public enum Columns {
        static let appDirectory = Column(CodingKeys.appDirectory)
        static let state = Column(CodingKeys.state)
        static let worker = Column(CodingKeys.worker)
        static let leaseUntil = Column(CodingKeys.leaseUntil)
        static let finishedAt = Column(CodingKeys.finishedAt)
        static let id = Column(CodingKeys.id)
    }
}
