import Foundation
import GRDB

/// What `repairctl status` shows: queue depth by priority, running jobs with their stage and
/// iteration, recent outcomes, and LLM calls and tokens today.
public struct DaemonStatus: Codable, Sendable {
    public struct JobLine: Codable, Sendable {
        public var id: Int64
        public var app: String
        public var priority: String
        public var state: String
        public var stage: String?
        public var iteration: Int?
        public var worker: String?
        public var claims: Int
        public var reason: String?
        public var finishedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, app, priority, state, stage, iteration, worker, claims, reason, finishedAt = "finished_at"
        }
    }

    public var queued: [String: Int]
    public var running: [JobLine]
    public var recent: [JobLine]
    public var llmCallsToday: Int
    public var tokensToday: Int

    enum CodingKeys: String, CodingKey {
        case queued, running, recent, llmCallsToday = "llm_calls_today", tokensToday = "tokens_today"
    }

    public static func read(from database: RepairDatabase, recentLimit: Int = 10) throws -> DaemonStatus {
        let jobs = try JobQueue(database).jobs()
        func line(_ job: Job) -> JobLine {
            JobLine(id: job.id ?? 0, app: job.appDirectory, priority: job.priority.name, state: job.state.rawValue, stage: job.stage,
                    iteration: job.iteration, worker: job.worker, claims: job.claims, reason: job.reason, finishedAt: job.finishedAt)
        }
        var queued: [String: Int] = [:]
        for priority in Job.Priority.allCases { queued[priority.name] = jobs.filter { $0.state == .queued && $0.priority == priority }.count }
        let startOfDay = Calendar(identifier: .gregorian).startOfDay(for: Date())
        let (calls, tokens) = try database.writer.read { db -> (Int, Int) in
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(llmCalls), 0), COALESCE(SUM(tokensIn + tokensOut), 0) FROM run WHERE startedAt >= ?",
                                       arguments: [startOfDay])
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
        let finished = jobs.filter(\.state.isFinal).sorted { ($0.finishedAt ?? .distantPast) > ($1.finishedAt ?? .distantPast) }
        return DaemonStatus(queued: queued, running: jobs.filter { $0.state == .running }.map(line),
                            recent: finished.prefix(recentLimit).map(line), llmCallsToday: calls, tokensToday: tokens)
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
