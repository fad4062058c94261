/// English number for the nouns routes are made of: `categories` ↔ `category`, `people` ↔
/// `person`, `statuses` ↔ `status`, `shelves` ↔ `shelf`.
public enum Inflection {
    static let irregular: [(singular: String, plural: String)] = [
        ("person", "people"), ("child", "children"), ("man", "men"), ("woman", "women"), ("mouse", "mice"),
        ("goose", "geese"), ("foot", "feet"), ("tooth", "teeth"), ("ox", "oxen"), ("criterion", "criteria"),
        ("datum", "data"), ("medium", "media"), ("analysis", "analyses"), ("thesis", "theses"),
        ("leaf", "leaves"), ("shelf", "shelves"), ("knife", "knives"), ("wife", "wives"), ("life", "lives"),
        ("half", "halves"), ("wolf", "wolves"), ("hero", "heroes"), ("potato", "potatoes"), ("tomato", "tomatoes"),
        ("echo", "echoes"), ("quiz", "quizzes"), ("index", "indices"), ("matrix", "matrices"), ("vertex", "vertices"),
        // Singulars ending in -s, whose plurals would read as -se nouns (`purchases`, `cases`).
        ("canvas", "canvases"), ("alias", "aliases"), ("bias", "biases"), ("atlas", "atlases"), ("gas", "gases"),
        ("lens", "lenses"), ("iris", "irises"),
    ]
    /// Words whose singular and plural are one.
    static let invariant: Set<String> = ["series", "species", "news", "info", "equipment", "feedback", "metadata"]

    /// The singular of a plural noun (a singular comes back unchanged); `-` reads as `_`, the
    /// last `_` part is the one inflected (`order_items` → `order_item`).
    public static func singular(_ word: String) -> String {
        let lower = word.lowercased().replacingOccurrences(of: "-", with: "_")
        let head = lower.split(separator: "_").dropLast().map { $0 + "_" }.joined()
        let last = String(lower.split(separator: "_").last ?? "")
        return head + singularWord(last)
    }

    /// The plural of a singular noun.
    public static func plural(_ word: String) -> String {
        let lower = word.lowercased().replacingOccurrences(of: "-", with: "_")
        let head = lower.split(separator: "_").dropLast().map { $0 + "_" }.joined()
        let last = String(lower.split(separator: "_").last ?? "")
        return head + pluralWord(last)
    }

    private static func singularWord(_ lower: String) -> String {
        if invariant.contains(lower) { return lower }
        if let pair = irregular.first(where: { $0.plural == lower }) { return pair.singular }
        if irregular.contains(where: { $0.singular == lower }) { return lower }
        if lower.hasSuffix("ies"), lower.count > 4 { return String(lower.dropLast(3)) + "y" }
        for suffix in ["sses", "xes", "ches", "shes", "zzes"] where lower.hasSuffix(suffix) {
            return String(lower.dropLast(2))
        }
        // `statuses`, `campuses`, `bonuses`; not `houses`, `causes`.
        if lower.hasSuffix("uses"), lower.count > 4, let before = lower.dropLast(4).last, !"aeiou".contains(before) {
            return String(lower.dropLast(2))
        }
        if lower.hasSuffix("s") && !lower.hasSuffix("ss") && !lower.hasSuffix("us") && !lower.hasSuffix("is") {
            return String(lower.dropLast())
        }
        return lower
    }

    private static func pluralWord(_ lower: String) -> String {
        if invariant.contains(lower) { return lower }
        if let pair = irregular.first(where: { $0.singular == lower }) { return pair.plural }
        if let last = lower.last, last == "y", lower.count > 1, !"aeiou".contains(lower.dropLast().last!) {
            return String(lower.dropLast()) + "ies"
        }
        for suffix in ["s", "x", "ch", "sh", "z"] where lower.hasSuffix(suffix) { return lower + "es" }
        return lower + "s"
    }
}

/// The names one entity takes in code — `order_items`, `order_item`, `OrderItem`, `orderItems`,
/// `order-items`, `ORDER_ITEM` — so a fix learned on one entity can be written for another.
public struct EntityNames: Sendable, Equatable {
    public var singular: String
    public var plural: String

    /// From a route segment, plural or singular (`categories`, `person`, `order-items`).
    public init?(word: String) {
        let singular = Inflection.singular(word)
        guard singular.count >= 3, singular.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        self.singular = singular
        let plural = Inflection.plural(singular)
        self.plural = plural
    }

    /// The entity of a route: its own (last) entity (`/customers/{id}/orders` → order).
    public init?(route: String) {
        guard let own = RouteEntities(route: route).entities.last else { return nil }
        self = own
    }

    /// Each spelling with its hole, for a role (`entity`, `parent`, `parent2`): `{{entity}}`,
    /// `{{Entities}}`, `{{ENTITY}}`, and for names of several words `{{entity:camel}}`,
    /// `{{entities:kebab}}`.
    func spellings(role: String) -> [(text: String, hole: String)] {
        Self.holes(role: role).map { hole in (spelling(hole.form, plural: hole.plural), hole.text) }
    }

    /// A form of a role's name: its hole's text, whether it is the plural, and its spelling.
    struct Hole {
        enum Form { case upper, camel, lower, lowerCamel, kebab }
        var text: String
        var plural: Bool
        var form: Form
    }

    static func holes(role: String) -> [Hole] {
        let digits = role.drop { $0.isLetter }
        let base = String(role.prefix { $0.isLetter })
        var result: [Hole] = []
        for (word, plural) in [(base == "entity" ? "entities" : base + "s", true), (base, false)] {
            let name = word + digits
            result.append(Hole(text: "{{\(name.uppercased())}}", plural: plural, form: .upper))
            result.append(
                Hole(text: "{{\(name.prefix(1).uppercased() + name.dropFirst())}}", plural: plural, form: .camel))
            result.append(Hole(text: "{{\(name)}}", plural: plural, form: .lower))
            result.append(Hole(text: "{{\(name):camel}}", plural: plural, form: .lowerCamel))
            result.append(Hole(text: "{{\(name):kebab}}", plural: plural, form: .kebab))
        }
        return result
    }

    func spelling(_ form: Hole.Form, plural: Bool) -> String {
        let word = plural ? self.plural : singular
        let parts = word.split(separator: "_").map(String.init)
        let camel = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        switch form {
        case .upper: return word.uppercased()
        case .camel: return camel
        case .lower: return word
        case .lowerCamel: return camel.prefix(1).lowercased() + camel.dropFirst()
        case .kebab: return parts.joined(separator: "-")
        }
    }
}

/// The entities a route is about, outermost first: `/authors/{author_id}/books` is about an
/// author (the parent) and its books (the route's own entity). A literal segment is an entity
/// when a parameter follows it, or when it ends the route and is a plural or the only segment;
/// `/loans/{id}/return` is about loans only (`return` is an action).
public struct RouteEntities: Sendable, Equatable {
    public var entities: [EntityNames]
    /// The app's other entities (from its plan's routes): a fix may name them too
    /// (`Loan.member` on `POST /loans`). In a template they are `{{other}}`, `{{other2}}`, …
    /// numbered by where they first appear.
    public var others: [EntityNames] = []

    init(entities: [EntityNames]) { self.entities = entities }

    /// The route's entities, and the app's others from `vocabulary`.
    public init(route: String, vocabulary: [EntityNames]) {
        self.init(route: route)
        others = vocabulary.filter { !entities.contains($0) }
    }

    /// Every entity of every route of `routes`, in order of first appearance.
    public static func vocabulary(of routes: [String]) -> [EntityNames] {
        var result: [EntityNames] = []
        for route in routes {
            for names in RouteEntities(route: route).entities where !result.contains(names) { result.append(names) }
        }
        return result
    }

    public init(route: String) {
        let segments = route.split(separator: "/").map(String.init)
        var found: [EntityNames] = []
        let literals = segments.filter { !$0.hasPrefix("{") && !$0.hasPrefix(":") && !$0.hasPrefix("<") }
        for (index, segment) in segments.enumerated() where !segment.hasPrefix("{") {
            let nextIsParameter = index + 1 < segments.count && segments[index + 1].hasPrefix("{")
            let isLast = index == segments.count - 1
            let lower = segment.lowercased().replacingOccurrences(of: "-", with: "_")
            let plural = Inflection.singular(lower) != lower || Inflection.invariant.contains(lower)
            guard nextIsParameter || (isLast && (plural || literals.count == 1)),
                let names = EntityNames(word: segment), !found.contains(names)
            else { continue }
            found.append(names)
        }
        entities = found
    }

    /// The role of each entity: the route's own is `entity`, the one before `parent`, then
    /// `parent2`, `parent3`.
    var roles: [(names: EntityNames, role: String)] {
        entities.reversed().enumerated().map { index, names in
            (names, index == 0 ? "entity" : index == 1 ? "parent" : "parent\(index)")
        }
    }

    /// Every spelling of every entity and its hole, longest first, so `products` is not read
    /// as `product` + `s`; with the other entities `text` names, by where they first appear.
    func spellings(naming text: String? = nil) -> [(text: String, hole: String)] {
        var assigned = roles
        if let text, !others.isEmpty {
            var rest = text
            for (spelling, hole) in RouteEntities(entities: entities).spellings() {
                rest = Self.replacingWords(spelling, with: hole, in: rest)
            }
            let present = others.compactMap { names -> (EntityNames, Int)? in
                let first = names.spellings(role: "other").compactMap { Self.firstWord($0.text, in: rest) }.min()
                return first.map { (names, $0) }
            }.sorted { $0.1 < $1.1 }
            for (index, (names, _)) in present.enumerated() {
                assigned.append((names, index == 0 ? "other" : "other\(index + 1)"))
            }
        }
        var seen: Set<String> = []
        // A one-word name spells the same in several forms: its first hole stands for all.
        return assigned.flatMap { $0.names.spellings(role: $0.role) }.filter { seen.insert($0.text).inserted }
            .sorted { $0.text.count > $1.text.count }
    }

    /// Replaces the entities' names in `text` by holes, where a name stands as a word or as a
    /// part of an identifier (`get_loan`, `LoanCreate`, `loanId`), never inside another word
    /// (`stat` in `status`).
    public func abstract(_ text: String) -> String {
        var result = text
        for (spelling, hole) in spellings(naming: text) {
            result = Self.replacingWords(spelling, with: hole, in: result)
        }
        return result
    }

    /// Fills the holes of `template` with these entities' names; nil when it has a hole this
    /// route has no entity for, or names other entities (see `fillings`).
    public func fill(_ template: String) -> String? {
        fillings(template, limit: 1).first.flatMap { Self.otherHoles.contains(where: template.contains) ? nil : $0 }
    }

    /// Every way to fill `template`: the route's holes by role, each other-entity hole by one
    /// of the app's other entities (each used once), at most `limit` ways.
    public func fillings(_ template: String, limit: Int = 24) -> [String] {
        var base = template
        for (names, role) in roles {
            for hole in EntityNames.holes(role: role) {
                base = base.replacingOccurrences(of: hole.text, with: names.spelling(hole.form, plural: hole.plural))
            }
        }
        let needed = (0..<4).map { $0 == 0 ? "other" : "other\($0 + 1)" }.prefix {
            role in EntityNames.holes(role: role).contains { base.contains($0.text) }
        }
        var results: [String] = []
        func assign(_ index: Int, _ text: String, _ used: [EntityNames]) {
            guard results.count < limit else { return }
            guard index < needed.count else {
                if !Self.allHoles.contains(where: text.contains) { results.append(text) }
                return
            }
            for names in others where !used.contains(names) {
                var filled = text
                for hole in EntityNames.holes(role: needed[index]) {
                    filled = filled.replacingOccurrences(
                        of: hole.text, with: names.spelling(hole.form, plural: hole.plural))
                }
                assign(index + 1, filled, used + [names])
            }
        }
        assign(0, base, [])
        return results
    }

    static let otherHoles: [String] = ["other", "other2", "other3", "other4"].flatMap {
        EntityNames.holes(role: $0).map(\.text)
    }

    static let allHoles: [String] =
        ["entity", "parent", "parent2", "parent3", "parent4"].flatMap { EntityNames.holes(role: $0).map(\.text) }
        + otherHoles

    /// Where `word` first stands on identifier-part boundaries in `text`.
    static func firstWord(_ word: String, in text: String) -> Int? {
        let marked = replacingWords(word, with: "\u{0}", in: text)
        return marked.firstIndex(of: "\u{0}").map { marked.distance(from: marked.startIndex, to: $0) }
    }

    /// `text` with each occurrence of `word` that stands on identifier-part boundaries replaced.
    static func replacingWords(_ word: String, with replacement: String, in text: String) -> String {
        let characters = Array(text), pattern = Array(word)
        guard !pattern.isEmpty, characters.count >= pattern.count else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var index = 0
        while index < characters.count {
            if characters[index] == pattern[0], index + pattern.count <= characters.count,
                Array(characters[index..<(index + pattern.count)]) == pattern,
                startsPart(characters, at: index, first: pattern[0]),
                endsPart(characters, at: index + pattern.count, last: pattern[pattern.count - 1])
            {
                result.append(replacement)
                index += pattern.count
            } else {
                result.append(characters[index])
                index += 1
            }
        }
        return result
    }

    private static func startsPart(_ text: [Character], at index: Int, first: Character) -> Bool {
        guard index > 0 else { return true }
        let before = text[index - 1]
        if !before.isLetter && !before.isNumber { return true }
        if before == "_" { return true }
        // A camel-case part: `findLoan`, `getLoans`.
        return first.isUppercase && (before.isLowercase || before.isNumber)
    }

    private static func endsPart(_ text: [Character], at index: Int, last: Character) -> Bool {
        guard index < text.count else { return true }
        let after = text[index]
        if !after.isLetter && !after.isNumber { return true }
        // `LoanCreate`, `loanId`, `LOAN` followed by nothing of its own case.
        return after.isUppercase && !last.isUppercase
    }
}
