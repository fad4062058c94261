import Foundation
import RepairKit
import RepairTestSupport
import Testing

@Suite struct SmokePlanTests {
    func parse(_ json: String) throws(PlanError) -> SmokePlan {
        try SmokePlan.parse(Data(json.utf8), file: "plan.json")
    }

    func planError(_ json: String) -> PlanError? {
        #expect(throws: PlanError.self) { try parse(json) }
    }

    @Test func examplePlanParses() throws {
        let plan = try SmokePlan.load(
            from: FixtureApps.source("shop-api").appendingPathComponent("smoke_test_plan.json"))
        #expect(plan.scenarios.count == 15)
        #expect(plan.seedData.count == 3)
        #expect(plan.seedData[2].dependsOn == ["customer", "product"])
        let validation = try #require(plan.scenarios.first { $0.name == "create_product_missing_name" })
        #expect(validation.expectedStatus == [400, 422])
        #expect(validation.endpoint == Endpoint("POST /products"))
    }

    @Test func pathAndQueryParametersAreSubstitutedAndEscaped() throws {
        let plan = try parse(
            """
            {"scenarios": [{"endpoint": "GET /files/{name}/versions/{n}", "name": "a",
              "path_params": {"name": "a b/c", "n": 3}, "query_params": {"q": "x&y", "limit": 10},
              "expected_status": 200}]}
            """)
        #expect(plan.scenarios[0].target == "/files/a%20b%2Fc/versions/3?limit=10&q=x%26y")
    }

    @Test func malformedJSONNamesTheFile() {
        let error = planError("{\"scenarios\": [")
        #expect(error?.file == "plan.json")
        #expect(error?.problem.hasPrefix("not valid JSON") == true)
    }

    @Test func missingScenariosIsAnError() {
        #expect(planError("{}")?.field == "scenarios")
        #expect(planError("[]")?.problem.contains("expected a JSON object") == true)
    }

    @Test func missingFieldNamesScenarioIndexNameAndField() {
        let error = planError(
            """
            {"scenarios": [{"endpoint": "GET /a", "name": "ok", "expected_status": 200},
                           {"endpoint": "GET /b", "name": "second"}]}
            """)
        #expect(error?.scenarioIndex == 1)
        #expect(error?.scenarioName == "second")
        #expect(error?.field == "expected_status")
        #expect(error?.description == "plan.json: scenario 1 (\"second\"): field 'expected_status': missing")
    }

    /// A key the format lacks is an error naming where it stands, never silently ignored: a
    /// plan that sends headers would otherwise run without them.
    @Test func unknownKeysAreErrorsNamingScenarioAndField() async throws {
        let scenario = planError(
            """
            {"scenarios": [{"endpoint": "GET /a", "name": "ok", "expected_status": 200},
                           {"endpoint": "GET /me", "name": "me", "expected_status": 200,
                            "header": {"Authorization": "Bearer x"}}]}
            """)
        #expect(
            scenario?.description
                == "plan.json: scenario 1 (\"me\"): field 'header': not a key of the plan format here (these are: name, endpoint, description, path_params, query_params, payload, expected_status, expected_response_contains)"
        )
        #expect(planError(#"{"version": 7, "scenarios": []}"#)?.field == "version")
        #expect(
            planError(#"{"scenarios": [], "seed_data": [{"entity_name": "a", "uuid": "u", "feilds": {}}]}"#)?.field
                == "seed_data[0].feilds")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plan = try directory.write(
            "plan.json",
            #"{"scenarios": [{"endpoint": "GET /a", "name": "ok", "expected_status": 200, "capture": {"id": "id"}}]}"#)
        let check = try await CommandRunner.run(CommandRunner.repairctl, ["plan", "check", plan.path])
        #expect(check.status == 2)
        #expect(
            check.standardError.contains(
                "plan.json: scenario 0 (\"ok\"): field 'capture': a key of plan version 2: add \"version\": 2"),
            "\(check.standardError)")
    }

    @Test func endpointMustBeMethodAndPath() {
        for endpoint in ["/products", "FETCH /products", "GET products", "GET /a /b", ""] {
            let error = planError(
                #"{"scenarios": [{"endpoint": "\#(endpoint)", "name": "n", "expected_status": 200}]}"#)
            #expect(error?.field == "endpoint", "\(endpoint)")
        }
    }

    @Test func pathParameterWithoutValueIsAnError() {
        let error = planError(
            #"{"scenarios": [{"endpoint": "GET /p/{id}", "name": "n", "path_params": {"other": 1}, "expected_status": 200}]}"#
        )
        #expect(error?.field == "path_params.id")
    }

    @Test func expectedStatusMustBeStatusOrList() {
        // Huge, fractional and negative numbers too: they were read as 200 or trapped.
        for value in ["\"200\"", "[]", "[200, \"x\"]", "99", "{}", "1e300", "200.7", "[400, 1e300]", "-1e308", "600"] {
            let error = planError(
                #"{"scenarios": [{"endpoint": "GET /a", "name": "n", "expected_status": \#(value)}]}"#)
            #expect(error?.field == "expected_status", "\(value)")
        }
    }

    @Test func responseContainsMustBeStrings() {
        let error = planError(
            #"{"scenarios": [{"endpoint": "GET /a", "name": "n", "expected_status": 200, "expected_response_contains": [1]}]}"#
        )
        #expect(error?.field == "expected_response_contains")
    }

    @Test func duplicateNamesOnOneEndpointAreErrors() {
        let error = planError(
            """
            {"scenarios": [{"endpoint": "GET /a", "name": "n", "expected_status": 200},
                           {"endpoint": "GET /a", "name": "n", "expected_status": 404}]}
            """)
        #expect(error?.scenarioIndex == 1)
        #expect(error?.field == "name")
    }

    @Test func badSeedDataNamesTheEntry() {
        let error = planError(#"{"seed_data": [{"entity_name": "p"}], "scenarios": []}"#)
        #expect(error?.field == "seed_data[0].uuid")
    }

    @Test func missingFileIsAnError() {
        let error = #expect(throws: PlanError.self) {
            try SmokePlan.load(from: URL(fileURLWithPath: "/nonexistent/plan.json"))
        }
        #expect(error?.problem == "not found")
    }
}
