import Foundation
import RepairTestSupport
import Synchronization
import Testing

@testable import RepairKit

/// `repairctl traces` writes each trace as the scanner completes it, so its memory does not
/// grow with the log (issue 17; `scripts/bench-traces` measures it up to 1 GB).
@Suite struct TraceStreamingTests {
    var corpus: [URL] {
        get throws {
            let folder = FixtureApps.corpus.appendingPathComponent("traces")
            return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "trace" }.sorted { $0.path < $1.path }
        }
    }

    /// The hand-written JSON of a trace is the document `JSONEncoder` writes for it.
    @Test func eachTracesJSONIsWhatTheEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var traces = try corpus.flatMap { TraceScanner.traces(in: try String(contentsOf: $0, encoding: .utf8)) }
        // And the fields the corpus lacks: a column, control characters and quotes, a cause,
        // sub-exceptions, no line.
        traces.append(
            StackTrace(
                language: .python, exceptionType: "ExceptionGroup", message: "two \"failed\"\t\u{1}\\ é/ok",
                frames: [StackFrame(file: "a/b.py", line: nil, column: 3, function: "f\nx", inApp: false)],
                startLine: 1, endLine: 9, truncated: true,
                cause: StackTrace(
                    language: .python, exceptionType: "KeyError", message: "'id'", frames: [], startLine: 1, endLine: 2),
                subExceptions: [
                    StackTrace(
                        language: .python, exceptionType: "ValueError", message: "", frames: [], startLine: 3,
                        endLine: 4)
                ]))
        #expect(traces.count > 17)
        for trace in traces {
            var written = ""
            trace.writeJSON(into: &written)
            let ours = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: encoder.encode(trace)) as? NSDictionary
            #expect(ours != nil && ours == theirs, "\(written)")
            #expect(try JSONDecoder().decode(StackTrace.self, from: Data(written.utf8)) == trace)
        }
    }

    /// From standard input, a trace is on standard output while the input is still open, and
    /// the JSON document is whole when it ends.
    @Test func tracesFromStandardInputAreWrittenBeforeItEnds() async throws {
        let trace = try String(
            contentsOf: FixtureApps.corpus.appendingPathComponent("traces/python1.trace"), encoding: .utf8)
        let process = Process()
        process.executableURL = CommandRunner.repairctl
        process.arguments = ["traces", "-", "--json"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let received = Mutex(Data())
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            received.withLock { $0.append(data) }
        }
        try process.run()
        // The second copy's first line ends the first trace.
        try input.fileHandleForWriting.write(contentsOf: Data((trace + "\n" + trace).utf8))
        let first = try await Patience.waitUntil(20) {
            String(decoding: received.withLock { $0 }, as: UTF8.self).contains("\"exception_type\"")
        }
        #expect(first, "the first trace was written while standard input was open")
        #expect(process.isRunning)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        let rest = try output.fileHandleForReading.readToEnd() ?? Data()
        let document = received.withLock { $0 } + rest
        #expect(process.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        #expect(object["count"] as? Int == 2)
        #expect((object["traces"] as? [Any])?.count == 2)
        #expect(object["file"] as? String == "standard input")
    }

    /// The listing of a file: traces in order, the count last, the same as the library finds.
    @Test func aFilesListingHasEveryTraceInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let texts = try corpus.map { try String(contentsOf: $0, encoding: .utf8) }
        let log = try directory.write("all.log", texts.joined(separator: "\n"))
        let expected = TraceScanner.traces(in: try String(contentsOf: log, encoding: .utf8))
        let json = try await CommandRunner.run(CommandRunner.repairctl, ["traces", log.path, "--json"])
        #expect(json.status == 0)
        struct Document: Decodable {
            var file: String
            var traces: [StackTrace]
            var count: Int
        }
        let document = try JSONDecoder().decode(Document.self, from: Data(json.standardOutput.utf8))
        #expect(document.traces == expected && document.count == expected.count)
        let text = try await CommandRunner.run(CommandRunner.repairctl, ["traces", log.path])
        #expect(text.standardOutput.hasSuffix("\(expected.count) traces in \(log.path)\n"))
        let headers = text.standardOutput.split(separator: "\n").filter { $0.hasPrefix(log.path + ":") }
        #expect(
            headers.map { String($0.split(separator: " ")[0]) }
                == expected.map { "\(log.path):\($0.startLine)-\($0.endLine)" })
    }
}
