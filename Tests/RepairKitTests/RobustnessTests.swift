import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

/// Robustness checks derived from a plan (`[smoke] robustness`), and what they find on the
/// framework fixtures served by their real servers.
@Suite(.serialized) struct RobustnessTests {
    /// The derivation is a pure function of the plan: the same checks at the same positions,
    /// after the plan's own scenarios, values that may be unique made new per check.
    @Test func checksAreDerivedFromThePlansOwnScenarios() throws {
        let plan = try SmokePlan.parse(
            Data(
                """
                {"scenarios": [
                  {"endpoint": "POST /venues", "name": "create_venue", "expected_status": 201,
                   "payload": {"name": "Harbour Stage", "email": "box@example.com", "capacity": 120, "kind": "hall"}},
                  {"endpoint": "GET /venues/{id}", "name": "get_venue", "path_params": {"id": "v-1"}, "expected_status": 200},
                  {"endpoint": "DELETE /venues/{venue_id}", "name": "delete_venue", "path_params": {"venue_id": "v-2"},
                   "expected_status": 204},
                  {"endpoint": "POST /venues", "name": "create_venue_bad", "expected_status": 422, "payload": {"capacity": 0}}
                ]}
                """.utf8), file: "plan.json")
        let derived = RobustnessChecks.adding(to: plan)
        #expect(derived == RobustnessChecks.adding(to: plan))
        #expect(derived.scenarios.prefix(4).map(\.name) == plan.scenarios.map(\.name))
        #expect(derived.scenarios[0].softCapture == ["__created_0": "id"], "the create's id is read back")
        let checks = derived.scenarios.dropFirst(4)
        #expect(
            checks.map(\.name) == [
                "robust_non_object_body", "robust_invalid_utf8", "robust_integer_overflow", "robust_missing_capacity",
                "robust_missing_email", "robust_missing_kind", "robust_duplicate", "robust_read_after_create",
                "robust_gone_after_delete",
            ])
        #expect(checks.map(\.index) == Array(4..<13))
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0.name, $0) })
        #expect(byName["robust_non_object_body"]?.payload == .array([]))
        let utf8 = try #require(byName["robust_invalid_utf8"]?.rawBody)
        #expect(String(validating: utf8, as: UTF8.self) == nil, "the body is not UTF-8")
        let overflow = String(decoding: try #require(byName["robust_integer_overflow"]?.rawBody), as: UTF8.self)
        #expect(overflow.contains("\"capacity\":123456789012345678901234567890"))
        #expect(
            overflow.contains("\"email\":\"box+r6@example.com\"") && overflow.contains("\"name\":\"Harbour Stage r6\""),
            "the check at position 6 has values of its own: \(overflow)")
        let lacking = try #require(byName["robust_missing_capacity"]?.payload?.objectValue)
        #expect(lacking["capacity"] == nil)
        #expect(lacking["kind"] == .string("hall"), "a word is an enum value, kept")
        #expect(lacking["name"]?.stringValue?.hasPrefix("Harbour Stage r") == true)
        #expect(lacking["email"]?.stringValue?.hasPrefix("box+r") == true)
        #expect(byName["robust_duplicate"]?.payload == plan.scenarios[0].payload, "a duplicate repeats the create")
        #expect(byName["robust_duplicate"]?.requiresSteps == [0])
        let read = try #require(byName["robust_read_after_create"])
        #expect(read.endpoint == Endpoint("GET /venues/{id}"))
        #expect(read.pathParams == ["id": .string("${__created_0}")])
        #expect(read.expectedStatus == [200])
        let gone = try #require(byName["robust_gone_after_delete"])
        #expect(gone.endpoint == Endpoint("GET /venues/{id}"))
        #expect(gone.pathParams == ["id": .string("v-2")])
        #expect(gone.expectedStatus == [404, 410] && gone.requiresSteps == [2])
        #expect(
            byName["robust_missing_email"]?.accepts(201) == true
                && byName["robust_missing_email"]?.accepts(503) == false)
        #expect(byName["robust_missing_email"]?.expectation == "no 5xx")
    }

    struct Planted: Sendable, CustomStringConvertible {
        var app: String
        var kind: ViolationKind
        var endpoint: String
        /// A piece of the trace's message, or the status when the check is about state.
        var evidence: String
        var overrides: [String] = []

        var description: String { "\(app): \(kind.rawValue) \(endpoint)" }
    }

    /// One planted or real bug per check, each found as its own group on its real server.
    static let planted: [Planted] = [
        Planted(
            app: "projects-flask", kind: .nonObjectBody, endpoint: "POST /tasks/{task_id}/comments",
            evidence: "'list' object has no attribute 'get'"),
        Planted(
            app: "clinic-django", kind: .invalidUTF8, endpoint: "POST /patients", evidence: "can't decode byte 0xff"),
        Planted(
            app: "library-fastapi", kind: .integerOverflow, endpoint: "PATCH /books/{book_id}",
            evidence: "Python int too large to convert to SQLite INTEGER"),
        Planted(app: "events-express", kind: .missingField, endpoint: "POST /venues", evidence: "reading 'trim'"),
        Planted(
            app: "events-express", kind: .duplicateUnique, endpoint: "POST /venues",
            evidence: "UNIQUE constraint failed: venues.name"),
        Planted(
            app: "shop-fastapi", kind: .notReadableAfterCreate, endpoint: "GET /customers/{customer_id}",
            evidence: "404"),
        Planted(app: "projects-flask", kind: .readableAfterDelete, endpoint: "GET /tasks/{task_id}", evidence: "200"),
        // The spec the app was generated from says a list; the handler answers an envelope.
        Planted(
            app: "shop-fastapi", kind: .schemaMismatch, endpoint: "GET /customers",
            evidence: "$: expected an array, found an object", overrides: ["smoke.spec=openapi.json"]),
    ]

    @Test(arguments: planted) func aCheckFindsItsBugOnTheRealServer(_ bug: Planted) async throws {
        let app = try FixtureApps.copy(bug.app)
        defer { app.remove() }
        let run = try await FixtureApps.smokePass(
            app.url, overrides: ["smoke.robustness=true"] + bug.overrides,
            appEnvironment: ["SHOP_ADMIN_PASSWORD": "robust-password-01"])
        let ownSteps = try SmokePlan.load(from: app.url.appendingPathComponent("smoke_test_plan.json")).steps.count
        let group = try #require(
            run.groups.first { $0.kind == bug.kind && "\($0.method) \($0.route)" == bug.endpoint },
            "groups: \(run.groups.map(\.displayName))")
        let evidence =
            ([group.trace?.message ?? "", group.status.map(String.init) ?? ""]
            + group.violations.map { $0.result.error ?? "" }).joined(separator: " ")
        #expect(evidence.contains(bug.evidence), "\(evidence)")
        if bug.kind != .schemaMismatch {
            #expect(group.violations.allSatisfy { $0.result.scenario.check?.violationKind == bug.kind })
        }
        // What the check sent and why it failed is what the repair prompt shows.
        let prompt = RepairPrompt.build(
            for: group, appDirectory: app.url, redactor: SecretRedactor(), lessons: [], tokenLimit: 6000
        ).user
        #expect(prompt.contains("Failure: \(bug.kind.rawValue) on \(bug.endpoint)"))
        #expect(prompt.contains(group.violations[0].result.scenario.description))
        // The plan's own scenarios fare as they do without the checks.
        let own = run.results.filter { $0.scenario.check == nil }
        #expect(own.count == ownSteps)
    }
}

/// A 404 from a route the app declares is the app's own answer — an id it does not hold — and
/// is reported as such, on the real server, not as a missing route.
@Suite(.serialized) struct DeclaredRouteTests {
    @Test func aDeclaredRouteAnsweringNotFoundIsNotAMissingRoute() async throws {
        let app = try FixtureApps.copy("library-fastapi")
        defer { app.remove() }
        try Data(
            #"""
            {"scenarios": [
              {"endpoint": "GET /books/{book_id}", "name": "get_unseeded_book", "expected_status": 200,
               "path_params": {"book_id": "12345678-1234-4234-8234-123456789012"}},
              {"endpoint": "GET /publishers/{publisher_id}", "name": "get_publisher", "expected_status": 200,
               "path_params": {"publisher_id": "12345678-1234-4234-8234-123456789012"}}
            ]}
            """#.utf8
        ).write(to: app.url.appendingPathComponent("smoke_test_plan.json"))
        let run = try await FixtureApps.smokePass(app.url)
        let book = try #require(run.groups.first { $0.route == "/books/{book_id}" })
        #expect(book.kind == .wrongStatus, "\(book.displayName)")
        #expect(book.location?.file == "app/routers/books.py")
        #expect(book.location?.note.contains("the route is declared") == true)
        let publisher = try #require(run.groups.first { $0.route == "/publishers/{publisher_id}" })
        #expect(publisher.kind == .routeMissing, "nothing declares /publishers")
    }
}
