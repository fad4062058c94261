import Foundation
import Logging
import RepairTestSupport
import Testing

@testable import RepairKit

@Suite struct PatternLibraryTests {
    func cycle(
        _ app: TemporaryDirectory, llm: LLMService?, store: RepairDatabase, maxIterations: Int = 3, plan: URL? = nil
    ) throws -> HealCycle {
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, planFile: plan, overrides: ["repair.max_iterations=\(maxIterations)"],
            environment: [:])
        return HealCycle(
            appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
            store: store, logger: Logger(label: "test"))
    }

    func llm(_ server: TestLLMServer) throws -> LLMService {
        var config = RepairConfig.LLM()
        config.primary.provider = "ollama"
        config.primary.baseURL = server.baseURL + "/v1"
        config.primary.model = "m"
        return try LLMService(config: config, environment: [:], cache: nil)
    }

    @Test func theNextAppWithKnownBugsHealsWithNoLLMCall() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning.sqlite"))
        let first = try FixtureApps.copy("shop-api")
        defer { first.remove() }
        let answers = try ShopFixes.answersByFailure(in: first.url)
        let server = try await TestLLMServer.start(answers, in: directory)
        let learned = try await cycle(first, llm: try llm(server), store: store).run()
        await server.stop()
        #expect(learned.healed && learned.llmCalls == 5)

        // A second generated app with the same bugs, and no LLM at all.
        let second = try FixtureApps.copy("shop-api")
        defer { second.remove() }
        let report = try await cycle(second, llm: nil, store: store).run()
        #expect(report.healed, "\(report.iterations.flatMap(\.attempts).map { "\($0.outcome) \($0.group)" })")
        #expect(report.llmCalls == 0 && report.tokensIn == 0 && report.tokensOut == 0)
        let kept = report.iterations.flatMap(\.attempts).filter { $0.outcome == .kept }
        #expect(kept.count == 5)
        #expect(kept.allSatisfy { $0.source == "pattern" })
        let patterns = try await store.writer.read { try FixPattern.fetchAll($0) }
        #expect(patterns.count == 5)
        #expect(patterns.allSatisfy { $0.successes == 2 })
    }

    func group(_ route: String) -> ViolationGroup {
        ViolationGroup(
            key: "GET \(route) 404 route_missing", kind: .routeMissing, method: "GET", route: route, status: 404,
            fingerprint: "route_missing", violations: [], location: nil, routeDeclarations: [])
    }

    /// A fix proposed from a pattern credits that pattern, even when its diff abstracts to
    /// another template (a context line naming another entity); a person's retire is never
    /// undone by the counts.
    @Test func aPatternsOwnFixCreditsItAndAHandSetStatusStays() throws {
        let store = try RepairDatabase.inMemory()
        let library = PatternLibrary(store)
        let first =
            "--- a/app/routes.py\n+++ b/app/routes.py\n@@ -1,2 +1,3 @@\n router.get(\"/products\")\n+router.get(\"/products/{product_id}\")\n"
        try library.recordSuccess(
            diff: first, group: group("/products/{product_id}"), appDirectory: URL(fileURLWithPath: "/a"))
        let pattern = try #require(try store.patterns().first)
        // The same fix elsewhere, with a context line the template does not abstract.
        let second =
            "--- a/app/routes.py\n+++ b/app/routes.py\n@@ -1,2 +1,3 @@\n health_check()\n+router.get(\"/products/{product_id}\")\n"
        for app in ["/b", "/c", "/d"] {
            try library.recordSuccess(
                diff: second, group: group("/products/{product_id}"), appDirectory: URL(fileURLWithPath: app),
                pattern: pattern)
        }
        let credited = try store.patterns()
        #expect(credited.count == 1, "one pattern per fix, credited: \(credited.map(\.template))")
        #expect(credited.first?.successes == 4 && credited.first?.status == .promoted)

        #expect(try store.setStatus(.retired, ofPattern: try #require(pattern.id)))
        try library.recordSuccess(
            diff: second, group: group("/products/{product_id}"), appDirectory: URL(fileURLWithPath: "/e"),
            pattern: pattern)
        #expect(try store.patterns().first?.status == .retired, "the counts do not undo a person's retire")
        #expect(try store.patterns().first?.successes == 5)
    }

    /// An app that did not come up and printed no trace names no bug: the patch that stood when
    /// it came up again is not learned as its cure. A start-up crash with a trace still is.
    @Test func anAppThatOnlyCameUpAgainTeachesNothing() throws {
        let store = try RepairDatabase.inMemory()
        let library = PatternLibrary(store)
        let diff =
            "--- a/app/routes.py\n+++ b/app/routes.py\n@@ -1,2 +1,3 @@\n router.get(\"/products\")\n+router.get(\"/products/{product_id}\")\n"
        let unhealthy = ViolationGroup(
            key: "app unhealthy -", kind: .crash, method: "", route: "", status: nil, fingerprint: "unhealthy",
            violations: [], location: nil, routeDeclarations: [])
        try library.recordSuccess(diff: diff, group: unhealthy, appDirectory: URL(fileURLWithPath: "/a"))
        #expect(try store.patterns().isEmpty)
        try library.recordSuccess(
            diff: diff, group: group("/products/{product_id}"), appDirectory: URL(fileURLWithPath: "/a"))
        #expect(try store.patterns().count == 1)
    }

    /// A fix from a pattern that fails is counted against it, with the app; below 30% over at
    /// least 3 uses it is retired, and the export says where it failed.
    @Test func aPatternsFailuresRetireItAndNameTheApps() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("a.sqlite"))
        let library = PatternLibrary(store)
        let diff =
            "--- a/app/routes.py\n+++ b/app/routes.py\n@@ -1,2 +1,3 @@\n health_check()\n+router.get(\"/products/{product_id}\")\n"
        try library.recordSuccess(
            diff: diff, group: group("/products/{product_id}"), appDirectory: URL(fileURLWithPath: "/apps/a"))
        let pattern = try #require(try store.patterns().first)
        for (index, app) in ["/apps/b", "/apps/c", "/apps/d"].enumerated() {
            try library.recordFailure(
                diff: diff.replacingOccurrences(of: "products", with: "items\(index)"),
                group: group("/products/{product_id}"),
                outcome: "not_healed", evidence: "none of its scenarios passed", pattern: pattern,
                appDirectory: URL(fileURLWithPath: app))
            let stored = try #require(try store.patterns().first)
            #expect(stored.status == (index < 2 ? .candidate : .retired), "1 of \(index + 2)")
        }
        let stored = try #require(try store.patterns().first)
        #expect(
            (try? JSONDecoder().decode([String].self, from: Data(stored.appsFailed.utf8))) == [
                "/apps/b", "/apps/c", "/apps/d",
            ])
        let folder = directory.url.appendingPathComponent("patterns")
        try LibraryExport.exportPatterns(from: store, to: folder)
        let text = try String(
            contentsOf: folder.appendingPathComponent(LibraryExport.fileName(for: stored)), encoding: .utf8)
        #expect(text.contains("- status: retired\n"))
        #expect(text.contains("- apps-failed: b, c, d\n"))
        let fresh = try RepairDatabase.inMemory()
        try LibraryExport.importPatterns(into: fresh, from: folder)
        #expect(try fresh.patterns().first?.status == .retired)
        #expect(
            try fresh.patterns().first.map {
                (try? JSONDecoder().decode([String].self, from: Data($0.appsFailed.utf8))) ?? []
            } == ["b", "c", "d"])
    }

    @Test func aPatchThatFailedIsBuriedAndRefusedWhenProposedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RepairDatabase.inMemory()
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let plan = try app.write(
            "plan.json",
            """
            {"seed_data": [{"entity_name": "product", "uuid": "00000000-0000-4000-8000-000000000001", "fields": {"name": "Beans", "price": 2, "stock": 1}, "depends_on": []}],
             "scenarios": [{"endpoint": "POST /products", "name": "create_product", "payload": {"name": "Oat Milk", "price": 2.4}, "expected_status": 201},
                           {"endpoint": "GET /products", "name": "list_products", "expected_status": 200}]}
            """)
        let breaking = ShopFixes.breakingListing
        let server = try await TestLLMServer.start([["content": breaking]], in: directory)
        let first = try await cycle(app, llm: try llm(server), store: store, maxIterations: 1, plan: plan).run()
        #expect(first.iterations.flatMap(\.attempts).contains { $0.outcome == .regressed })
        let lessons = try await store.writer.read { try Lesson.fetchAll($0) }
        #expect(lessons.count == 1)
        #expect(lessons.first?.outcome == "regressed")
        #expect(lessons.first?.evidence.contains("list_products") == true)

        let before = try Data(contentsOf: app.url.appendingPathComponent("shop/services.py"))
        let second = try await cycle(app, llm: try llm(server), store: store, maxIterations: 1, plan: plan).run()
        await server.stop()
        let attempt = try #require(second.iterations.first?.attempts.first)
        #expect(attempt.outcome == .graveyard)
        #expect(
            try Data(contentsOf: app.url.appendingPathComponent("shop/services.py")) == before, "nothing was applied")
        // The lesson went into the second prompt as a thing not to repeat.
        #expect(server.requests().last?.body.contains("do not repeat them") == true)
    }

    @Test func entityNamesBecomeHolesAndBack() throws {
        let products = RouteEntities(route: "/products/{product_id}")
        let customers = RouteEntities(route: "/customers")
        let diff = "-    product = Product(name=payload[\"product_name\"])  # PRODUCTS products\n"
        let template = products.abstract(diff)
        #expect(
            template == "-    {{entity}} = {{Entity}}(name=payload[\"{{entity}}_name\"])  # {{ENTITIES}} {{entities}}\n"
        )
        #expect(
            customers.fill(template)
                == "-    customer = Customer(name=payload[\"customer_name\"])  # CUSTOMERS customers\n")
        #expect(EntityNames(route: "/categories/{id}")?.singular == "category")
    }

    @Test func everyEntityOfANestedRouteInEverySpelling() throws {
        let authorsBooks = RouteEntities(route: "/authors/{author_id}/books")
        #expect(authorsBooks.entities.map(\.singular) == ["author", "book"])
        let line =
            "@router.get(\"/{author_id}/books\", response_model=list[BookOut])\ndef list_author_books(author_id: str):\n"
        let template = authorsBooks.abstract(line)
        #expect(
            template
                == "@router.get(\"/{{{parent}}_id}/{{entities}}\", response_model=list[{{Entity}}Out])\ndef list_{{parent}}_{{entities}}({{parent}}_id: str):\n"
        )
        let peopleAddresses = RouteEntities(route: "/people/{person_id}/mailing-addresses")
        #expect(peopleAddresses.entities.map(\.plural) == ["people", "mailing_addresses"])
        #expect(
            peopleAddresses.fill(template)
                == "@router.get(\"/{person_id}/mailing_addresses\", response_model=list[MailingAddressOut])\ndef list_person_mailing_addresses(person_id: str):\n"
        )
        // Camel and kebab spellings of names of several words, both ways.
        let orderItems = RouteEntities(route: "/order-items/{id}")
        #expect(
            orderItems.abstract("orderItems.find(orderItemId) /order-items OrderItem")
                == "{{entities:camel}}.find({{entity:camel}}Id) /{{entities:kebab}} {{Entity}}")
        #expect(
            RouteEntities(route: "/line-entries/{id}").fill("{{entities:camel}} {{entity:kebab}}")
                == "lineEntries line-entry")
        // An action is not an entity; a name inside another word is left alone.
        #expect(RouteEntities(route: "/loans/{loan_id}/return").entities.map(\.singular) == ["loan"])
        #expect(RouteEntities(route: "/stats").abstract("status = stats.status") == "status = {{entities}}.status")
        #expect(
            RouteEntities(route: "/members/{id}").abstract("memberships member_id findMember")
                == "memberships {{entity}}_id find{{Entity}}")
        // A template with a parent cannot be filled for a route without one.
        #expect(RouteEntities(route: "/books/{id}").fill("{{parent}}.{{entity}}") == nil)
    }

    @Test func irregularPluralsBothWays() {
        for (singular, plural) in [
            ("person", "people"), ("category", "categories"), ("status", "statuses"), ("box", "boxes"),
            ("shelf", "shelves"),
            ("child", "children"), ("series", "series"), ("day", "days"), ("address", "addresses"),
            ("order_item", "order_items"), ("canvas", "canvases"), ("purchase", "purchases"), ("house", "houses"),
            ("campus", "campuses"), ("case", "cases"), ("lease", "leases"),
        ] {
            #expect(Inflection.plural(singular) == plural)
            #expect(Inflection.singular(plural) == singular)
        }
    }

    @Test func signaturesAreTheSameAcrossEntitiesAndKeepActions() {
        func message(_ route: String, _ text: String) -> String {
            Signature.message(text, entities: RouteEntities(route: route))
        }
        #expect(
            message("/members", "UNIQUE constraint failed: members.email")
                == message("/clients", "UNIQUE constraint failed: clients.mail"))
        #expect(
            message("/members/{id}", "type object 'Member' has no attribute 'full_name'")
                == message("/clients/{id}", "type object 'Client' has no attribute 'name_full'"))
        #expect(
            message("/carts/{id}/items", "unexpected keyword argument for CartItem")
                == message("/baskets/{id}/lines", "unexpected keyword argument for BasketLine"))
        #expect(message("/members", "no Member here") == message("/clients", "no Client here"))
        func shape(_ route: String) -> String { Signature.shape(of: route, entities: RouteEntities(route: route)) }
        #expect(shape("/loans/{id}/return") == "/{collection}/{id}/return")
        #expect(shape("/authors/{id}/books") == "/{collection}/{id}/{collection}")
    }

    @Test func signaturesReadTheirExceptionTypeBack() {
        #expect(Signature.exceptionType(of: "POST /{collection} 500 KeyError: <str>") == "KeyError")
        #expect(Signature.exceptionType(of: "GET /{collection}/{id} 404 route_missing") == "route_missing")
    }

    @Test func samePatchHashesTheSameWhereverItLands() {
        let here = "--- a/x.py\n+++ b/x.py\n@@ -10,3 +10,3 @@\n ctx\n-a = 1\n+a = 2\n"
        let there = "--- a/x.py\n+++ b/x.py\n@@ -50,4 +50,4 @@\n other context\n-    a = 1\n+    a = 2\n more\n"
        #expect(PatternLibrary.patchHash(here) == PatternLibrary.patchHash(there))
        #expect(
            PatternLibrary.patchHash(here)
                != PatternLibrary.patchHash(here.replacingOccurrences(of: "a = 2", with: "a = 3")))
    }
}

@Suite struct GeneralisedPatternTests {
    @Test func aFixLearnedOnOneEntityHealsAnother() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let generated = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", FixtureApps.repositoryRoot.appendingPathComponent("scripts/generate-apps").path,
                directory.url.path, "2",
            ])
        #expect(generated.status == 0, "\(generated.standardError)")
        let products = directory.url.appendingPathComponent("app-01-products")
        let books = directory.url.appendingPathComponent("app-02-books")
        let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning.sqlite"))
        let answers = try ShopFixes.answersByFailure(in: products)
        let server = try await TestLLMServer.start(answers, in: directory)
        var llm = RepairConfig.LLM()
        llm.primary.provider = "ollama"
        llm.primary.baseURL = server.baseURL + "/v1"
        llm.primary.model = "m"
        func cycle(_ app: URL, llm: LLMService?) throws -> HealCycle {
            let inputs = try SmokeInputs.load(appDirectory: app, environment: [:])
            return HealCycle(
                appDirectory: app, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
                store: store, logger: Logger(label: "test"))
        }
        let first = try await cycle(products, llm: try LLMService(config: llm, environment: [:], cache: nil)).run()
        await server.stop()
        #expect(first.healed && first.llmCalls == 5)

        let second = try await cycle(books, llm: nil).run()
        // On failure: what each cycle tried, and the signatures the first one learned under.
        func attempts(_ report: HealReport) -> String {
            report.iterations.flatMap(\.attempts).map { "\($0.outcome) \($0.group): \($0.detail)" }
                .joined(separator: "\n")
        }
        let learned = try await store.writer.read { db in
            try FixPattern.fetchAll(db).map {
                "\($0.signatureKey) \($0.signature) [\($0.entity ?? "-")]\n\($0.template)"
            }
        }
        #expect(
            second.healed,
            "second:\n\(attempts(second))\nfirst:\n\(attempts(first))\nlearned:\n\(learned.joined(separator: "\n"))")
        #expect(second.llmCalls == 0)
        let services = try String(contentsOf: books.appendingPathComponent("shop/services.py"), encoding: .utf8)
        #expect(services.contains("name=payload[\"name\"],"))
        #expect(services.contains("raise NotFound(f\"book {book_id} not found\")"))
        let routes = try String(contentsOf: books.appendingPathComponent("shop/routes.py"), encoding: .utf8)
        #expect(routes.contains("router.add(\"GET\", \"/readers/{reader_id}\", get_reader)"))
    }
}

@Suite struct ShippedLibraryTests {
    /// The repository's own patterns/ and graveyard/, built into repairctl, heal the bundled
    /// example with no LLM wherever it is copied, as the README promises a new user; if the
    /// example changes, scripts/learn-corpus renews them. The result file says how it ended.
    @Test func shippedPatternsHealTheExampleCopiedAnywhereWithNoLLM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let elsewhere = directory.url.appendingPathComponent("a/b/c")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let target = try FixtureApps.exampleAsShipped(in: elsewhere, name: "shop1")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("state").path
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", target.path, "--json"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(report["healed"] as? Bool == true)
        #expect(report["llm_calls"] as? Int == 0)
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: JobResult.file(in: target))) as? [String: Any])
        #expect(result["state"] as? String == "healed" && result["by"] as? String == "repairctl once")
        #expect(result["run_id"] as? String == report["run_id"] as? String && result["job_id"] is NSNull)
        #expect(result["groups_left"] as? [String] == [] && result["final_pass_rate"] as? Double == 1)
    }

    /// What the binary carries is the repository's library as it is now, file for file.
    @Test func theBuiltInLibraryIsTheRepositorysOwn() throws {
        let folder = FixtureApps.repositoryRoot.appendingPathComponent("patterns")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        #expect(ShippedLibrary.patternFiles.map(\.name) == names)
        for file in ShippedLibrary.patternFiles {
            #expect(file.text == (try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)))
        }
        let graveyard = FixtureApps.repositoryRoot.appendingPathComponent("graveyard/GRAVEYARD.md")
        #expect(ShippedLibrary.graveyard == (try String(contentsOf: graveyard, encoding: .utf8)))
        // Imported twice, it is read once and doubles nothing.
        let database = try RepairDatabase.inMemory()
        let first = try ShippedLibrary.importInto(database)
        let second = try ShippedLibrary.importInto(database)
        #expect(first.patterns == names.count && first == second)
        #expect(try database.patterns().count == names.count)
        #expect(try database.lessons().count == first.lessons)
    }

    /// A folder that cannot be written or read is a message naming it and saying what was being
    /// done, before the app is started: no raw Foundation error, no run folder.
    @Test func unusablePathsAreRefusedByNameBeforeAnythingStarts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = try FixtureApps.exampleAsShipped(in: directory.url)
        let aFile = directory.url.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: aFile)
        let store = directory.url.appendingPathComponent("store.sqlite").path
        func once(_ arguments: [String]) async throws -> CommandRunner.Outcome {
            try await CommandRunner.run(CommandRunner.repairctl, ["once", target.path] + arguments)
        }
        let reports = try await once(["--store", store, "--report-dir", aFile.path + "/reports"])
        #expect(reports.status == 2)
        #expect(
            reports.standardError.contains(
                "--report-dir \(aFile.path)/reports: cannot write reports there: not a directory"),
            "\(reports.standardError)")
        let badStore = try await once(["--store", aFile.path + "/store.sqlite"])
        #expect(badStore.status == 2)
        #expect(
            badStore.standardError.contains("\(aFile.path)/store.sqlite: the learning store cannot be opened: "),
            "\(badStore.standardError)")
        let config = target.appendingPathComponent("repair.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "shipped = true", with: "patterns = \"../../patterns\"").utf8).write(
            to: config)
        let folder = try await once(["--store", store])
        #expect(folder.status == 2)
        #expect(
            folder.standardError.contains("\(config.path): [learning] patterns = \"../../patterns\": "),
            "\(folder.standardError)")
        #expect(folder.standardError.contains("set [learning] shipped = true"))
        for outcome in [reports, badStore, folder] {
            #expect(!outcome.standardError.contains("NSCocoaErrorDomain") && !outcome.standardError.contains("Code="))
        }
        let runs = target.appendingPathComponent(".repair/runs")
        #expect(!FileManager.default.fileExists(atPath: runs.path), "nothing was started")
    }
}

/// A learned fix written for another app: other entities named in it, other surroundings,
/// another file.
@Suite struct LearnedFixPlacementTests {
    @Test func otherEntitiesOfTheAppAreHolesFilledByTheOneWayThatPlaces() {
        let vocabulary = RouteEntities.vocabulary(of: [
            "/authors", "/books/{id}", "/members/{id}/loans", "/loans/{loan_id}/return",
        ])
        #expect(vocabulary.map(\.singular) == ["author", "book", "member", "loan"])
        let loans = RouteEntities(route: "/loans", vocabulary: vocabulary)
        let template = loans.abstract("-    .where(Loan.member == member_id, Loan.book == book_id)\n")
        #expect(
            template == "-    .where({{Entity}}.{{other}} == {{other}}_id, {{Entity}}.{{other2}} == {{other2}}_id)\n")
        #expect(loans.fill(template) == nil, "others need the app's vocabulary: fillings, not fill")
        let renamed = RouteEntities.vocabulary(of: ["/writers", "/novels/{id}", "/readers/{id}/borrowings"])
        let fillings = RouteEntities(route: "/borrowings", vocabulary: renamed).fillings(template)
        #expect(fillings.count == 6, "two holes, three other entities: every ordered pair")
        #expect(fillings.contains("-    .where(Borrowing.reader == reader_id, Borrowing.novel == novel_id)\n"))
        // An app with too few other entities cannot fill it.
        #expect(
            RouteEntities(route: "/borrowings", vocabulary: [EntityNames(word: "borrowing")!]).fillings(template)
                .isEmpty)
    }

    func proposer(_ app: TemporaryDirectory) -> (FixProposer, PatchGuard) {
        let config = RepairConfig(app: RepairConfig.App(start: "true"))
        let proposer = FixProposer(
            appDirectory: app.url, config: config, llm: nil, redactor: SecretRedactor(secrets: []),
            promptTokenLimit: 4000,
            logger: Logger(label: "test"))
        return (proposer, PatchGuard(appDirectory: app.url, config: config))
    }

    /// Learned in a service module with plain functions; met inlined in a router, one level
    /// deeper, under an async definition: it lands there, indented as the file is.
    @Test func aLearnedFixLandsWhereItsLinesAreNow() throws {
        let app = try TemporaryDirectory()
        defer { app.remove() }
        _ = try app.write("app/services/members.py", "def unrelated():\n    return 1\n")
        let router = try app.write(
            "app/routers/members.py",
            """
            class Routes:
                async def to_out(self, member):
                    total = 0
                    return MemberOut(name=member.full_name)

                async def other(self):
                    return None

            """)
        let learned = """
            --- a/app/services/members.py
            +++ b/app/services/members.py
            @@ -1,4 +1,4 @@
             def to_out(member):
            -    return MemberOut(name=member.full_name)
            +    return MemberOut(name=member.name)
             

            """
        let (proposer, guardian) = proposer(app)
        let placed = try #require(proposer.placeOrRelocate(try PatchParser.parse(learned), guard: guardian))
        #expect(placed.patch.paths == ["app/routers/members.py"])
        let text = try #require(placed.placed.contents.first?.text)
        #expect(text.contains("\n        return MemberOut(name=member.name)\n"), "\(text)")
        #expect(
            text.contains("    async def to_out(self, member):\n        total = 0\n"),
            "context lines stay the file's own")
        #expect(try String(contentsOf: router, encoding: .utf8).contains("full_name"), "placed in memory only")
    }

    /// Lines that stand in two places are not a place: nothing is guessed.
    @Test func aLearnedFixWhoseLinesStandTwiceIsNotPlaced() throws {
        let app = try TemporaryDirectory()
        defer { app.remove() }
        _ = try app.write("a.py", "def f():\n    x = 1\n\ndef g():\n    x = 1\n")
        let learned = "--- a/b.py\n+++ b/b.py\n@@ -1,2 +1,2 @@\n def h():\n-    x = 1\n+    x = 2\n"
        let (proposer, guardian) = proposer(app)
        #expect(proposer.placeOrRelocate(try PatchParser.parse(learned), guard: guardian) == nil)
    }
}
