import Foundation
import GRDB
import Logging
import RepairTestSupport
import Synchronization
import Testing

@testable import RepairKit

/// Every statement the heal path runs against the learning store finds its rows through an
/// index, so its cost does not grow with the library (issue 17's `PatternLookupBenchmark`
/// measures the times).
@Suite struct IndexedReadsTests {
    final class Statements: Sendable {
        let seen = Mutex<[String]>([])
        let recording = Atomic<Bool>(false)
        func note(_ sql: String) {
            guard recording.load(ordering: .relaxed) else { return }
            seen.withLock { $0.append(sql) }
        }
    }

    /// The cycles and the scripted LLM of the pattern library's tests.
    func cycle(
        _ app: TemporaryDirectory, llm: LLMService?, store: RepairDatabase, plan: URL? = nil, iterations: Int = 3
    ) throws -> HealCycle {
        try PatternLibraryTests().cycle(app, llm: llm, store: store, maxIterations: iterations, plan: plan)
    }

    func llm(_ server: TestLLMServer) throws -> LLMService { try PatternLibraryTests().llm(server) }

    @Test func everyQueryOfTheHealPathUsesAnIndex() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let statements = Statements()
        let store = try RepairDatabase.open(
            at: directory.url.appendingPathComponent("learning.sqlite"), statements: statements.note)
        statements.recording.store(true, ordering: .relaxed)

        // A fix that regresses, buried as a lesson and refused when proposed again …
        let third = try FixtureApps.copy("shop-api")
        defer { third.remove() }
        let plan = try third.write(
            "plan.json",
            """
            {"seed_data": [{"entity_name": "product", "uuid": "00000000-0000-4000-8000-000000000001", "fields": {"name": "Beans", "price": 2, "stock": 1}, "depends_on": []}],
             "scenarios": [{"endpoint": "POST /products", "name": "create_product", "payload": {"name": "Oat Milk", "price": 2.4}, "expected_status": 201},
                           {"endpoint": "GET /products", "name": "list_products", "expected_status": 200}]}
            """)
        let breaking = try await TestLLMServer.start(
            [["content": ShopFixes.breakingListing], ["content": ShopFixes.breakingListing]], in: directory)
        _ = try await cycle(third, llm: try llm(breaking), store: store, plan: plan, iterations: 1).run()
        // The same bug in another copy: the lesson refuses the same fix.
        let fourth = try FixtureApps.copy("shop-api")
        defer { fourth.remove() }
        let fourthPlan = fourth.url.appendingPathComponent("plan.json")
        try FileManager.default.copyItem(at: plan, to: fourthPlan)
        _ = try await cycle(fourth, llm: try llm(breaking), store: store, plan: fourthPlan, iterations: 1).run()
        await breaking.stop()
        // … an app healed by the LLM (examples, lessons, the burial check, new patterns) …
        let first = try FixtureApps.copy("shop-api")
        defer { first.remove() }
        let server = try await TestLLMServer.start(try ShopFixes.answersByFailure(in: first.url), in: directory)
        #expect(try await cycle(first, llm: try llm(server), store: store).run().healed)
        await server.stop()
        // … and the next from the patterns (candidates, credits).
        let second = try FixtureApps.copy("shop-api")
        defer { second.remove() }
        #expect(try await cycle(second, llm: nil, store: store).run().healed)
        statements.recording.store(false, ordering: .relaxed)

        let lessons = try await store.writer.read { try Lesson.fetchCount($0) }
        #expect(lessons == 1, "the regressing fix became a lesson")
        let queries = Set(
            statements.seen.withLock { $0 }.filter { sql in
                let verb = sql.prefix(while: { !$0.isWhitespace }).uppercased()
                return ["SELECT", "UPDATE", "DELETE"].contains(verb) && !sql.contains("sqlite_master")
            })
        // The reads a prompt and a pattern lookup make were among them.
        for table in ["fixPattern INDEXED BY fixPattern_examples", "FROM \"lesson\"", "FROM \"fixPattern\""] {
            #expect(queries.contains { $0.contains(table) }, "no query on \(table): \(queries)")
        }
        var scans: [String] = []
        for sql in queries {
            let plan = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
            }
            // `SCAN t` reads every row of t (in an index's order too); `SEARCH t USING …` does not.
            if plan.contains(where: { $0.hasPrefix("SCAN ") }) {
                scans.append("\(sql)\n  → \(plan.joined(separator: "; "))")
            }
        }
        #expect(scans.isEmpty, "\(scans.joined(separator: "\n"))")
    }
}
