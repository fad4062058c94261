import Foundation
import RepairKit
import RepairTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `repaird --http`: a scrape of `/metrics` after the daemon healed a priced app shows the
/// queue, the outcome, the LLM's calls, tokens and money, pattern hits, rollbacks and lessons;
/// `/healthz` and `/readyz` answer while it runs.
@Suite struct DaemonMetricsTests {
    func get(_ url: String) async throws -> (status: Int, text: String) {
        let response = try await HTTPClient().send(HTTPRequest(method: "GET", url: url))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// The value of the sample `name{labels}` (labels as the text shows them), or nil.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func aScrapeShowsWhatTheFleetDidAndCost() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let helper = DaemonProcessTests()
        let storeURL = directory.url.appendingPathComponent("store.sqlite")
        let database = try RepairDatabase.open(at: storeURL)
        let queue = JobQueue(database)
        let source = FixtureApps.source("shop-api")
        // The first answer for the KeyError breaks listing (rolled back, a lesson); then each
        // group gets its fix.
        let breaking: [String: Any] = [
            "match": "Failure: crash on POST /products", "content": ShopFixes.breakingListing, "once": true,
        ]
        let steps = try [breaking] + ShopFixes.answersByFailure(in: source)
        let server = try await TestLLMServer.start(steps, in: directory)
        let copy = try FixtureApps.copy("shop-api")
        let app = directory.url.appendingPathComponent("shop")
        try FileManager.default.moveItem(at: copy.url, to: app)
        var config = try String(contentsOf: app.appendingPathComponent("repair.toml"), encoding: .utf8)
        config += """

            [llm]
            provider = "ollama"
            base_url = "\(server.baseURL)/v1"
            model = "scripted"
            price_in = 3.0
            price_out = 15.0

            """
        try config.write(to: app.appendingPathComponent("repair.toml"), atomically: true, encoding: .utf8)
        try queue.enqueue(app)

        let port = try #require(LocalPort.free())
        let base = "http://127.0.0.1:\(port)"
        let daemon = try helper.startDaemon(store: storeURL, in: directory, extra: ["--http", "127.0.0.1:\(port)"])
        defer { kill(daemon.pid, SIGKILL) }
        let done = try await helper.waitUntil(180) { try queue.jobs().allSatisfy(\.state.isFinal) }
        #expect(done)
        #expect(try await get(base + "/healthz").status == 200)
        #expect(try await get(base + "/readyz").status == 200)
        #expect(try await get(base + "/nothing").status == 404)
        let metrics = try await get(base + "/metrics")
        #expect(metrics.status == 200)
        let text = metrics.text

        let run = try #require(try database.runs(limit: 1).first)
        let usage = try database.usage(runID: run.id)
        #expect(usage.count == 1 && usage.first?.provider == "ollama" && usage.first?.model == "scripted")
        let calls = try #require(usage.first?.calls)
        let tokensIn = try #require(usage.first?.tokensIn), tokensOut = try #require(usage.first?.tokensOut)
        let cost = Double(tokensIn) / 1e6 * 3 + Double(tokensOut) / 1e6 * 15
        #expect(abs((run.cost ?? 0) - cost) < 1e-9, "the run's cost is its tokens at the prices")
        #expect(calls == 6, "five groups, one asked twice")

        let labels = #"{provider="ollama",model="scripted"}"#
        #expect(sample(text, #"repaird_jobs{state="healed",priority="normal"}"#) == 1)
        #expect(sample(text, #"repaird_jobs{state="queued",priority="normal"}"#) == 0)
        #expect(sample(text, "repaird_llm_calls_total" + labels) == Double(calls))
        #expect(
            sample(text, #"repaird_llm_tokens_total{provider="ollama",model="scripted",direction="in"}"#)
                == Double(tokensIn))
        #expect(
            sample(text, #"repaird_llm_tokens_total{provider="ollama",model="scripted",direction="out"}"#)
                == Double(tokensOut))
        #expect(abs((sample(text, "repaird_llm_cost_total" + labels) ?? -1) - cost) < 1e-6)
        #expect(sample(text, #"repaird_fix_attempts_total{source="llm",outcome="kept"}"#) == 5)
        #expect(sample(text, #"repaird_fix_attempts_total{source="llm",outcome="regressed"}"#) == 1)
        #expect(sample(text, "repaird_rollbacks_total") == 1)
        #expect(sample(text, "repaird_lessons_total") == 1)
        #expect(sample(text, "repaird_pattern_hits_total") == 0)
        #expect(sample(text, "repaird_claim_latency_seconds_count") == 1)
        #expect(sample(text, "repaird_pass_rate_gain_count") == 1)
        #expect(sample(text, "repaird_store_up") == 1)
        #expect(text.contains("# HELP repaird_llm_cost_total"))

        // A second scrape counts nothing twice.
        let again = try await get(base + "/metrics").text
        #expect(sample(again, "repaird_llm_calls_total" + labels) == Double(calls))
        #expect(sample(again, "repaird_claim_latency_seconds_count") == 1)

        // The money reaches status too.
        let status = try DaemonStatus.read(from: database)
        #expect(abs((status.costToday ?? 0) - cost) < 1e-9)

        kill(daemon.pid, SIGTERM)
        _ = await daemon.waitForExit(timeout: Patience.seconds(30))
        await server.stop()
    }

    @Test func aTakenAddressIsRefusedAtStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let helper = DaemonProcessTests()
        let storeURL = directory.url.appendingPathComponent("store.sqlite")
        _ = try RepairDatabase.open(at: storeURL)
        let server = try await TestLLMServer.start([["content": "x"]], in: directory)
        let port = try #require(URL(string: server.baseURL)?.port)
        let daemon = try helper.startDaemon(store: storeURL, in: directory, extra: ["--http", "127.0.0.1:\(port)"])
        let ending = await daemon.waitForExit(timeout: Patience.seconds(60))
        #expect(ending == .exited(code: 2), "\(String(describing: ending))")
        await server.stop()
    }

    /// A PostgreSQL store that cannot be reached is refused at start, named without any
    /// password, and nothing is written.
    @Test func anUnreachablePostgresStoreIsRefusedWithNothingWritten() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let daemon = try DaemonProcessTests().startDaemon(
            store: URL(string: "postgres://repaird@127.0.0.1:1/fleet")!, in: directory)
        let ending = await daemon.waitForExit(timeout: Patience.seconds(60))
        #expect(ending == .exited(code: 2), "\(String(describing: ending))")
        let written = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(written.allSatisfy { $0.hasPrefix("repaird-") && $0.hasSuffix(".log") }, "\(written)")
        let log = try written.map {
            try String(contentsOf: directory.url.appendingPathComponent($0), encoding: .utf8)
        }.joined()
        #expect(log.contains("the store cannot be opened"), "\(log)")
        #expect(log.contains("postgres://repaird@127.0.0.1:1/fleet"), "\(log)")
    }

    /// A password written into the store URL is refused — by the daemon, its worker and
    /// repairctl — and none of them prints it.
    @Test func aPasswordInTheStoreURLIsRefusedAndNeverPrinted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = "postgres://repaird:pw-in-url-7731@127.0.0.1:1/fleet"
        let daemon = try DaemonProcessTests().startDaemon(store: URL(string: url)!, in: directory)
        let ending = await daemon.waitForExit(timeout: Patience.seconds(60))
        #expect(ending == .exited(code: 2), "\(String(describing: ending))")
        let log = daemon.output.tailText(50)
        #expect(log.contains("must not hold a password"), "\(log)")
        #expect(!log.contains("pw-in-url-7731"), "\(log)")
        let status = try await CommandRunner.run(CommandRunner.repairctl, ["status", "--store", url])
        #expect(status.status == 2)
        #expect(status.standardError.contains("must not hold a password"), "\(status.standardError)")
        #expect(!(status.standardError + status.standardOutput).contains("pw-in-url-7731"), "\(status.standardError)")
    }
}
