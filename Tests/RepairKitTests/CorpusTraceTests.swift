import Foundation
import RepairKit
import RepairTestSupport
import Testing

/// The 17 production traces of `../shared/corpus/traces`, each with what a reader finds in it:
/// the exception and the innermost frame of the app's own code.
@Suite struct CorpusTraceTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var language: TraceLanguage
        var type: String
        var message: String
        var frames: Int
        /// The innermost in-app frame: file, line, function.
        var top: (file: String, line: Int, function: String)
        var description: String { file }
    }

    static let expectations: [Expectation] = [
        .init(file: "java1.trace", language: .java, type: "java.io.FileNotFoundException",
              message: "foo (The system cannot find the file specified)", frames: 4,
              top: ("ExceptionTest.java", 15, "com.devdaily.tests.ExceptionTest.")),
        .init(file: "java2.trace", language: .java, type: "com.google.common.base.VerifyException",
              message: "start time: 1470440989775 is greater than end time: 0", frames: 15,
              top: ("SearchTimer.java", 72, "com.pinterest.metatron.util.SearchTimer.addParallelDuration")),
        .init(file: "java3.trace", language: .java, type: "java.lang.RuntimeException",
              message: "java.lang.NullPointerException", frames: 17,
              top: ("MetatronRequestExecutor.java", 38, "com.pinterest.metatron.jbender.MetatronRequestExecutor.execute")),
        .init(file: "java4.trace", language: .java, type: "java.lang.IllegalArgumentException",
              message: "Comparison method violates its general contract!", frames: 17,
              top: ("MetatronSearcher.java", 470, "com.pinterest.metatron.search.MetatronSearcher.fullScore")),
        .init(file: "javascript1.trace", language: .javascript, type: "TypeError",
              message: "Cannot read property 'routes' of undefined", frames: 3,
              top: ("webpack:///mnt/pinboard/webapp/app/www-unauth/Main.js", 170, "routes")),
        .init(file: "javascript2.trace", language: .javascript, type: "", message: "", frames: 3,
              top: ("webpack:///mnt/pinboard/webapp/app/www-unauth/Main.js", 170, "routes")),
        .init(file: "javascript3.trace", language: .javascript, type: "TypeError",
              message: "Cannot read property 'routes' of undefined", frames: 3,
              top: ("webpack:///mnt/pinboard/webapp/app/www-unauth/Main.js", 170, "")),
        .init(file: "javascript4.trace", language: .javascript, type: "TypeError",
              message: "Cannot read property 'routes' of undefined", frames: 3,
              top: ("https://s.pinimg.com/mobile/js/entryChunk-mobile-16e4a90610ff33cbf2f6.js", 12, "routes")),
        .init(file: "javascript5.trace", language: .javascript, type: "TypeError",
              message: "Cannot read property 'routes' of undefined", frames: 3,
              top: ("https://smartlock.google.com/client?clientId=694505692171-31closf3bcmlt59aeulg2j81ej68j6hk.apps.googleusercontent.com",
                    88, "ha</a.Ja/</<")),
        .init(file: "python1.trace", language: .python, type: "UndefinedError", message: "'None' has no attribute 'get'", frames: 6,
              top: ("/mnt/builds/J9vw_pB_Ql-Xm4lrx81Iwg_fdf4c43/webapp/app/common/modules/components/GridItems/GridItems.nunjucks",
                    150, "top-level template code")),
        .init(file: "python2.trace", language: .python, type: "Timeout", message: "", frames: 10,
              top: ("../common/utils/patched_greenlet.py", 187, "switch")),
        .init(file: "python3.trace", language: .python, type: "error", message: "", frames: 3,
              top: ("../common/utils/geo_utils.py", 68, "get_ip_geo")),
        .init(file: "python4.trace", language: .python, type: "UnicodeDecodeError", message: "", frames: 6,
              top: ("../services/dataservices/thrift_libs/DataServices.py", 8975, "write")),
        .init(file: "python5.trace", language: .python, type: "UnboundLocalError", message: "", frames: 4,
              top: ("../core/utils/usm_utils.py", 462, "_get_upsell_dict")),
        .init(file: "python6.trace", language: .python, type: "KeyError", message: "", frames: 2,
              top: ("/mnt/builds/VXmUJO4bRX26CecfwlI_hw_9f779bf/webapp/resources/interests_resource.py", 232, "get")),
        .init(file: "python7.trace", language: .python, type: "ValueError",
              message: "invalid literal for int() with base 10: 'None'", frames: 14,
              top: ("prettify/annual.py", 45, "prettify")),
        .init(file: "python8.trace", language: .python, type: "TypeError",
              message: "int() argument must be a string or a number, not 'NoneType'", frames: 2,
              top: ("foo.py", 2, "<module>")),
    ]

    @Test(arguments: expectations)
    func corpusTraceIsReadAsWritten(_ expected: Expectation) throws {
        let url = FixtureApps.corpus.appendingPathComponent("traces/\(expected.file)")
        var traces: [StackTrace] = []
        try TraceScanner.traces(inFile: url) { traces.append($0) }
        #expect(traces.count == 1)
        let trace = try #require(traces.first)
        #expect(trace.language == expected.language)
        #expect(trace.exceptionType == expected.type)
        #expect(trace.message == expected.message)
        #expect(trace.frames.count == expected.frames)
        let top = try #require(trace.topInAppFrame)
        #expect(top.file == expected.top.file)
        #expect(top.line == expected.top.line)
        #expect(top.function == expected.top.function)
    }

    @Test func corpusCoversEveryFile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: FixtureApps.corpus.appendingPathComponent("traces").path)
        #expect(Set(files.filter { $0.hasSuffix(".trace") }) == Set(Self.expectations.map(\.file)))
    }

    @Test func escapedNewlinesAreRead() throws {
        // python1 holds its newlines as literal \n; the frames and the unescaped quotes come back.
        var traces: [StackTrace] = []
        try TraceScanner.traces(inFile: FixtureApps.corpus.appendingPathComponent("traces/python1.trace")) { traces.append($0) }
        let trace = try #require(traces.first)
        #expect(trace.frames.last?.function == "render_generator")
        #expect(trace.frames.first { !$0.inApp }?.file.contains("site-packages/jinja2") == true)
    }

    @Test func javaLibraryFramesAreNotInApp() throws {
        var traces: [StackTrace] = []
        try TraceScanner.traces(inFile: FixtureApps.corpus.appendingPathComponent("traces/java4.trace")) { traces.append($0) }
        let frames = try #require(traces.first?.frames)
        #expect(frames.prefix(5).allSatisfy { !$0.inApp }, "java.util.* frames belong to the JDK")
        #expect(frames.first { $0.function.hasPrefix("com.twitter.") }?.inApp == false)
    }
}
