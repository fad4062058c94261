import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

/// The job queue on a real PostgreSQL (a throwaway cluster on loopback): several hosts, each
/// with its own connections, share it.
@Suite struct PostgresJobQueueTests {
    /// `count` hosts' queues on one fresh database.
    func hosts(_ count: Int) async throws -> [PostgresJobQueue] {
        let cluster = try await PostgresCluster.start()
        let database = try await cluster.database()
        let logger = {
            var logger = Logger(label: "test.postgres")
            logger.logLevel = .warning
            return logger
        }()
        let environment = cluster.environment
        var queues: [PostgresJobQueue] = []
        // All start at once, as a fleet does: the migration runs once.
        try await withThrowingTaskGroup(of: PostgresJobQueue.self) { group in
            for _ in 0..<count {
                group.addTask { try await PostgresJobQueue.open(database, environment: environment, logger: logger) }
            }
            for try await queue in group { queues.append(queue) }
        }
        return queues
    }

    func app(_ name: String) -> URL { URL(fileURLWithPath: "/srv/apps/\(name)") }

    @Test func thirtyJobsThroughThreeHostsEachEndExactlyOnce() async throws {
        let queues = try await hosts(3)
        for index in 0..<30 { try await queues[index % 3].enqueue(app("app-\(index)")) }
        // Two workers per host claim and finish as fast as they can, all at once.
        let finished = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (host, queue) in queues.enumerated() {
                for worker in 0..<2 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let job = try await queue.claim(worker: "host\(host)-w\(worker)", lease: 60) {
                            if try await queue.finish(job, as: .healed, reason: "healed", runID: nil) {
                                mine.append(job.id!)
                            }
                        }
                        return mine
                    }
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        let jobs = try await queues[0].jobs()
        #expect(jobs.count == 30)
        #expect(finished.count == 30 && Set(finished).count == 30, "every job finished once, by one worker")
        #expect(jobs.allSatisfy { $0.state == .healed && $0.claims == 1 })
        for queue in queues { await queue.close() }
    }

    @Test func anAppRunsOnOneHostAtATimeAndAWaitingJobIsNotDoubled() async throws {
        let queues = try await hosts(2)
        let first = try await queues[0].enqueue(app("shop"), priority: .low)
        #expect(!first.merged)
        let again = try await queues[1].enqueue(app("shop"), priority: .high)
        #expect(again.merged && again.job.id == first.job.id && again.job.priority == .high)
        let held = try #require(try await queues[0].claim(worker: "a", lease: 60))
        // A change while it heals queues the app again; no other host may start it meanwhile.
        try await queues[1].enqueue(app("shop"))
        #expect(try await queues[1].claim(worker: "b", lease: 60) == nil)
        #expect(try await queues[0].finish(held, as: .healed, reason: "healed", runID: nil))
        #expect(!(try await queues[0].finish(held, as: .failed, reason: "twice", runID: nil)), "a job ends once")
        let next = try #require(try await queues[1].claim(worker: "b", lease: 60))
        #expect(next.id != held.id && next.appDirectory == held.appDirectory)
        for queue in queues { await queue.close() }
    }

    @Test func aLeaseThatRunsOutPutsTheJobBackForAnyHost() async throws {
        let queues = try await hosts(2)
        let start = Date()
        try await queues[0].enqueue(app("notes"), at: start)
        let lost = try #require(try await queues[0].claim(worker: "a", lease: 5, at: start))
        #expect(try await queues[1].requeueExpired(at: start.addingTimeInterval(1)) == 0, "the lease still holds")
        #expect(try await queues[1].requeueExpired(at: start.addingTimeInterval(6)) == 1)
        let again = try #require(try await queues[1].claim(worker: "b", lease: 60, at: start.addingTimeInterval(7)))
        #expect(again.id == lost.id && again.claims == 2)
        #expect(!(try await queues[0].renew(lost, lease: 60)), "the first worker lost it")
        #expect(!(try await queues[0].finish(lost, as: .healed, reason: "late", runID: nil)))
        #expect(try await queues[1].finish(again, as: .healed, reason: "healed", runID: "run-1"))
        for queue in queues { await queue.close() }
    }

    @Test func anIdleHostWakesWhenAnotherEnqueues() async throws {
        let queues = try await hosts(2)
        #expect(!(try await queues[1].waitForWork(timeout: .milliseconds(300))), "nothing came")
        // Another host enqueues every 200 ms until the idle one has woken: whenever its LISTEN
        // took effect, a notification follows.
        let enqueuer = Task {
            var count = 0
            while !Task.isCancelled {
                try await queues[0].enqueue(app("late-\(count)"))
                count += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let limit = Duration.seconds(60 * Patience.factor)
        let started = ContinuousClock.now
        let woke = try await queues[1].waitForWork(timeout: limit)
        enqueuer.cancel()
        _ = await enqueuer.result
        #expect(woke)
        #expect(ContinuousClock.now - started < limit, "woken by a notification, not the timeout")
        for queue in queues { await queue.close() }
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
