import Foundation

extension SourceLocator {
    /// Definitions the fix may lie in beyond the failing lines: the classes the error message
    /// names (`'BookCreate' object has no attribute 'genre'`), the types in the failing
    /// function's signature (request schemas, models), and the functions it calls through an
    /// imported module (`service.return_loan(...)`). Each is shown whole, so a missing field
    /// or a missing check can be added where it belongs. Bounded by `limit`.
    func relatedDefinitions(for places: [SourceLocation], message: String?, limit: Int = 4) -> [SourceLocation] {
        var found: [SourceLocation] = []
        func add(_ location: SourceLocation?) {
            guard let location, found.count < limit,
                !found.contains(where: { $0.file == location.file && $0.line == location.line }),
                !places.contains(where: { $0.file == location.file && $0.line == location.line })
            else { return }
            found.append(location)
        }
        for name in Self.typeNames(in: message ?? "") { add(classDefinition(of: name)) }
        // The failing places, then the functions they call, then what those call: a handler's
        // fix is often two calls down (handler → service → validation).
        var frontier = places.map { (place: $0, depth: 0) }
        while !frontier.isEmpty, found.count < limit {
            let (place, depth) = frontier.removeFirst()
            guard let line = place.line, let source = files.first(where: { $0.path == place.file }),
                line <= source.lines.count,
                let function = Self.opensFunction(source.lines[line - 1])
                    ? (line, Self.blockEnd(from: line - 1, in: source.lines))
                    : enclosingFunction(at: line, in: source.lines)
            else { continue }
            let body = source.lines[(function.first - 1)..<function.last]
            if depth == 0 {
                let signature =
                    body.prefix { !$0.containsBytes(")") }.joined(separator: " ")
                    + (body.first { $0.containsBytes(")") } ?? "")
                for name in Self.typeNames(in: String(signature)) { add(classDefinition(of: name)) }
            }
            let imported = imports(in: source)
            for text in body {
                let calls =
                    Self.moduleCalls(in: text).compactMap { call in
                        imported.modules[call.alias].map { ($0, call.function) }
                    }
                    + imported.functions.filter { Self.calls($0.key, in: text) }.map { ($0.value, $0.key) }
                for (module, called) in calls {
                    guard let definition = functionDefinition(of: called, in: module) else { continue }
                    var location = definition
                    location.note = "\(called), called from \(place.function ?? place.file)"
                    let before = found.count
                    add(location)
                    if found.count > before, depth < 1 { frontier.append((location, depth + 1)) }
                }
            }
        }
        return found
    }

    /// Whether a line starts a function body: a definition, or a route declaration whose
    /// handler is written inline (`router.get('/x', async (req, res) => {`).
    static func opensFunction(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("def ") || trimmed.hasPrefix("async def ") || trimmed.hasPrefix("function ")
            || (trimmed.hasSuffix("{") && (trimmed.containsBytes("=>") || trimmed.containsBytes("function")))
    }

    /// `class Name` in the app, with its body.
    func classDefinition(of name: String) -> SourceLocation? {
        for file in files {
            for (index, line) in file.lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard
                    trimmed.hasPrefix("class \(name)(") || trimmed.hasPrefix("class \(name):")
                        || trimmed.hasPrefix("class \(name) ")
                        || trimmed.hasPrefix("export class \(name) ") || trimmed.hasPrefix("interface \(name) ")
                else { continue }
                return SourceLocation(
                    file: file.path, line: index + 1, function: name, note: "definition of \(name)", text: trimmed,
                    lastLine: Self.blockEnd(from: index, in: file.lines))
            }
        }
        return nil
    }

    /// `def name(` / `function name(` in one file, with its body.
    func functionDefinition(of name: String, in file: String) -> SourceLocation? {
        guard let source = files.first(where: { $0.path == file }) else { return nil }
        for (index, line) in source.lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard Self.defines(name, trimmed) else { continue }
            return SourceLocation(
                file: file, line: index + 1, function: name, note: "definition of \(name)", text: trimmed,
                lastLine: Self.blockEnd(from: index, in: source.lines))
        }
        return nil
    }

    /// Whether a trimmed line defines the function `name`: `def`/`async def`, `function`/
    /// `async function` (exported or not), or a function assigned to a name
    /// (`const name = async (id) => {`, `const name = function (`).
    static func defines(_ name: String, _ trimmed: String) -> Bool {
        var line = Substring(trimmed)
        for prefix in ["export ", "default "] where line.hasPrefix(prefix) { line = line.dropFirst(prefix.count) }
        if line.hasPrefix("def \(name)(") || line.hasPrefix("async def \(name)(") || line.hasPrefix("function \(name)(")
            || line.hasPrefix("async function \(name)(")
        {
            return true
        }
        for keyword in ["const ", "let ", "var "] where line.hasPrefix(keyword + name + " = ") {
            let value = line.dropFirst(keyword.count + name.count + 3)
            return value.hasPrefix("(") || value.hasPrefix("async") || value.hasPrefix("function")
                || value.first.map { $0.isLetter && value.containsBytes("=>") } == true
        }
        return false
    }

    /// Whether a trimmed line starts a function definition of any name.
    static func startsDefinition(_ trimmed: String) -> Bool {
        if trimmed.hasPrefix("def ") || trimmed.hasPrefix("async def ") || trimmed.hasPrefix("function ")
            || trimmed.hasPrefix("async function ") || trimmed.hasPrefix("export function ")
            || trimmed.hasPrefix("export async function ")
        {
            return true
        }
        let words = trimmed.split(separator: " ", maxSplits: 2)
        guard words.count == 3, ["const", "let", "var"].contains(words[0]) else { return false }
        return defines(String(words[1]), trimmed)
    }

    /// The function whose body holds `line`: its first and last line.
    func enclosingFunction(at line: Int, in lines: [Substring]) -> (first: Int, last: Int)? {
        guard line >= 1, line <= lines.count else { return nil }
        var index = line - 1
        while index >= 0 {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if Self.startsDefinition(trimmed) {
                // A definition that ended before the line does not hold it.
                let end = Self.blockEnd(from: index, in: lines)
                return end >= line ? (index + 1, end) : nil
            }
            if line - index > 80 { return nil }
            index -= 1
        }
        return nil
    }

    /// The modules a file imports under a name: `from app.services import loans as service`,
    /// `import app.repositories.loans as repository`, `const store = require('./store')`.
    func importedModules(in source: (path: String, lines: [Substring])) -> [String: String] {
        imports(in: source).modules
    }

    /// What a file imports from the app's own files: modules under a name, and functions taken
    /// by name (`from app.schemas import validate_task`, `const { validate } = require('./v')`).
    func imports(
        in source: (path: String, lines: [Substring])
    ) -> (modules: [String: String], functions: [String: String]) {
        let paths = Set(files.map(\.path))
        let folder = (source.path as NSString).deletingLastPathComponent
        var modules: [String: String] = [:]
        var functions: [String: String] = [:]
        func file(for module: String) -> String? {
            let relative =
                module.hasPrefix(".")
                ? Self.normalised(folder.isEmpty ? module : folder + "/" + module)
                : module.replacingOccurrences(of: ".", with: "/")
            return ["py", "js", "ts", "mjs", "cjs"].map { "\(relative).\($0)" }.first(where: paths.contains)
                ?? (paths.contains(relative) ? relative : nil)
        }
        for line in source.lines {
            let words = line.split(separator: " ").map(String.init)
            if words.first == "from", words.count >= 4, words[2] == "import" {
                // from A import B as C, D
                let names = words[3...].joined(separator: " ").split(separator: ",")
                for entry in names {
                    let parts = entry.split(separator: " ").map(String.init)
                    guard let name = parts.first?.trimmingCharacters(in: CharacterSet(charactersIn: "()")) else {
                        continue
                    }
                    let alias = parts.count == 3 && parts[1] == "as" ? parts[2] : name
                    if let path = file(for: "\(words[1]).\(name)") {
                        modules[alias] = path
                    } else if let path = file(for: words[1]) {
                        functions[alias] = path
                    }
                }
            } else if words.first == "import", words.count >= 2 {
                let alias = words.count == 4 && words[2] == "as" ? words[3] : words[1]
                if let path = file(for: words[1]) { modules[alias] = path }
            } else if let range = line.rangeOfBytes("require("),
                let literal = RouteTable.firstString(in: String(line[range.upperBound...])),
                let equals = line.firstIndex(of: "="), equals < range.lowerBound
            {
                let binding = line[..<equals]
                if let open = binding.firstIndex(of: "{"), let close = binding.firstIndex(of: "}"), open < close {
                    // const { a, b: c } = require('./module')
                    for entry in binding[binding.index(after: open)..<close].split(separator: ",") {
                        let name = entry.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? ""
                        if !name.isEmpty, let path = file(for: literal) { functions[name] = path }
                    }
                } else {
                    let alias = binding.split(separator: " ").last.map(String.init) ?? ""
                    if let path = file(for: literal) { modules[alias] = path }
                }
            }
        }
        return (modules, functions)
    }

    /// A relative path with `.` and `..` resolved (`src/routes/../db` is `src/db`).
    static func normalised(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", !parts.isEmpty, parts.last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }

    /// Whether the line calls `name(` as a plain function (not `other.name(`).
    static func calls(_ name: String, in line: Substring) -> Bool {
        var search = line[...]
        while let range = search.range(of: name + "(") {
            let before = range.lowerBound == line.startIndex ? " " : line[line.index(before: range.lowerBound)]
            if !(before.isLetter || before.isNumber || before == "_" || before == ".") { return true }
            search = line[range.upperBound...]
        }
        return false
    }

    /// `alias.function(` calls in a line.
    static func moduleCalls(in line: Substring) -> [(alias: String, function: String)] {
        var calls: [(String, String)] = []
        var index = line.startIndex
        while let dot = line[index...].firstIndex(of: ".") {
            let before = line[..<dot].reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            let after = line[line.index(after: dot)...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            let end = line.index(dot, offsetBy: after.count + 1, limitedBy: line.endIndex) ?? line.endIndex
            if !before.isEmpty, !after.isEmpty, end < line.endIndex, line[end] == "(" {
                calls.append((String(before.reversed()), String(after)))
            }
            index = line.index(after: dot)
        }
        return calls
    }

    /// Capitalised identifiers that look like type names (`BookCreate`, `LoanOut`), in order.
    static func typeNames(in text: String) -> [String] {
        let ignored: Set<String> = [
            "None", "NoneType", "True", "False", "Session", "Depends", "Optional", "List", "Dict", "Any",
            "Exception", "Error", "Response", "Request", "HTTPException", "String", "Integer", "Date",
        ]
        var names: [String] = []
        for token in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            guard let first = token.first, first.isUppercase, token.count > 2, token.contains(where: \.isLowercase),
                !ignored.contains(String(token)), !token.hasSuffix("Error"), !names.contains(String(token))
            else { continue }
            names.append(String(token))
        }
        return names
    }

    /// The last line of the block starting at `index` (0-based): by indentation for Python,
    /// by the closing brace at the same indentation otherwise. At most 40 lines.
    static func blockEnd(from index: Int, in lines: [Substring]) -> Int {
        let indent = lines[index].prefix { $0 == " " || $0 == "\t" }.count
        let opensBrace = lines[index].containsBytes("{")
        var last = index
        for next in (index + 1)..<min(lines.count, index + 40) {
            let text = lines[next]
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let nextIndent = text.prefix { $0 == " " || $0 == "\t" }.count
            if opensBrace {
                last = next
                if nextIndent == indent && trimmed.hasPrefix("}") { break }
            } else {
                if nextIndent <= indent && !trimmed.hasPrefix(")") && !trimmed.hasPrefix("@") { break }
                if nextIndent <= indent && trimmed.hasPrefix("@") { break }
                last = next
            }
        }
        return last + 1
    }
}
