import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A shell command running in its own process session, its output captured.
///
/// The child is the leader of a new session and process group, so stopping it signals the
/// whole group: a server's workers and reloaders go with it and no orphan is left.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let output: OutputCapture
    /// The value of `ProcessGroup.tokenVariable` in the process's environment, inherited by
    /// everything it starts.
    public let token: String
    /// Whether the leader is bubblewrap watching the confined command (`Sandbox`).
    public let sandboxed: Bool
    private let status = Mutex<ExitStatus?>(nil)

    /// Processes started and not yet seen gone (leader → token), so an interrupted tool can
    /// stop them.
    private static let liveGroups = Mutex<[pid_t: String]>([:])

    private init(pid: pid_t, output: OutputCapture, token: String, sandboxed: Bool) {
        self.pid = pid
        self.output = output
        self.token = token
        self.sandboxed = sandboxed
    }

    /// Sends SIGKILL to everything this process started and has not stopped yet: each
    /// group, session and token-bearing descendant. For a command-line tool's SIGINT/SIGTERM
    /// handler: the apps run in their own sessions, so a terminal's Ctrl-C does not reach them.
    public static func killAllGroups() {
        for (leader, token) in liveGroups.withLock({ $0 }) {
            ProcessGroup.signal(
                SIGKILL, leader: leader, members: ProcessGroup.livingFamily(leader: leader, token: token))
        }
    }

    /// Living processes of this one's family: its group, its session, its token's bearers.
    public func livingFamily() -> [pid_t] { ProcessGroup.livingFamily(leader: pid, token: token) }

    /// Starts `/bin/sh -c command` in `directory`. Standard input is `/dev/null`; standard
    /// output and error go, interleaved as printed, to `output`. `inheriting` descriptors
    /// become the child's 3, 4, … (none of them may be 0–2 or one of those numbers).
    public static func spawn(
        command: String,
        directory: URL,
        environment: [String: String],
        output: OutputCapture,
        sandbox: Sandbox? = nil,
        inheriting: [Int32] = []
    ) throws(AppHostError) -> ChildProcess {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            throw AppHostError(kind: .spawnFailed, message: "pipe() failed: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)

        #if canImport(Glibc)
            var fileActions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var fileActions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&fileActions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&fileActions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fileActions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&fileActions, writeEnd, 2)
        // The app gets only its three standard streams: no log file, socket or pipe of ours
        // (closefrom is behind _GNU_SOURCE, so the open descriptors are listed instead).
        let passed = Set(inheriting.indices.map { Int32(3 + $0) })
        for descriptor in openDescriptors()
        where descriptor > 2 && descriptor != writeEnd && !inheriting.contains(descriptor)
            && !passed.contains(descriptor)
        {
            posix_spawn_file_actions_addclose(&fileActions, descriptor)
        }
        // After the closes: a dup2 onto a number replaces whatever had it, and clears close-on-exec.
        for (index, descriptor) in inheriting.enumerated() {
            posix_spawn_file_actions_adddup2(&fileActions, descriptor, Int32(3 + index))
        }

        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        #if os(Linux)
            // POSIX_SPAWN_SETSID (glibc ≥ 2.26) sits behind _GNU_SOURCE, which Swift's Glibc
            // module does not define; its value is fixed in glibc's ABI.
            let newSession: Int32 = 0x80
        #else
            let newSession = Int32(POSIX_SPAWN_SETPGROUP)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(newSession | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // The shell changes directory itself (addchdir_np is also behind _GNU_SOURCE), then
        // runs the command as `sh -c` would.
        let script = "cd -- \"$1\" || exit 126\nshift\neval \"$1\""
        let shell = ["/bin/sh", "-c", script, "repaird-app", directory.path, command]
        let arguments = sandbox.map { $0.wrap(shell, writable: directory, environment: environment) } ?? shell
        let token = UUID().uuidString
        var environment = environment
        environment[ProcessGroup.tokenVariable] = token
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }.sorted()

        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawn(&pid, arguments[0], &fileActions, &attributes, argv, envp)
            }
        }
        close(writeEnd)
        guard result == 0 else {
            close(readEnd)
            throw AppHostError(
                kind: .spawnFailed, message: "could not start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        let process = ChildProcess(pid: pid, output: output, token: token, sandboxed: sandbox != nil)
        liveGroups.withLock { $0[pid] = token }
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.withUnsafeBytes { output.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(readEnd)
            output.finish()
        }
        reader.name = "repaird.output-reader"
        reader.start()
        return process
    }

    /// The exit status once the process has ended; never blocks.
    public func exitStatus() -> ExitStatus? {
        status.withLock { status in
            if status != nil { return status }
            var word: Int32 = 0
            let reaped = waitpid(pid, &word, WNOHANG)
            if reaped == pid { status = ExitStatus(waitStatus: word) }
            return status
        }
    }

    public var isRunning: Bool { exitStatus() == nil }

    /// Waits for the process to end, up to `timeout`; nil when it is still running.
    public func waitForExit(timeout: Duration) async -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus() { return status }
            if ContinuousClock.now >= deadline { return nil }
            await pause(.milliseconds(10))
        }
    }

    /// Stops the process and its whole family (group, session, and descendants that left
    /// both with `setsid`): SIGTERM, then SIGKILL after `grace` if anything remains. Every
    /// wait is bounded: a process that survives SIGKILL for 10 s (stuck in the kernel) is
    /// given up on. Returns the leader's exit status.
    ///
    /// With `listeningPort`, the caller has no request in flight: once nothing listens on the
    /// port any more, the server has stopped serving and what is left is the interpreter
    /// winding down, so SIGKILL follows after `linger` rather than at the end of `grace`.
    @discardableResult
    public func stop(
        grace: Duration, listeningPort: Int? = nil, linger: Duration = .milliseconds(50)
    ) async
        -> ExitStatus
    {
        var family = livingFamily()
        if !family.isEmpty {
            if sandboxed {
                // bubblewrap ends when the confined command does, with its status; a SIGTERM
                // would end bubblewrap alone and hide how the app ended.
                for member in family where member != pid { _ = kill(member, SIGTERM) }
            } else {
                ProcessGroup.signal(SIGTERM, leader: pid, members: family)
            }
        }
        let deadline = ContinuousClock.now + grace
        var closedAt: ContinuousClock.Instant?
        var scanned = ContinuousClock.now
        while !family.isEmpty, ContinuousClock.now < deadline {
            await pause(.milliseconds(10))
            // The leader's exit and the port are cheap to read every few milliseconds; the
            // family is a scan of every process on the machine, so it is read every 20 ms once
            // the leader is gone and every 100 ms before.
            let leaderGone = exitStatus() != nil
            if let listeningPort, closedAt == nil, LocalPort.isListening(listeningPort) == false {
                closedAt = ContinuousClock.now
            }
            if let closedAt, ContinuousClock.now - closedAt >= linger { break }
            if ContinuousClock.now - scanned >= (leaderGone ? .milliseconds(20) : .milliseconds(100)) {
                family = livingFamily()
                scanned = ContinuousClock.now
            }
        }
        // Read afresh before any SIGKILL: a pid noted before may have exited, been reaped and
        // been handed to another process since (pids are recycled fast on a busy machine).
        family = livingFamily()
        let killDeadline = ContinuousClock.now + .seconds(10)
        while !family.isEmpty, ContinuousClock.now < killDeadline {
            ProcessGroup.signal(SIGKILL, leader: pid, members: family)
            await pause(.milliseconds(20))
            _ = exitStatus()
            family = livingFamily()
        }
        Self.liveGroups.withLock { _ = $0.removeValue(forKey: pid) }
        let status = await waitForExit(timeout: .seconds(5)) ?? .signaled(signal: SIGKILL)
        // The reader ends when the last holder of the pipe is gone; give it a moment to drain.
        let drained = ContinuousClock.now + .seconds(2)
        while !output.isFinished && ContinuousClock.now < drained {
            await pause(.milliseconds(5))
        }
        return status
    }
}

/// The descriptors this process has open now (Linux: `/proc/self/fd`).
private func openDescriptors() -> [Int32] {
    #if os(Linux)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        // Only descriptors still open by the time the list is used: the one that read the folder is gone.
        return entries.compactMap(Int32.init).filter { fcntl($0, F_GETFD) != -1 }
    #else
        return []
    #endif
}

/// Sleeps for `duration`, also when the task is cancelled: stopping a process must finish
/// even then, and `Task.sleep` would return at once and turn the wait into a spin.
private func pause(_ duration: Duration) async {
    do {
        try await Task.sleep(for: duration)
    } catch {
        usleep(UInt32(duration.components.attoseconds / 1_000_000_000_000))
    }
}

/// Runs `body` with a NULL-terminated C array of copies of `strings`.
private func withCStrings<Result>(
    _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result
) -> Result {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { copies.forEach { free($0) } }
    return body(copies)
}
