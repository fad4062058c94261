import Foundation
import RepairKit
import RepairTestSupport
import Testing

/// What a person at a terminal expects of the commands: one error style, suggestions for a
/// mistyped subcommand, colour only where it belongs, and logs read from a pipe.
@Suite struct CommandLineHabitsTests {
    func sh(_ command: String, environment: [String: String]? = nil) async throws -> CommandRunner.Outcome {
        try await CommandRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment)
    }

    @Test func aMistypedSubcommandGetsWhatItMayHaveMeant() async throws {
        let smoke = try await CommandRunner.run(CommandRunner.repairctl, ["smok", "."])
        #expect(smoke.status == 2)
        #expect(
            smoke.standardError.hasPrefix("error: unknown subcommand 'smok'; did you mean 'smoke'?"),
            "\(smoke.standardError)")
        let list = try await CommandRunner.run(CommandRunner.repairctl, ["patterns", "lst"])
        #expect(list.status == 2)
        #expect(
            list.standardError.hasPrefix("error: unknown subcommand 'lst'; did you mean 'list'?"),
            "\(list.standardError)")
        let far = try await CommandRunner.run(CommandRunner.repairctl, ["xyzzy"])
        #expect(
            far.standardError.hasPrefix(
                "error: unknown subcommand 'xyzzy'; the subcommands of repairctl are smoke, once,"),
            "\(far.standardError)")
        // Every message that is an error reads the same way, from the parser or a command.
        let invalid = try await CommandRunner.run(CommandRunner.repairctl, ["status", "--limit", "0"])
        #expect(
            invalid.status == 2 && invalid.standardError.hasPrefix("error: --limit must be 1 to 1000"),
            "\(invalid.standardError)")
        let missing = try await CommandRunner.run(CommandRunner.repairctl, ["traces", "/nonexistent.log"])
        #expect(missing.standardError.hasPrefix("error: /nonexistent.log: not found"))
        for outcome in [smoke, list, far, invalid, missing] { #expect(!outcome.standardError.contains("Error:")) }
    }

    /// Colour on a real terminal (a pseudo-terminal from `script`), never with NO_COLOR or
    /// `--color never`, always with `--color always`, even into a pipe.
    @Test func colourFollowsTheTerminalNoColorAndTheFlag() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let plan = try app.write(
            "one.json", #"{"scenarios": [{"endpoint": "GET /health", "name": "health", "expected_status": 200}]}"#)
        let smoke = "'\(CommandRunner.repairctl.path)' smoke '\(app.url.path)' --plan '\(plan.path)'"
        var environment = ProcessInfo.processInfo.environment.filter { $0.key != "NO_COLOR" }
        environment["TERM"] = "xterm"
        // A colour (SGR) sequence; the progress line's erase sequence is not colour.
        func coloured(_ text: String) -> Bool { text.contains(/\x1B\[[0-9;]*m/) }
        let terminal = try await sh("script -qec \"\(smoke)\" /dev/null", environment: environment)
        #expect(terminal.status == 0 && coloured(terminal.standardOutput), "\(terminal.standardOutput)")
        environment["NO_COLOR"] = "1"
        let noColor = try await sh("script -qec \"\(smoke)\" /dev/null", environment: environment)
        #expect(noColor.status == 0 && !coloured(noColor.standardOutput), "\(noColor.standardOutput)")
        let forced = try await sh("\(smoke) --color always", environment: environment)
        #expect(coloured(forced.standardOutput))
        environment["NO_COLOR"] = nil
        let never = try await sh("script -qec \"\(smoke) --color never\" /dev/null", environment: environment)
        #expect(!coloured(never.standardOutput))
        let piped = try await sh(smoke, environment: environment)
        #expect(!coloured(piped.standardOutput))
        #expect(terminal.standardOutput.contains("1/1"), "the terminal saw the per-scenario progress line")
    }

    /// `traces -` reads the log from a pipe and finds what the file path finds.
    @Test func tracesReadsStandardInput() async throws {
        let file = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/logs/ruby-error-highlight.log")
            .path
        let fromFile = try await CommandRunner.run(CommandRunner.repairctl, ["traces", file, "--json"])
        let fromPipe = try await sh("cat '\(file)' | '\(CommandRunner.repairctl.path)' traces - --json")
        #expect(fromPipe.status == 0, "\(fromPipe.standardError)")
        func traces(_ text: String) throws -> [[String: Any]] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(object["traces"] as? [[String: Any]])
        }
        let expected = try traces(fromFile.standardOutput)
        let piped = try traces(fromPipe.standardOutput)
        #expect(!expected.isEmpty && piped.count == expected.count)
        #expect(piped.map { $0["exception_type"] as? String } == expected.map { $0["exception_type"] as? String })
        #expect(piped.map { $0["start_line"] as? Int } == expected.map { $0["start_line"] as? Int })
    }
}
