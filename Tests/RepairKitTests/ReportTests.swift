import Foundation
@testable import RepairKit
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ReportTests {
    func sampleRun(appFailure: AppHostError? = nil) -> SmokeRun {
        let passing = Scenario(index: 0, endpoint: Endpoint("GET /products")!, name: "list_products", expectedStatus: [200])
        let failing = Scenario(index: 1, endpoint: Endpoint("POST /products")!, name: "create <product> & \"quote\"",
                               payload: .object(["name": .string("O'Brien")]), expectedStatus: [201])
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func result(_ scenario: Scenario, status: Int, passed: Bool) -> ScenarioResult {
            ScenarioResult(
                scenario: scenario, requestID: "req-\(scenario.index)", url: "http://127.0.0.1:9/products",
                requestBody: scenario.payload.map { String(decoding: $0.serialized(), as: UTF8.self) },
                actualStatus: status, passed: passed, failureKind: passed ? nil : .statusMismatch,
                error: passed ? nil : "expected 201, got 500", bodyExcerpt: passed ? "[]" : "{\"detail\": \"Internal \u{1}Server Error\"}",
                duration: .milliseconds(12), startedAt: start, outputLines: nil)
        }
        return SmokeRun(
            runID: "20270115-080000-abcdef12", appDirectory: URL(fileURLWithPath: "/apps/shop"),
            planFile: URL(fileURLWithPath: "/apps/shop/smoke_test_plan.json"),
            runDirectory: URL(fileURLWithPath: "/apps/shop/.repair/runs/x"), baseURL: "http://127.0.0.1:9",
            startedAt: start, finishedAt: start.addingTimeInterval(0.5),
            results: [result(passing, status: 200, passed: true), result(failing, status: 500, passed: false)],
            appFailure: appFailure, appExit: .exited(code: 0))
    }

    @Test func junitParsesBackWithOneTestcasePerScenario() throws {
        let document = try XMLDocument(data: Data(JUnitReport.xml(for: sampleRun()).utf8))
        let suites = try #require(document.rootElement())
        #expect(suites.name == "testsuites")
        #expect(suites.attribute(forName: "tests")?.stringValue == "2")
        #expect(suites.attribute(forName: "failures")?.stringValue == "1")
        let cases = try document.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == ["list_products", "create <product> & \"quote\""])
        #expect(cases[1].attribute(forName: "classname")?.stringValue == "POST /products")
        let failure = try #require(cases[1].elements(forName: "failure").first)
        #expect(failure.attribute(forName: "type")?.stringValue == "status_mismatch")
        #expect(failure.stringValue?.contains("curl -i -X POST") == true)
        #expect(cases[0].elements(forName: "failure").isEmpty)
    }

    @Test func junitMarksEveryScenarioAsErrorWhenTheAppDidNotStart() throws {
        let failure = AppHostError(kind: .crash, message: "exited", exitStatus: .exited(code: 1), outputTail: "Traceback <x>")
        var run = sampleRun(appFailure: failure)
        run.results = run.results.map { var result = $0; result.passed = false; result.failureKind = .appUnavailable; return result }
        let document = try XMLDocument(data: Data(JUnitReport.xml(for: run).utf8))
        #expect(document.rootElement()?.attribute(forName: "errors")?.stringValue == "2")
        #expect(try document.nodes(forXPath: "//testcase/error").count == 2)
        #expect(try document.nodes(forXPath: "//system-err").first?.stringValue?.contains("Traceback <x>") == true)
    }

    @Test func jsonHasTheDocumentedFields() throws {
        let data = SmokeReport(sampleRun()).jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["total", "passed", "failed", "pass_rate", "run_id", "scenarios"] { #expect(object[key] != nil, "\(key)") }
        #expect(object["pass_rate"] as? Double == 0.5)
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        try #require(scenarios.count >= 2)
        for key in ["endpoint", "name", "expected_status", "actual_status", "passed", "failure_kind", "request_id", "duration_ms", "error"] {
            #expect(scenarios[0].keys.contains(key), "\(key)")
        }
        #expect(scenarios[0]["failure_kind"] is NSNull)
        #expect(scenarios[1]["expected_status"] as? Int == 201)
    }

    @Test func htmlIsOnePageWithEscapedFailuresAndTheirCurlCommand() {
        let html = HTMLReport.html(for: sampleRun())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"), "self-contained and static")
        #expect(!html.contains("<link"), "no external stylesheet")
        #expect(html.contains("create &lt;product&gt; &amp; &quot;quote&quot;"))
        #expect(html.contains("curl -i -X POST"))
        #expect(html.contains("O&#x27;Brien") || html.contains("O'\\''Brien"))
        #expect(html.contains("Internal"))
    }

    @Test func summaryShowsActualAgainstExpectedAndTotals() {
        let text = SmokeSummary.text(for: sampleRun(), color: false)
        #expect(text.contains("✅ list_products"))
        #expect(text.contains("❌ create <product>"))
        #expect(text.contains("500 (expected 201)"))
        #expect(text.contains("Total 2  Passed 1  Failed 1  Pass rate 50.0%"))
        #expect(!text.contains("\u{1B}["), "no colour when not on a terminal")
        #expect(SmokeSummary.text(for: sampleRun(), color: true).contains("\u{1B}[31m"))
    }

    @Test func curlCommandReproducesTheRequest() {
        let result = sampleRun().results[1]
        #expect(result.curlCommand == #"curl -i -X POST 'http://127.0.0.1:9/products' -H 'X-Request-ID: req-1' -H 'Content-Type: application/json' --data-binary '{"name":"O'\''Brien"}'"#)
    }
}
