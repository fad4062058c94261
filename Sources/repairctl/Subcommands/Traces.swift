import ArgumentParser
import Foundation
import RepairKit

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
        var traces: [StackTrace] = []
        if file == "-" {
            do { try TraceScanner.tracesInStandardInput(classifier: classifier) { traces.append($0) } } catch {
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
            do {
                try TraceScanner.traces(inFile: url, classifier: classifier) { traces.append($0) }
            } catch {
                Terminal.error("\(file): cannot be read: \(Terminal.describe(error, path: file))")
                throw ExitCodes.badInput
            }
        }
        let name = file == "-" ? "standard input" : file
        if json {
            try Terminal.result(TraceListing.json(traces, file: name))
            print()
        } else {
            print(TraceListing.text(traces, file: name))
        }
    }
}
