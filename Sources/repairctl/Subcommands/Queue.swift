import ArgumentParser
import Foundation
import RepairKit

/// `repairctl enqueue APP_DIR`: ask repaird to heal an app.
struct Enqueue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue a heal of an app for repaird.",
        discussion: """
            A job already waiting for the same app is kept (at the higher of the two priorities) \
            rather than doubled: --json says so with "merged": true. Follow the job with \
            `repairctl status JOB_ID --json`; when it ends, APP_DIR/.repair/result.json holds the \
            same fields.
            """
    )
    @OptionGroup var storeOption: Runs.StoreOption
    @Argument(help: "The app directory (holds repair.toml).", completion: .directory) var appDirectory: String
    @Option(help: "urgent, high, normal or low.") var priority = "normal"
    @Flag(help: "Print the job as JSON: job_id, app, priority, merged.") var json = false

    func validate() throws {
        guard Job.Priority(name: priority) != nil else {
            throw ValidationError("--priority \(priority): must be urgent, high, normal or low")
        }
    }

    func run() throws {
        let level = Job.Priority(name: priority) ?? .normal
        let url = URL(fileURLWithPath: appDirectory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("repair.toml").path) else {
            Terminal.error("\(url.path): no repair.toml in this folder")
            throw ExitCodes.badInput
        }
        let enqueued = try JobQueue(storeOption.open(creating: true)).enqueue(url, priority: level)
        let job = enqueued.job
        if json {
            let object: [String: Any] = [
                "job_id": job.id ?? 0, "app": job.appDirectory, "priority": job.priority.name,
                "merged": enqueued.merged,
            ]
            try Terminal.result(
                JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            print()
            return
        }
        let what = enqueued.merged ? "already queued, now \(job.priority.name)," : "queued (\(job.priority.name))"
        print("job \(job.id ?? 0) \(what) for \(url.path)")
    }
}

/// `repairctl status [JOB_ID]`: what repaird is doing, or where one job stands.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The queue by priority, running jobs, recent outcomes, LLM use today; or one job.",
        discussion: """
            With JOB_ID: that job's state (queued, running, healed, not_healed, failed), stage, \
            iteration, run id, pass rates, groups left and reason — the fields of \
            APP_DIR/.repair/result.json. Exit 2 when the store has no such job.

            Without: --limit bounds the recent jobs (newest first); --since TIMESTAMP lists the \
            jobs finished after it, oldest first, so a script pages forward with the "next_since" \
            of each answer while "more" is true.
            """
    )
    @OptionGroup var storeOption: Runs.StoreOption
    @Argument(help: "A job id, as enqueue printed it.") var jobID: Int64?
    @Option(help: "How many finished jobs to list at most (1 to 1000).") var limit = 10
    @Option(help: "Only jobs finished after this ISO 8601 time (a next_since value).") var since: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        if let since, JobResult.date(from: since) == nil {
            throw ValidationError("--since \(since): not an ISO 8601 time such as 2026-11-24T07:30:00.000Z")
        }
        if jobID != nil, since != nil { throw ValidationError("--since lists jobs: it does not go with a JOB_ID") }
    }

    func run() throws {
        let database = try storeOption.open()
        if let jobID {
            guard let job = try JobQueue(database).job(id: jobID) else {
                Terminal.error("no job \(jobID) in \(storeOption.path)")
                throw ExitCodes.badInput
            }
            let result = JobResult(job: job)
            if json {
                try Terminal.result(result.jsonData())
                print()
            } else {
                print(Self.describe(result))
            }
            return
        }
        let status = try DaemonStatus.read(from: database, limit: limit, since: since.flatMap(JobResult.date(from:)))
        if json {
            try Terminal.result(status.jsonData())
            print()
            return
        }
        print(
            "Queued: \(Job.Priority.allCases.map { "\($0.name) \(status.queued[$0.name] ?? 0)" }.joined(separator: ", "))"
        )
        print(status.running.isEmpty ? "Running: none" : "Running:")
        for job in status.running {
            print(
                "  job \(job.jobID ?? 0) \(job.app)  \(job.stage ?? "")\(job.iteration.map { " iteration \($0)" } ?? "")  \(job.worker ?? "")"
            )
        }
        print(status.recent.isEmpty ? "Recent: none" : "Recent:")
        for job in status.recent {
            print("  job \(job.jobID ?? 0) \(job.state)  \(job.app)  \(Self.passRates(job))\(job.reason ?? "")")
        }
        if status.more { print("  … more: --since \(status.nextSince ?? "") --limit \(limit)") }
        let cost = status.costToday.map { ", cost \(Money.text($0))" } ?? ""
        print("Today: \(status.llmCallsToday) LLM calls, \(status.tokensToday) tokens\(cost)")
    }

    static func passRates(_ job: JobResult) -> String {
        guard let before = job.initialPassRate, let after = job.finalPassRate else { return "" }
        return String(format: "%.1f%% → %.1f%%  ", before * 100, after * 100)
    }

    static func describe(_ job: JobResult) -> String {
        var lines = ["job \(job.jobID ?? 0): \(job.state)  \(job.app)  (\(job.priority ?? ""))"]
        if let stage = job.stage { lines.append("  stage: \(stage)\(job.iteration.map { ", iteration \($0)" } ?? "")") }
        if let runID = job.runID { lines.append("  run: \(runID)  (repairctl runs show \(runID))") }
        let rates = passRates(job)
        if !rates.isEmpty { lines.append("  pass rate: \(rates.trimmingCharacters(in: .whitespaces))") }
        if let groups = job.groupsLeft {
            lines.append("  groups left: \(groups.isEmpty ? "none" : groups.joined(separator: "; "))")
        }
        if let reason = job.reason { lines.append("  reason: \(reason)") }
        return lines.joined(separator: "\n")
    }
}
