import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

@Suite struct HTTPClientTests {
    @Test func keepsOneConnectionAliveAcrossRequests() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        let before = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/connections"))
        for _ in 0..<20 { _ = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/ok")) }
        let after = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/connections"))
        #expect(before.status == 200)
        #expect(after.bodyText == before.bodyText, "22 requests on one client must share one connection")
        await server.stop()
    }

    @Test func sendsMethodHeadersAndBody() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        let request = HTTPRequest(
            method: "PATCH", url: server.baseURL + "/echo?x=1",
            headers: [("X-Request-ID", "abc"), ("Content-Type", "application/json")], body: Array(#"{"a":1}"#.utf8))
        let response = try await client.send(request)
        await server.stop()
        let echo = try #require(JSONValue.parse(Data(response.body)))
        #expect(response.status == 200)
        #expect(response.bodyText.contains(#""body": "{\"a\":1}""#))
        #expect(response.bodyText.contains(#""x-request-id": "abc""#))
        #expect(echo.containsKey("content-type"))
    }

    @Test func bodyIsCutAtTheLimit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient(bodyLimit: 1000)
        let response = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/big?n=50000"))
        let next = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/ok"))
        await server.stop()
        #expect(response.body.count == 1000)
        #expect(response.bodyTruncated)
        #expect(next.bodyText == "ok")
    }

    @Test func refusedConnectionIsClassified() async throws {
        let port = try #require(LocalPort.free())
        let client = try HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error?.kind == .connectionRefused)
    }

    @Test func slowAnswerIsATimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        // The server answers after 5 s; a timeout error (not the late answer) shows the limit held.
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(
                HTTPRequest(method: "GET", url: server.baseURL + "/slow?s=5", timeout: .milliseconds(300)))
        }
        await server.stop()
        #expect(error?.kind == .timeout)
    }

    /// Cancelling the task stops a transfer that would otherwise wait a minute.
    @Test func aCancelledTaskStopsItsTransfer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        let request = Task {
            try await client.send(
                HTTPRequest(method: "GET", url: server.baseURL + "/slow?s=60", timeout: .seconds(120)))
        }
        try await Task.sleep(for: .milliseconds(300))
        request.cancel()
        let error = await #expect(throws: HTTPError.self) { try await request.value }
        await server.stop()
        // Not cancelled, the transfer would have ended with the answer after 60 s, no error.
        #expect(error?.kind == .cancelled, "\(String(describing: error))")
    }

    @Test func closedWithoutAnswerIsAReset() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/close"))
        }
        await server.stop()
        #expect(error?.kind == .connectionReset)
    }

    @Test func requestIDsAreFreshVersion4UUIDs() {
        let ids = (0..<100).map { _ in RequestID.make() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(UUID(uuidString: id) != nil)
            #expect(Array(id)[14] == "4")
        }
    }
}

/// Requests queued on one client go out back to back and come back in batches (issue 17).
@Suite struct HTTPClientQueueTests {
    func count(_ server: RunningApp) async throws -> (answered: Int, most: Int) {
        let text = try await HTTPClient().send(HTTPRequest(method: "GET", url: server.baseURL + "/requests")).bodyText
        let parts = text.split(separator: " ").compactMap { Int($0) }
        return (parts.first ?? -1, parts.last ?? -1)
    }

    /// Completions come back in the order sent; with `holdAfterFailure`, a 5xx holds back
    /// what was queued after it until `release()`.
    @Test func aFailureHoldsBackTheQueueUntilReleased() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        let before = try await count(server).answered
        let paths = ["/ok", "/fail", "/ok", "/ok"]
        for (tag, path) in paths.enumerated() {
            client.submit(HTTPRequest(method: "GET", url: server.baseURL + path), tag: tag, holdAfterFailure: true)
        }
        var completions: [HTTPClient.Completion] = []
        while !completions.contains(where: { $0.tag == 1 }) { completions += await client.completed() }
        #expect(completions.map(\.tag) == [0, 1], "nothing after the 500 comes back while it is held")
        #expect((try? completions[1].result.get().status) == 500)
        #expect(client.outstanding == 2)
        // The held requests were not sent: only the first two (and this count) reached it.
        let seen = try await count(server)
        #expect(seen.answered - before == 2, "\(seen)")
        client.release()
        while client.outstanding > 0 { completions += await client.completed() }
        #expect(completions.map(\.tag) == [0, 1, 2, 3])
        #expect(completions.compactMap { try? $0.result.get().status } == [200, 500, 200, 200])
        await server.stop()
    }

    /// One handle carries any sequence of methods: a body, HEAD and a custom method never
    /// leak into the next request.
    @Test func methodsAndBodiesDoNotLeakIntoTheNextRequest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let client = try HTTPClient()
        func echo(_ method: String, _ body: String?) async throws -> (method: String, body: String) {
            let response = try await client.send(
                HTTPRequest(method: method, url: server.baseURL + "/echo", body: body.map { Array($0.utf8) }))
            let object = try #require(JSONValue.parse(Data(response.body))?.objectValue)
            return (object["method"]?.stringValue ?? "", object["body"]?.stringValue ?? "")
        }
        #expect(try await echo("POST", #"{"a":1}"#) == ("POST", #"{"a":1}"#))
        #expect(try await echo("GET", nil) == ("GET", ""))
        let head = try await client.send(HTTPRequest(method: "HEAD", url: server.baseURL + "/ok"))
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(try await echo("GET", nil) == ("GET", ""))
        #expect(try await echo("PATCH", "x") == ("PATCH", "x"))
        #expect(try await echo("DELETE", nil) == ("DELETE", ""))
        await server.stop()
    }

    /// Concurrency 4 has four requests in flight at once, one per connection.
    @Test func slotsOfAnExecutorAreInFlightTogether() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await FixtureServer.startProbe(in: directory)
        let scenarios = (0..<8).map { index in
            Scenario(index: index, endpoint: Endpoint("GET /slow?s=1")!, name: "slow_\(index)", expectedStatus: [200])
        }
        let results = try await SmokeExecutor(baseURL: server.baseURL, requestTimeout: .seconds(60), concurrency: 4)
            .run(scenarios)
        #expect(results.count == 8 && results.allSatisfy(\.passed))
        let seen = try await count(server)
        #expect(seen.most >= 2, "requests of different slots overlapped: \(seen)")
        await server.stop()
    }
}
