import Foundation
import Logging
import Synchronization

/// Sends a plan's scenarios to a running app and judges each response strictly.
public struct SmokeExecutor: Sendable {
    public var baseURL: String
    public var requestTimeout: Duration
    /// Scenarios in flight at once; each in-flight slot keeps its own connection alive.
    public var concurrency: Int
    /// Bytes of a response body kept for the verdict and the report.
    public var bodyLimit: Int
    /// The app's output, to note which lines each request caused; nil when not captured.
    public var output: OutputCapture?
    /// Tells whether the app has exited, so a refused connection can be told from a dead app.
    public var appExitStatus: @Sendable () -> ExitStatus?
    public var logger: Logger
    /// How long to let the app's output settle after a response an exception may have caused.
    public var settle = OutputSettle()

    public init(
        baseURL: String,
        requestTimeout: Duration = .seconds(10),
        concurrency: Int = 1,
        bodyLimit: Int = 256 * 1024,
        output: OutputCapture? = nil,
        appExitStatus: @escaping @Sendable () -> ExitStatus? = { nil },
        logger: Logger = Logger(label: "repaird.smoke")
    ) {
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.concurrency = max(1, concurrency)
        self.bodyLimit = bodyLimit
        self.output = output
        self.appExitStatus = appExitStatus
        self.logger = logger
    }

    /// Runs every scenario, in plan order for one slot, and returns results in plan order.
    /// A failed connection fails its scenario only; the run goes on. Cancelling the task stops
    /// the transfers under way and claims no more scenarios: it throws `CancellationError`.
    public func run(
        _ scenarios: [Scenario],
        progress: (@Sendable (ScenarioResult) -> Void)? = nil
    ) async throws -> [ScenarioResult] {
        let clients = try (0..<min(concurrency, max(1, scenarios.count))).map { _ in try HTTPClient(bodyLimit: bodyLimit) }
        let work = WorkQueue(count: scenarios.count)
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask {
                    while !Task.isCancelled, let index = work.claim() {
                        let result = await send(scenarios[index], with: client)
                        work.store(result, at: index)
                        progress?(result)
                    }
                }
            }
        }
        try Task.checkCancellation()
        return work.results()
    }

    /// Sends one scenario and judges what came back.
    public func send(_ scenario: Scenario, with client: HTTPClient) async -> ScenarioResult {
        let requestID = RequestID.make()
        let url = baseURL + scenario.target
        var headers: [(name: String, value: String)] = [("X-Request-ID", requestID), ("Accept", "application/json")]
        var body: [UInt8]?
        if let payload = scenario.payload {
            body = Array(payload.serialized())
            headers.append(("Content-Type", "application/json"))
        }
        let request = HTTPRequest(method: scenario.endpoint.method, url: url, headers: headers, body: body, timeout: requestTimeout)
        let firstLine = output?.nextLineNumber
        let startedAt = Date()
        var result = ScenarioResult(
            scenario: scenario, requestID: requestID, url: url,
            requestBody: body.map { String(decoding: $0, as: UTF8.self) },
            actualStatus: nil, passed: false, failureKind: nil, error: nil, bodyExcerpt: "",
            duration: .zero, startedAt: startedAt, outputLines: nil)
        do {
            let response = try await client.send(request)
            let outcome = ScenarioVerdict.judge(scenario, status: response.status, body: response.body)
            result.actualStatus = response.status
            result.passed = outcome.passed
            result.failureKind = outcome.failureKind
            result.error = outcome.error
            result.bodyExcerpt = Self.excerpt(response.body, truncated: response.bodyTruncated)
            result.duration = response.duration
        } catch {
            result.duration = error.duration
            if let status = await exitedApp(after: error) {
                result.failureKind = .appDied
                result.error = "the app is no longer running (\(status)); \(error.message)"
            } else {
                result.failureKind = Self.failureKind(for: error.kind)
                result.error = error.message
            }
        }
        if let firstLine, let output {
            if TraceCorrelator.explainable(result) { await settle.wait(for: output) }
            result.outputLines = firstLine..<output.nextLineNumber
        }
        logger.debug("smoke.scenario", metadata: [
            "scenario.name": "\(scenario.name)", "scenario.request_id": "\(requestID)",
            "scenario.status": "\(result.actualStatus.map(String.init) ?? "none")", "scenario.passed": "\(result.passed)",
        ])
        return result
    }

    /// The app's exit status when the failed request was its death. The kernel closes a dying
    /// process's sockets before its parent can reap it, so a refused or reset connection
    /// waits a moment for the exit to show.
    private func exitedApp(after error: HTTPError) async -> ExitStatus? {
        if let status = appExitStatus() { return status }
        guard error.kind == .connectionRefused || error.kind == .connectionReset else { return nil }
        let deadline = ContinuousClock.now + .milliseconds(250)
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            if let status = appExitStatus() { return status }
        }
        return nil
    }

    private static func failureKind(for kind: HTTPError.Kind) -> FailureKind {
        switch kind {
        case .connectionRefused: .connectionRefused
        case .connectionReset: .connectionReset
        case .timeout: .timeout
        case .badURL, .transport, .cancelled: .transport
        }
    }

    static let excerptLimit = 2000

    private static func excerpt(_ body: [UInt8], truncated: Bool) -> String {
        var text = String(decoding: body.prefix(excerptLimit), as: UTF8.self)
        if body.count > excerptLimit || truncated { text += "…" }
        return text
    }
}

/// After a 5xx or a failed request, what the app prints next (a server may print the trace
/// after it has answered, as uvicorn does) belongs to that request: its slot waits until the
/// output has been quiet a moment before it sends the next scenario. Bounded either way.
public struct OutputSettle: Sendable {
    /// Output quiet this long after the last new line counts as settled.
    public var quiet: Duration = .milliseconds(60)
    /// With no new line at all by then, there is nothing to wait for.
    public var firstLine: Duration = .milliseconds(400)
    /// Never longer than this.
    public var limit: Duration = .seconds(3)

    public init() {}

    func wait(for output: OutputCapture) async {
        let clock = ContinuousClock()
        let start = clock.now
        var seen = output.nextLineNumber
        var lastChange = start
        var anyLine = false
        while clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(5))
            let now = clock.now
            let next = output.nextLineNumber
            if next != seen {
                seen = next
                lastChange = now
                anyLine = true
            } else if anyLine ? now - lastChange >= quiet : now - start >= firstLine {
                return
            }
        }
    }
}

/// Hands out scenario indexes to the executor's slots and collects results in plan order.
private final class WorkQueue: Sendable {
    private let next = Mutex(0)
    private let slots: Mutex<[ScenarioResult?]>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = Mutex([ScenarioResult?](repeating: nil, count: count))
    }

    func claim() -> Int? {
        next.withLock { value in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }

    func store(_ result: ScenarioResult, at index: Int) {
        slots.withLock { $0[index] = result }
    }

    func results() -> [ScenarioResult] {
        slots.withLock { $0.compactMap { $0 } }
    }
}
