/// What a violation is, independent of the app and the entity it hit: method, route shape
/// (collection names abstracted), status, exception type, and the normalised message.
/// Patterns and lessons are keyed by it.
public struct Signature: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var method: String
    /// `/{collection}/{id}` for `/products/{product_id}`.
    public var routeShape: String
    /// The status, or the failure kind when no response came.
    public var status: String
    /// The exception type, or the group's kind when there was no trace.
    public var exceptionType: String
    public var message: String

    public init(_ group: ViolationGroup) {
        method = group.method
        routeShape = "/" + group.route.split(separator: "/").map { $0.hasPrefix("{") ? "{id}" : "{collection}" }.joined(separator: "/")
        status = group.status.map(String.init) ?? group.violations.first?.result.failureKind?.rawValue ?? "none"
        let trace = group.trace.map { $0.cause == nil ? $0 : $0.rootCause }
        exceptionType = trace.map { $0.exceptionType.isEmpty ? group.kind.rawValue : $0.exceptionType } ?? group.kind.rawValue
        message = trace.map { MessageNormalizer.normalize($0.message) } ?? ""
    }

    public var description: String {
        "\(method) \(routeShape) \(status) \(exceptionType)\(message.isEmpty ? "" : ": \(message)")"
    }

    /// The exception type written in a signature's description (`… 500 KeyError: <str>`).
    static func exceptionType(of description: String) -> String {
        let parts = description.split(separator: " ", maxSplits: 3)
        guard parts.count == 4 else { return "" }
        return String(parts[3].split(separator: ":").first ?? "")
    }

    /// A short stable key for the store.
    public var key: String { Fingerprint.hash(description) }
}
