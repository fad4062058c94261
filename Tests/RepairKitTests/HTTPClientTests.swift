import Foundation
import RepairKit
import RepairTestSupport
import Testing

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
            try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/slow?s=5", timeout: .milliseconds(300)))
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
            try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/slow?s=60", timeout: .seconds(120)))
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
