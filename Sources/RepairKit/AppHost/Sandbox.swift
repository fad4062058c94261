import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Confinement of what the verdict runs: the app, its seed and its check command execute code
/// an LLM wrote. With bubblewrap the file system is read-only except the app directory and a
/// private `/tmp`; the home directory is an empty one of its own except the folders the app's
/// runtimes live in (a `PATH` entry, or an interpreter a `PATH` entry links to, such as
/// pyenv's), read-only; the learning store, repaird's state and the usual credential files are
/// hidden. The network is shared: the smoke runner reaches the app on loopback.
public struct Sandbox: Sendable, Equatable {
    /// `[app] sandbox`: `auto` confines where bubblewrap works, `bwrap` insists, `off` does not.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case auto, bwrap, off
    }

    /// The bubblewrap executable.
    public var bwrap: String
    /// Folders and files hidden from the app (made empty).
    public var hidden: [String]

    /// What is in force for a run, as the run reports it.
    public static func describe(_ sandbox: Sandbox?) -> String {
        guard let sandbox else { return "none: the app runs with the user's file system access" }
        return "bubblewrap (\(sandbox.bwrap)): read-only file system except the app directory and a private /tmp; "
            + "hidden: \(sandbox.hidden.joined(separator: ", "))"
    }

    /// The sandbox for `mode`, or nil when the app runs unconfined; throws for `bwrap` when
    /// bubblewrap does not work here.
    public static func resolve(_ mode: Mode, hiding extra: [URL] = []) throws(AppHostError) -> Sandbox? {
        guard mode != .off else { return nil }
        guard let bwrap = workingBubblewrap() else {
            if mode == .bwrap {
                throw AppHostError(
                    kind: .spawnFailed,
                    message: "[app] sandbox = \"bwrap\" but bubblewrap is not installed or cannot run here")
            }
            return nil
        }
        return Sandbox(bwrap: bwrap, hidden: hiddenPaths(extra: extra))
    }

    /// The learning store's folder and repaird's state, and credential files of the home
    /// directory, where they exist.
    static func hiddenPaths(extra: [URL]) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
        var candidates = extra
        if let state = environment["XDG_STATE_HOME"] {
            candidates.append(URL(fileURLWithPath: state).appendingPathComponent("repaird"))
        }
        if let home {
            candidates += [
                ".local/state/repaird", ".ssh", ".aws", ".gnupg", ".config/gcloud", ".azure", ".kube", ".docker",
                ".netrc", ".pypirc", ".git-credentials", ".npmrc",
            ].map { home.appendingPathComponent($0) }
        }
        var seen = Set<String>()
        return candidates.map { $0.resolvingSymlinksInPath().path }.filter { path in
            FileManager.default.fileExists(atPath: path) && seen.insert(path).inserted
        }
    }

    /// The arguments that run `arguments` (a command and its arguments) confined, with
    /// `directory` writable; `environment` is the one the command gets (its `PATH` and `HOME`).
    func wrap(_ arguments: [String], writable directory: URL, environment: [String: String] = [:]) -> [String] {
        var wrapped = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        var replaced = ["/tmp"]
        // Folders already bound back: a path inside one needs no bind of its own.
        var bound: [String] = []
        // What the app needs to run: hiding a folder that holds one of these would stop it.
        var needed = (environment["PATH"] ?? "").split(separator: ":").map {
            URL(fileURLWithPath: String($0)).resolvingSymlinksInPath().path
        }
        if let home = environment["HOME"].map({ URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }),
            home != "/", FileManager.default.fileExists(atPath: home)
        {
            wrapped += ["--tmpfs", home]
            replaced.append(home)
            needed.append(home)
            for path in Self.runtimeFolders(in: home, path: environment["PATH"] ?? "") {
                wrapped += ["--ro-bind", path, path]
                needed.append(path)
                bound.append(path)
            }
        }
        // What the command and its environment name by absolute path inside a replaced folder
        // (a server script, a virtualenv on PATH, a data file): shown back, read-only.
        for path in Self.namedPaths(in: arguments + Array(environment.values), under: replaced)
        where !bound.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            wrapped += ["--ro-bind", path, path]
            needed.append(path)
        }
        for path in hidden where path != "/" && !needed.contains(where: { $0 == path || $0.hasPrefix(path + "/") }) {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            wrapped += isDirectory.boolValue ? ["--tmpfs", path] : ["--ro-bind", "/dev/null", path]
        }
        let app = directory.resolvingSymlinksInPath().path
        wrapped += ["--bind", app, app]
        // repaird's own folder (the journal of the patch being judged, the lock) stays
        // read-only: the code under judgement cannot rewrite what rollback restores.
        let own = app + "/.repair"
        if FileManager.default.fileExists(atPath: own) { wrapped += ["--ro-bind", own, own] }
        wrapped += ["--chdir", app, "--"]
        return wrapped + arguments
    }

    /// Existing folders, inside `roots`, of the absolute paths `texts` name: a file's folder;
    /// for a `bin` folder (a virtualenv's), the folder above it, which holds its libraries.
    static func namedPaths(in texts: [String], under roots: [String]) -> [String] {
        var found = Set<String>()
        for text in texts {
            for token in text.split(whereSeparator: { " \t\n\"'=:;,()".contains($0) }) where token.hasPrefix("/") {
                var url = URL(fileURLWithPath: String(token)).standardizedFileURL
                var isDirectory: ObjCBool = false
                while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), url.path != "/" {
                    url.deleteLastPathComponent()
                }
                if !isDirectory.boolValue { url.deleteLastPathComponent() }
                if url.lastPathComponent == "bin" { url.deleteLastPathComponent() }
                let path = url.resolvingSymlinksInPath().path
                if roots.contains(where: { path.hasPrefix($0 + "/") }) { found.insert(path) }
            }
        }
        // A folder inside another one found adds nothing.
        let sorted = found.sorted()
        return sorted.filter { path in !sorted.contains { path != $0 && path.hasPrefix($0 + "/") } }
    }

    /// Top-level folders of `home` the runtimes on `path` need: those holding a `PATH` entry,
    /// and those an executable of a `PATH` entry links into (a virtualenv's python into pyenv).
    static func runtimeFolders(in home: String, path: String) -> [String] {
        if let known = runtimeCache.withLock({ $0[home + "\u{0}" + path] }) { return known }
        var folders = Set<String>()
        func note(_ target: String) {
            guard target.hasPrefix(home + "/") else { return }
            let top = target.dropFirst(home.count + 1).split(separator: "/").first.map { home + "/" + $0 }
            if let top { folders.insert(top) }
        }
        for entry in path.split(separator: ":").map(String.init) where entry.hasPrefix("/") {
            let real = URL(fileURLWithPath: entry).resolvingSymlinksInPath().path
            note(real)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: real)) ?? []).prefix(5000)
            for name in names {
                let file = real + "/" + name
                guard (try? FileManager.default.destinationOfSymbolicLink(atPath: file)) != nil else { continue }
                note(URL(fileURLWithPath: file).resolvingSymlinksInPath().path)
            }
        }
        let result = folders.sorted()
        runtimeCache.withLock { $0[home + "\u{0}" + path] = result }
        return result
    }

    private static let runtimeCache = Mutex<[String: [String]]>([:])

    private static let probed = Mutex<String??>(nil)

    /// bubblewrap's path when it can confine a process here (checked once).
    static func workingBubblewrap() -> String? {
        probed.withLock { probed in
            if let probed { return probed }
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                .map { "\($0)/bwrap" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            let works = path.map { probe($0) } ?? false
            probed = .some(works ? path : nil)
            return works ? path : nil
        }
    }

    private static func probe(_ bwrap: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = [
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--", "/bin/true",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
