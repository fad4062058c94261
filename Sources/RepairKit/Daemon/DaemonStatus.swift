import Foundation
import GRDB

/// What `repairctl status` shows: queue depth by priority, running jobs with their stage and
/// iteration, recent outcomes (a page of them), and LLM calls and tokens today. Each job is a
/// `JobResult`, the same fields `status JOB_ID` and `.repair/result.json` carry.
public struct DaemonStatus: Codable, Sendable {
    public var queued: [String: Int]
    public var running: [JobResult]
    /// Finished jobs: the most recent first, or, with `since`, those after it, oldest first.
    public var recent: [JobResult]
    /// With `since`: whether more finished jobs follow the page (ask again with `next_since`).
    public var more: Bool
    /// The `finished_at` of the page's last job: what `--since` takes for the next page.
    public var nextSince: String?
    public var llmCallsToday: Int
    public var tokensToday: Int
    /// What today's LLM calls cost at the configured prices; nil when no run was priced.
    public var costToday: Double?

    enum CodingKeys: String, CodingKey {
        case queued, running, recent, more, nextSince = "next_since"
        case llmCallsToday = "llm_calls_today", tokensToday = "tokens_today", costToday = "cost_today"
    }

    /// Reads the queue; `limit` bounds `recent`, and `since` pages forward through finished jobs.
    public static func read(from database: RepairDatabase, limit: Int = 10, since: Date? = nil) throws -> DaemonStatus {
        let queue = JobQueue(database)
        let jobs: [Job]
        if database.postgres != nil {
            jobs = try queue.jobs().filter { $0.state == .queued || $0.state == .running }
        } else {
            jobs = try database.writer.read { db in
                try Job.filter([Job.State.queued, .running].map(\.rawValue).contains(Job.Columns.state))
                    .order(Job.Columns.id).fetchAll(db)
            }
        }
        var queued: [String: Int] = [:]
        for priority in Job.Priority.allCases {
            queued[priority.name] = jobs.filter { $0.state == .queued && $0.priority == priority }.count
        }
        let (calls, tokens, cost) = try database.spend(since: Calendar(identifier: .gregorian).startOfDay(for: Date()))
        // One more than asked says whether another page follows.
        var finished = try queue.finishedJobs(limit: limit + 1, since: since)
        let more = finished.count > limit
        finished = Array(finished.prefix(limit))
        let last = since == nil ? finished.first : finished.last
        return DaemonStatus(
            queued: queued, running: jobs.filter { $0.state == .running }.map(JobResult.init(job:)),
            recent: finished.map(JobResult.init(job:)), more: more,
            nextSince: last?.finishedAt.map(JobResult.timestamp),
            llmCallsToday: calls, tokensToday: tokens, costToday: cost)
    }

    public func jsonData() -> Data {
        (try? JobResult.encoder().encode(self)) ?? Data("{}".utf8)
    }
}
