import Foundation
import RepairKit
import Testing

@Suite struct ScenarioVerdictTests {
    func scenario(expect statuses: [Int], contains: [String] = []) -> Scenario {
        Scenario(index: 0, endpoint: Endpoint("GET /products/{id}")!, name: "s", description: "",
                 pathParams: ["id": .string("1")], queryParams: [:], payload: nil,
                 expectedStatus: statuses, expectedResponseContains: contains)
    }

    @Test func statusMustEqualTheExpectedOne() {
        #expect(ScenarioVerdict.judge(scenario(expect: [200]), status: 200, body: []).passed)
        let outcome = ScenarioVerdict.judge(scenario(expect: [201]), status: 200, body: [])
        #expect(!outcome.passed)
        #expect(outcome.failureKind == .statusMismatch)
        #expect(outcome.error == "expected 201, got 200")
    }

    @Test func statusMayBeAnyOfAList() {
        #expect(ScenarioVerdict.judge(scenario(expect: [400, 422]), status: 422, body: []).passed)
        #expect(ScenarioVerdict.judge(scenario(expect: [400, 422]), status: 400, body: []).passed)
        #expect(!ScenarioVerdict.judge(scenario(expect: [400, 422]), status: 201, body: []).passed)
    }

    @Test func notFoundPassesOnlyWhereExpected() {
        #expect(!ScenarioVerdict.judge(scenario(expect: [200]), status: 404, body: []).passed)
        #expect(ScenarioVerdict.judge(scenario(expect: [404]), status: 404, body: []).passed)
        // Any status below 500 is not a pass by itself.
        #expect(!ScenarioVerdict.judge(scenario(expect: [200]), status: 499, body: []).passed)
    }

    @Test func containsMatchesAJSONKeyAtAnyDepth() {
        let body = Array(#"{"data": {"items": [{"sku": "A-1"}]}}"#.utf8)
        #expect(ScenarioVerdict.judge(scenario(expect: [200], contains: ["sku", "items"]), status: 200, body: body).passed)
    }

    @Test func containsMatchesASubstring() {
        let body = Array(#"[{"name": "Espresso Beans 1kg"}]"#.utf8)
        #expect(ScenarioVerdict.judge(scenario(expect: [200], contains: ["Espresso Beans"]), status: 200, body: body).passed)
        #expect(ScenarioVerdict.judge(scenario(expect: [200], contains: ["plain"]), status: 200, body: Array("plain text".utf8)).passed)
    }

    @Test func missingEntryIsABodyMismatchNamingIt() {
        let body = Array(#"{"id": "1"}"#.utf8)
        let outcome = ScenarioVerdict.judge(scenario(expect: [200], contains: ["id", "price"]), status: 200, body: body)
        #expect(outcome.failureKind == .bodyMismatch)
        #expect(outcome.error == "response lacks \"price\"")
    }

    @Test func wrongStatusIsReportedBeforeBody() {
        let outcome = ScenarioVerdict.judge(scenario(expect: [200], contains: ["price"]), status: 500, body: [])
        #expect(outcome.failureKind == .statusMismatch)
    }
}
