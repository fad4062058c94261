import CCurl
import Foundation
import Synchronization

/// Owns one libcurl easy handle, its header list and the buffer its write callback fills.
///
/// Not `Sendable`: a handle is used by one thread at a time. Reusing the handle across
/// requests keeps its connection cache, so requests to the same host reuse the connection.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let sink: ResponseSink
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    /// Set from any thread to stop one transfer (libcurl's progress callback reads it several
    /// times a second and aborts).
    final class CancelFlag: Sendable {
        let raised = Atomic<Bool>(false)
        init() {}
    }

    /// The flag of the transfer under way; only touched on the thread that performs it.
    fileprivate var cancelFlag: CancelFlag?

    /// Collects the response body, up to a limit; context of the write callback.
    final class ResponseSink {
        var bytes: [UInt8] = []
        var limit: Int
        var truncated = false
        var headers: [(name: String, value: String)] = []

        init(limit: Int) { self.limit = limit }

        func reset() {
            bytes.removeAll(keepingCapacity: true)
            truncated = false
            headers.removeAll(keepingCapacity: true)
        }
    }

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    init(bodyLimit: Int) throws {
        precondition(Self.globalInit == CURLE_OK, "curl_global_init failed")
        guard let handle = curl_easy_init() else {
            throw HTTPError(kind: .transport, message: "curl_easy_init returned no handle")
        }
        self.handle = handle
        self.sink = ResponseSink(limit: bodyLimit)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
    }

    /// Performs `request` on the calling thread; blocks until the transfer ends.
    func perform(_ request: HTTPRequest, cancel: CancelFlag = CancelFlag()) throws(HTTPError) -> HTTPResponse {
        cancelFlag = cancel
        defer { cancelFlag = nil }
        curl_easy_reset(handle)
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        sink.reset()
        let started = ContinuousClock.now

        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_CUSTOMREQUEST, request.method)
        if request.method == "HEAD" { try set(CURLOPT_NOBODY, 1) }
        let timeoutMilliseconds = max(1, Int(request.timeout.components.seconds * 1000
            + request.timeout.components.attoseconds / 1_000_000_000_000_000))
        try set(CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        try set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, 5000))
        if let body = request.body {
            try code(repair_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            try body.withUnsafeBufferPointer { buffer throws(HTTPError) in
                // COPYPOSTFIELDS copies, so the buffer need not outlive this call.
                let pointer = UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                try code(repair_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, pointer))
            }
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // An empty Expect stops curl from waiting for `100 Continue` on larger bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        try code(repair_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        try code(repair_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteToSink))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
        try code(repair_curl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderToSink))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, Unmanaged.passUnretained(sink).toOpaque()))
        // Cancellation reaches the transfer through the progress callback.
        try set(CURLOPT_NOPROGRESS, 0)
        try code(repair_curl_setopt_xferinfo_callback(handle, curlStopWhenCancelled))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(self).toOpaque()))
        if cancel.raised.load(ordering: .relaxed) {
            throw HTTPError(kind: .cancelled, message: "cancelled before it was sent", duration: .zero)
        }
        errorBuffer[0] = 0
        try errorBuffer.withUnsafeMutableBufferPointer { buffer throws(HTTPError) in
            try code(repair_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress))
            let result = curl_easy_perform(handle)
            // The buffer is only valid inside this closure; unset it before leaving.
            _ = repair_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            if result != CURLE_OK {
                let detail = String(cString: buffer.baseAddress!)
                throw Self.error(for: result, detail: detail, duration: ContinuousClock.now - started)
            }
        }
        var status = 0
        try code(repair_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status))
        return HTTPResponse(
            status: status,
            body: sink.bytes,
            bodyTruncated: sink.truncated,
            duration: ContinuousClock.now - started,
            headers: sink.headers
        )
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try code(repair_curl_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try code(repair_curl_setopt_string(handle, option, value))
    }

    private func code(_ result: CURLcode) throws(HTTPError) {
        guard result == CURLE_OK else { throw Self.error(for: result, detail: "", duration: .zero) }
    }

    private static func error(for result: CURLcode, detail: String, duration: Duration) -> HTTPError {
        let kind: HTTPError.Kind
        switch result {
        case CURLE_COULDNT_CONNECT: kind = .connectionRefused
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: kind = .connectionReset
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_COULDNT_RESOLVE_HOST: kind = .badURL
        case CURLE_ABORTED_BY_CALLBACK: kind = .cancelled
        default: kind = .transport
        }
        let summary = String(cString: curl_easy_strerror(result))
        let message = detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
        return HTTPError(kind: kind, message: message, duration: duration)
    }
}

/// libcurl's progress callback: a non-zero answer aborts the transfer once its task was cancelled.
private func curlStopWhenCancelled(
    context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    let handle = Unmanaged<CurlEasyHandle>.fromOpaque(context).takeUnretainedValue()
    return handle.cancelFlag?.raised.load(ordering: .relaxed) == true ? 1 : 0
}

/// libcurl's write callback: appends to the `ResponseSink` passed as `CURLOPT_WRITEDATA`.
private func curlWriteToSink(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let context else { return length }
    let sink = Unmanaged<CurlEasyHandle.ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let room = sink.limit - sink.bytes.count
    if room < length { sink.truncated = true }
    let kept = max(0, min(room, length))
    if kept > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: kept) { bytes in
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: kept))
        }
    }
    // Returning the full length keeps the transfer going (and the connection reusable).
    return length
}

/// libcurl's header callback: one header line per call; a status line starts a new response
/// (after `100 Continue` or a redirect), so only the last response's headers are kept.
private func curlHeaderToSink(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let context else { return length }
    let sink = Unmanaged<CurlEasyHandle.ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }.trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        sink.headers.removeAll(keepingCapacity: true)
    } else if let colon = line.firstIndex(of: ":"), sink.headers.count < 200 {
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        sink.headers.append((name, value))
    }
    return length
}
