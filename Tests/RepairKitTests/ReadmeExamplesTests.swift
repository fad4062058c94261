import Foundation
import RepairKit
import RepairTestSupport
import Testing

/// The README's two transcripts — `smoke` on the example and `once` on a copy of it — are what
/// the commands print today, up to what differs from run to run (times, run ids, ports, the
/// folder the copy sits in, the confinement line that depends on the machine).
@Suite struct ReadmeExamplesTests {
    /// The fenced blocks of the README's "Run it on the example app" section, in order.
    func blocks() throws -> [String] {
        let readme = try String(contentsOf: FixtureApps.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(
            readme.components(separatedBy: "## Run it on the example app").dropFirst().first?
                .components(separatedBy: "\n### ").first)
        return section.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    /// What varies between runs, replaced by placeholders; machine-dependent lines dropped.
    func normalized(_ text: String, app: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.hasPrefix("▶ confinement") && !$0.hasPrefix("Confinement:") && !$0.isEmpty && $0 != "…" }
            .map { line in
                line.replacingOccurrences(of: app, with: "APP")
                    .replacing(/\d{8}-\d{6}-[0-9a-f]{8}/, with: "RUN")
                    .replacing(/127\.0\.0\.1:\d+/, with: "HOST")
                    .replacing(#/ +\d+\.\d ms/#, with: " T")
                    .replacing(/\s+$/, with: "")
            }
    }

    @Test func theSmokeTranscriptIsWhatSmokePrints() async throws {
        let shown = try blocks()
        #expect(shown.count >= 4 && shown[0].contains("repairctl smoke examples/shop-api"))
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let outcome = try await CommandRunner.run(CommandRunner.repairctl, ["smoke", app.url.path, "--color", "never"])
        #expect(outcome.status == 1)
        let printed = normalized(outcome.standardError + "\n" + outcome.standardOutput, app: app.url.path)
        let expected = normalized(shown[1], app: "examples/shop-api")
        #expect(printed == expected)
    }

    @Test func theOnceTranscriptIsWhatOncePrints() async throws {
        let shown = try blocks()
        #expect(shown.count >= 4 && shown[2].contains("repairctl once /tmp/my-shop"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.exampleAsShipped(in: directory.url, name: "my-shop")
        // As on a machine with no LLM set up: the README's run used none.
        var environment = ProcessInfo.processInfo.environment.filter { variable in
            !["REPAIR_", "OPENAI_", "ANTHROPIC_", "AZURE_OPENAI_", "OLLAMA_"].contains { variable.key.hasPrefix($0) }
        }
        environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("state").path
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.path, "--color", "never"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // The README stops after "Kept changes:"; the diff itself is the example's fix.
        let whole = outcome.standardError + "\n" + outcome.standardOutput
        let upToDiff = try #require(whole.components(separatedBy: "Kept changes:").first) + "Kept changes:"
        let printed = normalized(upToDiff, app: app.path)
        let expected = normalized(shown[3], app: "/tmp/my-shop")
        #expect(printed == expected)
    }
}
