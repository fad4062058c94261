import ArgumentParser
import CommandLineSupport
import Logging
import RepairKit

/// `repairctl`: run a heal step from a terminal or CI.
@main
struct RepairCtl: AsyncParsableCommand {
    static func main() async { await mainExitingTwoOnUsageErrors() }

    static let configuration = CommandConfiguration(
        commandName: "repairctl",
        abstract: "Start a generated web API app, drive its smoke plan, and report what fails.",
        discussion: """
            Exit codes: 0 everything passed, 1 scenarios failed or the app did not come up,
            2 bad input or configuration (nothing is started or written).
            """,
        version: RepairVersion.current,
        subcommands: [
            Smoke.self, Once.self, Enqueue.self, Status.self, Runs.self, Patterns.self, Graveyard.self, Traces.self,
            Plan.self, LLMCommand.self,
        ]
    )
}
