/// A transfer that produced no HTTP response, classified the way a smoke verdict needs it.
public struct HTTPError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable {
        case connectionRefused = "connection_refused"
        case connectionReset = "connection_reset"
        case timeout
        case badURL = "bad_url"
        case transport
        /// The task that sent the request was cancelled; the transfer was stopped.
        case cancelled
    }

    public var kind: Kind
    /// libcurl's own words for the failure (`curl_easy_strerror`), plus its detail buffer.
    public var message: String
    public var duration: Duration

    public init(kind: Kind, message: String, duration: Duration = .zero) {
        self.kind = kind
        self.message = message
        self.duration = duration
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
