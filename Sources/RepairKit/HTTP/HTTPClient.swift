import Foundation
import Synchronization

/// An HTTP/1.1 client over one libcurl easy handle, for use from async code.
///
/// `curl_easy_perform` blocks, so the handle lives on a thread of its own, which performs the
/// transfers queued to it one after another over one kept-alive connection. `send` queues one
/// request and waits for it; `submit` queues many and `completed()` hands their responses
/// back in batches, so a run of requests costs no thread hop per request. Use several clients
/// for concurrent requests.
public final class HTTPClient: Sendable {
    private let transfers: Transfers

    /// - Parameter bodyLimit: bytes of a response body kept; the rest is counted, not stored.
    public init(bodyLimit: Int = 1 << 20) throws {
        transfers = Transfers(handle: try CurlEasyHandle(bodyLimit: bodyLimit))
        let transfers = self.transfers
        let thread = Thread { transfers.run() }
        thread.name = "repaird.http-client"
        thread.start()
    }

    deinit { transfers.close() }

    /// Sends `request` and returns the response, or throws `HTTPError` when none came.
    /// Cancelling the task stops the transfer within a fraction of a second (`.cancelled`).
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let cancel = CurlEasyHandle.CancelFlag()
        let result: Result<HTTPResponse, HTTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfers.enqueue(.single(request, cancel, continuation))
            }
        } onCancel: {
            // Also when the task was cancelled before: the transfer then stops before it starts.
            cancel.raised.store(true, ordering: .relaxed)
        }
        return try result.get()
    }

    /// What a queued request came back with, and the value `mark` read around it.
    public struct Completion: Sendable {
        public var tag: Int
        public var result: Result<HTTPResponse, HTTPError>
        /// `mark()` just before the request was sent and just after its response ended.
        public var marks: Range<Int>
    }

    /// Queues `request`; its `Completion` carries `tag`. With `holdAfterFailure`, a 5xx or a
    /// request that failed holds back the requests queued after it until `release()`, so what
    /// the server prints next belongs to it alone. `mark` is read on the transfer thread
    /// around the request (the app's output line number, for the correlator).
    public func submit(
        _ request: HTTPRequest, tag: Int, holdAfterFailure: Bool = false, mark: (@Sendable () -> Int)? = nil
    ) {
        transfers.enqueue(.batched(Transfers.Batched(request: request, tag: tag, hold: holdAfterFailure, mark: mark)))
    }

    /// The completions of submitted requests not yet handed back, in the order sent; waits
    /// for at least one when `outstanding` > 0. Cancelling the task stops the transfers
    /// queued and under way: they complete as `.cancelled`.
    public func completed() async -> [Completion] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in transfers.collect(continuation) }
        } onCancel: {
            transfers.cancelAll()
        }
    }

    /// Requests submitted and not yet handed back by `completed()`.
    public var outstanding: Int { transfers.outstanding }

    /// Lets the transfers held back after a failure go on.
    public func release() { transfers.release() }
}

/// The queue between async callers and the transfer thread.
private final class Transfers: Sendable {
    struct Batched: Sendable {
        var request: HTTPRequest
        var tag: Int
        var hold: Bool
        var mark: (@Sendable () -> Int)?
    }

    enum Job: Sendable {
        case single(HTTPRequest, CurlEasyHandle.CancelFlag, CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>)
        case batched(Batched)
    }

    private struct State: ~Copyable {
        var jobs: [Job] = []
        var next = 0
        var done: [HTTPClient.Completion] = []
        var collector: CheckedContinuation<[HTTPClient.Completion], Never>?
        var outstanding = 0
        var held = false
        var closed = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Raised to stop the batched transfers (the task collecting them was cancelled).
    private let cancelled = CurlEasyHandle.CancelFlag()
    // The handle is only used on the transfer thread.
    private nonisolated(unsafe) let handle: CurlEasyHandle

    init(handle: CurlEasyHandle) { self.handle = handle }

    var outstanding: Int { state.withLock { $0.outstanding } }

    func enqueue(_ job: Job) {
        state.withLock { state in
            if case .batched = job { state.outstanding += 1 }
            state.jobs.append(job)
        }
        wake.signal()
    }

    func collect(_ continuation: CheckedContinuation<[HTTPClient.Completion], Never>) {
        let ready = state.withLock { state -> [HTTPClient.Completion]? in
            if !state.done.isEmpty || state.outstanding == 0 {
                let done = state.done
                state.done.removeAll()
                state.outstanding -= done.count
                return done
            }
            state.collector = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func release() {
        state.withLock { $0.held = false }
        wake.signal()
    }

    func cancelAll() {
        cancelled.raised.store(true, ordering: .relaxed)
        release()
    }

    func close() {
        state.withLock { $0.closed = true }
        cancelled.raised.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// The transfer thread: performs jobs in order until closed.
    func run() {
        while true {
            let job = state.withLock { state -> Job?? in
                guard state.next < state.jobs.count else {
                    if state.closed { return .some(nil) }
                    return nil
                }
                // A single request goes ahead of a hold; batched ones wait for the release.
                if state.held, case .batched = state.jobs[state.next], !state.closed { return nil }
                defer {
                    state.next += 1
                    if state.next > 64 && state.next * 2 > state.jobs.count {
                        state.jobs.removeFirst(state.next)
                        state.next = 0
                    }
                }
                return state.jobs[state.next]
            }
            switch job {
            case .none:
                wake.wait()
            case .some(.none):
                return
            case .some(.some(.single(let request, let cancel, let continuation))):
                do throws(HTTPError) {
                    continuation.resume(returning: .success(try handle.perform(request, cancel: cancel)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            case .some(.some(.batched(let batched))):
                perform(batched)
            }
        }
    }

    private func perform(_ batched: Batched) {
        let before = batched.mark?() ?? 0
        let result: Result<HTTPResponse, HTTPError>
        do throws(HTTPError) {
            result = .success(try handle.perform(batched.request, cancel: cancelled))
        } catch {
            result = .failure(error)
        }
        let after = batched.mark?() ?? 0
        let failed: Bool
        switch result {
        case .success(let response): failed = response.status >= 500
        case .failure: failed = true
        }
        let completion = HTTPClient.Completion(tag: batched.tag, result: result, marks: before..<max(before, after))
        let collector = state.withLock {
            state -> (CheckedContinuation<[HTTPClient.Completion], Never>, [HTTPClient.Completion])? in
            state.done.append(completion)
            if batched.hold && failed { state.held = true }
            guard let collector = state.collector else { return nil }
            // Hand back now when nothing else is queued to go out, or when it is held back;
            // else let the batch grow while the caller is busy.
            let more = state.next < state.jobs.count && !state.held
            if more && state.done.count < 32 { return nil }
            state.collector = nil
            let done = state.done
            state.done.removeAll()
            state.outstanding -= done.count
            return (collector, done)
        }
        if let (continuation, done) = collector { continuation.resume(returning: done) }
    }
}
