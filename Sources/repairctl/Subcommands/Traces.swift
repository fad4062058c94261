import ArgumentParser
import Foundation
import RepairKit
import Synchronization

/// `repairctl traces FILE`: every stack trace in a log file.
struct Traces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the stack traces found in a log file.",
        discussion: """
            Reads Python (with chained exceptions and exception groups), Node.js, Java and Kotlin, \
            Go, Ruby and Rails, .NET, PHP and Swift traces, through timestamps, level prefixes, \
            ANSI colours, interleaved lines and literal \\n. Frames are listed innermost first; \
            ▸ marks frames of the app rather than of a library or the runtime.
            """
    )

    @Argument(
        help: "The log file, or - for standard input (`docker logs app 2>&1 | repairctl traces -`).",
        completion: .file())
    var file: String

    @Option(help: "The app's directory: frames outside it are not the app's.")
    var appDir: String?

    @Flag(help: "Print JSON: traces[] with language, exception_type, message, frames, cause, start_line, end_line.")
    var json = false

    func run() throws {
        let classifier = InAppClassifier(appDirectory: appDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        let name = file == "-" ? "standard input" : file
        // Each trace is written as the scanner completes it: memory stays that of a few
        // traces, whatever the size of the log, and a reader sees traces while it is read.
        // Standard input may be a live stream (`docker logs -f`), and a terminal a person:
        // there each trace is written at once; into a file or a pipe, in blocks.
        let output = TraceOutput(
            TraceListing.Writer(json: json, file: name), eachAtOnce: file == "-" || isatty(STDOUT_FILENO) == 1)
        let each: (StackTrace) throws -> Void = { trace in try output.add(trace) }
        if file == "-" {
            do { try TraceScanner.tracesInStandardInput(classifier: classifier, each: each) } catch let error
                as ExitCode
            {
                throw error
            } catch {
                Terminal.error("standard input cannot be read: \(Terminal.describe(error))")
                throw ExitCodes.badInput
            }
        } else {
            let url = URL(fileURLWithPath: file)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else {
                Terminal.error("\(file): not found or not a file")
                throw ExitCodes.badInput
            }
            do { try TraceScanner.traces(inFile: url, classifier: classifier, each: each) } catch let error as ExitCode
            {
                throw error
            } catch {
                Terminal.error("\(file): cannot be read: \(Terminal.describe(error, path: file))")
                throw ExitCodes.badInput
            }
        }
        try output.finish()
    }
}

/// Formats and writes traces on a thread of its own while the scanner reads on the caller's,
/// so the two do not take turns on one core. At most four batches wait: memory stays bounded
/// when the output is slower than the log.
private final class TraceOutput: @unchecked Sendable {
    // @unchecked: `writer` and `output` are only touched on `queue`; `batch` only by the caller.
    private let queue = DispatchQueue(label: "repairctl.traces.output")
    private let room = DispatchSemaphore(value: 4)
    private let failure = Mutex<ExitCode?>(nil)
    private var writer: TraceListing.Writer
    private var output: BufferedOutput
    private var batch: [StackTrace] = []
    private let batchSize: Int

    init(_ writer: TraceListing.Writer, eachAtOnce: Bool) {
        self.writer = writer
        output = BufferedOutput(eachAtOnce: eachAtOnce)
        batchSize = eachAtOnce ? 1 : 128
    }

    /// Queues `trace`; throws when writing an earlier one failed (standard output closed).
    func add(_ trace: StackTrace) throws {
        if let failed = failure.withLock({ $0 }) { throw failed }
        batch.append(trace)
        if batch.count >= batchSize { send() }
    }

    /// Writes what is queued and the listing's end; returns when all is written.
    func finish() throws {
        if !batch.isEmpty { send() }
        queue.sync { write { [self] in try output.write(writer.finish()) } }
        queue.sync { write { [self] in try output.flush() } }
        if let failed = failure.withLock({ $0 }) { throw failed }
    }

    private func send() {
        let traces = batch
        batch = []
        room.wait()
        queue.async { [self] in
            defer { room.signal() }
            for trace in traces { write { [self] in try output.write(writer.add(trace)) } }
        }
    }

    /// Runs `step` on the queue unless a write failed before.
    private func write(_ step: () throws -> Void) {
        guard failure.withLock({ $0 == nil }) else { return }
        do { try step() } catch { failure.withLock { $0 = (error as? ExitCode) ?? ExitCodes.cannotWrite } }
    }
}

/// Standard output written in blocks of 64 KB, or at each write.
private struct BufferedOutput {
    let eachAtOnce: Bool
    private var pending: [UInt8] = []

    init(eachAtOnce: Bool) { self.eachAtOnce = eachAtOnce }

    mutating func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if eachAtOnce || pending.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        guard !pending.isEmpty else { return }
        try Terminal.result(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
