import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

@Suite struct DiagnosisTests {
    func run(_ app: TemporaryDirectory, overrides: [String] = [], plan: URL? = nil) async throws -> SmokeRun {
        let inputs = try SmokeInputs.load(appDirectory: app.url, planFile: plan, overrides: overrides, environment: [:])
        return try await SmokePass(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan,
            planFile: inputs.planFile, logger: Logger(label: "test")
        ).run()
    }

    func summary(_ groups: [ViolationGroup]) -> [String] {
        groups.map {
            "\($0.kind.rawValue) \($0.method) \($0.route) \($0.status.map(String.init) ?? "-") \($0.scenarioNames.joined(separator: ","))"
        }
    }

    @Test func examplePlantedBugsAreOneGroupEachWithKindAndLocation() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let groups = try await run(app).groups
        #expect(
            summary(groups) == [
                "crash GET /products/{product_id} 500 get_product_not_found",
                "crash POST /products 500 create_product",
                "route_missing GET /customers/{customer_id} 404 get_customer",
                "missing_validation POST /orders 201 create_order_zero_quantity",
                "wrong_success_status POST /customers 200 create_customer",
            ])
        try #require(groups.count == 5)
        #expect(groups[0].trace?.exceptionType == "TypeError")
        #expect(groups[0].location?.file == "shop/services.py")
        #expect(groups[0].location?.function == "get_product")
        #expect(groups[1].trace?.message == "'product_name'")
        #expect(groups[1].location?.line == 25)
        #expect(groups[2].location?.file == "shop/routes.py")
        #expect(groups[2].routeDeclarations.contains { $0.text?.contains("\"/customers\", list_customers") == true })
        #expect(groups[3].location?.function == "create_order")
        #expect(groups[4].location?.function == "create_customer")
        #expect(groups[0].violations[0].logExcerpt.contains("Traceback (most recent call last)"))
    }

    @Test func sameBugHitByManyScenariosIsOneGroupEvenConcurrently() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        // Ten requests for absent products and ten bad creates, four in flight at once.
        var scenarios: [String] = []
        for index in 1...10 {
            scenarios.append(
                #"{"endpoint": "GET /products/{id}", "name": "missing_\#(index)", "path_params": {"id": "99999999-9999-4000-8000-\#(String(format: "%012d", index))"}, "expected_status": 404}"#
            )
            scenarios.append(
                #"{"endpoint": "POST /products", "name": "create_\#(index)", "payload": {"name": "P\#(index)", "price": \#(index)}, "expected_status": 201}"#
            )
        }
        let plan = try app.write("many.json", #"{"scenarios": [\#(scenarios.joined(separator: ","))]}"#)
        let result = try await run(app, overrides: ["smoke.concurrency=4"], plan: plan)
        #expect(
            summary(result.groups).map { $0.split(separator: " ").prefix(4).joined(separator: " ") } == [
                "crash GET /products/{id} 500", "crash POST /products 500",
            ])
        #expect(result.groups.map(\.count) == [10, 10])
        // Every request got the trace its own request id was printed with.
        for group in result.groups {
            for violation in group.violations {
                #expect(violation.logExcerpt.contains(violation.result.requestID))
                #expect(violation.trace?.exceptionType == (group.method == "GET" ? "TypeError" : "KeyError"))
            }
        }
    }

    @Test func nodeAppGroupsWithLocations() async throws {
        let app = try FixtureApps.copy("notes-node")
        defer { app.remove() }
        let groups = try await run(app).groups
        #expect(
            summary(groups) == [
                "crash GET /notes/{id} 500 get_note_not_found",
                "route_missing PATCH /notes/{id} 404 update_note",
                "wrong_success_status POST /notes 200 create_note",
            ])
        try #require(groups.count == 3)
        #expect(groups[0].location?.file == "src/notes-controller.js")
        #expect(groups[0].location?.function == "summarize")
        #expect(groups[1].location?.file == "server.js")
        #expect(groups[2].location?.function == "create")
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/java") } == true, "needs a JDK"))
    func javaAppTraceIsReadLive() async throws {
        let app = try FixtureApps.copy("inventory-java")
        defer { app.remove() }
        let groups = try await run(app).groups
        #expect(
            summary(groups) == [
                "crash GET /items/{id} 500 get_item_not_found", "wrong_success_status POST /items 200 create_item",
            ])
        try #require(groups.count == 2)
        let trace = try #require(groups.first?.trace)
        #expect(trace.language == .java)
        #expect(trace.exceptionType == "java.lang.NullPointerException")
        #expect(trace.topInAppFrame?.function == "Main$InventoryService.describe")
        #expect(groups[0].location?.file == "Main.java")
        #expect(groups[1].location?.line == 61)
    }

    // MARK: Correlation and grouping on logs written by hand

    func result(
        _ name: String, _ endpoint: String, target: String, status: Int, expected: Int, id: String = RequestID.make(),
        lines: Range<Int>? = nil
    ) -> ScenarioResult {
        let scenario = Scenario(index: 0, endpoint: Endpoint(endpoint)!, name: name, expectedStatus: [expected])
        let outcome = ScenarioVerdict.judge(scenario, status: status, body: [])
        return ScenarioResult(
            scenario: scenario, requestID: id, url: "http://127.0.0.1:9\(target)", requestBody: nil,
            actualStatus: status, passed: outcome.passed, failureKind: outcome.failureKind, error: outcome.error,
            bodyExcerpt: "", duration: .zero, startedAt: Date(), outputLines: lines)
    }

    func diagnose(_ results: [ScenarioResult], log: String) throws -> [ViolationGroup] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let logURL = try directory.write("app.log", log)
        return Diagnosis.groups(for: results, logURL: logURL, appDirectory: URL(fileURLWithPath: "/srv/app"))
    }

    @Test func withoutRequestIDsTheAccessLineAfterTheTraceDecides() throws {
        // Two requests in flight; their windows overlap, the access lines tell them apart.
        let first = result("a", "GET /items/{id}", target: "/items/1", status: 500, expected: 200, lines: 1..<12)
        let second = result("b", "POST /items", target: "/items", status: 500, expected: 201, lines: 1..<12)
        let groups = try diagnose(
            [first, second],
            log: """
                Traceback (most recent call last):
                  File "/srv/app/items.py", line 9, in create
                KeyError: 'title'
                INFO:     127.0.0.1:5000 - "POST /items HTTP/1.1" 500 Internal Server Error
                Traceback (most recent call last):
                  File "/srv/app/items.py", line 4, in show
                TypeError: 'NoneType' object is not subscriptable
                INFO:     127.0.0.1:5001 - "GET /items/1 HTTP/1.1" 500 Internal Server Error
                """)
        #expect(groups.count == 2)
        let byMethod = Dictionary(uniqueKeysWithValues: groups.map { ($0.method, $0.trace?.exceptionType) })
        #expect(byMethod["POST"] == "KeyError")
        #expect(byMethod["GET"] == "TypeError")
    }

    @Test func withoutIDsOrAccessLinesTheRequestWindowDecides() throws {
        let first = result("a", "GET /a", target: "/a", status: 500, expected: 200, lines: 1..<4)
        let second = result("b", "GET /b", target: "/b", status: 500, expected: 200, lines: 4..<7)
        let groups = try diagnose(
            [first, second],
            log: """
                ValueError: bad a
                  File "/srv/app/a.py", line 1, in a
                (end)
                TypeError: bad b
                    at b (/srv/app/b.js:2:3)
                (end)
                """)
        #expect(groups.first { $0.route == "/a" }?.trace?.message == "bad a")
        #expect(groups.first { $0.route == "/b" }?.trace?.message == "bad b")
    }

    @Test func twoDifferentCrashesOnOneEndpointAreTwoGroups() throws {
        let ids = (0..<3).map { _ in RequestID.make() }
        let results = [
            result("x1", "GET /items/{id}", target: "/items/1", status: 500, expected: 200, id: ids[0]),
            result("x2", "GET /items/{id}", target: "/items/2", status: 500, expected: 200, id: ids[1]),
            result("x3", "GET /items/{id}", target: "/items/3", status: 500, expected: 200, id: ids[2]),
        ]
        let groups = try diagnose(
            results,
            log: """
                ERROR request_id=\(ids[0])
                Traceback (most recent call last):
                  File "/srv/app/items.py", line 4, in show
                KeyError: 'price'
                ERROR request_id=\(ids[1])
                Traceback (most recent call last):
                  File "/srv/app/money.py", line 8, in ratio
                ZeroDivisionError: division by zero
                ERROR request_id=\(ids[2])
                Traceback (most recent call last):
                  File "/srv/app/items.py", line 4, in show
                KeyError: 'stock'
                """)
        try #require(groups.count == 2)
        #expect(groups.map(\.count) == [2, 1])
        #expect(groups[0].scenarioNames == ["x1", "x3"], "KeyError 'price' and 'stock' at the same place are one bug")
        #expect(groups[1].trace?.exceptionType == "ZeroDivisionError")
        #expect(groups[0].key.hasPrefix("GET /items/{id} 500 "))
        #expect(groups[0].key != groups[1].key)
    }

    @Test func messagesAreNormalisedLikeSentry() {
        #expect(MessageNormalizer.normalize("KeyError: 'product_name'") == "KeyError: <str>")
        #expect(
            MessageNormalizer.normalize("order 123 of 00000000-0000-4000-8000-000000000001 failed")
                == "order <num> of <uuid> failed")
        #expect(
            MessageNormalizer.normalize("mail ada@example.com at https://x.io/a?b=1 ptr 0x7ffee3a0 sha deadbeef42")
                == "mail <email> at <url> ptr <hex> sha <hex>")
        #expect(
            MessageNormalizer.normalize("index out of range [5] with length 3")
                == "index out of range [<num>] with length <num>")
        #expect(
            MessageNormalizer.normalize(#"Cannot invoke "Item.toJson()" because "<local2>" is null"#)
                == "Cannot invoke <str> because <str> is null")
        // Apostrophes stay; names of tables, columns and classes go; built-in types stay.
        #expect(
            MessageNormalizer.normalize("object int can't be used in 'await' expression")
                == "object int can't be used in <str> expression")
        #expect(
            MessageNormalizer.normalize("UNIQUE constraint failed: products.sku")
                == "UNIQUE constraint failed: <name>.<name>")
        #expect(
            MessageNormalizer.normalize("UNIQUE constraint failed: clinic_patient.email")
                == MessageNormalizer.normalize("UNIQUE constraint failed: attendees.email"))
        #expect(
            MessageNormalizer.normalize("'sku' is an invalid keyword argument for CartItem")
                == MessageNormalizer.normalize("'isbn' is an invalid keyword argument for BasketLine"))
        #expect(
            MessageNormalizer.normalize("'NoneType' object has no attribute 'returned_on'")
                == "'NoneType' object has no attribute <str>")
    }

    @Test func fingerprintIgnoresLineNumbersAndValues() {
        func trace(line: Int, message: String) -> StackTrace {
            StackTrace(
                language: .python, exceptionType: "KeyError", message: message,
                frames: [StackFrame(file: "app/x.py", line: line, function: "f")], startLine: 1, endLine: 3)
        }
        #expect(Fingerprint.of(trace(line: 3, message: "'a'")) == Fingerprint.of(trace(line: 9, message: "'b'")))
        var other = trace(line: 3, message: "'a'")
        other.frames[0].function = "g"
        #expect(Fingerprint.of(other) != Fingerprint.of(trace(line: 3, message: "'a'")))
    }

    @Test func triageKinds() {
        func kind(_ status: Int, _ expected: [Int], trace: Bool = false, answered: Bool = true) -> ViolationKind {
            var scenario = result("s", "POST /items", target: "/items", status: status, expected: expected[0])
            scenario.scenario.expectedStatus = expected
            return ViolationKind.of(scenario, hasTrace: trace, routeAnswered: answered)
        }
        #expect(kind(500, [201], trace: true) == .crash)
        #expect(kind(502, [201]) == .serverError)
        #expect(kind(404, [200], answered: false) == .routeMissing)
        #expect(kind(404, [200], answered: true) == .wrongStatus)
        #expect(kind(405, [201]) == .routeMissing)
        #expect(kind(201, [400, 422]) == .missingValidation)
        #expect(kind(200, [201]) == .wrongSuccessStatus)
        #expect(kind(422, [201]) == .wrongStatus)
        #expect(ViolationKind.crash < .routeMissing && .routeMissing < .bodyMismatch)
    }

    @Test func appThatDidNotStartIsOneGroupWithItsTrace() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        try app.write("shop/models.py", "from dataclasses import dataclas\n")
        let result = try await run(app)
        #expect(result.groups.count == 1)
        let group = try #require(result.groups.first)
        #expect(group.kind == .crash)
        #expect(group.count == 15)
        #expect(group.trace?.exceptionType == "ImportError")
        #expect(group.location?.file == "shop/models.py")
    }
}
