import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// The reports a person reads after a heal: before → after per group, where each fix came
/// from, answers that held no edit, coloured diffs; and both pages as a browser draws them.
@Suite struct ReadableReportTests {
    /// One group healed by the scripted LLM, the others answered in prose: the report says which
    /// is which, shows the prose answer, and keeps a deferred fix apart from failures.
    @Test func theReportOpensWithBeforeAndAfterPerGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let prose =
            "I looked at the handler but the prompt does not show why the route is missing, so I will not guess."
        let steps: [[String: Any]] = [
            [
                "match": "KeyError", "requires": ["product_name"],
                "content": ShopFixes.searchReplace(ShopFixes.keyError),
            ],
            ["default": true, "content": prose],
        ]
        let (app, server, cycle) = try await HealCycleTests().app(steps, directory: directory, maxIterations: 1)
        defer { app.remove() }
        let report = try await cycle.run()
        await server.stop()

        let keyError = try #require(report.groups.first { $0.endpoint == "POST /products" })
        #expect(keyError.healed && keyError.fixSource == "llm" && keyError.attempts == ["kept"])
        #expect(keyError.failure == "expected 201, got 500")
        #expect(keyError.trace == "KeyError: 'product_name' at shop/services.py:25 in create_product")
        #expect(keyError.tiedBy == "by its request id")
        #expect(keyError.keptDiff.contains("+        name=payload[\"name\"],"))
        let route = try #require(report.groups.first { $0.kind == "route_missing" })
        #expect(!route.healed && route.attempts.contains("no_edit") && route.answerWithoutEdit == prose)

        let text = HealSummary.text(report, llmConfigured: true, color: false)
        #expect(text.contains("Before → after, per group:\n"))
        #expect(text.contains("✔ POST /products — crash\n    before: expected 201, got 500"))
        #expect(
            text.contains(
                "    trace: KeyError: 'product_name' at shop/services.py:25 in create_product (tied by its request id)")
        )
        #expect(text.contains("    after: healed by the LLM (kept)"))
        #expect(text.contains("✘ GET /customers/{customer_id} — route_missing"))
        #expect(text.contains("the LLM answered without an edit: \"I looked at the handler"))
        #expect(!text.contains("\u{1B}["), "no colour unless asked")
        let coloured = HealSummary.text(report, llmConfigured: true, color: true)
        #expect(coloured.contains("\u{1B}[32m+        name=payload[\"name\"],\u{1B}[0m"), "added lines are green")

        let html = HealHTMLReport.html(for: report, finalRun: nil)
        #expect(html.contains("<h2 id=\"before-after\">Before → after</h2>"))
        let anchor = try #require(report.groups.firstIndex { $0.endpoint == "POST /products" }).advanced(by: 1)
        #expect(html.contains("<a href=\"#group-\(anchor)\">POST /products</a>"), "a row links to its story")
        #expect(html.contains("<section id=\"group-\(anchor)\" class=\"group\">"))
        #expect(html.contains("<span class=\"add\">+        name=payload[&quot;name&quot;],</span>"))
        #expect(html.contains("<blockquote><pre>I looked at the handler"))
    }

    /// The heal page and the smoke page as headless Chromium draws them: every section is in
    /// the rendered document, and the screenshot is a picture of a page, not a blank one.
    @Test func bothPagesRenderInABrowser() async throws {
        let browser = try #require(
            ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"].lazy.compactMap(Self.which)
                .first,
            "no headless Chromium: scripts/setup installs chromium-headless-shell")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.exampleAsShipped(in: directory.url)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("state").path
        let smokeReports = directory.url.appendingPathComponent("smoke-report")
        let smoke = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.path, "--report-dir", smokeReports.path], environment: environment)
        #expect(smoke.status == 1, "the example has bugs: \(smoke.standardError)")
        let healReports = directory.url.appendingPathComponent("heal-report")
        let once = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.path, "--report-dir", healReports.path, "--json"],
            environment: environment)
        #expect(once.status == 0, "\(once.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(once.standardOutput.utf8)) as? [String: Any])
        let groups = try #require(report["groups"] as? [[String: Any]])
        #expect(!groups.isEmpty && groups.allSatisfy { $0["healed"] as? Bool == true })
        #expect(groups.contains { $0["fix_source"] as? String == "pattern" }, "healed from the shipped library")

        let pages: [(URL, [String])] = [
            (
                healReports.appendingPathComponent("report.html"),
                [
                    "id=\"before-after\"", "id=\"groups\"", "id=\"group-1\"", "id=\"iteration-1\"", "id=\"final-run\"",
                    "healed by a learned pattern", "class=\"add\"",
                ]
            ),
            (
                smokeReports.appendingPathComponent("report.html"),
                ["Violation groups, worst first", "Failures", "Reproduce:"]
            ),
        ]
        for (page, sections) in pages {
            let dom = try await CommandRunner.run(
                URL(fileURLWithPath: browser), Self.flags + ["--dump-dom", page.absoluteString])
            #expect(dom.status == 0, "\(dom.standardError)")
            for section in sections {
                #expect(dom.standardOutput.contains(section), "\(page.lastPathComponent): \(section)")
            }
            let picture = directory.url.appendingPathComponent(
                "\(page.deletingLastPathComponent().lastPathComponent).png")
            let shot = try await CommandRunner.run(
                URL(fileURLWithPath: browser),
                Self.flags + ["--window-size=1200,2000", "--screenshot=\(picture.path)", page.absoluteString])
            #expect(shot.status == 0, "\(shot.standardError)")
            let png = try Data(contentsOf: picture)
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG")
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) },
                height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1200 && height == 2000)
            // A blank page of this size compresses to a few kilobytes; text and tables do not.
            #expect(png.count > 40_000, "\(page.lastPathComponent) drew \(png.count) bytes")
        }
    }

    static let flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--allow-file-access-from-files",
    ]

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
