import ArgumentParser
import Foundation
import RepairKit

/// `repairctl runs list|show`: read runs back from the learning store.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List heal runs recorded in the learning store, or show one whole.",
        subcommands: [List.self, Show.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(
            help:
                "The learning store (default: REPAIR_STORE, the --app-dir app's [learning] store, or $XDG_STATE_HOME/repaird/learning.sqlite)."
        )
        var store: String?

        @Option(
            name: .customLong("app-dir"),
            help: "An app directory: use the store its repair.toml names in [learning] store.")
        var storeAppDirectory: String?

        /// Where the store is: the flag, `REPAIR_STORE`, the app's `[learning] store`, the default.
        func location() throws -> String {
            guard let storeAppDirectory else { return RepairDatabase.locationText(flag: store, config: nil) }
            do {
                let config = try RepairConfig.load(appDirectory: URL(fileURLWithPath: storeAppDirectory))
                return RepairDatabase.locationText(flag: store, config: config.learning)
            } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
        }

        /// Where the store is, for messages.
        var path: String { (try? location()) ?? RepairDatabase.locationText(flag: store, config: nil) }

        /// Opens the store; an import may create it, a review needs it to exist.
        func open(creating: Bool = false) throws -> RepairDatabase {
            let location = try location()
            guard creating || PostgresEndpoint.isURL(location) || FileManager.default.fileExists(atPath: location)
            else {
                Terminal.error("\(location): no learning store yet (it is written by repairctl once)")
                throw ExitCodes.badInput
            }
            return try Terminal.openStore(location)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The most recent runs, newest first.")
        @OptionGroup var storeOption: StoreOption
        @Option(help: "How many runs at most.") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let runs = try storeOption.open().runs(limit: limit)
            if json {
                try printJSON(runs.map(RunsJSON.summary))
                return
            }
            guard !runs.isEmpty else { print("No runs recorded yet."); return }
            for run in runs {
                let rates = [run.initialPassRate, run.finalPassRate].map {
                    $0.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
                }
                let outcome = run.healed.map { $0 ? "healed" : "not healed" } ?? "unfinished"
                print(
                    "\(run.id)  \(outcome.padding(toLength: 10, withPad: " ", startingAt: 0))  \(rates[0]) → \(rates[1])  \(run.llmCalls) LLM calls, \(run.tokensIn + run.tokensOut) tokens\(run.cost.map { ", cost \(Money.text($0))" } ?? "")  \(run.appDirectory)"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One run: iterations, groups and attempts with their diffs.")
        @OptionGroup var storeOption: StoreOption
        @Argument(help: "The run id (from runs list).") var runID: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let details = try storeOption.open().run(id: runID) else {
                Terminal.error("no run \(runID) in the learning store")
                throw ExitCodes.badInput
            }
            if json {
                try printJSON(RunsJSON.details(details))
                return
            }
            let run = details.run
            print("Run \(run.id) (\(run.kind)) of \(run.appDirectory)")
            print(
                "Started \(run.startedAt)\(run.finishedAt.map { ", finished \($0)" } ?? ", unfinished"); \(run.stopReason ?? "")"
            )
            let iterations = Set(details.results.map(\.iteration)).sorted()
            for iteration in iterations {
                let results = details.results.filter { $0.iteration == iteration }
                let passed = results.filter(\.passed).count
                print("\nIteration \(iteration): \(passed)/\(results.count) passed")
                for group in details.groups where group.iteration == iteration {
                    print(
                        "  group \(group.kind) \(group.method) \(group.route)\(group.status.map { " → \($0)" } ?? "") ×\(group.count)\(group.exceptionType.map { "  \($0)" } ?? "")"
                    )
                }
                for attempt in details.attempts where attempt.iteration == iteration {
                    print(
                        "  attempt \(attempt.outcome)\(attempt.rule.map { " (\($0))" } ?? "") on \(attempt.groupKey): \(attempt.tokensIn)+\(attempt.tokensOut) tokens"
                    )
                    if !attempt.diff.isEmpty {
                        print(attempt.diff.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
                    }
                }
            }
        }
    }
}

/// JSON shapes of `runs list` and `runs show`.
enum RunsJSON {
    static func summary(_ run: RunRecord) -> [String: Any] {
        [
            "run_id": run.id, "app_directory": run.appDirectory, "kind": run.kind,
            "started_at": ISO8601DateFormatter().string(from: run.startedAt),
            "finished_at": run.finishedAt.map { ISO8601DateFormatter().string(from: $0) } ?? NSNull(),
            "healed": run.healed ?? NSNull(), "initial_pass_rate": run.initialPassRate ?? NSNull(),
            "final_pass_rate": run.finalPassRate ?? NSNull(), "llm_calls": run.llmCalls, "tokens_in": run.tokensIn,
            "cost": run.cost ?? NSNull(),
            "tokens_out": run.tokensOut, "stop_reason": run.stopReason ?? NSNull(),
        ]
    }

    static func details(_ details: RepairDatabase.RunDetails) -> [String: Any] {
        var object = summary(details.run)
        let iterations = Set(details.results.map(\.iteration)).sorted()
        object["iterations"] = iterations.map { iteration -> [String: Any] in
            let results = details.results.filter { $0.iteration == iteration }
            return [
                "iteration": iteration, "passed": results.filter(\.passed).count, "total": results.count,
                "failed": results.filter { !$0.passed }.map(\.name),
                "groups": details.groups.filter { $0.iteration == iteration }.map {
                    ["key": $0.key, "kind": $0.kind, "count": $0.count]
                },
                "attempts": details.attempts.filter { $0.iteration == iteration }.map {
                    [
                        "group": $0.groupKey, "source": $0.source, "outcome": $0.outcome, "rule": $0.rule ?? NSNull(),
                        "diff": $0.diff,
                        "tokens_in": $0.tokensIn, "tokens_out": $0.tokensOut,
                        "files": (try? JSONSerialization.jsonObject(with: Data($0.files.utf8))) ?? [],
                    ]
                },
            ]
        }
        return object
    }
}

func printJSON(_ value: Any) throws {
    if let data = try? JSONSerialization.data(
        withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    {
        try Terminal.result(data)
        print()
    }
}
