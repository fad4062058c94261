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
    /// libcurl writes the reason for a failed transfer here; owned by the handle, so it can
    /// be set once.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

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
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // What stays the same for every request is set once: a reset and a dozen options per
        // request cost more than the request on a fast server.
        try set(CURLOPT_NOSIGNAL, 1)
        try code(repair_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteToSink))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
        try code(repair_curl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderToSink))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, Unmanaged.passUnretained(sink).toOpaque()))
        // Cancellation reaches the transfer through the progress callback.
        try set(CURLOPT_NOPROGRESS, 0)
        try code(repair_curl_setopt_xferinfo_callback(handle, curlStopWhenCancelled))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(self).toOpaque()))
        try code(repair_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Performs `request` on the calling thread; blocks until the transfer ends.
    func perform(_ request: HTTPRequest, cancel: CancelFlag = CancelFlag()) throws(HTTPError) -> HTTPResponse {
        cancelFlag = cancel
        defer { cancelFlag = nil }
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        sink.reset()
        let started = ContinuousClock.now

        try set(CURLOPT_URL, request.url)
        // The method, from a clean state: HTTPGET undoes an earlier request's body and HEAD.
        if let body = request.body {
            try set(CURLOPT_NOBODY, 0)
            try code(repair_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            try body.withUnsafeBufferPointer { buffer throws(HTTPError) in
                // COPYPOSTFIELDS copies, so the buffer need not outlive this call.
                let pointer = UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                try code(repair_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, pointer))
            }
        } else {
            try set(CURLOPT_HTTPGET, 1)
            if request.method == "HEAD" { try set(CURLOPT_NOBODY, 1) }
        }
        try set(CURLOPT_CUSTOMREQUEST, request.method)
        let timeoutMilliseconds = max(
            1,
            Int(
                request.timeout.components.seconds * 1000
                    + request.timeout.components.attoseconds / 1_000_000_000_000_000))
        try set(CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        try set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, 5000))
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // An empty Expect stops curl from waiting for `100 Continue` on larger bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        try code(repair_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        if cancel.raised.load(ordering: .relaxed) {
            throw HTTPError(kind: .cancelled, message: "cancelled before it was sent", duration: .zero)
        }
        errorBuffer[0] = 0
        let result = curl_easy_perform(handle)
        if result != CURLE_OK {
            throw Self.error(
                for: result, detail: String(cString: errorBuffer), duration: ContinuousClock.now - started)
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
    // Read as bytes: this runs for every header of every response.
    data.withMemoryRebound(to: UInt8.self, capacity: length) { base in
        let line = UnsafeBufferPointer(start: base, count: length)
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0
        var end = line.count
        while start < end, isBlank(line[start]) { start += 1 }
        while end > start, isBlank(line[end - 1]) { end -= 1 }
        if end - start >= 5, line[start] == 0x48, line[start + 1] == 0x54, line[start + 2] == 0x54,
            line[start + 3] == 0x50, line[start + 4] == 0x2F
        {
            sink.headers.removeAll(keepingCapacity: true)  // "HTTP/": a new response begins
            return
        }
        guard sink.headers.count < 200, let colon = line[start..<end].firstIndex(of: 0x3A) else { return }
        var nameEnd = colon
        while nameEnd > start, isBlank(line[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = colon + 1
        while valueStart < end, isBlank(line[valueStart]) { valueStart += 1 }
        sink.headers.append(
            (
                String(decoding: UnsafeBufferPointer(rebasing: line[start..<nameEnd]), as: UTF8.self),
                String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<end]), as: UTF8.self)
            ))
    }
    return length
}
