/// Decides whether a frame belongs to the app or to a library or the language runtime.
///
/// A frame is in-app when its file lies under the app directory (when known) and not in
/// `site-packages`, `dist-packages`, `node_modules`, `vendor`, a gem or module cache, or the
/// language's standard library. Java, .NET and Go frames are also judged by their namespace.
public struct InAppClassifier: Sendable {
    /// Absolute path of the app; nil when unknown (then only the library rules apply).
    public var appDirectory: String?

    public init(appDirectory: String? = nil) {
        var path = appDirectory
        while let current = path, current.count > 1, current.hasSuffix("/") { path = String(current.dropLast()) }
        self.appDirectory = path
    }

    static let libraryPathMarkers = [
        "site-packages/", "dist-packages/", "node_modules/", "/vendor/", "/gems/", "/.bundle/", "/go/pkg/mod/",
        "/usr/local/go/src/", "/usr/lib/go", "/usr/lib/ruby/", "/rubygems/", "/usr/share/php/", "/usr/lib/jvm/",
        "/.rbenv/", "/.pyenv/", "/.nvm/", "/usr/lib/node_modules/",
    ]

    static let javaLibraryPrefixes = [
        "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.", "groovy.",
        "org.springframework.", "org.apache.", "com.google.", "io.netty.", "com.fasterxml.", "org.hibernate.",
        "com.twitter.", "co.paralleluniverse.", "reactor.", "io.reactivex.", "okhttp3.", "org.eclipse.",
        "org.glassfish.", "ch.qos.", "org.slf4j.", "org.junit.", "junit.", "io.micronaut.", "io.ktor.", "io.vertx.",
        "io.undertow.", "com.zaxxer.", "org.jboss.",
    ]

    static let dotnetLibraryPrefixes = [
        "System.", "Microsoft.", "lambda_method", "Newtonsoft.", "Npgsql.", "Swashbuckle.",
    ]

    public func isInApp(file: String, function: String, language: TraceLanguage) -> Bool {
        switch language {
        case .java:
            var name = function
            if let slash = name.firstIndex(of: "/"), !name[..<slash].containsBytes("$") {
                name = String(name[name.index(after: slash)...])
            }
            return !Self.javaLibraryPrefixes.contains { name.hasPrefix($0) }
        case .dotnet:
            if Self.dotnetLibraryPrefixes.contains(where: { function.hasPrefix($0) }) { return false }
            return file.isEmpty || isAppPath(file)
        case .go:
            if function.hasPrefix("main.") { return isAppPath(file) }
            let firstElement = function.split(separator: "/").first ?? ""
            guard firstElement.containsBytes(".") && !firstElement.hasPrefix("(") else { return false }
            return isAppPath(file) && !firstElement.hasPrefix("runtime.")
        case .swift:
            if file.hasPrefix("Swift/") || file.hasPrefix("lib") || file.hasSuffix(".so") || file.containsBytes(".so.")
            {
                return false
            }
            return file.isEmpty ? !function.isEmpty : isAppPath(file)
        case .python, .javascript, .ruby, .php:
            return isAppPath(file)
        }
    }

    private func isAppPath(_ file: String) -> Bool {
        if file.isEmpty || file.hasPrefix("<") || file.hasPrefix("node:") || file.hasPrefix("internal/")
            || file.hasPrefix("[") || file == "native"
        {
            return false
        }
        if Self.libraryPathMarkers.contains(where: { file.containsBytes($0) }) { return false }
        if file.hasPrefix("vendor/") || file.hasPrefix("node_modules/") { return false }
        if isPythonStandardLibrary(file) { return false }
        if isGemFrame(file) { return false }
        if let appDirectory, file.hasPrefix("/") {
            return file == appDirectory || file.hasPrefix(appDirectory + "/")
        }
        return true
    }

    /// `/usr/lib/python3.11/json/decoder.py` (but not `…/python3.11/site-packages/…`).
    private func isPythonStandardLibrary(_ file: String) -> Bool {
        guard let range = file.rangeOfBytes("/lib/python") else { return false }
        let rest = file[range.upperBound...]
        return rest.first?.isNumber == true
    }

    /// Rails backtraces name gems as `actionpack (7.0.4) lib/…`.
    private func isGemFrame(_ file: String) -> Bool {
        guard let open = file.rangeOfBytes(" ("), let close = file.rangeOfBytes(") ", from: open.upperBound) else {
            return false
        }
        return file[open.upperBound..<close.lowerBound].allSatisfy { $0.isNumber || $0 == "." }
    }
}
