import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

/// Plan format version 2: headers, `${name}` from captures or the environment, setup steps,
/// `capture`, `depends_on` — parsed strictly, and run against a real loopback server.
@Suite struct PlanVersion2Tests {
    func parse(_ json: String) throws(PlanError) -> SmokePlan {
        try SmokePlan.parse(Data(json.utf8), file: "plan.json")
    }

    func planError(_ json: String) -> PlanError? {
        #expect(throws: PlanError.self) { try parse(json) }
    }

    static let login = """
        {"version": 2,
         "headers": {"Authorization": "Bearer ${token}", "X-Api-Key": "${SHOP_KEY}"},
         "setup": [{"name": "log in", "endpoint": "POST /login", "headers": {"Authorization": null},
                    "payload": {"password": "${SHOP_PASSWORD}"}, "expected_status": 200,
                    "capture": {"token": "access_token"}}],
         "scenarios": [
           {"name": "create_cart", "endpoint": "POST /carts", "expected_status": 201, "capture": {"cart_id": "data.id"}},
           {"name": "add_item", "endpoint": "POST /carts/{cart_id}/items", "path_params": {"cart_id": "${cart_id}"},
            "payload": {"cart": "${cart_id}", "note": "for ${cart_id}"}, "expected_status": 201},
           {"name": "pay", "endpoint": "POST /carts/{cart_id}/pay", "path_params": {"cart_id": "${cart_id}"},
            "expected_status": 200, "depends_on": ["add_item"]}
         ]}
        """

    @Test func aVersion2PlanParsesWithItsDependencies() throws {
        let plan = try parse(Self.login)
        #expect(plan.version == 2)
        #expect(plan.setup.map(\.name) == ["log in"])
        #expect(plan.setup[0].isSetup && plan.setup[0].index == 0)
        #expect(plan.scenarios.map(\.index) == [1, 2, 3])
        #expect(plan.setup[0].headers.count == 1 && plan.setup[0].headers["Authorization"] == .some(nil))
        #expect(plan.scenarios[0].capture == ["cart_id": "data.id"])
        #expect(plan.environmentNames() == ["SHOP_KEY", "SHOP_PASSWORD"])
        let dependencies = plan.dependencies()
        #expect(dependencies[0] == .init(waits: [], requires: []))
        #expect(dependencies[1] == .init(waits: [0], requires: [0]), "the token is captured by the login")
        #expect(dependencies[2] == .init(waits: [0, 1], requires: [0, 1]))
        #expect(dependencies[3] == .init(waits: [0, 1, 2], requires: [0, 1, 2]))
        // The same bytes back, and the same plan from them.
        #expect(try SmokePlan.parse(plan.jsonData(), file: "again.json") == plan)
    }

    @Test func versionTwoKeysInAVersionOnePlanSayWhatIsMissing() {
        let error = planError(
            #"{"scenarios": [{"endpoint": "GET /a", "name": "a", "expected_status": 200, "capture": {"id": "id"}}]}"#)
        #expect(error?.field == "capture")
        #expect(error?.problem.contains("add \"version\": 2") == true)
        #expect(planError(#"{"headers": {}, "scenarios": []}"#)?.problem.contains("\"version\": 2") == true)
        #expect(planError(#"{"version": 3, "scenarios": []}"#)?.field == "version")
        let unknown = planError(
            #"{"version": 2, "scenarios": [{"endpoint": "GET /a", "name": "a", "expected_status": 200, "captures": {}}]}"#
        )
        #expect(unknown?.field == "captures")
        #expect(unknown?.problem.contains("capture, depends_on") == true)
    }

    @Test func variablesAndDependenciesAreChecked() {
        func scenarios(_ items: String) -> String { #"{"version": 2, "scenarios": ["# + items + "]}" }
        let early = planError(
            scenarios(
                #"{"endpoint": "GET /a/{id}", "name": "a", "path_params": {"id": "${id}"}, "expected_status": 200},"#
                    + #"{"endpoint": "POST /a", "name": "b", "expected_status": 201, "capture": {"id": "id"}}"#))
        #expect(error(early, is: "scenario 0 (\"a\")", "captures only later"))
        let twice = planError(
            scenarios(
                #"{"endpoint": "POST /a", "name": "a", "expected_status": 201, "capture": {"id": "id"}},"#
                    + #"{"endpoint": "POST /b", "name": "b", "expected_status": 201, "capture": {"id": "id"}}"#))
        #expect(twice?.field == "capture.id")
        #expect(twice?.problem.contains("already captured by scenario \"a\"") == true)
        let later = planError(
            scenarios(
                #"{"endpoint": "POST /a", "name": "a", "expected_status": 201, "depends_on": ["b"]},"#
                    + #"{"endpoint": "POST /b", "name": "b", "expected_status": 201}"#))
        #expect(later?.field == "depends_on")
        #expect(later?.problem.contains("comes later") == true)
        let nowhere = planError(
            scenarios(#"{"endpoint": "POST /a", "name": "a", "expected_status": 201, "depends_on": ["zz"]}"#))
        #expect(nowhere?.problem.contains("no setup step or scenario is named \"zz\"") == true)
        let badVariable = planError(
            scenarios(#"{"endpoint": "POST /a", "name": "a", "expected_status": 201, "capture": {"1x": "id"}}"#))
        #expect(badVariable?.field == "capture.1x")
        let badField = planError(
            scenarios(#"{"endpoint": "POST /a", "name": "a", "expected_status": 201, "capture": {"x": "a..b"}}"#))
        #expect(badField?.field == "capture.x")
        let badHeader = planError(#"{"version": 2, "headers": {"X-A": "one\ntwo"}, "scenarios": []}"#)
        #expect(badHeader?.field == "headers.X-A")
        let removedPlanWide = planError(#"{"version": 2, "headers": {"X-A": null}, "scenarios": []}"#)
        #expect(removedPlanWide?.field == "headers.X-A", "only a scenario drops a header")
        let setupError = planError(
            #"{"version": 2, "setup": [{"endpoint": "POST /login", "name": "log in"}], "scenarios": []}"#)
        #expect(setupError?.description == "plan.json: setup step 0 (\"log in\"): field 'expected_status': missing")
    }

    func error(_ error: PlanError?, is place: String, _ problem: String) -> Bool {
        guard let error else { return false }
        return error.description.contains(place) && error.problem.contains(problem)
    }

    @Test func substitutionKeepsTypesAndEscapes() throws {
        let values: [String: JSONValue] = ["n": .number(3), "id": .string("c-1"), "o": .object(["a": .bool(true)])]
        let lookup = { (name: String) in values[name] }
        #expect(try PlanVariables.substitute("/x/${id}?n=${n}", lookup).get() == "/x/c-1?n=3")
        #expect(
            try PlanVariables.substitute("cost $5 and $${id} and ${not a name}", lookup).get()
                == "cost $5 and ${id} and ${not a name}")
        #expect(PlanVariables.substitute("${nope}", lookup) == .failure(.init(name: "nope")))
        let payload: JSONValue = .object([
            "count": .string("${n}"), "label": .string("n=${n}"), "nested": .array([.string("${o}")]),
        ])
        #expect(
            try PlanVariables.substitute(json: payload, lookup).get()
                == .object([
                    "count": .number(3), "label": .string("n=3"), "nested": .array([.object(["a": .bool(true)])]),
                ]))
        let response: JSONValue = .object(["data": .object(["items": .array([.object(["id": .string("i-9")])])])])
        #expect(PlanVariables.field("data.items.0.id", of: response) == .string("i-9"))
        #expect(PlanVariables.field("data.items.1.id", of: response) == nil)
        #expect(PlanVariables.names(in: "Bearer ${token} ${token} ${KEY}") == ["token", "KEY"])
    }

    @Test func formAndMultipartPayloadsAreEncodedAsTheirTypesSay() throws {
        let payload: JSONValue = .object([
            "name": .string("a b&c"), "tags": .array([.string("x"), .string("y")]), "n": .number(2),
            "photo": .object([
                "filename": .string("p.txt"), "content": .string("hello"), "content_type": .string("text/plain"),
            ]),
        ])
        let form = PayloadEncoding.form.encode(payload)
        #expect(form.contentType == "application/x-www-form-urlencoded")
        #expect(
            String(decoding: form.body, as: UTF8.self)
                == "n=2&name=a%20b%26c&photo=%7B%22content%22%3A%22hello%22%2C%22content_type%22%3A%22text%2Fplain%22%2C%22filename%22%3A%22p.txt%22%7D&tags=x&tags=y"
        )
        let multipart = PayloadEncoding.multipart.encode(payload)
        #expect(multipart.contentType == "multipart/form-data; boundary=repaird-form-boundary-7d3f2a")
        let text = String(decoding: multipart.body, as: UTF8.self)
        #expect(
            text.contains(
                "Content-Disposition: form-data; name=\"photo\"; filename=\"p.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
            ))
        #expect(text.contains("Content-Disposition: form-data; name=\"tags\"\r\n\r\ny\r\n"))
        #expect(text.hasSuffix("--repaird-form-boundary-7d3f2a--\r\n"))

        let plan = try parse(
            #"{"version": 2, "scenarios": [{"endpoint": "POST /a", "name": "a", "expected_status": 201, "payload": {"x": 1}, "payload_encoding": "form"}]}"#
        )
        #expect(plan.scenarios[0].payloadEncoding == .form)
        #expect(try SmokePlan.parse(plan.jsonData(), file: "again.json") == plan)
        #expect(
            planError(
                #"{"version": 2, "scenarios": [{"endpoint": "POST /a", "name": "a", "expected_status": 201, "payload": [1], "payload_encoding": "form"}]}"#
            )?.field == "payload")
        #expect(
            planError(
                #"{"version": 2, "scenarios": [{"endpoint": "POST /a", "name": "a", "expected_status": 201, "payload_encoding": "xml"}]}"#
            )?.field == "payload_encoding")
    }

    /// Against a real loopback server that echoes what it got: the plan's headers go out with
    /// the environment's values, a scenario drops one, a captured value lands in the path and
    /// the payload with its type, a failed step's dependants are not sent and say why, and
    /// every secret value is masked in the results.
    @Test(arguments: [1, 4]) func aPlanRunsItsStepsWithCapturedValues(concurrency: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try await FixtureServer.startProbe(in: directory)
        defer { Task { await app.stop() } }
        let plan = try parse(
            """
            {"version": 2,
             "headers": {"X-Api-Key": "${PROBE_KEY}", "X-Trace": "plan-wide"},
             "setup": [{"name": "start", "endpoint": "POST /start", "payload": {"size": 3},
                        "expected_status": 200, "capture": {"host": "headers.host", "sent": "body"}}],
             "scenarios": [
               {"name": "use", "endpoint": "POST /things/{where}", "path_params": {"where": "${host}"},
                "headers": {"X-Trace": null, "X-Echo": "got ${sent}"}, "payload": {"copy": "${sent}"},
                "expected_status": 200, "expected_response_contains": ["x-echo", "/things/127.0.0.1"]},
               {"name": "wrong", "endpoint": "POST /wrong", "expected_status": 201, "capture": {"never": "id"}},
               {"name": "after_wrong", "endpoint": "POST /later/{id}", "path_params": {"id": "${never}"},
                "expected_status": 200},
               {"name": "lacking", "endpoint": "POST /lacking", "expected_status": 200, "capture": {"gone": "no.such"}},
               {"name": "after_lacking", "endpoint": "POST /later", "expected_status": 200, "depends_on": ["lacking"]},
               {"name": "independent", "endpoint": "POST /free", "expected_status": 200}
             ]}
            """)
        var executor = SmokeExecutor(baseURL: app.baseURL, requestTimeout: Patience.seconds(30))
        executor.concurrency = concurrency
        let secret = "probe-key-0123456789"
        let results = try await executor.run(plan, environment: ["PROBE_KEY": secret])
        #expect(
            results.map(\.scenario.name) == [
                "start", "use", "wrong", "after_wrong", "lacking", "after_lacking", "independent",
            ])
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.scenario.name, $0) })

        let start = try #require(byName["start"])
        #expect(start.passed)
        #expect(start.bodyExcerpt.contains("\"x-api-key\": \"[redacted]\""), "\(start.bodyExcerpt)")
        #expect(start.bodyExcerpt.contains("\"x-trace\": \"plan-wide\""))
        #expect(start.requestHeaders.contains("X-Api-Key: [redacted]"))

        let use = try #require(byName["use"])
        #expect(use.passed, "\(use.error ?? "") \(use.bodyExcerpt)")
        #expect(!use.bodyExcerpt.contains("x-trace"), "the scenario dropped the plan's header")
        #expect(
            use.bodyExcerpt.contains(#""x-echo": "got {\"size\":3}""#)
                || use.bodyExcerpt.contains(#"got {\\\"size\\\":3}"#))
        #expect(use.requestBody == #"{"copy":"{\"size\":3}"}"#)
        #expect(use.url.contains("/things/127.0.0.1"))

        let wrong = try #require(byName["wrong"])
        #expect(!wrong.passed && wrong.failureKind == .statusMismatch)
        let afterWrong = try #require(byName["after_wrong"])
        #expect(afterWrong.failureKind == .notSent && afterWrong.actualStatus == nil)
        #expect(afterWrong.error == "it depends on scenario \"wrong\", which got 200, expected 201")

        let lacking = try #require(byName["lacking"])
        #expect(lacking.failureKind == .bodyMismatch)
        #expect(lacking.error?.contains("lacks \"no.such\" (for ${gone})") == true)
        #expect(byName["after_lacking"]?.failureKind == .notSent)
        #expect(byName["independent"]?.passed == true)

        for result in results {
            let text =
                [result.url, result.bodyExcerpt, result.requestBody ?? "", result.error ?? ""]
                + result.requestHeaders
            #expect(!text.joined().contains(secret), "\(result.scenario.name) shows the key")
        }
        // Nothing a step did not send makes a group of its own.
        let groups = Diagnosis.groups(for: results, logURL: nil, appDirectory: directory.url)
        #expect(groups.map(\.route).sorted() == ["/lacking", "/wrong"])
    }

    /// A plan that needs a variable the environment lacks, or the LLM's key, is refused before
    /// anything starts: exit 2 naming the plan and the variable.
    @Test func anUnsetVariableOrTheLLMKeyIsRefusedBeforeTheAppStarts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("repair.toml", "[app]\nstart = \"exec false\"\n")
        try directory.write(
            "smoke_test_plan.json",
            #"{"version": 2, "headers": {"X-Api-Key": "${SHOP_KEY}"}, "scenarios": [{"endpoint": "GET /a", "name": "a", "expected_status": 200}]}"#
        )
        let unset = try await CommandRunner.run(CommandRunner.repairctl, ["smoke", directory.url.path])
        #expect(unset.status == 2)
        #expect(unset.standardError.contains("smoke_test_plan.json: it uses ${SHOP_KEY}, which no step captures"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".repair/runs").path))

        try directory.write(
            "smoke_test_plan.json",
            #"{"version": 2, "headers": {"X-Api-Key": "${OPENAI_API_KEY}"}, "scenarios": [{"endpoint": "GET /a", "name": "a", "expected_status": 200}]}"#
        )
        let key = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", directory.url.path],
            environment: ProcessInfo.processInfo.environment.merging(["OPENAI_API_KEY": "sk-test-000000000000"]) { $1 })
        #expect(key.status == 2)
        #expect(key.standardError.contains("${OPENAI_API_KEY}, an LLM key: the app under repair never gets it"))
    }
}

/// A plan generated from a spec with security schemes logs in or sends the credentials from
/// the environment and checks that each secured operation refuses a request without them —
/// here on the spec a FastAPI app served (an OAuth 2 password flow at a form endpoint, a
/// multipart upload), against that app under uvicorn.
@Suite(.serialized) struct GeneratedCredentialsTests {
    @Test func aGeneratedPlanLogsInSendsTheTokenAndChecksItsAbsence() async throws {
        let app = try FixtureApps.copy("shop-fastapi")
        defer { app.remove() }
        let spec = try OpenAPISpec.load(from: app.url.appendingPathComponent("openapi.json"))
        let generator = PlanGenerator(spec: spec)
        var plan = generator.plan()
        #expect(plan.version == 2)
        #expect(plan.headers == ["Authorization": "Bearer ${OAUTH2_PASSWORD_BEARER_TOKEN}"])
        #expect(plan.setup.map(\.endpoint) == [Endpoint("POST /auth/token")])
        #expect(plan.setup.first?.payloadEncoding == .form)
        #expect(plan.setup.first?.capture == ["OAUTH2_PASSWORD_BEARER_TOKEN": "access_token"])
        #expect(Set(plan.environmentNames()) == ["OAUTH2_PASSWORD_BEARER_USERNAME", "OAUTH2_PASSWORD_BEARER_PASSWORD"])
        #expect(generator.credentialNotes().count == 1)
        let upload = try #require(
            plan.scenarios.first {
                $0.endpoint == Endpoint("POST /products/{product_id}/image") && $0.name == "happy_path"
            })
        #expect(upload.payloadEncoding == .multipart)
        #expect(upload.payload?.objectValue?["image"]?.objectValue?["filename"] == .string("image.txt"))
        let unauthorized = plan.scenarios.filter { $0.name == "unauthorized" }
        #expect(unauthorized.contains { $0.endpoint == Endpoint("DELETE /products/{product_id}") })
        #expect(!unauthorized.contains { $0.endpoint == Endpoint("POST /auth/token") }, "the login is open")
        #expect(
            unauthorized.allSatisfy { $0.expectedStatus == [401, 403] && $0.headers["Authorization"] == .some(nil) })
        // The catalogue, the customers and the login: what this app's seed script loads.
        plan.scenarios = plan.scenarios.filter { scenario in
            ["/products", "/customers", "/auth/me", "/auth/token"].contains { scenario.endpoint.path.hasPrefix($0) }
        }
        plan.seedData = plan.seedData.filter { ["product", "customer"].contains($0.entityName) }
        for index in plan.scenarios.indices { plan.scenarios[index].index = plan.setup.count + index }

        let password = "generated-plan-password-42"
        let run = try await FixtureApps.smokePass(
            app.url, plan: plan, appEnvironment: ["SHOP_ADMIN_PASSWORD": password],
            environment: ["OAUTH2_PASSWORD_BEARER_USERNAME": "admin", "OAUTH2_PASSWORD_BEARER_PASSWORD": password])
        #expect(run.appFailure == nil)
        let byName = { (endpoint: String, name: String) in
            run.results.first { $0.scenario.endpoint.description == endpoint && $0.scenario.name == name }
        }
        #expect(byName("POST /auth/token", "log_in")?.passed == true, "the form login")
        #expect(byName("POST /auth/token", "happy_path")?.passed == true)
        #expect(byName("POST /products/{product_id}/image", "happy_path")?.passed == true, "the multipart upload")
        #expect(byName("POST /products/{product_id}/image", "validation_error_alt_required")?.passed == true)
        // The token went out: nothing that expects success was refused for want of it.
        let refused = run.results.filter { $0.actualStatus == 401 && !$0.scenario.expectedStatus.contains(401) }
        #expect(refused.isEmpty, "\(refused.map { "\($0.scenario.endpoint) \($0.scenario.name)" })")
        // Without it, the secured routers refuse; the products router, which forgot its
        // dependency, is found.
        let anonymous = run.results.filter { $0.scenario.name == "unauthorized" }
        #expect(
            Set(anonymous.filter { !$0.passed }.map(\.scenario.endpoint.description))
                == [
                    "GET /products", "POST /products", "GET /products/{product_id}", "PATCH /products/{product_id}",
                    "DELETE /products/{product_id}", "POST /products/{product_id}/image",
                ])
        #expect(anonymous.filter { $0.scenario.endpoint.path.hasPrefix("/customers") }.allSatisfy { $0.passed })
        for result in run.results {
            let shown = [result.url, result.requestBody ?? "", result.bodyExcerpt] + result.requestHeaders
            #expect(!shown.joined().contains(password), "\(result.scenario.name) shows the password")
        }
    }

    /// On the app with its bugs fixed, the whole plan generated from its spec — login, token,
    /// uploads, carts to orders to payments, actions and deletes with reseeds — passes, its
    /// responses checked against the spec: a generated plan makes no false failure.
    @Test func aGeneratedPlanPassesWholeOnTheFixedApp() async throws {
        let app = try FixtureApps.copy("shop-fastapi")
        defer { app.remove() }
        try ShopFastAPIFixes.apply(ShopFastAPIFixes.all + ShopFastAPIFixes.checked, in: app.url)
        let spec = try OpenAPISpec.load(from: app.url.appendingPathComponent("openapi.json"))
        let plan = PlanGenerator(spec: spec).plan()
        #expect(plan.scenarios.contains { $0.reseed }, "an order cancelled after it was paid is reseeded first")
        let password = "generated-plan-password-43"
        let run = try await FixtureApps.smokePass(
            app.url, plan: plan, overrides: ["smoke.spec=openapi.json"],
            appEnvironment: ["SHOP_ADMIN_PASSWORD": password],
            environment: ["OAUTH2_PASSWORD_BEARER_USERNAME": "admin", "OAUTH2_PASSWORD_BEARER_PASSWORD": password])
        #expect(run.appFailure == nil)
        let failed = run.results.filter { !$0.passed }
        #expect(
            failed.isEmpty,
            "\(failed.map { "\($0.scenario.endpoint) \($0.scenario.name): \($0.error ?? "") \($0.bodyExcerpt.prefix(120))" })"
        )
        #expect(run.results.count == plan.steps.count)
    }
}
