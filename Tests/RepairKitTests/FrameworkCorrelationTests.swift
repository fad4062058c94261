import Foundation
import Logging
import RepairKit
import RepairTestSupport
import Testing

/// One test at a time: each starts a real framework server, and the suite runs on small machines.
/// Traces tied to their own requests on real framework servers, whatever order each prints
/// its access line, its error line and its traceback in.
@Suite(.serialized) struct FrameworkCorrelationTests {

    /// One smoke pass over a copy of the fixture, and what the server printed.
    func run(_ name: String, concurrency: Int, start: String? = nil) async throws -> (SmokeRun, String) {
        let app = try FixtureApps.copy(name)
        defer { app.remove() }
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["smoke.concurrency=\(concurrency)"], environment: [:])
        var config = inputs.config
        config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        if let start { config.app.start = start }
        let pass = SmokePass(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile,
            logger: Logger(label: "repaird.test"))
        let run = try await pass.run()
        return (run, try String(contentsOf: run.runDirectory.appendingPathComponent("app.log"), encoding: .utf8))
    }

    /// Every failing 5xx scenario carries the trace its own bug raised, tied by `evidence`;
    /// no scenario answered under 500 carries a trace.
    func expectTiedRight(_ run: SmokeRun, causes: [String: String], evidence: Set<TraceEvidence>) {
        #expect(run.appFailure == nil)
        let violations = run.groups.flatMap(\.violations)
        let failing5xx = violations.filter { ($0.result.actualStatus ?? 0) >= 500 }
        #expect(Set(failing5xx.map(\.result.scenario.name)) == Set(causes.keys))
        for violation in failing5xx {
            let name = violation.result.scenario.name
            let message =
                violation.trace.map { "\($0.exceptionType): \($0.message) / \($0.rootCause.message)" } ?? "no trace"
            #expect(message.contains(causes[name] ?? "?"), "\(name) was tied to \(message)")
            #expect(
                violation.traceEvidence.map(evidence.contains) == true,
                "\(name) tied \(String(describing: violation.traceEvidence))")
        }
        for violation in violations where (violation.result.actualStatus ?? 0) < 500 {
            #expect(
                violation.trace == nil,
                "\(violation.result.scenario.name) answered \(violation.result.actualStatus ?? 0) yet got a trace")
        }
    }

    @Test(arguments: [1, 4])
    func uvicornPrintsTheAccessLineBeforeTheTrace(concurrency: Int) async throws {
        let (run, log) = try await run("library-fastapi", concurrency: concurrency)
        // What this test is about: the real server's order, access line first.
        let access = try #require(log.range(of: "\"POST /books HTTP/1.1\" 500"))
        let trace = try #require(log.range(of: "AttributeError: 'BookCreate' object has no attribute 'genre'"))
        #expect(access.lowerBound < trace.lowerBound)
        expectTiedRight(run, causes: FrameworkFixture.fastAPI.causes, evidence: [.accessLine])
    }

    @Test(arguments: [1, 4])
    func uvicornWithoutAccessLogTiesByWhatWasPrintedInFlight(concurrency: Int) async throws {
        let (run, log) = try await run(
            "library-fastapi", concurrency: concurrency,
            start: "exec python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT --no-access-log")
        #expect(!log.contains("HTTP/1.1\" 500"))
        if concurrency == 1 {
            // One request at a time, and the output settled after each failure: every trace is
            // in its own request's window.
            expectTiedRight(run, causes: FrameworkFixture.fastAPI.causes, evidence: [.window])
        } else {
            // Several in flight with nothing naming the request: a trace may stay untied, but a
            // tie is never made to a response an exception cannot have produced.
            for violation in run.groups.flatMap(\.violations) where violation.trace != nil {
                #expect((violation.result.actualStatus ?? 500) >= 500)
            }
        }
    }

    /// gunicorn with two worker processes: Flask names the request in the line before its
    /// traceback; the access line comes after it, from whichever worker answered.
    @Test(arguments: [1, 4])
    func gunicornWorkersWithFlaskErrorLines(concurrency: Int) async throws {
        let (run, log) = try await run("projects-flask", concurrency: concurrency)
        let getUser = run.results.first { $0.scenario.name == "get_user" }
        #expect(
            getUser?.actualStatus == 500,
            "get_user: \(String(describing: getUser?.error)); log tail: \(log.suffix(1500))")
        #expect(log.contains("Booting worker with pid") && log.components(separatedBy: "Booting worker").count == 3)
        let errorLine = try #require(log.range(of: "Exception on /users/00000000-0000-4000-8000-000000000001 [GET]"))
        let trace = try #require(log.range(of: "AttributeError: 'User' object has no attribute 'mail'"))
        let access = try #require(log.range(of: "\"GET /users/00000000-0000-4000-8000-000000000001 HTTP/1.1\" 500"))
        #expect(errorLine.lowerBound < trace.lowerBound && trace.lowerBound < access.lowerBound)
        expectTiedRight(run, causes: FrameworkFixture.flask.causes, evidence: [.errorLine])
    }

    /// Express's error middleware prints the stack before it answers; morgan writes the access
    /// line (coloured) once the response is sent: access line after the trace, nothing else
    /// naming the request.
    @Test(arguments: [1, 4])
    func expressPrintsTheAccessLineAfterTheTrace(concurrency: Int) async throws {
        let (run, log) = try await run("events-express", concurrency: concurrency)
        let trace = try #require(log.range(of: "TypeError: Cannot read properties of undefined (reading 'trim')"))
        let access = try #require(log.range(of: "GET /attendees/00000000-0000-4000-8000-000000000008 \u{1B}[31m500"))
        #expect(trace.lowerBound < access.lowerBound)
        expectTiedRight(run, causes: FrameworkFixture.express.causes, evidence: [.accessLine])
    }

    /// Django's own server: `Internal Server Error: /path` (the path alone) heads the trace and
    /// the access line follows it.
    @Test(arguments: [1, 4])
    func djangoNamesThePathBeforeTheTrace(concurrency: Int) async throws {
        let (run, log) = try await run("clinic-django", concurrency: concurrency)
        let errorLine = try #require(
            log.range(of: "Internal Server Error: /patients/00000000-0000-4000-8000-000000000001"))
        let trace = try #require(log.range(of: "AttributeError: 'Patient' object has no attribute 'birthdate'"))
        let access = try #require(log.range(of: "\"GET /patients/00000000-0000-4000-8000-000000000001 HTTP/1.1\" 500"))
        #expect(errorLine.lowerBound < trace.lowerBound && trace.lowerBound < access.lowerBound)
        expectTiedRight(run, causes: FrameworkFixture.django.causes, evidence: [.errorLine])
    }

    /// uvicorn logging through the app's JSON formatter: one object per record, the traceback
    /// in a field with its newlines escaped, the access line in the message.
    @Test(arguments: [1, 4])
    func uvicornWithJSONLogs(concurrency: Int) async throws {
        let (run, log) = try await run(
            "library-fastapi", concurrency: concurrency,
            start: "exec python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT --log-config logging.json")
        #expect(log.contains("\"exc_info\": \"Traceback (most recent call last):\\n"))
        expectTiedRight(run, causes: FrameworkFixture.fastAPI.causes, evidence: [.accessLine])
        for trace in run.groups.compactMap(\.trace) {
            #expect(!trace.rootCause.message.hasSuffix("\"}"), "the JSON record's end is not part of the message")
        }
    }
}
