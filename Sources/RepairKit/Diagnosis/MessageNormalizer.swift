import Foundation

/// Normalises an exception message the way Sentry groups events: the parts that change
/// from one request to the next (ids, numbers, quoted values, addresses) become placeholders,
/// so "KeyError: 'product_name'" and "KeyError: 'customer_name'" read the same.
public enum MessageNormalizer {
    private static let rules: [(NSRegularExpression, String)] = [
        (#"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>]+"#, "<url>"),
        (#"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"#, "<email>"),
        (#"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"#, "<uuid>"),
        // A quote opens after no letter, so `can't be used in 'await'` keeps its apostrophe;
        // built-in type names say what went wrong and stay.
        (
            #"(?<![\p{L}\p{N}])'(?!(?:NoneType|str|int|float|dict|list|tuple|bool|bytes|set|coroutine|function|module|type)')[^'\n]*'(?![\p{L}\p{N}])"#,
            "<str>"
        ),
        (#"(?<![\p{L}\p{N}])"[^"\n]*"|`[^`\n]*`"#, "<str>"),
        // A table's column, a class's attribute (`members.email`, `clinic_patient.email`).
        (#"(?:\{\{[A-Za-z0-9:]+\}\}|\b[a-z_][a-z0-9_]*)\.[a-z_][a-z0-9_]*\b"#, "<name>.<name>"),
        // Class names of several words (`CartItem`, `BookCreate`), not exception types, and
        // entity holes.
        (
            #"\b(?!NoneType\b)(?![A-Za-z0-9]*(?:Error|Exception|Warning)\b)[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b"#,
            "<Name>"
        ),
        (#"\{\{[A-Za-z0-9:]+\}\}"#, "<name>"),
        // A list of names (`Choices are: doctor, doctor_id, duration, …`): its order follows
        // the names, so the whole list is one placeholder.
        (#"\b[\w<>.]+(?:, [\w<>.]+){3,}"#, "<list>"),
        (#"\b0x[0-9a-fA-F]+\b"#, "<hex>"),
        (#"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b"#, "<hex>"),
        (#"-?\b\d+(\.\d+)?\b"#, "<num>"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    public static func normalize(_ message: String) -> String {
        var text = message
        for (expression, placeholder) in rules {
            text = expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: placeholder)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
