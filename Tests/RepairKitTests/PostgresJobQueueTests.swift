import Foundation
import Logging
import RepairTestSupport
import Synchronization
import Testing

@testable import RepairKit

/// The job queue on a real PostgreSQL (a throwaway cluster on loopback): several hosts, each
/// with its own store and connections, share it through the same `JobQueue` as SQLite's.
@Suite struct PostgresJobQueueTests {
    /// `count` hosts' queues on one fresh database, opened at once as a fleet starts: the
    /// schema is created once.
    func hosts(_ count: Int) async throws -> [JobQueue] {
        let cluster = try await PostgresCluster.start()
        let database = try await cluster.database()
        let environment = cluster.environment
        let opened = Mutex<[Result<RepairDatabase, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let result = Result { try RepairDatabase.open(database.description, environment: environment) }
            opened.withLock { $0.append(result) }
        }
        return try opened.withLock { $0 }.map { JobQueue(try $0.get()) }
    }

    func app(_ name: String) -> URL { URL(fileURLWithPath: "/srv/apps/\(name)") }

    @Test func thirtyJobsThroughThreeHostsEachEndExactlyOnce() async throws {
        let queues = try await hosts(3)
        for index in 0..<30 { try queues[index % 3].enqueue(app("app-\(index)")) }
        // Two workers per host, each on its own thread, claim and finish as fast as they can.
        let finished = Mutex<[Int64]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            let queue = queues[index % 3]
            do {
                while let job = try queue.claim(worker: "host\(index % 3)-w\(index / 3)", lease: 60) {
                    if try queue.finish(job, as: .healed, reason: "healed", runID: nil) {
                        finished.withLock { $0.append(job.id!) }
                    }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        let jobs = try queues[0].jobs()
        let ids = finished.withLock { $0 }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(jobs.count == 30)
        #expect(ids.count == 30 && Set(ids).count == 30, "every job finished once, by one worker")
        #expect(jobs.allSatisfy { $0.state == .healed && $0.claims == 1 })
    }

    @Test func anAppRunsOnOneHostAtATimeAndAWaitingJobIsNotDoubled() async throws {
        let queues = try await hosts(2)
        let first = try queues[0].enqueue(app("shop"), priority: .low)
        #expect(!first.merged)
        let again = try queues[1].enqueue(app("shop"), priority: .high)
        #expect(again.merged && again.job.id == first.job.id && again.job.priority == .high)
        let held = try #require(try queues[0].claim(worker: "a", lease: 60))
        // A change while it heals queues the app again; no other host may start it meanwhile.
        try queues[1].enqueue(app("shop"))
        #expect(try queues[1].claim(worker: "b", lease: 60) == nil)
        let report = HealReport(
            healed: true, runID: "run-1", initialPassRate: 0.5, finalPassRate: 1, llmCalls: 0, tokensIn: 0,
            tokensOut: 0, iterations: [], filesChanged: [], keptDiff: "", stopReason: "healed", groupsLeft: ["x"])
        var seen: Job?
        #expect(
            try queues[0].finish(held, as: .healed, reason: "healed", runID: "run-1", report: report) { seen = $0 })
        #expect(seen?.state == .healed && seen?.finalPassRate == 1 && seen?.groupsLeftList == ["x"])
        #expect(!(try queues[0].finish(held, as: .failed, reason: "twice", runID: nil)), "a job ends once")
        let next = try #require(try queues[1].claim(worker: "b", lease: 60))
        #expect(next.id != held.id && next.appDirectory == held.appDirectory)
        try queues[1].release(next)
        #expect(try queues[0].job(id: next.id!)?.state == .queued)
        #expect(try queues[0].finishedJobs(limit: 5).map(\.id) == [held.id])
    }

    @Test func aLeaseThatRunsOutPutsTheJobBackForAnyHost() async throws {
        let queues = try await hosts(2)
        let start = Date()
        try queues[0].enqueue(app("notes"), at: start)
        let lost = try #require(try queues[0].claim(worker: "a", lease: 5, at: start))
        #expect(try queues[1].requeueExpired(at: start.addingTimeInterval(1)) == 0, "the lease still holds")
        #expect(try queues[1].requeueExpired(at: start.addingTimeInterval(6)) == 1)
        let again = try #require(try queues[1].claim(worker: "b", lease: 60, at: start.addingTimeInterval(7)))
        #expect(again.id == lost.id && again.claims == 2)
        #expect(!(try queues[0].renew(lost, lease: 60)), "the first worker lost it")
        #expect(try queues[1].renew(again, lease: 60, stage: "smoke", iteration: 1))
        #expect(try queues[0].job(id: again.id!)?.stage == "smoke")
        #expect(!(try queues[0].finish(lost, as: .healed, reason: "late", runID: nil)))
        #expect(try queues[1].finish(again, as: .healed, reason: "healed", runID: "run-1"))
    }

    @Test func storeURLsNeverCarryAPassword() throws {
        let endpoint = try PostgresEndpoint.parse("postgres://repaird@db.internal:6543/fleet")
        #expect(endpoint == PostgresEndpoint(host: "db.internal", port: 6543, user: "repaird", database: "fleet"))
        let error = #expect(throws: ConfigError.self) {
            try PostgresEndpoint.parse("postgres://repaird:hunter2@db.internal/fleet")
        }
        #expect(!"\(error!)".contains("hunter2"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pgpass = try directory.write(
            "pgpass", "# host:port:database:user:password\nother:*:*:*:no\ndb.internal:6543:fleet:repaird:s3cr\\:et\n")
        #expect(endpoint.password(environment: ["PGPASSFILE": pgpass.path]) == "s3cr:et")
        #expect(endpoint.password(environment: ["PGPASSWORD": "from-env", "PGPASSFILE": pgpass.path]) == "from-env")
        #expect(!endpoint.description.contains("s3cr"))
    }
}
