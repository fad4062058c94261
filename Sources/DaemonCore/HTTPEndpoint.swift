import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 server for scrapes and probes (`repaird --http HOST:PORT`): GET only, one
/// connection at a time, each answered and closed, on a thread of its own so a slow client
/// never holds up the daemon's tasks.
public final class HTTPEndpoint: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        public init(status: Int, text: String) {
            self.init(status: status, body: Array(text.utf8))
        }
    }

    let descriptor: Int32
    /// The address bound, with the port the system chose when 0 was asked.
    public let address: String
    private let stopped = Atomic<Bool>(false)

    /// Binds `address` (`HOST:PORT`, `[IPv6]:PORT`; port 0 for any free one) and listens.
    public init(address requested: String) throws(DaemonError) {
        guard let colon = requested.lastIndex(of: ":"), let port = UInt16(requested[requested.index(after: colon)...])
        else { throw DaemonError(description: "--http \(requested): expected HOST:PORT") }
        var host = String(requested[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, "\(port)", &hints, &found)
        guard status == 0, let info = found else {
            throw DaemonError(description: "--http \(requested): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw DaemonError(description: "--http \(requested): \(Self.lastError())") }
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(socket, 16) == 0 else {
            let problem = Self.lastError()
            Glibc.close(socket)
            throw DaemonError(description: "--http \(requested): \(problem)")
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        let family = Int32(bound.ss_family)
        let boundPort: UInt16 = withUnsafePointer(to: &bound) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt16(bigEndian: $0.pointee.sin_port)
            }
        }
        descriptor = socket
        address = (host.contains(":") ? "[\(host)]" : host) + ":\(boundPort)"
    }

    deinit { Glibc.close(descriptor) }

    /// Answers requests with `handler` (given the path) on a thread of its own until `stop()`.
    public func serve(_ handler: @escaping @Sendable (String) -> Response) {
        let context = Unmanaged.passRetained(Context(endpoint: self, handler: handler)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
                context.endpoint.loop(context.handler)
                return nil
            }, context)
        if created == 0 { pthread_detach(thread) } else { Unmanaged<Context>.fromOpaque(context).release() }
    }

    /// Stops answering within half a second; the socket closes with the endpoint.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    final class Context: @unchecked Sendable {
        let endpoint: HTTPEndpoint
        let handler: @Sendable (String) -> Response
        init(endpoint: HTTPEndpoint, handler: @escaping @Sendable (String) -> Response) {
            self.endpoint = endpoint
            self.handler = handler
        }
    }

    private func loop(_ handler: @Sendable (String) -> Response) {
        while !stopped.load(ordering: .relaxed) {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 500) > 0 else { continue }
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { continue }
            // Not inherited by the workers and apps the daemon starts.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            answer(client, handler)
            Glibc.close(client)
        }
    }

    private func answer(_ client: Int32, _ handler: (String) -> Response) {
        // A client that sends nothing, or too slowly, is dropped after 5 s.
        var limit = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384, !Self.headEnds(request) {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        let line = request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let parts = line.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        let response: Response
        if parts.count < 2 {
            response = Response(status: 400, text: "bad request\n")
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            response = Response(status: 405, text: "only GET\n")
        } else {
            response = handler(String(parts[1].prefix { $0 != "?" }))
        }
        let head =
            "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        send(client, Array(head.utf8) + (parts.first == "HEAD" ? [] : response.body))
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    static func headEnds(_ bytes: [UInt8]) -> Bool {
        let end: [UInt8] = [13, 10, 13, 10]
        return bytes.count >= 4 && (0...(bytes.count - 4)).contains { bytes[$0..<($0 + 4)].elementsEqual(end) }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// `/metrics`, `/healthz` and `/readyz` of repaird, served while the daemon runs.
public struct HTTPService: Service {
    let endpoint: HTTPEndpoint
    let metrics: DaemonMetrics
    let pool: PoolState
    let queue: QueueFile
    /// How long the pool may go without looking at the queue before the daemon is unhealthy.
    let staleAfter: Double
    let logger: Logger

    public init(
        endpoint: HTTPEndpoint, metrics: DaemonMetrics, pool: PoolState, queue: QueueFile, staleAfter: Double,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.metrics = metrics
        self.pool = pool
        self.queue = queue
        self.staleAfter = staleAfter
        self.logger = logger
    }

    public func run() async throws {
        let (metrics, pool, queue, staleAfter) = (self.metrics, self.pool, self.queue, self.staleAfter)
        endpoint.serve { path in
            switch path {
            case "/metrics":
                return HTTPEndpoint.Response(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
            case "/healthz":
                // Alive: the pool still ticks (a wedged daemon is restarted by its supervisor).
                if let problem = pool.problem(staleAfter: staleAfter) {
                    return HTTPEndpoint.Response(status: 503, text: problem + "\n")
                }
                return HTTPEndpoint.Response(status: 200, text: "ok\n")
            case "/readyz":
                // Ready: alive, and the store answers.
                if let problem = pool.problem(staleAfter: staleAfter) {
                    return HTTPEndpoint.Response(status: 503, text: problem + "\n")
                }
                guard queue.isReachable() else {
                    return HTTPEndpoint.Response(status: 503, text: "the store does not answer\n")
                }
                return HTTPEndpoint.Response(status: 200, text: "ready\n")
            default:
                return HTTPEndpoint.Response(status: 404, text: "try /metrics, /healthz or /readyz\n")
            }
        }
        logger.info("http.listening", metadata: ["http.address": "\(endpoint.address)"])
        try? await gracefulShutdown()
        pool.stopping()
        endpoint.stop()
    }
}
