import Foundation

/// Where a job stands or how it ended, as a pipeline reads it: `repairctl status JOB_ID --json`
/// prints it, and `APP_DIR/.repair/result.json` holds it after every job and every `once`.
/// Every key is always present (null when it does not apply), so a script needs no guesswork.
public struct JobResult: Codable, Sendable, Equatable {
    /// The queue's job id; nil for a `repairctl once`.
    public var jobID: Int64?
    public var app: String
    /// `queued`, `running`, `healed`, `not_healed` or `failed`.
    public var state: String
    /// `repaird` or `repairctl once`.
    public var by: String
    public var priority: String?
    /// What a running cycle is doing: `claimed`, `repair`, `verify`.
    public var stage: String?
    public var iteration: Int?
    /// The worker holding a running job.
    public var worker: String?
    public var runID: String?
    public var initialPassRate: Double?
    public var finalPassRate: Double?
    /// The violation groups still failing, worst first.
    public var groupsLeft: [String]?
    /// Why it ended as it did.
    public var reason: String?
    public var enqueuedAt: Date?
    public var finishedAt: Date?
    /// How often a worker claimed the job (more than once after a crash or a shutdown).
    public var claims: Int?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", app, state, by, priority, stage, iteration, worker, runID = "run_id"
        case initialPassRate = "initial_pass_rate", finalPassRate = "final_pass_rate", groupsLeft = "groups_left"
        case reason, enqueuedAt = "enqueued_at", finishedAt = "finished_at", claims
    }

    public init(job: Job) {
        jobID = job.id
        app = job.appDirectory
        state = job.state.rawValue
        by = "repaird"
        priority = job.priority.name
        stage = job.stage
        iteration = job.iteration
        worker = job.worker
        runID = job.runId
        initialPassRate = job.initialPassRate
        finalPassRate = job.finalPassRate
        groupsLeft = job.groupsLeftList
        reason = job.reason
        enqueuedAt = job.enqueuedAt
        finishedAt = job.finishedAt
        claims = job.claims
    }

    /// The result of a `repairctl once`: its cycle's report, or the reason it could not end one.
    public init(app: URL, report: HealReport?, failure: String? = nil, at now: Date = Date()) {
        jobID = nil
        self.app = app.standardizedFileURL.path
        by = "repairctl once"
        if let report {
            state = report.healed ? Job.State.healed.rawValue : Job.State.notHealed.rawValue
            runID = report.runID
            initialPassRate = report.initialPassRate
            finalPassRate = report.finalPassRate
            groupsLeft = report.groupsLeft
            iteration = report.iterations.last?.number
            reason = report.stopReason
        } else {
            state = Job.State.failed.rawValue
            reason = failure
        }
        finishedAt = now
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // `encode` of an optional writes null: every key is always there.
        try container.encode(jobID, forKey: .jobID)
        try container.encode(app, forKey: .app)
        try container.encode(state, forKey: .state)
        try container.encode(by, forKey: .by)
        try container.encode(priority, forKey: .priority)
        try container.encode(stage, forKey: .stage)
        try container.encode(iteration, forKey: .iteration)
        try container.encode(worker, forKey: .worker)
        try container.encode(runID, forKey: .runID)
        try container.encode(initialPassRate, forKey: .initialPassRate)
        try container.encode(finalPassRate, forKey: .finalPassRate)
        try container.encode(groupsLeft, forKey: .groupsLeft)
        try container.encode(reason, forKey: .reason)
        try container.encode(enqueuedAt, forKey: .enqueuedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(claims, forKey: .claims)
    }

    public func jsonData() -> Data {
        (try? Self.encoder().encode(self)) ?? Data("{}".utf8)
    }

    /// Pretty, sorted JSON with `timestamp(_:)` dates: results and `status` print alike.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JobResult.timestamp(date))
        }
        return encoder
    }

    /// ISO 8601 with milliseconds, in UTC: what `status --since` reads back.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Reads a timestamp as `timestamp(_:)` writes it, or without fractional seconds.
    public static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// `APP_DIR/.repair/result.json`.
    public static func file(in appDirectory: URL) -> URL {
        appDirectory.appendingPathComponent(".repair/result.json")
    }

    /// Writes `APP_DIR/.repair/result.json` atomically: a reader sees the old file or the new
    /// one, never half of one. Returns the file's URL.
    @discardableResult
    public func write(in appDirectory: URL) throws(StorageError) -> URL {
        let url = Self.file(in: appDirectory)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var data = jsonData()
            data.append(0x0A)
            try data.write(to: url, options: .atomic)
        } catch {
            throw StorageError(path: url.path, doing: "writing the result", underlying: error)
        }
        return url
    }
}
