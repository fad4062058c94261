import Foundation

/// An HTTP/1.1 client over one libcurl easy handle, for use from async code.
///
/// `curl_easy_perform` blocks, so every transfer runs on the client's own serial queue,
/// off the cooperative pool, and is bridged back with a continuation. One client keeps one
/// connection alive; use several clients for concurrent requests.
public final class HTTPClient: @unchecked Sendable {
    // @unchecked: `handle` is only touched on `queue`, which is serial.
    private let handle: CurlEasyHandle
    private let queue: DispatchQueue

    /// - Parameter bodyLimit: bytes of a response body kept; the rest is counted, not stored.
    public init(bodyLimit: Int = 1 << 20) throws {
        self.handle = try CurlEasyHandle(bodyLimit: bodyLimit)
        self.queue = DispatchQueue(label: "repaird.http-client")
    }

    /// Sends `request` and returns the response, or throws `HTTPError` when none came.
    /// Cancelling the task stops the transfer within a fraction of a second (`.cancelled`).
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let cancel = CurlEasyHandle.CancelFlag()
        let result: Result<HTTPResponse, HTTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async { [self] in
                    do throws(HTTPError) {
                        continuation.resume(returning: .success(try self.handle.perform(request, cancel: cancel)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
        } onCancel: {
            // Also when the task was cancelled before: the transfer then stops before it starts.
            cancel.raised.store(true, ordering: .relaxed)
        }
        return try result.get()
    }
}
