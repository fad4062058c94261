import Foundation

/// Finds places in an app's source: where it declares routes, which handler serves one.
/// Plain text search over the source files, so it works for any framework that writes
/// route paths as string literals.
struct SourceLocator {
    static let sourceExtensions: Set<String> = [
        "py", "js", "mjs", "cjs", "ts", "go", "rb", "java", "kt", "cs", "php", "swift",
    ]
    static let skippedFolders: Set<String> = [
        ".repair", ".git", "node_modules", "vendor", "__pycache__", ".venv", "venv", "site-packages", "build", "dist",
        "target", ".build", "tests", "test", "spec",
    ]

    let appDirectory: URL
    /// (relative path, lines) of every source file, read once.
    let files: [(path: String, lines: [Substring])]
    /// The routes the app declares, with the prefixes its framework's routing adds.
    let routeTable: RouteTable

    init(appDirectory: URL, fileLimit: Int = 2000, byteLimit: Int = 1 << 20) {
        self.appDirectory = appDirectory
        var files: [(String, [Substring])] = []
        for relative in Self.sourcePaths(in: appDirectory, fileLimit: fileLimit, byteLimit: byteLimit) {
            guard let text = SourceText.read(appDirectory.appendingPathComponent(relative)) else { continue }
            files.append((relative, text.split(separator: "\n", omittingEmptySubsequences: false)))
        }
        self.files = files
        routeTable = RouteTable(files: self.files)
    }

    /// The app's source files, relative and sorted: known source extensions, at most
    /// `byteLimit` each, outside dependency, build and test folders.
    static func sourcePaths(in appDirectory: URL, fileLimit: Int = 2000, byteLimit: Int = 1 << 20) -> [String] {
        var paths: [String] = []
        let root = appDirectory.standardizedFileURL.path
        if let enumerator = FileManager.default.enumerator(
            at: appDirectory, includingPropertiesForKeys: [.isDirectoryKey, .fileSizeKey])
        {
            for case let url as URL in enumerator {
                if Self.skippedFolders.contains(url.lastPathComponent) {
                    enumerator.skipDescendants()
                    continue
                }
                guard Self.sourceExtensions.contains(url.pathExtension), paths.count < fileLimit,
                    let values = try? url.resourceValues(forKeys: [.fileSizeKey]), (values.fileSize ?? 0) <= byteLimit
                else { continue }
                let path = url.standardizedFileURL.path
                paths.append(path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path)
            }
        }
        return paths.sorted()
    }

    /// For a route nothing serves: the declarations nearest in shape (the same path under
    /// another method, then the most similar paths), through the app's routing prefixes;
    /// else every line declaring a route under the same first segment.
    func routeDeclarations(near endpoint: Endpoint, limit: Int = 4) -> [SourceLocation] {
        let nearest = routeTable.nearest(to: endpoint, limit: limit)
        guard !nearest.isEmpty else { return routeDeclarations(near: endpoint.path, limit: limit) }
        return nearest.map { route in
            let methods = route.methods.isEmpty ? "any method" : route.methods.joined(separator: ", ")
            return SourceLocation(
                file: route.file, line: route.line, function: route.handler,
                note: "declares \(methods) \(route.path)", text: route.text)
        }
    }

    /// Lines that declare a route under the same first path segment (`/customers…`).
    func routeDeclarations(near route: String, limit: Int = 12) -> [SourceLocation] {
        guard let segment = route.split(separator: "/").first else { return [] }
        let needles = ["\"/\(segment)", "'/\(segment)", "`/\(segment)"]
        var found: [SourceLocation] = []
        for file in files {
            for (index, line) in file.lines.enumerated() where needles.contains(where: { line.contains($0) }) {
                found.append(
                    SourceLocation(
                        file: file.path, line: index + 1, note: "route declaration",
                        text: line.trimmingCharacters(in: .whitespaces)))
                if found.count == limit { return found }
            }
        }
        return found
    }

    /// The handler serving `METHOD route`: its definition when it can be found, else the
    /// line that declares the route.
    func handler(for endpoint: Endpoint) -> SourceLocation? {
        // Through the framework's routing first: prefixes and mounts make the path whole.
        for route in routeTable.routes(serving: endpoint) {
            if let name = route.handler,
                let definition = definition(ofHandler: name, declaredIn: route.file, near: route.line)
            {
                return definition
            }
            return SourceLocation(
                file: route.file, line: route.line, note: "route declaration of \(endpoint)", text: route.text)
        }
        let wanted = Endpoint.shape(of: endpoint.path)
        for file in files {
            for (index, line) in file.lines.enumerated() {
                for literal in Self.pathLiterals(in: line) where Endpoint.shape(of: literal) == wanted {
                    // The method is on the declaring line (`router.add("POST", …)`, `@app.post(…)`);
                    // a line that names none may take it from an annotation just above.
                    var context = String(line)
                    if !Endpoint.methods.contains(where: { Self.mentions($0, in: context) }), index > 0,
                        file.lines[index - 1].trimmingCharacters(in: .whitespaces).hasPrefix("@")
                    {
                        context = String(file.lines[index - 1]) + " " + line
                    }
                    guard Self.mentions(endpoint.method, in: context) else { continue }
                    let declaration = SourceLocation(
                        file: file.path, line: index + 1, note: "route declaration of \(endpoint)",
                        text: line.trimmingCharacters(in: .whitespaces))
                    guard
                        let name = handlerName(
                            after: literal, in: line, following: file.lines.dropFirst(index + 1).prefix(3)),
                        let definition = definition(of: name)
                    else { return declaration }
                    return definition
                }
            }
        }
        return nil
    }

    /// A frame's file made relative to the app, with the source line it points at.
    func location(of frame: StackFrame, note: String) -> SourceLocation {
        let root = appDirectory.standardizedFileURL.path
        let relative = frame.file.hasPrefix(root + "/") ? String(frame.file.dropFirst(root.count + 1)) : frame.file
        let text =
            frame.line.flatMap { number in
                files.first { $0.path == relative }.flatMap {
                    number <= $0.lines.count ? $0.lines[number - 1].trimmingCharacters(in: .whitespaces) : nil
                }
            } ?? frame.source
        return SourceLocation(
            file: relative, line: frame.line, function: frame.function.isEmpty ? nil : frame.function, note: note,
            text: text)
    }

    private func handlerName(after literal: String, in line: Substring, following: ArraySlice<Substring>) -> String? {
        // `router.add("POST", "/customers", create_customer)` / `router.post('/notes', notes.create)`
        if let range = line.range(of: literal) {
            let rest = line[range.upperBound...].drop { "\"'` ,".contains($0) }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            if !name.isEmpty, let last = name.split(separator: ".").last, !["methods", "response_model"].contains(last)
            {
                return String(last)
            }
        }
        // A decorator or annotation: the function defined on the next lines.
        for next in following {
            for keyword in ["def ", "function ", "func "] {
                if let range = next.range(of: keyword) {
                    let name = next[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                    if !name.isEmpty { return String(name) }
                }
            }
            let trimmed = next.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("public ") || trimmed.hasPrefix("fun "), let open = trimmed.firstIndex(of: "(") {
                if let name = trimmed[..<open].split(separator: " ").last { return String(name) }
            }
        }
        return nil
    }

    /// The definition of a handler a route declaration names: through the declaring file's
    /// imports when it is qualified (`views.book_detail`), else by name, that file first.
    func definition(ofHandler reference: String, declaredIn file: String, near line: Int) -> SourceLocation? {
        let parts = reference.split(separator: ".").map(String.init)
        guard let name = parts.last else { return nil }
        if parts.count >= 2, let source = files.first(where: { $0.path == file }),
            let module = imports(in: source).modules[parts[parts.count - 2]],
            var found = functionDefinition(of: name, in: module)
        {
            found.note = "handler"
            return found
        }
        return definition(of: name, preferring: file, near: line)
    }

    /// The definition of `name`, in `file` first (the one nearest after `line` there).
    func definition(of name: String, preferring file: String, near line: Int) -> SourceLocation? {
        let keywords = [
            "async def \(name)(", "def \(name)(", "function \(name)(", "func \(name)(", "\(name)(req", "\(name) = (",
            "\(name): function", "\(name) = async", "\(name)(request",
        ]
        if let source = files.first(where: { $0.path == file }) {
            for (index, text) in source.lines.enumerated().dropFirst(max(0, line - 1))
            where keywords.contains(where: { text.contains($0) }) {
                return SourceLocation(
                    file: file, line: index + 1, function: name, note: "handler",
                    text: text.trimmingCharacters(in: .whitespaces))
            }
        }
        return definition(of: name)
    }

    private func definition(of name: String) -> SourceLocation? {
        let patterns = [
            "def \(name)(", "function \(name)(", "func \(name)(", "\(name)(req", "\(name) = (", "\(name): function",
            "\(name) = async", " \(name)(",
        ]
        for pattern in patterns {
            for file in files {
                for (index, line) in file.lines.enumerated() where line.contains(pattern) {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if pattern == " \(name)("
                        && !(trimmed.hasPrefix("\(name)(") || trimmed.hasPrefix("public ")
                            || trimmed.hasPrefix("async "))
                    {
                        continue
                    }
                    if trimmed.hasPrefix("//") || trimmed.hasPrefix("#") { continue }
                    return SourceLocation(
                        file: file.path, line: index + 1, function: name, note: "handler", text: trimmed)
                }
            }
        }
        return nil
    }

    /// String literals in a line that look like URL paths.
    static func pathLiterals(in line: Substring) -> [String] {
        var literals: [String] = []
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if "\"'`".contains(character) {
                let start = line.index(after: index)
                if let end = line[start...].firstIndex(of: character) {
                    let literal = line[start..<end]
                    if literal.hasPrefix("/") && !literal.containsBytes(" ") { literals.append(String(literal)) }
                    index = line.index(after: end)
                    continue
                }
            }
            index = line.index(after: index)
        }
        return literals
    }

    /// Whether a declaration names the method (`"POST"`, `.post(`, `@app.post`, `@PostMapping`).
    static func mentions(_ method: String, in text: String) -> Bool {
        let lower = method.lowercased()
        let capitalized = method.prefix(1) + method.dropFirst().lowercased()
        return text.containsBytes("\"\(method)\"") || text.containsBytes("'\(method)'")
            || text.containsBytes(".\(lower)(")
            || text.containsBytes("@\(capitalized)Mapping") || text.containsBytes(" \(method) ")
            || text.containsBytes("\(method)(")
            || text.containsBytes("methods=[\"\(method)\"") || text.containsBytes(".\(method)(")
    }
}
