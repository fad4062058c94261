import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loopback TCP ports: finding a free one, and telling whether one is taken.
public enum LocalPort {
    /// A port free now on `host`, chosen at random below the kernel's ephemeral range: a port
    /// from that range (what binding port 0 hands out) can be taken, between our check and the
    /// app's bind, as the local port of any outgoing connection on a busy machine. Falls back
    /// to the kernel's choice when no such port is free.
    public static func free(host: String = "127.0.0.1") -> Int? {
        let ephemeralStart = ephemeralRangeStart()
        let low = 20_000
        if ephemeralStart > low + 1_000 {
            for _ in 0..<64 {
                let candidate = Int.random(in: low..<ephemeralStart)
                guard withBoundSocket(host: host, port: candidate, { _ in () }) != nil, handOut(candidate) else {
                    continue
                }
                return candidate
            }
        }
        return kernelChoice(host: host)
    }

    /// Ports handed out by this process in the last two minutes, with when: two apps started
    /// at once never get the same port before either has bound it.
    private static let handedOut = Mutex<[Int: ContinuousClock.Instant]>([:])

    private static func handOut(_ port: Int) -> Bool {
        handedOut.withLock { ports in
            let now = ContinuousClock.now
            ports = ports.filter { now - $0.value < .seconds(120) }
            guard ports[port] == nil else { return false }
            ports[port] = now
            return true
        }
    }

    /// Whether a socket of this machine listens on `port` (Linux: `/proc/net/tcp` and `tcp6`,
    /// read without connecting, so a server that is shutting down is not handed one more
    /// connection to wait for). Nil where the tables cannot be read.
    static func isListening(_ port: Int) -> Bool? {
        let wanted = ":" + String(format: "%04X", port) + " "
        var readAny = false
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            readAny = true
            // "  0: 0100007F:5BA0 00000000:0000 0A …": local address, remote address, state (0A = LISTEN).
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 3, fields[3] == "0A", (fields[1] + " ").hasSuffix(wanted) else { continue }
                return true
            }
        }
        return readAny ? false : nil
    }

    /// The first port of the kernel's ephemeral range (Linux), else the IANA default.
    static func ephemeralRangeStart() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = text.split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) })
        else { return 49_152 }
        return first
    }

    /// A port the kernel says is free now on `host` (bind to port 0, read it back, close).
    private static func kernelChoice(host: String) -> Int? {
        withBoundSocket(host: host, port: 0) { descriptor in
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let result = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            return result == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
        } ?? nil
    }

    /// True when something already listens on `host:port` (binding it fails).
    public static func isTaken(_ port: Int, host: String = "127.0.0.1") -> Bool {
        withBoundSocket(host: host, port: port) { _ in () } == nil
    }

    private static func withBoundSocket<Result>(host: String, port: Int, _ body: (Int32) -> Result) -> Result? {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return nil }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { return nil }
        return body(descriptor)
    }
}
