import Foundation

/// Masks what must never leave: in prompts, the store, the answer cache, reports and logs.
///
/// Two readings of text: **data** (app output, bodies, traces, answers) masks every secret
/// it recognises; **source** (windows of the app's files) is shown as written, and only a
/// literal secret *value* is masked — `if not token:` and `password = payload["password"]`
/// are code, not secrets, and a fix on those lines must still place.
public struct SecretRedactor: Sendable {
    /// Literal values to mask wherever they appear (the configured API keys' values).
    public var secrets: [String]

    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 6 }
    }

    /// The redactor for a cycle: the values of the configured LLM key variables, of every
    /// variable of `environment` whose name looks secret, and of those `plan` reads.
    public static func forCycle(
        config: RepairConfig, environment: [String: String], plan: SmokePlan? = nil
    ) -> SecretRedactor {
        // What a plan reads from the environment (`${API_KEY}`) is masked whatever its name.
        var values = plan.map { Array($0.environmentValues(config: config, environment: environment).values) } ?? []
        for name in [config.llm.primary.apiKeyEnv, config.llm.fallback?.apiKeyEnv].compactMap({ $0 }) {
            if let value = environment[name] { values.append(value) }
        }
        for (name, value) in environment where AppEnvironment.looksSecret(name) && value.count >= 8 {
            values.append(value)
        }
        // Longest first, so a value that contains another is masked whole.
        return SecretRedactor(secrets: Array(Set(values)).sorted { $0.count > $1.count })
    }

    /// Adds literal values to mask (those shorter than 6 characters are not: they would
    /// mask ordinary text), longest first.
    public mutating func add(_ values: some Sequence<String>) {
        secrets = Array(Set(secrets + values.filter { $0.count >= 6 })).sorted { $0.count > $1.count }
    }

    static let mask = "[redacted]"

    /// Names that hold secrets: `password`, `client_secret`, `refresh_token`, `AWS_SECRET_ACCESS_KEY`, …
    private static let secretName =
        #"[A-Za-z0-9_.-]*(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|session[_-]?id|cookie)[A-Za-z0-9_.-]*"#

    private static func rule(_ pattern: String, _ template: String) -> (NSRegularExpression, String) {
        (try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]), template)
    }

    /// Rules for both readings.
    private static let always: [(NSRegularExpression, String)] = [
        // PEM private key blocks.
        rule(
            #"-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----"#,
            "-----BEGIN $1PRIVATE KEY-----[redacted]-----END $1PRIVATE KEY-----"),
        // Credentials in URLs: scheme://user:password@host.
        rule(#"\b([a-z][a-z0-9+.-]*://[^\s:/@"']+:)([^\s@/"']+)(@)"#, "$1[redacted]$3"),
        // JSON Web Tokens.
        rule(#"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"#, "[redacted]"),
        // Keys with a known prefix.
        rule(#"\b(?:sk|pk|rk)[-_](?:live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{12,}"#, "[redacted]"),
        rule(#"\b(?:ghp|gho|ghu|ghs|ghr|github_pat|glpat|xox[abprs])[-_][A-Za-z0-9_-]{10,}"#, "[redacted]"),
        rule(#"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#, "[redacted]"),
        rule(#"\bAIza[0-9A-Za-z_-]{30,}"#, "[redacted]"),
        // Bearer and Basic credentials.
        rule(#"\b(bearer|basic)[ \t]+[A-Za-z0-9._~+/=-]{8,}"#, "$1 [redacted]"),
    ]

    /// A quoted literal assigned to a secret name: password = "s3cret-1", "refresh_token": "…".
    /// Groups: 1 what comes before the value, 2 the quote, 3 the value.
    private static let quotedAssignment = try! NSRegularExpression(
        pattern: #"(["']?\b"# + secretName + #"\b["']?[ \t]*(?::|=|=>)[ \t]*)(["'])((?:(?!\2)[^\\\n]|\\.){4,})\2"#,
        options: [.caseInsensitive])

    /// Whether a value assigned to a secret-looking name is a secret rather than a word such as
    /// `"bearer"` (a `token_type`): long, or mixing letters with digits or symbols.
    static func looksLikeSecretValue(_ value: Substring) -> Bool {
        if value.count >= 20 { return true }
        guard value.count >= 8 else { return false }
        let classes = [
            value.contains(where: \.isLowercase), value.contains(where: \.isUppercase),
            value.contains(where: \.isNumber), value.contains { !$0.isLetter && !$0.isNumber },
        ]
        return classes.filter { $0 }.count >= 2
    }

    /// Rules for data only: values that are not quoted.
    private static let dataOnly: [(NSRegularExpression, String)] = [
        // Cookie and Set-Cookie headers: every value.
        rule(#"\b((?:set-)?cookie:[ \t]*)[^\r\n]+"#, "$1[redacted]"),
        // name=value and name: value with a value that is a token, not code (not followed by
        // `(`, `[` or `.name`): AWS_SECRET_ACCESS_KEY=…, ?access_token=…, refresh_token: ….
        rule(
            #"(\b"# + secretName + #"\b[ \t]*(?::|=)[ \t]*)([A-Za-z0-9+/=_~.-]{6,})(?![A-Za-z0-9+/=_~.\[(-])"#,
            "$1[redacted]"),
    ]

    /// Masks every secret recognised in app output, bodies, traces or answers.
    public func redact(_ text: String) -> String {
        apply(Self.dataOnly, to: quoted(apply(Self.always, to: literals(text))))
    }

    /// Masks only literal secret values in source code; code that handles secrets is kept.
    public func redactSource(_ text: String) -> String {
        quoted(apply(Self.always, to: literals(text)))
    }

    /// Masks quoted values assigned to secret names when they look like secrets.
    private func quoted(_ text: String) -> String {
        let source = text as NSString
        var result = ""
        var last = 0
        for match in Self.quotedAssignment.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let valueRange = match.range(at: 3)
            guard let range = Range(valueRange, in: text), Self.looksLikeSecretValue(text[range]) else { continue }
            result += source.substring(with: NSRange(location: last, length: valueRange.location - last)) + Self.mask
            last = valueRange.location + valueRange.length
        }
        return last == 0 ? text : result + source.substring(from: last)
    }

    private func literals(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return result
    }

    private func apply(_ rules: [(NSRegularExpression, String)], to text: String) -> String {
        var result = text
        for (expression, template) in rules {
            result = expression.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result
    }
}
