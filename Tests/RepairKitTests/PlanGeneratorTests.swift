import Foundation
import Logging
import RepairTestSupport
import Testing
import Yams

@testable import RepairKit

@Suite struct PlanGeneratorTests {
    func spec(_ text: String, file: String = "spec.yaml") throws -> OpenAPISpec {
        try OpenAPISpec.parse(Data(text.utf8), file: file)
    }

    @Test(arguments: ["petstore-expanded.yaml", "link-example.yaml"])
    func corpusSpecGivesAWholePlanTwiceTheSameBytes(_ name: String) throws {
        let spec = try OpenAPISpec.load(from: FixtureApps.corpus.appendingPathComponent("openapi/\(name)"))
        let first = PlanGenerator(spec: spec).plan().jsonData()
        let second = PlanGenerator(
            spec: try OpenAPISpec.load(from: FixtureApps.corpus.appendingPathComponent("openapi/\(name)"))
        ).plan().jsonData()
        #expect(first == second)
        let plan = try SmokePlan.parse(first, file: name)
        let coverage = PlanCoverage.check(plan, against: spec)
        #expect(coverage.isWhole, "\(coverage.findings)")
        #expect(coverage.operations > 0)
    }

    /// `JSONDecoder` keeps no key order, and Swift seeds its hashing per process: the same
    /// JSON spec must still give the same bytes in every process, and the bytes the same spec
    /// written as YAML (whose order is kept) gives — its paths and properties in the spec's order.
    @Test func theSameSpecGivesTheSameBytesInEveryProcessJSONOrYAML() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = FixtureApps.repositoryRoot.appendingPathComponent("examples/shop-api/openapi.json")
        // The same document as block YAML, keys in the JSON text's order.
        let yaml = directory.url.appendingPathComponent("openapi.yaml")
        let converted = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                #"""
                import json, sys
                def emit(value, indent):
                    pad = "  " * indent
                    if isinstance(value, dict):
                        if not value: return " {}\n"
                        return "\n" + "".join(pad + json.dumps(k) + ":" + emit(v, indent + 1) for k, v in value.items())
                    if isinstance(value, list):
                        if not value: return " []\n"
                        return "\n" + "".join(pad + "-" + emit(v, indent + 1) for v in value)
                    return " " + json.dumps(value) + "\n"
                document = json.load(open(sys.argv[1]))
                open(sys.argv[2], "w").write(emit(document, 0).lstrip("\n"))
                """#,
                json.path, yaml.path,
            ])
        #expect(converted.status == 0, "\(converted.standardError)")
        var outputs: [String] = []
        for spec in [json, json, json, yaml, yaml] {
            let result = try await CommandRunner.run(
                CommandRunner.repairctl, ["plan", "generate", "--openapi", spec.path])
            #expect(result.status == 0, "\(result.standardError)")
            outputs.append(result.standardOutput)
        }
        #expect(Set(outputs).count == 1, "one plan from three processes on JSON and two on YAML")
        // The entities come in the spec's order of paths.
        let plan = try SmokePlan.parse(Data(outputs[0].utf8), file: "plan.json")
        let specText = try String(contentsOf: json, encoding: .utf8)
        let order = plan.scenarios.map(\.endpoint.path).reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let positions = order.map { specText.range(of: "\"\($0)\"")?.lowerBound.utf16Offset(in: specText) ?? -1 }
        #expect(positions == positions.sorted(), "scenarios follow the spec's paths: \(order)")
    }

    /// An action on a resource and a create under a parent get a `not_found` too: the
    /// endpoints a pipeline's report showed failing are exactly these.
    @Test func postActionsAndNestedCreatesGetANotFound() throws {
        let actions = try spec(
            """
            openapi: 3.0.3
            info: {title: t, version: "1"}
            paths:
              /orders/{order_id}/pay:
                post:
                  parameters: [{name: order_id, in: path, required: true, schema: {type: string}}]
                  responses: {"200": {description: paid}}
              /customers/{customer_id}/orders:
                post:
                  parameters: [{name: customer_id, in: path, required: true, schema: {type: string}}]
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object, properties: {note: {type: string}}}
                  responses: {"201": {description: created}}
            """)
        let plan = PlanGenerator(spec: actions).plan()
        let notFound = plan.scenarios.filter { $0.name == "not_found" }
        #expect(
            notFound.map(\.endpoint.description) == [
                "POST /orders/{order_id}/pay", "POST /customers/{customer_id}/orders",
            ])
        for scenario in notFound {
            #expect(scenario.expectedStatus == [404])
            let id = try #require(scenario.pathParams.values.first)
            #expect(!plan.seedData.contains { JSONValue.string($0.uuid) == id }, "an id nothing seeded")
        }
        // plan check asks for them the same way.
        var without = plan
        without.scenarios.removeAll { $0.name == "not_found" }
        let findings = PlanCoverage.check(without, against: actions).findings
        #expect(findings.filter { $0.rule == "missing_not_found" }.count == 2, "\(findings)")
    }

    /// Two parameters in one segment are two parameters, and the plan is one its own loader
    /// and `plan check` accept.
    @Test func severalParametersInOneSegment() throws {
        let compare = try spec(
            """
            openapi: 3.0.3
            info: {title: t, version: "1"}
            paths:
              /repos/{owner}/{repo}/compare/{base}...{head}:
                get:
                  parameters:
                    - {name: owner, in: path, required: true, schema: {type: string}}
                    - {name: repo, in: path, required: true, schema: {type: string}}
                    - {name: base, in: path, required: true, schema: {type: string}}
                    - {name: head, in: path, required: true, schema: {type: string}}
                  responses: {"200": {description: compared}}
            """)
        let plan = PlanGenerator(spec: compare).plan()
        let happy = try #require(plan.scenarios.first { $0.name == "happy_path" })
        #expect(Set(happy.pathParams.keys) == ["owner", "repo", "base", "head"])
        let reloaded = try SmokePlan.parse(plan.jsonData(), file: "plan.json")
        #expect(reloaded.scenarios.count == plan.scenarios.count)
        #expect(PlanCoverage.check(reloaded, against: compare).isWhole)
        #expect(happy.resolvedPath.contains("/compare/") && !happy.resolvedPath.contains("{"))
    }

    /// A scenario that cancels or deletes a seeded entity never runs before one that needs it:
    /// actions come after everything else, deletes last, each keeping the spec's order.
    @Test func scenariosThatChangeASeededEntityComeLast() throws {
        let plan = PlanGenerator(
            spec: try spec(
                """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /orders/{order_id}:
                    parameters: [{name: order_id, in: path, required: true, schema: {type: string}}]
                    delete: {responses: {"204": {description: gone}}}
                    get: {responses: {"200": {description: ok}}}
                  /orders/{order_id}/cancel:
                    parameters: [{name: order_id, in: path, required: true, schema: {type: string}}]
                    post: {responses: {"200": {description: cancelled}}}
                  /orders/{order_id}/items:
                    parameters: [{name: order_id, in: path, required: true, schema: {type: string}}]
                    get: {responses: {"200": {description: ok}}}
                """)
        ).plan()
        #expect(
            plan.scenarios.map { "\($0.endpoint) \($0.name)" } == [
                "GET /orders/{order_id} happy_path", "GET /orders/{order_id} not_found",
                "DELETE /orders/{order_id} not_found", "POST /orders/{order_id}/cancel not_found",
                "GET /orders/{order_id}/items happy_path", "GET /orders/{order_id}/items not_found",
                "POST /orders/{order_id}/cancel happy_path", "DELETE /orders/{order_id} happy_path",
            ])
        #expect(plan.scenarios.map(\.index) == Array(0..<plan.scenarios.count))
    }

    @Test func petstoreScenariosAreTheOnesTheSpecCallsFor() throws {
        let spec = try OpenAPISpec.load(
            from: FixtureApps.corpus.appendingPathComponent("openapi/petstore-expanded.yaml"))
        let plan = PlanGenerator(spec: spec).plan()
        #expect(
            plan.scenarios.map { "\($0.endpoint) \($0.name) \($0.expectedStatus)" } == [
                "GET /pets happy_path [200]",
                "POST /pets happy_path [200]",
                "POST /pets validation_error_name_required [400, 422]",
                "POST /pets validation_error_name_type [400, 422]",
                "POST /pets validation_error_tag_type [400, 422]",
                "GET /pets/{id} happy_path [200]",
                "GET /pets/{id} not_found [404]",
                "DELETE /pets/{id} not_found [404]",
                "DELETE /pets/{id} happy_path [204]",
            ])
        try #require(plan.scenarios.count == 9)
        // `id` is an int64 path parameter: the seeded pet is 1, the absent one 99999999.
        #expect(plan.scenarios[5].pathParams["id"] == .number(1))
        #expect(plan.scenarios[6].pathParams["id"] == .number(99_999_999))
        #expect(plan.seedData.map(\.entityName) == ["pet"])
        #expect(plan.seedData[0].uuid == "00000000-0000-4000-8000-000000000001")
        #expect(plan.scenarios[1].payload == .object(["name": .string("example name"), "tag": .string("example tag")]))
        #expect(plan.scenarios[2].payload == .object(["tag": .string("example tag")]))
    }

    @Test func jsonAndYAMLOfOneSpecGiveOnePlan() throws {
        let yaml = """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /items:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object, required: [sku], properties: {sku: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}}}
                  responses: {"201": {description: created}}
            """
        let json =
            #"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/items": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}}}}}}, "responses": {"201": {"description": "created"}}}}}}"#
        let fromYAML = PlanGenerator(spec: try spec(yaml)).plan()
        let fromJSON = PlanGenerator(spec: try spec(json, file: "spec.json")).plan()
        #expect(fromYAML.jsonData() == fromJSON.jsonData())
        try #require(fromYAML.scenarios.count >= 4)
        #expect(
            fromYAML.scenarios[0].payload == .object(["sku": .string("ABC-123")]), "a value that matches the pattern")
        #expect(
            fromYAML.scenarios.map(\.name) == [
                "happy_path", "validation_error_sku_required", "validation_error_sku_type",
                "validation_error_sku_pattern",
            ])
        #expect(fromYAML.scenarios[3].payload == .object(["sku": .string("")]))
    }

    @Test func valuesHonourFormatsEnumsBoundsLengthsAndExamples() throws {
        let plan = PlanGenerator(
            spec: try spec(
                """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /signups:
                    post:
                      requestBody:
                        content:
                          application/json:
                            schema:
                              type: object
                              required: [email, plan, seats, code]
                              properties:
                                email: {type: string, format: email}
                                plan: {type: string, enum: [pro, team]}
                                seats: {type: integer, minimum: 5, maximum: 50}
                                ratio: {type: number, exclusiveMinimum: true, minimum: 2}
                                code: {type: string, minLength: 12}
                                nickname: {type: string, maxLength: 3}
                                starts: {type: string, format: date-time}
                                motto: {type: string, example: "ship it"}
                                tags: {type: array, minItems: 2, items: {type: string}}
                                referrer: {type: string, nullable: true}
                      responses: {"201": {description: ok}}
                """)
        ).plan()
        guard case .object(let payload)? = plan.scenarios.first?.payload else { Issue.record("no payload"); return }
        #expect(payload["email"] == .string("user@example.com"))
        #expect(payload["plan"] == .string("pro"))
        #expect(payload["seats"] == .number(5))
        #expect(payload["ratio"] == .number(2.5))
        #expect(payload["code"]?.parameterText.count == 12)
        #expect(payload["nickname"]?.parameterText.count == 3)
        #expect(payload["starts"] == .string("2024-01-15T09:30:00Z"))
        #expect(payload["motto"] == .string("ship it"))
        #expect(payload["tags"] == .array([.string("example tags"), .string("example tags")]))
        #expect(payload["referrer"] == .string("example referrer"))
        let names = Set(plan.scenarios.map(\.name))
        for expected in [
            "validation_error_seats_minimum", "validation_error_seats_maximum", "validation_error_plan_enum",
            "validation_error_code_min_length", "validation_error_nickname_max_length",
            "validation_error_ratio_minimum",
        ] {
            #expect(names.contains(expected), "\(expected)")
        }
        let below = try #require(plan.scenarios.first { $0.name == "validation_error_seats_minimum" })
        #expect(below.payload?.objectValue?["seats"] == .number(4))
    }

    @Test func referenceCyclesEnd() throws {
        let plan = PlanGenerator(
            spec: try spec(
                """
                openapi: 3.1.0
                info: {title: t, version: "1"}
                paths:
                  /nodes:
                    post:
                      requestBody:
                        content:
                          application/json:
                            schema: {$ref: "#/components/schemas/Node"}
                      responses: {"201": {description: ok}}
                components:
                  schemas:
                    Node:
                      type: object
                      required: [name]
                      properties:
                        name: {type: string}
                        parent: {$ref: "#/components/schemas/Node"}
                        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
                        link: {$ref: "#/components/schemas/Link"}
                    Link:
                      allOf:
                        - {$ref: "#/components/schemas/Node"}
                """)
        ).plan()
        let payload = try #require(plan.scenarios.first?.payload?.objectValue)
        #expect(payload["name"] == .string("example name"))
        #expect(payload["children"] != nil)
        #expect(plan.jsonData().count < 20_000, "the sample is finite")
    }

    @Test func specWithErrorsNamesThePointer() {
        let error = #expect(throws: SpecError.self) {
            try spec(
                """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /pets:
                    get:
                      responses:
                        "200": {descriptio: missing the d}
                """, file: "broken.yaml")
        }
        #expect(error?.file == "broken.yaml")
        #expect(error?.pointer.hasPrefix("/paths/~1pets/get/responses") == true, "\(String(describing: error))")
        #expect(error?.description.contains("broken.yaml: at #/paths/~1pets/get") == true)
    }

    @Test func notAnOpenAPIDocumentIsSaidPlainly() {
        let swagger = #expect(throws: SpecError.self) { try spec(#"{"swagger": "2.0", "paths": {}}"#, file: "s.json") }
        #expect(swagger?.pointer == "/openapi")
        let garbage = #expect(throws: SpecError.self) { try spec("openapi: [unclosed", file: "g.yaml") }
        #expect(garbage?.problem.hasPrefix("not valid YAML") == true)
    }

    @Test func seededEntitiesComeParentsFirstWithTheirReferences() throws {
        let plan = PlanGenerator(
            spec: try spec(
                """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /orders:
                    post:
                      requestBody:
                        content:
                          application/json:
                            schema: {type: object, properties: {customer_id: {type: string, format: uuid}, note: {type: string}}}
                      responses: {"201": {description: ok}}
                  /orders/{order_id}:
                    get:
                      parameters: [{name: order_id, in: path, required: true, schema: {type: string}}]
                      responses: {"200": {description: ok}}
                  /customers/{customer_id}:
                    get:
                      parameters: [{name: customer_id, in: path, required: true, schema: {type: string}}]
                      responses: {"200": {description: ok}}
                  /customers:
                    post:
                      requestBody:
                        content:
                          application/json:
                            schema: {type: object, properties: {email: {type: string, format: email}}}
                      responses: {"201": {description: ok}}
                """)
        ).plan()
        #expect(plan.seedData.map(\.entityName) == ["customer", "order"])
        let order = try #require(plan.seedData.last)
        #expect(order.dependsOn == ["customer"])
        #expect(order.fields["customer_id"] == .string(plan.seedData[0].uuid))
        #expect(
            plan.seedData[0].fields["email"] == .string("user2@example.com"),
            "seeded values differ from the create payload's")
        let create = try #require(plan.scenarios.first { $0.endpoint.description == "POST /orders" })
        #expect(create.payload?.objectValue?["customer_id"] == .string(plan.seedData[0].uuid))
    }

    /// An id a scenario expects to find that seed_data does not hold is said as such (not
    /// left to fail as a missing route); absent ids in not_found scenarios are fine.
    @Test func anUnseededIDIsAFindingOfThePlan() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plan = try directory.write(
            "plan.json",
            """
            {"seed_data": [{"entity_name": "Product", "uuid": "00000000-0000-4000-8000-000000000001", "fields": {}}],
             "scenarios": [
               {"endpoint": "GET /products/{id}", "name": "get_product", "expected_status": 200,
                "path_params": {"id": "00000000-0000-4000-8000-000000000001"}},
               {"endpoint": "GET /orders/{id}", "name": "get_order", "expected_status": 200,
                "path_params": {"id": "00000000-0000-4000-8000-000000000002"}},
               {"endpoint": "GET /products/{id}", "name": "get_product_not_found", "expected_status": 404,
                "path_params": {"id": "99999999-9999-4000-8000-000000000001"}}]}
            """)
        let coverage = PlanCoverage.check(try SmokePlan.load(from: plan), against: nil)
        #expect(coverage.findings.map(\.rule) == ["unseeded_id"])
        #expect(coverage.findings.first?.endpoint == "GET /orders/{id}")
        #expect(coverage.findings.first?.detail.contains("get_order") == true)
        let check = try await CommandRunner.run(CommandRunner.repairctl, ["plan", "check", plan.path])
        #expect(check.status == 1, "findings: exit 1")
        #expect(check.standardOutput.contains("unseeded_id"), "\(check.standardOutput)\(check.standardError)")
    }

    /// Form and multipart bodies are built and sent as such; bodies the generator cannot build
    /// (XML, an external $ref) are said, by `plan generate` as warnings and by `plan check` as
    /// findings — never silently a null payload.
    @Test func whatCannotBeCoveredIsSaid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let specFile = try directory.write(
            "spec.yaml",
            """
            openapi: 3.0.3
            info: {title: t, version: "1"}
            paths:
              /forms:
                post:
                  requestBody:
                    content:
                      application/x-www-form-urlencoded:
                        schema: {type: object, properties: {name: {type: string}}}
                  responses: {"201": {description: created}}
              /uploads:
                post:
                  requestBody:
                    content:
                      multipart/form-data:
                        schema: {type: object, properties: {file: {type: string, format: binary}}}
                  responses: {"201": {description: created}}
              /xml:
                post:
                  requestBody:
                    content:
                      application/xml:
                        schema: {type: object, properties: {name: {type: string}}}
                  responses: {"201": {description: created}}
              /things:
                post:
                  requestBody: {$ref: "bodies.yaml#/ThingBody"}
                  responses: {"201": {description: created}}
              /notes:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object, properties: {text: {type: string}}}
                  responses: {"201": {description: created}}
            """)
        let generator = PlanGenerator(spec: try OpenAPISpec.load(from: specFile))
        let uncovered = generator.uncovered()
        #expect(uncovered.map(\.endpoint) == ["POST /xml", "POST /things"])
        #expect(uncovered[0].problem.contains("application/xml, not JSON"))
        #expect(uncovered[1].problem.contains("$ref cannot be resolved"))
        let generated = generator.plan()
        #expect(generated.version == 2, "payload_encoding is a key of version 2")
        let form = try #require(generated.scenarios.first { $0.endpoint == Endpoint("POST /forms") })
        #expect(form.payloadEncoding == .form && form.payload == .object(["name": .string("example name")]))
        let upload = try #require(generated.scenarios.first { $0.endpoint == Endpoint("POST /uploads") })
        #expect(upload.payloadEncoding == .multipart)
        #expect(upload.payload?.objectValue?["file"]?.objectValue?["filename"] == .string("file.txt"))

        let plan = directory.url.appendingPathComponent("plan.json")
        let generate = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "generate", "--openapi", specFile.path, "--out", plan.path])
        #expect(generate.status == 0, "\(generate.standardError)")
        #expect(
            generate.standardError.contains("warning: POST /xml: its request body is application/xml, not JSON")
        )
        #expect(generate.standardError.components(separatedBy: "warning: ").count == 3)
        let check = try await CommandRunner.run(
            CommandRunner.repairctl, ["plan", "check", plan.path, "--openapi", specFile.path, "--json"])
        #expect(check.status == 1)
        #expect(check.standardOutput.components(separatedBy: "not_covered").count == 3, "\(check.standardOutput)")
    }

    @Test func coverageFindsWhatIsMissing() throws {
        let spec = try OpenAPISpec.load(
            from: FixtureApps.corpus.appendingPathComponent("openapi/petstore-expanded.yaml"))
        let plan = try SmokePlan.parse(
            Data(
                """
                {"scenarios": [
                  {"endpoint": "GET /pets", "name": "happy_path", "expected_status": 200},
                  {"endpoint": "GET /pets/{petId}", "name": "happy_path", "path_params": {"petId": 1}, "expected_status": 200},
                  {"endpoint": "GET /pets/{petId}", "name": "happy_path", "path_params": {"petId": 2}, "expected_status": 200},
                  {"endpoint": "GET /owners", "name": "happy_path", "expected_status": 200}
                ]}
                """.utf8), file: "plan.json", allowDuplicateNames: true)
        let coverage = PlanCoverage.check(plan, against: spec)
        #expect(!coverage.isWhole)
        #expect(
            coverage.findings.map { "\($0.rule) \($0.endpoint)" } == [
                "duplicate_name GET /pets/{petId}",
                "missing_happy_path POST /pets",
                "missing_validation_error POST /pets",
                "missing_not_found GET /pets/{id}",
                "missing_happy_path DELETE /pets/{id}",
                "missing_not_found DELETE /pets/{id}",
                "unknown_endpoint GET /owners",
            ])
    }

    @Test func exampleAppPlanRegeneratedFromItsSpecStillFindsEveryPlantedBug() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["smoke.openapi=openapi.json"], environment: [:])
        #expect(inputs.planFile.lastPathComponent == "openapi.json")
        #expect(PlanCoverage.check(inputs.plan, against: try OpenAPISpec.load(from: inputs.planFile)).isWhole)
        let run = try await SmokePass(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
            logger: Logger(label: "test")
        ).run()
        let found = Set(run.groups.map { "\($0.kind.rawValue) \($0.method) \($0.route)" })
        for bug in [
            "crash GET /products/{product_id}", "crash POST /products", "route_missing GET /customers/{customer_id}",
            "wrong_success_status POST /customers", "missing_validation POST /orders",
        ] {
            #expect(found.contains(bug), "\(bug)")
        }
        let saved = try SmokePlan.load(from: run.runDirectory.appendingPathComponent("smoke_test_plan.json"))
        #expect(saved == inputs.plan, "the run keeps the plan it used")
    }
}

/// What real specs hold that a strict reader refuses, and a real large spec read both ways.
@Suite struct RealSpecTests {
    /// An integer bounded by 2^64 written as a float (as pydantic writes it) and response codes
    /// quoted in YAML (`'200':`) are read, not refused.
    @Test func floatBoundsAndQuotedCodesAreRead() throws {
        let json = #"""
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
             "paths": {"/items": {"post": {
               "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                 "properties": {"count": {"type": "integer", "minimum": 0, "maximum": 1.8446744073709552e+19}}}}}},
               "responses": {"201": {"description": "created"}}}}}}
            """#
        let fromJSON = try OpenAPISpec.parse(Data(json.utf8), file: "spec.json")
        #expect(PlanGenerator(spec: fromJSON).plan().scenarios.contains { $0.name == "happy_path" })
        let yaml = """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /items:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            count: {type: integer, minimum: 0, maximum: 1.8446744073709552e+19}
                  responses:
                    '201': {description: created}
                    "422": {description: invalid}
            """
        let fromYAML = try OpenAPISpec.parse(Data(yaml.utf8), file: "spec.yaml")
        #expect(PlanGenerator(spec: fromYAML).plan() == PlanGenerator(spec: fromJSON).plan())
    }

    /// The LiteLLM proxy's spec (984 operations, served by its FastAPI app) gives one plan,
    /// byte for byte, from its JSON and from the same document as YAML.
    @Test func aLargeRealSpecGivesOnePlanFromJSONAndYAML() throws {
        let url = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/specs/litellm-proxy/openapi.json")
        let json = try Data(contentsOf: url)
        let yaml = Data(
            try Yams.serialize(node: try #require(try Yams.compose(yaml: String(decoding: json, as: UTF8.self)))).utf8)
        let fromJSON = PlanGenerator(spec: try OpenAPISpec.parse(json, file: "openapi.json")).plan()
        let fromYAML = PlanGenerator(spec: try OpenAPISpec.parse(yaml, file: "openapi.yaml")).plan()
        #expect(fromJSON.jsonData() == fromYAML.jsonData())
        #expect(Set(fromJSON.scenarios.map(\.endpoint)).count == 984)
        // Its two security schemes, each sent from the environment.
        #expect(
            fromJSON.headers == [
                "Authorization": "Bearer ${HTTP_BEARER_TOKEN}", "x-litellm-api-key": "${API_KEY_HEADER}",
            ])
    }

    /// `plan generate --seed FILE` writes the seed data as the app's seed command reads it,
    /// parents before children.
    @Test func generateWritesTheSeedFileParentsFirst() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = FixtureApps.source("shop-fastapi").appendingPathComponent("openapi.json")
        let plan = directory.url.appendingPathComponent("plan.json")
        let seed = directory.url.appendingPathComponent("seed.json")
        let generate = try await CommandRunner.run(
            CommandRunner.repairctl,
            ["plan", "generate", "--openapi", spec.path, "--out", plan.path, "--seed", seed.path])
        #expect(generate.status == 0, "\(generate.standardError)")
        let entities = try JSONDecoder().decode([SeedEntity].self, from: Data(contentsOf: seed))
        #expect(entities == (try SmokePlan.load(from: plan)).seedData)
        for (position, entity) in entities.enumerated() {
            let earlier = Set(entities[..<position].map(\.entityName))
            #expect(entity.dependsOn.allSatisfy(earlier.contains), "\(entity.entityName) before its parents")
        }
        // A seed file that cannot be written: exit 2, and no plan either.
        let elsewhere = directory.url.appendingPathComponent("other.json")
        let refused = try await CommandRunner.run(
            CommandRunner.repairctl,
            ["plan", "generate", "--openapi", spec.path, "--out", elsewhere.path, "--seed", "/nonexistent/seed.json"])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("cannot write /nonexistent/seed.json"))
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path))
        #expect(
            entities.map(\.entityName).contains("cart")
                && entities.first { $0.entityName == "cart" }?.dependsOn == ["customer"])
    }
}
