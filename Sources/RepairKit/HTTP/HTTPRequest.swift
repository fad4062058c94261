import Foundation

/// One HTTP request as the smoke executor and the health probe send it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Wall-clock limit for the whole transfer, connection included.
    public var timeout: Duration

    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.timeout == rhs.timeout
            && lhs.headers.map { "\($0.name): \($0.value)" } == rhs.headers.map { "\($0.name): \($0.value)" }
    }
}

/// What came back: the status, the body (cut at the client's limit) and how long it took.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// True when the server sent more than the client keeps.
    public var bodyTruncated: Bool
    public var duration: Duration
    /// Response headers as received (the last response's, after redirects or `100 Continue`).
    public var headers: [(name: String, value: String)]

    public init(
        status: Int, body: [UInt8], bodyTruncated: Bool = false, duration: Duration,
        headers: [(name: String, value: String)] = []
    ) {
        self.status = status
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.duration = duration
        self.headers = headers
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The first header named `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.bodyTruncated == rhs.bodyTruncated
            && lhs.duration == rhs.duration
            && lhs.headers.map { "\($0.name): \($0.value)" } == rhs.headers.map { "\($0.name): \($0.value)" }
    }
}
