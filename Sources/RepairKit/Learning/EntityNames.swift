/// The names a route's entity takes in code — `products`, `product`, `Product`,
/// `PRODUCT` — so a fix learned on one entity can be written for another.
public struct EntityNames: Sendable, Equatable {
    public var singular: String
    public var plural: String

    /// The entity of a route: its last collection segment (`/customers/{id}` → customer).
    public init?(route: String) {
        guard let collection = route.split(separator: "/").last(where: { !$0.hasPrefix("{") }) else { return nil }
        let plural = collection.lowercased().replacingOccurrences(of: "-", with: "_")
        let singular = PlanGenerator.singular(plural)
        guard singular.count >= 3 else { return nil }
        self.singular = singular
        self.plural = plural == singular ? singular + "s" : plural
    }

    /// Each spelling and the hole it becomes, longest first so `products` is not read as
    /// `product` + `s`.
    var spellings: [(text: String, hole: String)] {
        [
            (plural.uppercased(), "{{ENTITIES}}"), (capitalized(plural), "{{Entities}}"), (plural, "{{entities}}"),
            (singular.uppercased(), "{{ENTITY}}"), (capitalized(singular), "{{Entity}}"), (singular, "{{entity}}"),
        ].sorted { $0.0.count > $1.0.count }
    }

    private func capitalized(_ word: String) -> String {
        word.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// Replaces this entity's names in `text` by holes.
    public func abstract(_ text: String) -> String {
        var result = text
        for (spelling, hole) in spellings { result = result.replacingOccurrences(of: spelling, with: hole) }
        return result
    }

    /// Fills the holes of `template` with this entity's names.
    public func fill(_ template: String) -> String {
        var result = template
        for (spelling, hole) in spellings { result = result.replacingOccurrences(of: hole, with: spelling) }
        return result
    }
}

import Foundation
