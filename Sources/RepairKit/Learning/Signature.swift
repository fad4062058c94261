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
        let entities = RouteEntities(route: group.route)
        routeShape = Self.shape(of: group.route, entities: entities)
        status = group.status.map(String.init) ?? group.violations.first?.result.failureKind?.rawValue ?? "none"
        let trace = group.trace.map { $0.cause == nil ? $0 : $0.rootCause }
        exceptionType =
            trace.map { $0.exceptionType.isEmpty ? group.kind.rawValue : $0.exceptionType } ?? group.kind.rawValue
        message = trace.map { Self.message($0.message, entities: entities) } ?? ""
    }

    /// A message with the route's entity names and what varies from app to app (quoted names,
    /// `table.column`, class names, values) made placeholders.
    static func message(_ text: String, entities: RouteEntities) -> String {
        MessageNormalizer.normalize(entities.abstract(text))
    }

    /// `/{collection}/{id}/{collection}` for `/authors/{author_id}/books`; a segment that names
    /// no entity stays as it is (`/{collection}/{id}/return`).
    static func shape(of route: String, entities: RouteEntities) -> String {
        let names = Set(entities.entities.flatMap { [$0.singular, $0.plural] })
        return "/"
            + route.split(separator: "/").map { segment -> String in
                if segment.hasPrefix("{") { return "{id}" }
                let word = segment.lowercased().replacingOccurrences(of: "-", with: "_")
                return names.contains(word) ? "{collection}" : String(segment)
            }.joined(separator: "/")
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
