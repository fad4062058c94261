import CRepairSystem
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `[app] preload`: a Python process that has imported the app's libraries (its framework,
/// its ORM, its server) once, and forks a child for each Python command of the app's start and
/// seed, so a restart costs a fork and the app's own modules instead of the whole import.
///
/// The start and seed commands are unchanged: their `PATH` begins with a folder of shims, one
/// for the interpreter and one for each script of its folder that runs on it (`gunicorn`,
/// `uvicorn`). A shim hands its arguments, environment, directory and standard streams to the
/// server over a Unix socket and stands in for the command until it ends: signals it receives
/// go to the child, and it exits as the child did. What the server cannot run as the
/// interpreter would (an option it does not know, a different `PYTHON*` environment, a server
/// that is not there) the shim runs itself, as before.
///
/// The server runs with the app's environment, in the app's confinement. It never imports the
/// app's own modules (it refuses to run when a module it was asked for is one): a child imports
/// them afresh, so it sees every patch. It ends when its lifeline — a pipe whose other end only
/// repaird holds — closes, so a repaird killed outright takes it and its children along.
public final class PreloadServer: Sendable {
    /// `APP_DIR/.repair/preload`: the shims, the socket, the server's log.
    public let folder: URL
    public let process: ChildProcess
    /// The interpreter the server runs on, as the app's `PATH` names it.
    public let python: String
    /// repaird's end of the lifeline, until it is cut.
    private let lifeline: Mutex<Int32?>
    private let logger: Logger

    private init(folder: URL, process: ChildProcess, python: String, lifeline: Int32, logger: Logger) {
        self.folder = folder
        self.process = process
        self.python = python
        self.lifeline = Mutex(lifeline)
        self.logger = logger
    }

    /// The socket shims connect to, and the variable that tells them where it is.
    static let socketName = "server.sock"
    static let socketVariable = "REPAIRD_PRELOAD_SOCKET"

    /// `environment` for a command that should run through the server: the shims first on
    /// `PATH`, the socket named.
    public func environment(_ environment: [String: String]) -> [String: String] {
        var environment = environment
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        environment["PATH"] = folder.appendingPathComponent("bin").path + ":" + path
        environment[Self.socketVariable] = folder.appendingPathComponent(Self.socketName).path
        return environment
    }

    public var isRunning: Bool { process.isRunning }

    /// Closes repaird's end of the lifeline, as repaird's exit would: the server kills its
    /// children and ends.
    func cutLifeline() {
        lifeline.withLock { end in
            if let descriptor = end { close(descriptor) }
            end = nil
        }
    }

    /// Ends the server and every child of it.
    public func stop() async {
        cutLifeline()
        await process.stop(grace: .seconds(2))
        logger.info("app.preload_stopped", metadata: ["preload.log": "\(folder.path)/server.log"])
    }

    /// Starts the server for the app `host` runs, or returns nil (with a log line saying why)
    /// when the app's `PATH` has no Python interpreter or its path is too long for a shim.
    /// The server imports in the background: the first command waits for it.
    public static func start(host: AppHost) throws(AppHostError) -> PreloadServer? {
        let settings = host.settings
        let directory = host.directory.resolvingSymlinksInPath()
        let environment = AppEnvironment.build(
            settings: settings, parent: ProcessInfo.processInfo.environment, extra: [:])
        guard let python = findPython(path: environment["PATH"] ?? "") else {
            host.logger.warning(
                "app.preload_skipped",
                metadata: ["reason": "no python or python3 on the app's PATH: [app] preload has nothing to preload"])
            return nil
        }
        // The kernel reads at most 256 bytes of a `#!` line.
        guard python.utf8.count + 6 < 250 else {
            host.logger.warning(
                "app.preload_skipped",
                metadata: ["reason": "the interpreter's path is too long for a #! line: \(python)"])
            return nil
        }
        let folder = directory.appendingPathComponent(".repair/preload", isDirectory: true)
        let bin = folder.appendingPathComponent("bin", isDirectory: true)
        var scripts: [String] = []
        do {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            scripts = try writeShims(for: python, environment: environment, into: bin)
        } catch {
            throw AppHostError(kind: .spawnFailed, message: "cannot write the preload shims in \(bin.path): \(error)")
        }
        let commands = [settings.start, settings.seed ?? ""].joined(separator: "\n")
        let named = Set(
            commands.split(whereSeparator: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }).map(String.init))
        let plan: [String: Any] = [
            "app": directory.path,
            "modules": settings.preloadModules + runModules(in: commands),
            "scan": scripts.filter { named.contains(URL(fileURLWithPath: $0).lastPathComponent) },
        ]
        guard let planData = try? JSONSerialization.data(withJSONObject: plan, options: [.withoutEscapingSlashes]),
            let planText = String(data: planData, encoding: .utf8)
        else { throw AppHostError(kind: .spawnFailed, message: "cannot describe the preload plan") }

        let listener = repaird_listen_unix(folder.path, socketName, 128)
        guard listener >= 0 else {
            throw AppHostError(
                kind: .spawnFailed,
                message: "cannot listen on \(folder.path)/\(socketName): \(String(cString: strerror(errno)))")
        }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            close(listener)
            throw AppHostError(kind: .spawnFailed, message: "pipe() failed: \(String(cString: strerror(errno)))")
        }
        // Numbers well above 3 and 4, which the child gets them as; close-on-exec here, so no
        // other child of repaird holds them.
        let passed = [listener, ends[0]].map { fcntl($0, F_DUPFD_CLOEXEC, 100) }
        [listener, ends[0]].forEach { _ = close($0) }
        let lifeline = ends[1]
        _ = fcntl(lifeline, F_SETFD, FD_CLOEXEC)
        defer { passed.forEach { _ = close($0) } }
        guard passed.allSatisfy({ $0 >= 0 }) else {
            close(lifeline)
            throw AppHostError(kind: .spawnFailed, message: "fcntl() failed: \(String(cString: strerror(errno)))")
        }
        let output: OutputCapture
        do {
            output = try OutputCapture(logURL: folder.appendingPathComponent("server.log"))
        } catch {
            close(lifeline)
            throw AppHostError(kind: .spawnFailed, message: "cannot write \(folder.path)/server.log: \(error)")
        }
        let command = "exec \(shellQuoted(python)) -c \(shellQuoted(serverSource)) \(shellQuoted(planText))"
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(
                command: command, directory: directory, environment: environment, output: output,
                sandbox: try host.sandbox(), inheriting: passed)
        } catch {
            close(lifeline)
            throw error
        }
        host.logger.info(
            "app.preload_started", metadata: ["preload.python": "\(python)", "preload.pid": "\(process.pid)"])
        return PreloadServer(folder: folder, process: process, python: python, lifeline: lifeline, logger: host.logger)
    }

    /// The first `python3` or `python` on `path`, as named there (a virtualenv's, not the
    /// interpreter it links to: the virtualenv's libraries come with its own path).
    static func findPython(path: String) -> String? {
        for name in ["python3", "python"] {
            for entry in path.split(separator: ":") where entry.hasPrefix("/") {
                let candidate = "\(entry)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Modules the commands run with `-m` (`python -m uvicorn`): their packages are imported.
    static func runModules(in commands: String) -> [String] {
        let words = commands.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        return zip(words, words.dropFirst()).compactMap { option, name in
            option == "-m" && isModuleName(name) ? name : nil
        }
    }

    /// A dotted Python module name.
    public static func isModuleName(_ name: String) -> Bool {
        !name.isEmpty
            && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
                return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            }
    }

    /// Writes a shim for `python`, for the other names of the same interpreter in its folder,
    /// and for each script there that runs on it; returns the scripts' paths.
    static func writeShims(for python: String, environment: [String: String], into bin: URL) throws -> [String] {
        let folder = URL(fileURLWithPath: python).deletingLastPathComponent()
        let interpreter = URL(fileURLWithPath: python).resolvingSymlinksInPath().path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? []
        let pythonEnvironment = environment.filter { $0.key.hasPrefix("PYTHON") }
        var scripts: [String] = []
        for name in names.prefix(5000) {
            let real = folder.appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: real) else { continue }
            let isInterpreter: Bool
            if name == "python" || name.hasPrefix("python3") {
                guard URL(fileURLWithPath: real).resolvingSymlinksInPath().path == interpreter else { continue }
                isInterpreter = true
            } else {
                guard let runner = shebangInterpreter(of: real),
                    URL(fileURLWithPath: runner).resolvingSymlinksInPath().path == interpreter
                else { continue }
                isInterpreter = false
                scripts.append(real)
            }
            let text =
                "#!\(python) -IS\n"
                + shimSource
                .replacingOccurrences(of: "@REAL@", with: pythonLiteral(real))
                .replacingOccurrences(of: "@INTERPRETER@", with: isInterpreter ? "True" : "False")
                .replacingOccurrences(of: "@SERVER_ENV@", with: pythonLiteral(pythonEnvironment))
            let shim = bin.appendingPathComponent(name)
            try Data(text.utf8).write(to: shim)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
        }
        return scripts
    }

    /// The interpreter a `#!` line names, when the file starts with one.
    static func shebangInterpreter(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256), head.starts(with: Array("#!".utf8)) else { return nil }
        let line = head.dropFirst(2).prefix { $0 != UInt8(ascii: "\n") }
        let first = String(decoding: line, as: UTF8.self).split(separator: " ").first
        return first.map(String.init)
    }

    /// A string or a table of strings as Python source (JSON's string syntax is Python's).
    static func pythonLiteral(_ value: Any) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.withoutEscapingSlashes, .sortedKeys, .fragmentsAllowed])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "None"
    }
}
