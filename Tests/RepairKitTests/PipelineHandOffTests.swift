import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// What a pipeline reads: `enqueue --json`, `status JOB_ID --json`, paged `status --json`.
@Suite struct PipelineHandOffTests {
    func repairctl(_ arguments: [String]) async throws -> CommandRunner.Outcome {
        try await CommandRunner.run(CommandRunner.repairctl, arguments)
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func report(healed: Bool, runID: String, left: [String]) -> HealReport {
        HealReport(
            healed: healed, runID: runID, initialPassRate: 0.5, finalPassRate: healed ? 1 : 0.75, llmCalls: 0,
            tokensIn: 0, tokensOut: 0, iterations: [], filesChanged: [], keptDiff: "",
            stopReason: healed ? "the target pass rate was met" : "the iteration limit was reached", groupsLeft: left)
    }

    @Test func enqueueAndStatusAnswerInJSON() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let app = directory.url.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        try Data("[app]\nstart = \"true\"\n".utf8).write(to: app.appendingPathComponent("repair.toml"))

        let first = try await repairctl(["enqueue", app.path, "--store", store, "--json"])
        #expect(first.status == 0, "\(first.standardError)")
        let queued = try object(first.standardOutput)
        let jobID = try #require(queued["job_id"] as? Int)
        #expect(queued["merged"] as? Bool == false && queued["app"] as? String == app.path)
        let again = try object(
            try await repairctl(["enqueue", app.path, "--store", store, "--json", "--priority", "high"]).standardOutput)
        #expect(
            again["job_id"] as? Int == jobID && again["merged"] as? Bool == true
                && again["priority"] as? String == "high")

        let waiting = try object(
            try await repairctl(["status", "\(jobID)", "--store", store, "--json"]).standardOutput)
        #expect(waiting["state"] as? String == "queued" && waiting["priority"] as? String == "high")
        #expect(
            waiting.keys.contains("run_id") && waiting["run_id"] is NSNull, "every key is there, null until it applies")

        let missing = try await repairctl(["status", "999", "--store", store, "--json"])
        #expect(
            missing.status == 2 && missing.standardError.contains("no job 999 in \(store)"), "\(missing.standardError)")

        // The job runs and ends as a worker ends it.
        let queue = JobQueue(try RepairDatabase.open(at: URL(fileURLWithPath: store)))
        let claimed = try #require(try queue.claim(worker: "w1", lease: 60))
        #expect(
            try queue.finish(
                claimed, as: .notHealed, reason: "the iteration limit was reached", runID: "run-1",
                report: report(healed: false, runID: "run-1", left: ["GET /a 500 1234"])))
        let ended = try object(try await repairctl(["status", "\(jobID)", "--store", store, "--json"]).standardOutput)
        #expect(ended["state"] as? String == "not_healed" && ended["run_id"] as? String == "run-1")
        #expect(ended["initial_pass_rate"] as? Double == 0.5 && ended["final_pass_rate"] as? Double == 0.75)
        #expect(ended["groups_left"] as? [String] == ["GET /a 500 1234"])
        #expect(ended["reason"] as? String == "the iteration limit was reached")
        let text = try await repairctl(["status", "\(jobID)", "--store", store])
        #expect(
            text.standardOutput.contains("not_healed") && text.standardOutput.contains("50.0% → 75.0%"),
            "\(text.standardOutput)")
    }

    @Test func statusPagesForwardThroughFinishedJobs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storeURL = directory.url.appendingPathComponent("store.sqlite")
        let queue = JobQueue(try RepairDatabase.open(at: storeURL))
        let start = Date().addingTimeInterval(-100)
        for index in 0..<5 {
            try queue.enqueue(URL(fileURLWithPath: "/apps/app-\(index)"), at: start)
            let job = try #require(try queue.claim(worker: "w", lease: 60, at: start))
            #expect(
                try queue.finish(
                    job, as: .healed, reason: "done", runID: "run-\(index)",
                    report: report(healed: true, runID: "run-\(index)", left: []),
                    at: start.addingTimeInterval(Double(index + 1))))
        }
        let store = storeURL.path
        let newest = try object(
            try await repairctl(["status", "--store", store, "--json", "--limit", "2"]).standardOutput)
        let recent = try #require(newest["recent"] as? [[String: Any]])
        #expect(recent.compactMap { $0["run_id"] as? String } == ["run-4", "run-3"], "newest first")
        #expect(newest["more"] as? Bool == true)

        // Paging forward from the start: oldest first, two at a time, each page after the last.
        var seen: [String] = []
        var since = JobResult.timestamp(start)
        for _ in 0..<5 {
            let page = try object(
                try await repairctl(["status", "--store", store, "--json", "--limit", "2", "--since", since])
                    .standardOutput)
            seen += (page["recent"] as? [[String: Any]] ?? []).compactMap { $0["run_id"] as? String }
            guard page["more"] as? Bool == true, let next = page["next_since"] as? String else { break }
            since = next
        }
        #expect(seen == ["run-0", "run-1", "run-2", "run-3", "run-4"])

        let bad = try await repairctl(["status", "--store", store, "--since", "yesterday"])
        #expect(bad.status == 2 && bad.standardError.contains("--since yesterday"), "\(bad.standardError)")
    }
}

/// The hand-off through real repaird processes.
extension DaemonProcessTests {
    /// A job's end leaves `.repair/result.json`, then runs the app's `[daemon] notify` with it,
    /// without the LLM key the daemon holds.
    @Test func aJobLeavesItsResultAndRunsTheNotifyCommand() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try healthyApp(in: directory.url, name: "notified")
        let notify = """
            import json, os, shutil, sys
            shutil.copy(sys.argv[1], "notified.json")
            json.dump({"argument": sys.argv[1], "variable": os.environ.get("REPAIR_RESULT"),
                       "key_seen": "OPENAI_API_KEY" in os.environ}, open("notify-facts.json", "w"))
            """
        try Data(notify.utf8).write(to: app.appendingPathComponent("notify.py"))
        let config = app.appendingPathComponent("repair.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data((text + "[daemon]\nnotify = \"python3 notify.py\"\n").utf8).write(to: config)
        let storeURL = directory.url.appendingPathComponent("store.sqlite")
        let queue = JobQueue(try RepairDatabase.open(at: storeURL))
        let jobID = try #require(try queue.enqueue(app).job.id)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENAI_API_KEY"] = "sk-test-never-shown-to-the-app"
        let daemon = try startDaemon(store: storeURL, in: directory, environment: environment)
        let facts = app.appendingPathComponent("notify-facts.json")
        let notified = try await waitUntil(90) { FileManager.default.fileExists(atPath: facts.path) }
        kill(daemon.pid, SIGTERM)
        _ = await daemon.waitForExit(timeout: Patience.seconds(30))
        #expect(notified, "\(daemon.output.tailText(30))")

        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: JobResult.file(in: app))) as? [String: Any])
        #expect(result["job_id"] as? Int == Int(jobID) && result["state"] as? String == "healed", "\(result)")
        #expect(result["by"] as? String == "repaird" && result["final_pass_rate"] as? Double == 1)
        let job = try #require(try queue.job(id: jobID))
        #expect(result["run_id"] as? String == job.runId && job.runId != nil)
        #expect(
            try Data(contentsOf: app.appendingPathComponent("notified.json"))
                == Data(contentsOf: JobResult.file(in: app)))
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: facts)) as? [String: Any])
        #expect(seen["argument"] as? String == JobResult.file(in: app).path)
        #expect(seen["variable"] as? String == JobResult.file(in: app).path)
        #expect(seen["key_seen"] as? Bool == false, "the notify command never sees the LLM key")
    }

    /// The README's Python example, as it is printed there, drives a real repaird: it queues
    /// three copies of the bundled example (copied anywhere) and reads how each ended, with no
    /// text parsing.
    @Test func thePythonPipelineExampleHealsThreeCopiedApps() async throws {
        let script = FixtureApps.repositoryRoot.appendingPathComponent("examples/pipeline/heal_apps.py")
        let source = try String(contentsOf: script, encoding: .utf8)
        let readme = try String(
            contentsOf: FixtureApps.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(
            readme.contains("```python\n" + source + "```\n"), "README.md shows examples/pipeline/heal_apps.py as it is"
        )

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let generated = directory.url.appendingPathComponent("generated/batch-7")
        try FileManager.default.createDirectory(at: generated, withIntermediateDirectories: true)
        let apps = try ["orders-api", "store", "shop-copy"].map {
            try FixtureApps.exampleAsShipped(in: generated, name: $0)
        }
        let storeURL = directory.url.appendingPathComponent("state/store.sqlite")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["REPAIR_STORE"] = storeURL.path
        environment["REPAIRCTL"] = CommandRunner.repairctl.path
        // The daemon creates the store; the script enqueues into it.
        let daemon = try startDaemon(
            store: storeURL, in: directory, extra: ["--workers", "2"], environment: environment)
        let started = try await waitUntil(60) { daemon.output.tailText(50).contains("repaird.started") }
        #expect(started, "\(daemon.output.tailText(30))")
        let outcome = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path] + apps.map(\.path), environment: environment)
        kill(daemon.pid, SIGTERM)
        _ = await daemon.waitForExit(timeout: Patience.seconds(60))
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(daemon.output.tailText(30))")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        let results = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(Set(results.compactMap { $0["app"] as? String }) == Set(apps.map(\.path)))
        for result in results {
            #expect(result["state"] as? String == "healed", "\(result)")
            #expect((result["pass_rate"] as? [Double])?.last == 1.0 && (result["groups_left"] as? [String]) == [])
        }
    }
}

extension DaemonProcessTests {
    /// `runs list --app-dir APP` reads the store the app's `[learning] store` names, where its
    /// `once` wrote the run.
    @Test func runsListReadsTheStoreAnAppNames() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try healthyApp(in: directory.url, name: "own-store")
        let store = directory.url.appendingPathComponent("state/app-store.sqlite")
        let config = app.appendingPathComponent("repair.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data((text + "[learning]\nstore = \"\(store.path)\"\n").utf8).write(to: config)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["XDG_STATE_HOME"] = directory.url.appendingPathComponent("default-state").path
        let once = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.path, "--json"], environment: environment)
        #expect(once.status == 0, "\(once.standardError)")
        let runID = try #require(
            (try JSONSerialization.jsonObject(with: Data(once.standardOutput.utf8)) as? [String: Any])?["run_id"]
                as? String)
        let listed = try await CommandRunner.run(
            CommandRunner.repairctl, ["runs", "list", "--app-dir", app.path, "--json"], environment: environment)
        #expect(listed.status == 0, "\(listed.standardError)")
        let runs = try #require(
            try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        #expect(runs.compactMap { $0["run_id"] as? String } == [runID])
        let elsewhere = try await CommandRunner.run(
            CommandRunner.repairctl, ["runs", "list"], environment: environment)
        #expect(
            elsewhere.status == 2 && elsewhere.standardError.contains("no learning store yet"),
            "the default store was not written")
    }
}
