import Foundation

/// The languages whose stack traces repaird reads.
public enum TraceLanguage: String, Sendable, Codable, CaseIterable {
    case python, javascript, java, go, ruby, dotnet, php, swift
}

/// One frame of a stack trace.
public struct StackFrame: Sendable, Equatable, Codable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var function: String
    /// True when the file belongs to the app, not to a library or the language runtime.
    public var inApp: Bool
    /// The source line the trace printed under the frame, when it printed one.
    public var source: String?

    public init(file: String, line: Int?, column: Int? = nil, function: String, inApp: Bool = true, source: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.function = function
        self.inApp = inApp
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case file, line, column, function, inApp = "in_app", source }
}

/// A stack trace found in a log: the exception, its frames (innermost first, whatever order
/// the language prints them in), and the exception that caused it.
public struct StackTrace: Sendable, Equatable, Codable {
    public var language: TraceLanguage
    /// E.g. `KeyError`, `java.lang.NullPointerException`, `TypeError`, `runtime error`.
    /// Empty when the log held frames without their exception line.
    public var exceptionType: String
    public var message: String
    /// Innermost (where it was raised) first.
    public var frames: [StackFrame]
    /// First and last line of the log the trace came from, from 1.
    public var startLine: Int
    public var endLine: Int
    /// True when the log ended inside the trace.
    public var truncated: Bool
    /// The exceptions of a Python exception group.
    public var subExceptions: [StackTrace]
    private var causeStorage: [StackTrace]

    public init(
        language: TraceLanguage, exceptionType: String, message: String, frames: [StackFrame],
        startLine: Int, endLine: Int, truncated: Bool = false, cause: StackTrace? = nil, subExceptions: [StackTrace] = []
    ) {
        self.language = language
        self.exceptionType = exceptionType
        self.message = message
        self.frames = frames
        self.startLine = startLine
        self.endLine = endLine
        self.truncated = truncated
        self.subExceptions = subExceptions
        self.causeStorage = cause.map { [$0] } ?? []
    }

    /// The exception that caused this one (Java's `Caused by:`, .NET's `--->`, Python's
    /// chained tracebacks).
    public var cause: StackTrace? {
        get { causeStorage.first }
        set { causeStorage = newValue.map { [$0] } ?? [] }
    }

    /// The end of the cause chain: where the failure began.
    public var rootCause: StackTrace {
        var trace = self
        while let next = trace.cause { trace = next }
        return trace
    }

    /// The innermost frame that belongs to the app.
    public var topInAppFrame: StackFrame? { frames.first(where: \.inApp) }

    enum CodingKeys: String, CodingKey {
        case language, exceptionType = "exception_type", message, frames, cause, startLine = "start_line"
        case endLine = "end_line", truncated, subExceptions = "sub_exceptions"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        language = try container.decode(TraceLanguage.self, forKey: .language)
        exceptionType = try container.decode(String.self, forKey: .exceptionType)
        message = try container.decode(String.self, forKey: .message)
        frames = try container.decode([StackFrame].self, forKey: .frames)
        startLine = try container.decode(Int.self, forKey: .startLine)
        endLine = try container.decode(Int.self, forKey: .endLine)
        truncated = try container.decodeIfPresent(Bool.self, forKey: .truncated) ?? false
        subExceptions = try container.decodeIfPresent([StackTrace].self, forKey: .subExceptions) ?? []
        causeStorage = try container.decodeIfPresent(StackTrace.self, forKey: .cause).map { [$0] } ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(language, forKey: .language)
        try container.encode(exceptionType, forKey: .exceptionType)
        try container.encode(message, forKey: .message)
        try container.encode(frames, forKey: .frames)
        try container.encode(cause, forKey: .cause)
        try container.encode(startLine, forKey: .startLine)
        try container.encode(endLine, forKey: .endLine)
        try container.encode(truncated, forKey: .truncated)
        if !subExceptions.isEmpty { try container.encode(subExceptions, forKey: .subExceptions) }
    }
}
