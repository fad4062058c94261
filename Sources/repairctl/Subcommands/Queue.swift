import ArgumentParser
import Foundation
import RepairKit

/// `repairctl enqueue APP_DIR`: ask repaird to heal an app.
struct Enqueue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Queue a heal of an app for repaird.")
    @OptionGroup var storeOption: Runs.StoreOption
    @Argument(help: "The app directory (holds repair.toml).", completion: .directory) var appDirectory: String
    @Option(help: "urgent, high, normal or low.") var priority = "normal"

    func run() throws {
        guard let level = Job.Priority(name: priority) else {
            Terminal.error("--priority \(priority): must be urgent, high, normal or low")
            throw ExitCodes.badInput
        }
        let url = URL(fileURLWithPath: appDirectory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("repair.toml").path) else {
            Terminal.error("\(url.path): no repair.toml in this folder")
            throw ExitCodes.badInput
        }
        let database = try RepairDatabase.open(at: RepairDatabase.location(flag: storeOption.store, config: nil))
        let job = try JobQueue(database).enqueue(url, priority: level)
        print("job \(job.id ?? 0) queued (\(job.priority.name)) for \(url.path)")
    }
}

/// `repairctl status`: what repaird is doing.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The queue by priority, running jobs, recent outcomes, LLM use today.")
    @OptionGroup var storeOption: Runs.StoreOption
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let status = try DaemonStatus.read(from: storeOption.open())
        if json {
            try Terminal.result(status.jsonData())
            print()
            return
        }
        print("Queued: \(Job.Priority.allCases.map { "\($0.name) \(status.queued[$0.name] ?? 0)" }.joined(separator: ", "))")
        print(status.running.isEmpty ? "Running: none" : "Running:")
        for job in status.running {
            print("  job \(job.id) \(job.app)  \(job.stage ?? "")\(job.iteration.map { " iteration \($0)" } ?? "")  worker \(job.worker ?? "")")
        }
        print(status.recent.isEmpty ? "Recent: none" : "Recent:")
        for job in status.recent { print("  job \(job.id) \(job.state)  \(job.app)  \(job.reason ?? "")") }
        print("Today: \(status.llmCallsToday) LLM calls, \(status.tokensToday) tokens")
    }
}
