import Foundation

/// Fixture apps and corpus files, found from the repository checkout.
public enum FixtureApps {
    /// The repository root: the folder holding `Package.swift`, found upwards from this file.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/corpus` beside the checkout; the copy in `Tests/Fixtures/corpus` (same
    /// files, same notice) where a checkout has no `shared/` beside it.
    public static var corpus: URL {
        let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        if FileManager.default.fileExists(atPath: shared.appendingPathComponent("traces").path) { return shared }
        return repositoryRoot.appendingPathComponent("Tests/Fixtures/corpus")
    }

    /// The project's `.venv/bin` (made by `scripts/setup`): the real frameworks and servers the
    /// framework fixture apps run on (FastAPI, uvicorn, Flask, gunicorn, Django).
    public static var frameworkBin: URL { repositoryRoot.appendingPathComponent(".venv/bin") }

    /// `[app] env` for a framework fixture app: `.venv/bin` first on PATH. Throws, naming the
    /// command that fixes it, when `scripts/setup` has not made the virtual environment.
    public static func frameworkEnvironment() throws -> [String: String] {
        guard FileManager.default.isExecutableFile(atPath: frameworkBin.appendingPathComponent("python").path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey:
                "\(frameworkBin.path)/python is missing: run scripts/setup, which installs the fixture frameworks"])
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["PATH": frameworkBin.path + ":" + path]
    }

    /// Seconds a copied fixture app may take to come up, scaled to the machine's load.
    public static var testStartupTimeout: Int { Int(120 * Patience.factor) }
    /// Seconds one request to a copied fixture app may take, scaled to the machine's load.
    public static var testRequestTimeout: Int { Int(60 * Patience.factor) }

    /// `Tests/Fixtures/apps/<name>` or `examples/<name>`.
    public static func source(_ name: String) -> URL {
        let fixture = repositoryRoot.appendingPathComponent("Tests/Fixtures/apps/\(name)")
        if FileManager.default.fileExists(atPath: fixture.path) { return fixture }
        return repositoryRoot.appendingPathComponent("examples/\(name)")
    }

    /// Copies a fixture app into a fresh temporary directory, so a test can run and change
    /// it without touching the checkout. Runtime leftovers (`.repair/`, caches, databases)
    /// are not copied, and neither is a `[learning]` section: its paths point into the
    /// repository, and a test starts from an empty library unless it builds one.
    /// The bundled example as a new user has it, copied anywhere: `examples/shop-api` with its
    /// own repair.toml (which imports the library built into repaird, not a folder beside it),
    /// as `directory/name`. Returns the app's folder.
    public static func exampleAsShipped(in directory: URL, name: String = "shop-api") throws -> URL {
        let app = try copy("shop-api")
        defer { app.remove() }
        let target = directory.appendingPathComponent(name)
        try FileManager.default.copyItem(at: app.url, to: target)
        try FileManager.default.removeItem(at: target.appendingPathComponent("repair.toml"))
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("examples/shop-api/repair.toml"),
                                         to: target.appendingPathComponent("repair.toml"))
        return target
    }

    public static func copy(_ name: String) throws -> TemporaryDirectory {
        let source = source(name)
        if name == "shop-api", let services = try? String(contentsOf: source.appendingPathComponent("shop/services.py"), encoding: .utf8),
           !services.contains("payload[\"product_name\"]") {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey:
                "\(source.path) has been healed in place (by repairctl once?) and lost the bugs the tests need: git checkout examples/shop-api"])
        }
        let directory = try TemporaryDirectory(prefix: "app-\(name)")
        let skipped: Set<String> = [".repair", "__pycache__", "node_modules"]
        let enumerator = FileManager.default.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey])!
        for case let file as URL in enumerator {
            let relative = String(file.path.dropFirst(source.path.count + 1))
            if skipped.contains(file.lastPathComponent) || file.pathExtension == "db" {
                enumerator.skipDescendants()
                continue
            }
            let target = directory.url.appendingPathComponent(relative)
            if (try? file.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            } else {
                try FileManager.default.copyItem(at: file, to: target)
            }
        }
        let config = directory.url.appendingPathComponent("repair.toml")
        // The start-up and request bounds are limits, not waits: generous, since the suite
        // starts many apps at once on a small, shared machine.
        if let text = try? String(contentsOf: config, encoding: .utf8) {
            let generous = text.replacingOccurrences(
                of: #"(?m)^startup_timeout = [0-9.]+$"#, with: "startup_timeout = \(testStartupTimeout)", options: .regularExpression
            ).replacingOccurrences(
                of: #"(?m)^request_timeout = [0-9.]+$"#, with: "request_timeout = \(testRequestTimeout)", options: .regularExpression)
            try generous.write(to: config, atomically: true, encoding: .utf8)
        }
        if let text = try? String(contentsOf: config, encoding: .utf8), let start = text.range(of: "\n[learning]") {
            let rest = text[start.upperBound...]
            let end = rest.range(of: "\n[")?.lowerBound ?? text.endIndex
            try (String(text[..<start.lowerBound]) + "\n" + String(text[end...])).write(to: config, atomically: true, encoding: .utf8)
        }
        return directory
    }
}
