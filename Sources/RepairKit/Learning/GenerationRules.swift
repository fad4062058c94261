import Foundation
import GRDB

/// What was learned, fed forward to the generator: promoted patterns as rules — per bug class,
/// what to generate instead, with one before/after example taken from a fix repaird kept —
/// and the GRAVEYARD as things not to do. Written as Markdown a person pastes into a
/// generator's prompt, or as JSON a pipeline reads.
public struct GenerationRules: Sendable {
    /// One bug class (a signature) and what healed it.
    public struct Rule: Sendable {
        public var signature: String
        public var kind: String
        public var exceptionType: String
        public var guidance: String
        /// The file the example was taken from, and its lines before and after the fix.
        public var file: String
        public var before: [String]
        public var after: [String]
        public var successes: Int
        public var failures: Int
        public var apps: Int
        public var patternID: Int64
    }

    /// A fix that failed for a bug class, never to be generated.
    public struct Avoid: Sendable {
        public var signature: String
        public var summary: String
        public var outcome: String
        public var count: Int
    }

    public var rules: [Rule]
    public var avoid: [Avoid]

    /// The promoted patterns of the store (with `candidates`, also candidates healed in at least
    /// two apps), one rule per signature from its best pattern; the lessons, most frequent first.
    public static func from(_ database: RepairDatabase, includeCandidates: Bool = false) throws -> GenerationRules {
        let patterns = try database.patterns()
        // Most frequent first, then as the store lists them.
        let lessons = try database.lessons().sorted {
            ($1.count, $0.signatureKey, $0.id ?? 0) < ($0.count, $1.signatureKey, $1.id ?? 0)
        }
        var best: [String: FixPattern] = [:]
        for pattern in patterns {
            let apps = appCount(pattern)
            let eligible =
                pattern.status == .promoted || (includeCandidates && pattern.status == .candidate && apps >= 2)
            guard eligible else { continue }
            if let current = best[pattern.signatureKey],
                (current.status == .promoted ? 1 : 0, current.successes) >= (
                    pattern.status == .promoted ? 1 : 0, pattern.successes
                )
            {
                continue
            }
            best[pattern.signatureKey] = pattern
        }
        let rules = best.values.sorted { ($0.successes, $0.signature) > ($1.successes, $1.signature) }.map { pattern in
            let example = Self.example(pattern.exampleDiff)
            return Rule(
                signature: pattern.signature, kind: pattern.kind, exceptionType: pattern.exceptionType,
                guidance: guidance(kind: pattern.kind, signature: pattern.signature), file: example.file,
                before: example.before, after: example.after, successes: pattern.successes, failures: pattern.failures,
                apps: appCount(pattern), patternID: pattern.id ?? 0)
        }
        let avoid = lessons.map {
            Avoid(signature: $0.signature, summary: $0.summary, outcome: $0.outcome, count: $0.count)
        }
        return GenerationRules(rules: rules, avoid: avoid)
    }

    static func appCount(_ pattern: FixPattern) -> Int {
        ((try? JSONDecoder().decode([String].self, from: Data(pattern.appsHealed.utf8))) ?? []).count
    }

    /// What to generate instead, for a bug class: said from its kind, status and exception.
    static func guidance(kind: String, signature: String) -> String {
        let parts = signature.split(separator: " ", maxSplits: 3).map(String.init)
        let endpoint = parts.count >= 2 ? "`\(parts[0]) \(parts[1])`" : "the endpoint"
        let failure = parts.count == 4 ? parts[3] : ""
        switch kind {
        case "route_missing":
            return
                "Declare \(endpoint) with exactly the path and method the spec gives; where a router or blueprint adds a prefix, write the path relative to it and check the joined result."
        case "wrong_success_status":
            return
                "Answer \(endpoint) with the success status the spec documents (201 for a create, 204 for a delete with no body)."
        case "missing_validation":
            return
                "Validate \(endpoint)'s input against the spec's bounds and formats, and refuse invalid input with a 4xx, in the schema or validator the handler uses."
        case "non_object_body", "invalid_utf8", "integer_overflow", "missing_field":
            return
                "Let \(endpoint) parse its body through the framework's validation (a schema, a validator), so a body that is not an object, not UTF-8, holds an integer beyond 64 bits or lacks a field is refused with a 4xx before any handler code runs."
        case "duplicate_unique":
            return
                "Where \(endpoint) creates a row with a unique value, check for it or catch the constraint error and answer 409 Conflict."
        case "not_readable_after_create":
            return
                "Answer \(endpoint) with the id under which the created resource is read back, and commit it before answering."
        case "readable_after_delete":
            return "Make \(endpoint) delete for real (and commit), so a read after it answers 404."
        case "wrong_status":
            return
                "Answer \(endpoint) with the status the spec documents for this case (404 for an unknown id, 409 for a conflict)."
        default:
            let lower = failure.lowercased()
            if lower.contains("unique constraint") || lower.contains("integrity") || lower.contains("constraint") {
                return
                    "Where \(endpoint) writes a row with a unique column, catch the database's constraint error and answer 409 Conflict; never let it become a 500."
            }
            if lower.contains("nonetype") {
                return
                    "In \(endpoint), check a lookup's result before using it and answer 404 for an unknown id, in the service the handler calls."
            }
            if lower.contains("undefined") || lower.contains("null") {
                return
                    "In \(endpoint), read only values that exist: the field names the model declares, and a lookup's result checked before use (404 for an unknown id)."
            }
            if lower.contains("await") || lower.contains("coroutine") {
                return
                    "In \(endpoint), await only what is awaitable, and await every call that returns a promise or coroutine."
            }
            if lower.contains("attribute") || lower.contains("reading") || lower.contains("keyword") {
                return
                    "In \(endpoint), use the field names the model and schema declare; every field the handler reads or writes must exist there."
            }
            return
                "\(endpoint) must not fail with `\(failure.isEmpty ? kind : failure)`: write it as in the example's after."
        }
    }

    /// The first hunk of a diff, as the lines before and after (at most 12 each), and its file.
    static func example(_ diff: String) -> (file: String, before: [String], after: [String]) {
        var file = "", before: [String] = [], after: [String] = [], inHunk = false
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("+++ ") {
                if inHunk { break }
                file = String(line.dropFirst(4)).replacingOccurrences(of: "b/", with: "", options: .anchored)
                continue
            }
            if line.hasPrefix("--- ") { continue }
            if line.hasPrefix("@@") {
                if inHunk { break }
                inHunk = true
                continue
            }
            guard inHunk else { continue }
            if line.hasPrefix("-") {
                before.append(String(line.dropFirst()))
            } else if line.hasPrefix("+") {
                after.append(String(line.dropFirst()))
            } else if line.hasPrefix(" ") || line.isEmpty {
                let text = line.isEmpty ? "" : String(line.dropFirst())
                before.append(text)
                after.append(text)
            }
        }
        func trimmed(_ lines: [String]) -> [String] {
            var lines = lines
            while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
            while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
            return Array(lines.prefix(12))
        }
        return (file, trimmed(before), trimmed(after))
    }

    /// The rules as Markdown for a generator's prompt.
    public var markdown: String {
        var text = """
            # Rules for generating web API apps

            Learned by repaird from generated apps that failed when called and were healed. Put this \
            in the code generator's prompt: each rule is a mistake generators repeat, what to \
            generate instead, and a fix that was kept.

            """
        if rules.isEmpty {
            text +=
                "\nNo pattern is promoted yet: a pattern is promoted when its fix was kept in more than 70% of at least 3 uses.\n"
        }
        for (index, rule) in rules.enumerated() {
            let language = Self.language(of: rule.file)
            text += """

                ## \(index + 1). \(rule.guidance)

                Seen as `\(rule.signature)`; this fix was kept \(rule.successes) of \(rule.successes + rule.failures) times, in \(rule.apps) app\(rule.apps == 1 ? "" : "s").

                Instead of (`\(rule.file)`):

                ```\(language)
                \(rule.before.joined(separator: "\n"))
                ```

                generate:

                ```\(language)
                \(rule.after.joined(separator: "\n"))
                ```

                """
        }
        if !avoid.isEmpty {
            text += "\n## Do not\n\nThese fixes were tried and failed; do not generate them.\n\n"
            for lesson in avoid.prefix(20) {
                text +=
                    "- `\(lesson.summary)` — \(lesson.outcome)\(lesson.count > 1 ? " ×\(lesson.count)" : "") on `\(lesson.signature)`\n"
            }
        }
        return text
    }

    /// The rules as JSON objects.
    public var json: [String: Any] {
        [
            "rules": rules.map { rule -> [String: Any] in
                [
                    "signature": rule.signature, "kind": rule.kind, "exception_type": rule.exceptionType,
                    "guidance": rule.guidance, "file": rule.file, "before": rule.before.joined(separator: "\n"),
                    "after": rule.after.joined(separator: "\n"), "successes": rule.successes, "failures": rule.failures,
                    "apps": rule.apps, "pattern_id": rule.patternID,
                ]
            },
            "avoid": avoid.map {
                ["signature": $0.signature, "summary": $0.summary, "outcome": $0.outcome, "count": $0.count]
            },
        ]
    }

    static func language(of file: String) -> String {
        switch (file as NSString).pathExtension {
        case "py": "python"
        case "js", "mjs", "cjs": "javascript"
        case "ts": "typescript"
        case "java": "java"
        case "go": "go"
        case "rb": "ruby"
        case "php": "php"
        default: ""
        }
    }
}
