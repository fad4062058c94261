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
    /// The spec's response schemas: a passing response must match its own.
    public var responseSchemas: ResponseSchemas?
    /// Runs the app's seed again, for steps marked `reseed`; what went wrong, or nil.
    public var reseed: (@Sendable () async -> String?)?

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
        try await run(SmokePlan(scenarios: scenarios), environment: [:], progress: progress)
    }

    /// Runs a plan's setup steps, then its scenarios, and returns results in that order. A step
    /// waits for those it depends on (`SmokePlan.dependencies`): the steps before it in
    /// `setup`, the steps that capture its variables, its `depends_on`. Steps are claimed in
    /// order, so a slot only ever waits on a step another slot already holds.
    /// - Parameter environment: where a version 2 plan's `${NAME}` is read when no step
    ///   captures it. Every value read from it, and every captured value a header uses, is
    ///   masked in the results.
    public func run(
        _ plan: SmokePlan, environment: [String: String],
        progress: (@Sendable (ScenarioResult) -> Void)? = nil
    ) async throws -> [ScenarioResult] {
        let steps = plan.steps
        let waits = plan.dependencies()
        let variables = RunVariables(plan: plan, environment: environment)
        let clients = try (0..<min(concurrency, max(1, steps.count))).map { _ in try HTTPClient(bodyLimit: bodyLimit) }
        let work = WorkQueue(count: steps.count)
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask {
                    await slot(
                        client, steps: steps, waits: waits, plan: plan, variables: variables, work: work,
                        progress: progress)
                }
            }
        }
        try Task.checkCancellation()
        return work.results().filter { !Self.uncounted($0) }.map(variables.masked)
    }

    /// The app's next output line number, read around each request on the transfer thread.
    private var outputMark: (@Sendable () -> Int)? {
        guard let output else { return nil }
        return { output.nextLineNumber }
    }

    /// Requests one connection keeps queued ahead of the responses read: up to 64, and no
    /// more than a quarter of its share of the plan, so every slot has work from the start.
    static func window(steps: Int, slots: Int) -> Int {
        min(64, max(1, steps / (4 * max(1, slots))))
    }

    /// One connection's share of a run: it claims steps in plan order and queues each whose
    /// dependencies have all answered, so a run of independent steps goes out back to back
    /// while earlier responses are judged; a step that waits on another first hands in what
    /// this slot has under way.
    private func slot(
        _ client: HTTPClient, steps: [Scenario], waits: [SmokePlan.Dependencies], plan: SmokePlan,
        variables: RunVariables, work: WorkQueue, progress: (@Sendable (ScenarioResult) -> Void)?
    ) async {
        var sent: [Int: Prepared] = [:]
        let window = Self.window(steps: steps.count, slots: concurrency)
        func finishSome() async {
            for completion in await client.completed() {
                guard let prepared = sent.removeValue(forKey: completion.tag) else { continue }
                let result = await finish(prepared, completion: completion, client: client)
                work.store(result, at: completion.tag)
                if !Self.uncounted(result) { progress?(variables.masked(result)) }
            }
        }
        while !Task.isCancelled, let index = work.claim() {
            let pending = waits[index].waits.contains { !work.isStored($0) }
            if pending || steps[index].reseed {
                while client.outstanding > 0 { await finishSome() }
            }
            var required: [ScenarioResult] = []
            for wait in waits[index].waits {
                let result = await work.result(at: wait)
                if waits[index].requires.contains(wait) { required.append(result) }
            }
            switch await prepare(steps[index], plan: plan, variables: variables, after: required) {
            case .done(let result):
                work.store(result, at: index)
                if !Self.uncounted(result) { progress?(variables.masked(result)) }
            case .send(let prepared):
                sent[index] = prepared
                client.submit(
                    prepared.request, tag: index, holdAfterFailure: output != nil, mark: outputMark)
                if client.outstanding >= window { await finishSome() }
            }
        }
        while client.outstanding > 0 { await finishSome() }
    }

    /// A derived check that was not sent (what it follows did not pass, or answered no id)
    /// says nothing of the app: it is left out of the results.
    static func uncounted(_ result: ScenarioResult) -> Bool {
        result.scenario.check != nil && result.failureKind == .notSent
    }

    /// Sends one scenario and judges what came back.
    public func send(_ scenario: Scenario, with client: HTTPClient) async -> ScenarioResult {
        let plan = SmokePlan(scenarios: [scenario])
        let variables = RunVariables(plan: SmokePlan(scenarios: []), environment: [:])
        switch await prepare(scenario, plan: plan, variables: variables, after: []) {
        case .done(let result):
            return result
        case .send(let prepared):
            client.submit(
                prepared.request, tag: 0, holdAfterFailure: output != nil, mark: outputMark)
            var completions: [HTTPClient.Completion] = []
            while completions.isEmpty, client.outstanding > 0 { completions = await client.completed() }
            guard let completion = completions.first else { return prepared.result }
            return await finish(prepared, completion: completion, client: client)
        }
    }

    /// A step ready to go: its request, and its result before the response.
    struct Prepared: Sendable {
        var scenario: Scenario
        var request: HTTPRequest
        var result: ScenarioResult
        var variables: RunVariables
    }

    enum Preparation: Sendable {
        /// Not sent (what it depends on failed, a variable is missing, the seed failed).
        case done(ScenarioResult)
        case send(Prepared)
    }

    /// The request for a step, or why it is not sent.
    private func prepare(
        _ scenario: Scenario, plan: SmokePlan, variables: RunVariables, after before: [ScenarioResult]
    ) async -> Preparation {
        let requestID = RequestID.make()
        let startedAt = Date()
        func notSent(_ reason: String) -> Preparation {
            .done(
                ScenarioResult(
                    scenario: scenario, requestID: requestID, url: baseURL + scenario.endpoint.path, requestBody: nil,
                    actualStatus: nil, passed: false, failureKind: .notSent, error: reason, bodyExcerpt: "",
                    duration: .zero, startedAt: startedAt, outputLines: nil))
        }
        if let failed = before.first(where: { !$0.passed }) {
            return notSent("it depends on \(failed.scenario.label), which \(RunVariables.outcome(of: failed))")
        }
        if scenario.reseed, let reseed, let problem = await reseed() {
            return notSent("the seed before it failed: \(problem)")
        }
        let resolved: RunVariables.Resolved
        switch variables.resolve(scenario, planHeaders: plan.headers) {
        case .success(let request):
            resolved = request
        case .failure(let missing):
            return notSent(variables.explain(missing))
        }
        let url = baseURL + resolved.scenario.target
        var headers: [(name: String, value: String)] = [("X-Request-ID", requestID), ("Accept", "application/json")]
        var body: [UInt8]?
        if let raw = resolved.scenario.rawBody {
            body = raw
            headers.append(("Content-Type", "application/json"))
        } else if let payload = resolved.scenario.payload {
            let encoded = scenario.payloadEncoding.encode(payload)
            body = encoded.body
            if !resolved.headers.contains(where: { $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame }) {
                headers.append(("Content-Type", encoded.contentType))
            }
        }
        if !resolved.headers.isEmpty {
            headers.removeAll { header in
                resolved.headers.contains { $0.name.caseInsensitiveCompare(header.name) == .orderedSame }
            }
            headers += resolved.headers
        }
        let request = HTTPRequest(
            method: scenario.endpoint.method, url: url, headers: headers, body: body, timeout: requestTimeout)
        var result = ScenarioResult(
            scenario: scenario, requestID: requestID, url: url,
            requestBody: body.map { String(decoding: $0, as: UTF8.self) },
            actualStatus: nil, passed: false, failureKind: nil, error: nil, bodyExcerpt: "",
            duration: .zero, startedAt: startedAt, outputLines: nil)
        result.requestHeaders = resolved.headers.map { "\($0.name): \($0.value)" }
        return .send(Prepared(scenario: scenario, request: request, result: result, variables: variables))
    }

    /// Judges what came back for a prepared step. After a 5xx or a failed request, waits for
    /// the app's output to settle, then lets the requests held behind it go.
    private func finish(
        _ prepared: Prepared, completion: HTTPClient.Completion, client: HTTPClient
    ) async
        -> ScenarioResult
    {
        let scenario = prepared.scenario
        var result = prepared.result
        switch completion.result {
        case .success(let response):
            let outcome = ScenarioVerdict.judge(scenario, status: response.status, body: response.body)
            result.actualStatus = response.status
            result.passed = outcome.passed
            result.failureKind = outcome.failureKind
            result.error = outcome.error
            result.bodyExcerpt = Self.excerpt(response.body, truncated: response.bodyTruncated)
            result.duration = response.duration
            if outcome.passed, let schemas = responseSchemas,
                let mismatch = schemas.mismatch(response.body, endpoint: scenario.endpoint, status: response.status)
            {
                result.passed = false
                result.failureKind = .schemaMismatch
                result.error = "the body does not match the spec's schema for \(response.status): \(mismatch)"
            }
            if result.passed, !scenario.capture.isEmpty || !scenario.softCapture.isEmpty,
                let lacking = prepared.variables.capture(scenario, from: response.body)
            {
                result.passed = false
                result.failureKind = .bodyMismatch
                result.error = lacking
            }
        case .failure(let error):
            result.duration = error.duration
            if let status = await exitedApp(after: error) {
                result.failureKind = .appDied
                result.error = "the app is no longer running (\(status)); \(error.message)"
            } else {
                result.failureKind = Self.failureKind(for: error.kind)
                result.error = error.message
            }
        }
        if let output {
            if TraceCorrelator.explainable(result) {
                await settle.wait(for: output)
                result.outputLines = completion.marks.lowerBound..<output.nextLineNumber
            } else {
                result.outputLines = completion.marks
            }
        }
        // Whatever the verdict, the transfers held behind a 5xx or a failure may go on now.
        client.release()
        logger.debug(
            "smoke.scenario",
            metadata: [
                "scenario.name": "\(scenario.name)", "scenario.request_id": "\(result.requestID)",
                "scenario.status": "\(result.actualStatus.map(String.init) ?? "none")",
                "scenario.passed": "\(result.passed)",
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
    private struct Slots {
        var results: [ScenarioResult?]
        var waiting: [Int: [CheckedContinuation<ScenarioResult, Never>]] = [:]
    }

    private let next = Mutex(0)
    private let slots: Mutex<Slots>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = Mutex(Slots(results: [ScenarioResult?](repeating: nil, count: count)))
    }

    /// The result at `index`, once a slot has stored it.
    func result(at index: Int) async -> ScenarioResult {
        await withCheckedContinuation { continuation in
            let ready = slots.withLock { state -> ScenarioResult? in
                if let result = state.results[index] { return result }
                state.waiting[index, default: []].append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Whether the step at `index` has its result.
    func isStored(_ index: Int) -> Bool {
        slots.withLock { $0.results[index] != nil }
    }

    func claim() -> Int? {
        next.withLock { value in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }

    func store(_ result: ScenarioResult, at index: Int) {
        let waiting = slots.withLock { state in
            state.results[index] = result
            return state.waiting.removeValue(forKey: index) ?? []
        }
        for continuation in waiting { continuation.resume(returning: result) }
    }

    func results() -> [ScenarioResult] {
        slots.withLock { $0.results.compactMap { $0 } }
    }
}
