import Foundation

/// The routes an app declares, with the full path each serves once the framework's own
/// routing is applied: FastAPI's `APIRouter(prefix=)` and `include_router(prefix=)`, Flask's
/// `Blueprint(url_prefix=)` and `register_blueprint(url_prefix=)`, Express's
/// `app.use('/x', router)`, Django's `path('x/', include(...))`. Read from the source as text,
/// so it needs neither the app's runtime nor its imports to work.
struct RouteTable {
    /// One route declaration.
    struct Route: Equatable {
        var file: String
        /// The declaring line (the decorator, or the call that registers the handler), from 1.
        var line: Int
        /// Methods it serves; empty when the declaration does not say (Django's `path`).
        var methods: [String]
        /// The full path as the app serves it, parameters written as `{name}`.
        var path: String
        /// The handler as the declaration names it (`views.book_detail`, `notes.create`), or the
        /// function that follows a decorator.
        var handler: String?
        var text: String
    }

    /// A router object in one file: its variable and the prefix it was made with.
    private struct Router {
        var file: String
        var variable: String
        var prefix: String
    }

    /// A mount: `include_router(books.router, prefix="/books")` in `file`.
    private struct Mount {
        var file: String
        var prefix: String
        /// The expression naming what is mounted (`books.router`, `members_bp`,
        /// `require('./routes/notes')`, `"library.urls"`).
        var target: String
    }

    private(set) var routes: [Route] = []

    init(files: [(path: String, lines: [Substring])]) {
        var routers: [Router] = []
        var mounts: [Mount] = []
        var declarations: [(route: Route, variable: String?, literal: String)] = []
        for file in files {
            for (index, line) in file.lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("#") || trimmed.hasPrefix("//") { continue }
                // A call may span lines: look at this line and the next two.
                let call = file.lines[index..<min(file.lines.count, index + 3)].joined(separator: " ")
                if let router = Self.router(in: trimmed, call: call, file: file.path) { routers.append(router) }
                if let mount = Self.mount(in: trimmed, call: call, file: file.path) { mounts.append(mount) }
                if let declaration = Self.declaration(in: trimmed, call: call) {
                    let handler = declaration.handler ?? Self.functionName(after: index, in: file.lines)
                    let route = Route(
                        file: file.path, line: index + 1, methods: declaration.methods, path: declaration.literal,
                        handler: handler, text: trimmed)
                    declarations.append((route, declaration.variable, declaration.literal))
                }
            }
        }
        let sources = Dictionary(files.map { ($0.path, $0.lines) }, uniquingKeysWith: { first, _ in first })
        for (route, variable, literal) in declarations {
            var route = route
            let own = routers.first { $0.file == route.file && $0.variable == variable }?.prefix ?? ""
            let mounted = Self.mountPrefix(
                of: route.file, variable: variable, mounts: mounts, sources: sources, depth: 0)
            route.path = Self.template(Self.join(mounted, own, literal))
            routes.append(route)
        }
    }

    /// The routes serving `endpoint`'s path shape with its method.
    func routes(serving endpoint: Endpoint) -> [Route] {
        let wanted = Endpoint.shape(of: endpoint.path)
        return routes.filter {
            Endpoint.shape(of: $0.path) == wanted && ($0.methods.isEmpty || $0.methods.contains(endpoint.method))
        }
    }

    /// Declarations nearest in shape to a route nothing serves: the same path under other
    /// methods first (a 405), then paths by how much of the wanted one they share (a 404).
    func nearest(to endpoint: Endpoint, limit: Int = 4) -> [Route] {
        let wanted = Endpoint.shape(of: endpoint.path).split(separator: "/").map(String.init)
        func closeness(_ route: Route) -> Int {
            let have = Endpoint.shape(of: route.path).split(separator: "/").map(String.init)
            // The same path under another method: a write for a write (PUT for PATCH) first.
            if have == wanted {
                let writes: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]
                return route.methods.contains { writes.contains($0) == writes.contains(endpoint.method) }
                    ? 10_001 : 10_000
            }
            var score = 0
            for (left, right) in zip(have, wanted) {
                if left == right {
                    score += 100
                } else if left.hasPrefix(right) || right.hasPrefix(left) {
                    score += 60
                } else {
                    break
                }
            }
            return score - 10 * abs(have.count - wanted.count)
        }
        let ranked = routes.map { ($0, closeness($0)) }.filter { $0.1 > 0 }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : ($0.0.file, $0.0.line) < ($1.0.file, $1.0.line) }
        return ranked.prefix(limit).map(\.0)
    }

    // MARK: Reading declarations

    private static let routerMakers = [
        "APIRouter(", "Blueprint(", "express.Router(", "Router(", "FastAPI(", "Flask(", "express()",
    ]

    private static func router(in line: String, call: String, file: String) -> Router? {
        guard let maker = routerMakers.first(where: { line.contains($0) }), let equals = line.firstIndex(of: "="),
            line[..<equals].range(of: maker) == nil
        else { return nil }
        let variable =
            line[..<equals].split(separator: " ").last.map(String.init)?.trimmingCharacters(
                in: CharacterSet(charactersIn: ":")) ?? ""
        guard !variable.isEmpty, variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let arguments = Self.arguments(of: maker, in: call)
        let prefix = keywordString("url_prefix", in: arguments) ?? keywordString("prefix", in: arguments) ?? ""
        return Router(file: file, variable: variable, prefix: prefix)
    }

    private static func mount(in line: String, call: String, file: String) -> Mount? {
        for keyword in ["include_router(", "register_blueprint("] {
            guard line.contains(keyword) else { continue }
            let arguments = Self.arguments(of: keyword, in: call)
            let target = arguments.prefix { $0 != "," && $0 != ")" }.trimmingCharacters(in: .whitespaces)
            let prefix = keywordString("url_prefix", in: arguments) ?? keywordString("prefix", in: arguments) ?? ""
            return Mount(file: file, prefix: prefix, target: target)
        }
        // Express: app.use('/notes', notesRouter) / app.use('/notes', require('./routes/notes'))
        if let range = line.rangeOfBytes(".use("), let literal = firstString(in: String(line[range.upperBound...])),
            literal.hasPrefix("/")
        {
            let rest = line[range.upperBound...]
            guard let comma = rest.firstIndex(of: ",") else { return nil }
            let target = rest[rest.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            return Mount(
                file: file, prefix: literal,
                target: String(target.dropLast(target.hasSuffix(");") ? 2 : (target.hasSuffix(")") ? 1 : 0))))
        }
        // Django: path("api/", include("library.urls"))
        if line.containsBytes("path("), line.containsBytes("include("), let literal = firstString(in: line),
            let include = line.rangeOfBytes("include(")
        {
            return Mount(
                file: file, prefix: "/" + literal, target: firstString(in: String(line[include.upperBound...])) ?? "")
        }
        return nil
    }

    private static let verbs = ["get", "post", "put", "patch", "delete", "head", "options"]

    private static func declaration(
        in line: String, call: String
    ) -> (variable: String?, methods: [String], literal: String, handler: String?)? {
        // Decorators: @router.get("/x"), @bp.route("/x", methods=["POST"]), @app.api_route(...)
        if line.hasPrefix("@"), let dot = line.firstIndex(of: "."), let open = line.firstIndex(of: "("), dot < open {
            let variable = String(line[line.index(after: line.startIndex)..<dot])
            let verb = String(line[line.index(after: dot)..<open])
            guard let literal = firstString(in: String(line[open...])), literal.isEmpty || literal.hasPrefix("/") else {
                return nil
            }
            if verbs.contains(verb) { return (variable, [verb.uppercased()], literal, nil) }
            if verb == "route" || verb == "api_route" {
                let methods = listedMethods(in: call)
                return (variable, methods.isEmpty ? ["GET"] : methods, literal, nil)
            }
            return nil
        }
        // Calls: router.get('/x', handler) / app.post("/x", notes.create)
        for verb in verbs + ["all"] {
            guard let range = line.rangeOfBytes(".\(verb)("),
                let literal = firstString(in: String(line[range.upperBound...])),
                literal.hasPrefix("/")
            else { continue }
            let before = line[..<range.lowerBound]
            let variable = before.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).last.map(
                String.init)
            let afterLiteral = line[range.upperBound...].drop { $0 != "," }.dropFirst()
            let handler = afterLiteral.split(separator: ",").last.map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " );"))
            }
            // A named handler, as written (`notes.create`); an inline function has no name.
            let named = handler.flatMap { name in
                name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) ? nil : name
            }
            return (
                variable, verb == "all" ? [] : [verb.uppercased()], literal, named
            )
        }
        // Django: path("books/<uuid:pk>/", views.book_detail, name="...")
        if line.hasPrefix("path(") || line.hasPrefix("re_path("), !line.containsBytes("include("),
            let literal = firstString(in: line)
        {
            let afterLiteral = line.drop { $0 != "," }.dropFirst()
            let handler = afterLiteral.split(separator: ",").first.map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " )")).replacingOccurrences(
                    of: ".as_view()", with: ""
                )
            }
            return (nil, [], "/" + literal, handler)
        }
        return nil
    }

    /// The function defined right after a decorator.
    private static func functionName(after index: Int, in lines: [Substring]) -> String? {
        for next in lines.dropFirst(index + 1).prefix(4) {
            let trimmed = next.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("@") { continue }
            for keyword in ["async def ", "def ", "function ", "func "] where trimmed.hasPrefix(keyword) {
                let name = trimmed.dropFirst(keyword.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                return name.isEmpty ? nil : String(name)
            }
            return nil
        }
        return nil
    }

    // MARK: Resolving mounts

    /// The prefixes the file's router is mounted under, outermost first, joined.
    private static func mountPrefix(
        of file: String, variable: String?, mounts: [Mount], sources: [String: [Substring]],
        depth: Int
    ) -> String {
        guard depth < 4 else { return "" }
        for mount in mounts where mount.file != file || mount.target == variable {
            guard refers(mount, to: file, variable: variable, sources: sources) else { continue }
            let outer = mountPrefix(of: mount.file, variable: nil, mounts: mounts, sources: sources, depth: depth + 1)
            return join(outer, mount.prefix)
        }
        return ""
    }

    /// Whether a mount's target names the router of `file` (by module, require path, or the
    /// name it was imported under).
    private static func refers(
        _ mount: Mount, to file: String, variable: String?, sources: [String: [Substring]]
    ) -> Bool {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let target = mount.target
        // require('./routes/notes') / include("library.urls")
        if let literal = firstString(in: target) {
            return names(module: literal, file: file)
        }
        // books.router / app.routers.books.router; a dotted module name (Django's include)
        let parts = target.split(separator: ".").map(String.init)
        if parts.count >= 2, !target.containsBytes("("), names(module: target, file: file) {
            return true
        }
        if parts.count >= 2, parts[parts.count - 2] == stem { return true }
        // A bare name: imported from the file's module in the mounting file, or the file's own variable.
        if parts.count == 1 {
            if mount.file == file { return parts[0] == variable }
            // The line that brings the name into the mounting file says where it comes from:
            // `from app.routes.members import bp as members_bp`, `const notes = require('./routes/notes')`.
            for line in sources[mount.file] ?? [] where line.contains(parts[0]) {
                if let range = line.rangeOfBytes("require("),
                    let literal = firstString(in: String(line[range.upperBound...]))
                {
                    if line.range(of: parts[0])!.lowerBound < range.lowerBound {
                        return names(module: literal, file: file)
                    }
                }
                let words = line.split(separator: " ")
                if words.first == "from", words.count > 3, words[2] == "import" {
                    // `from app.routes import members` names the package; the module is the name.
                    return names(module: String(words[1]), file: file)
                        || names(module: "\(words[1]).\(parts[0])", file: file)
                }
            }
        }
        return false
    }

    /// Whether a module reference (`app.routers.books`, `./routes/notes`, `library.urls`) is `file`.
    private static func names(module: String, file: String) -> Bool {
        var path = module
        if path.hasPrefix("./") || path.hasPrefix("../") || path.containsBytes("/") {
            path = (path as NSString).deletingPathExtension
        } else {
            path = path.replacingOccurrences(of: ".", with: "/")
        }
        let wanted = (file as NSString).deletingPathExtension
        let tail = path.split(separator: "/").filter { $0 != "." && $0 != ".." }.joined(separator: "/")
        // Whole path components only: `books` is `app/routers/books.py`, not `notebooks.py`.
        return !tail.isEmpty && (wanted == tail || wanted.hasSuffix("/" + tail))
    }

    // MARK: Text helpers

    /// The arguments of the call that `opening` (ending in `(`) starts, up to its closing
    /// parenthesis: a call spread over lines ends where it ends, not at the next call.
    static func arguments(of opening: String, in text: String) -> String {
        guard let range = text.range(of: opening) else { return "" }
        var depth = 1
        var quote: Character?
        var index = range.upperBound
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if "\"'`".contains(character) {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 { return String(text[range.upperBound..<index]) }
            }
            index = text.index(after: index)
        }
        return String(text[range.upperBound...])
    }

    /// The first string literal in the text.
    static func firstString(in text: String) -> String? {
        guard let open = text.firstIndex(where: { "\"'`".contains($0) }) else { return nil }
        let quote = text[open]
        let start = text.index(after: open)
        guard let close = text[start...].firstIndex(of: quote) else { return nil }
        return String(text[start..<close])
    }

    /// `name="value"` / `name='value'` in a call.
    static func keywordString(_ name: String, in call: String) -> String? {
        var search = call[...]
        while let range = search.range(of: name) {
            let before = range.lowerBound == call.startIndex ? " " : call[call.index(before: range.lowerBound)]
            let rest = call[range.upperBound...].drop { $0 == " " }
            if !(before.isLetter || before == "_"), rest.first == "=" || rest.first == ":" {
                return firstString(in: String(rest.dropFirst()))
            }
            search = call[range.upperBound...]
        }
        return nil
    }

    private static func listedMethods(in call: String) -> [String] {
        guard let range = call.rangeOfBytes("methods") else { return [] }
        let rest = call[range.upperBound...]
        guard let close = rest.firstIndex(of: "]") else { return [] }
        return rest[..<close].split(whereSeparator: { !$0.isLetter }).map { $0.uppercased() }.filter {
            Endpoint.methods.contains($0)
        }
    }

    static func join(_ parts: String...) -> String {
        let joined = parts.filter { !$0.isEmpty }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.joined()
        let path = joined.replacingOccurrences(of: "//", with: "/")
        return path.isEmpty ? "/" : (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Parameters in every framework's spelling as `{name}`: `<uuid:id>`, `<id>`, `:id`.
    static func template(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment.hasPrefix(":") { return "{\(segment.dropFirst())}" }
            if segment.hasPrefix("<"), segment.hasSuffix(">") {
                let inner = segment.dropFirst().dropLast()
                return "{\(inner.split(separator: ":").last ?? inner)}"
            }
            return String(segment)
        }
        var path = segments.joined(separator: "/")
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
