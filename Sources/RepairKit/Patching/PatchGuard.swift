import Foundation

/// Decides whether a patch may touch the app, before any byte is written. Patches come from
/// an LLM and are untrusted: every path must be relative, stay inside the app directory once
/// symlinks are resolved, match `[app] writable` and not `protected`; the plan, the config,
/// the OpenAPI spec, tests and `.repair/` are always protected; files and bytes are bounded;
/// no file is created, deleted or given another mode.
public struct PatchGuard: Sendable {
    public var appDirectory: URL
    public var writable: [String]
    public var protected: [String]
    /// Paths (relative to the app) that are never writable, whatever the globs say.
    public var alwaysProtected: [String]
    /// The same files (and the plan a cycle was given with `--plan`), as real absolute paths:
    /// compared after symlinks are resolved, so no spelling (`./plan.json`, a link) gets past.
    public var protectedFiles: Set<String>
    public var maxFiles = 8
    public var maxChangedBytes = 64 * 1024

    static let protectedGlobs = ["repair.toml", ".repair/**", "**/test/**", "**/tests/**", "**/spec/**", "**/__tests__/**",
                                 "**/test_*.py", "**/*_test.py", "**/*_test.go", "**/*.test.js", "**/*.spec.js", "**/*.test.ts", "**/*.spec.ts",
                                 ".git/**"]

    public init(appDirectory: URL, config: RepairConfig, planFile: URL? = nil, configFile: URL? = nil) {
        self.appDirectory = appDirectory.standardizedFileURL
        writable = config.app.writable
        protected = config.app.protected
        alwaysProtected = [config.smoke.plan, config.smoke.openapi].compactMap { $0 }
        let root = appDirectory.standardizedFileURL
        let named = alwaysProtected.map { root.appendingPathComponent($0) }
            + [planFile, configFile, root.appendingPathComponent(RepairConfig.fileName)].compactMap { $0 }
        protectedFiles = Set(named.map { $0.standardizedFileURL.resolvingSymlinksInPath().path })
    }

    /// Whether `url` is an API spec (OpenAPI or Swagger, JSON or YAML) by its name and first bytes.
    static func isSpec(_ url: URL) -> Bool {
        guard ["json", "yaml", "yml"].contains(url.pathExtension.lowercased()),
            let handle = try? FileHandle(forReadingFrom: url)
        else { return false }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 2048)) ?? Data(), as: UTF8.self)
        return head.range(of: #"(?m)^\s*["']?(openapi|swagger)["']?\s*:"#, options: .regularExpression) != nil
    }

    /// Checks the patch's paths; returns each file's path relative to the app and its URL.
    public func check(_ patch: Patch) throws(PatchError) -> [(relative: String, url: URL)] {
        guard patch.paths.count <= maxFiles else {
            throw PatchError(rule: .tooLarge, message: "the patch touches \(patch.paths.count) files; at most \(maxFiles) are allowed")
        }
        var result: [(String, URL)] = []
        let root = appDirectory.resolvingSymlinksInPath().path
        for edit in patch.edits {
            if edit.changesMode { throw PatchError(rule: .modeChange, path: edit.path, message: "file modes are never changed") }
            if edit.createsOrDeletes { throw PatchError(rule: .createOrDelete, path: edit.path, message: "a patch may only change existing files") }
        }
        for path in patch.paths {
            if path.hasPrefix("/") || path.hasPrefix("~") {
                throw PatchError(rule: .absolutePath, path: path, message: "paths must be relative to the app directory")
            }
            let components = path.split(separator: "/")
            if components.contains("..") {
                throw PatchError(rule: .pathTraversal, path: path, message: "paths may not climb out with ..")
            }
            let relative = components.filter { $0 != "." }.joined(separator: "/")
            let url = appDirectory.appendingPathComponent(relative)
            let real = url.resolvingSymlinksInPath().path
            guard real.hasPrefix(root + "/") else {
                throw PatchError(rule: .symlinkEscape, path: path, message: "the path leads outside the app directory")
            }
            let realRelative = String(real.dropFirst(root.count + 1))
            if protectedFiles.contains(real) {
                throw PatchError(rule: .protected, path: path, message: "\(realRelative) is the plan, the spec or the config: never patched")
            }
            // An API spec is the contract the plan checks: protected unless [app] writable names it.
            if Self.isSpec(URL(fileURLWithPath: real)), !writable.contains(realRelative), !writable.contains(relative) {
                throw PatchError(rule: .protected, path: path, message: "\(realRelative) is an API spec: never patched unless [app] writable names it")
            }
            for candidate in Set([relative, realRelative]) {
                if alwaysProtected.contains(candidate) || (Self.protectedGlobs + protected).contains(where: { Glob.matches($0, candidate) }) {
                    throw PatchError(rule: .protected, path: path, message: "\(candidate) is protected: plans, config, tests and specs are never patched")
                }
                guard writable.contains(where: { Glob.matches($0, candidate) }) else {
                    throw PatchError(rule: .notWritable, path: path, message: "\(candidate) matches none of [app] writable")
                }
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw PatchError(rule: .missingFile, path: path, message: "no such file in the app")
            }
            result.append((relative, url))
        }
        return result
    }

    /// Bounds on what a patch may change, checked on the new contents.
    public func checkSize(old: [String: String], new: [String: String]) throws(PatchError) {
        var changed = 0
        for (path, text) in new {
            let before = old[path] ?? ""
            // The size difference alone settles a flood before any diff is computed.
            changed += abs(text.utf8.count - before.utf8.count)
            guard changed <= maxChangedBytes else { break }
            changed += UnifiedDiff.make(path: path, old: before, new: text).utf8.count
        }
        guard changed <= maxChangedBytes else {
            throw PatchError(rule: .tooLarge, message: "the patch changes about \(changed) bytes; at most \(maxChangedBytes) are allowed")
        }
    }
}
