import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How repaird and its workers log on stderr.
public enum DaemonLogging {
    public static let formats = ["text", "json"]

    /// Sends every logger to stderr, one line per record, as text or as JSON.
    public static func bootstrap(format: String) {
        let json = format == "json"
        LoggingSystem.bootstrap { label in
            json ? AnyLogHandler(JSONLogHandler(label: label)) : AnyLogHandler(StreamLogHandler.standardError(label: label))
        }
    }
}

/// One JSON object per log line on stderr: time, level, label, message, metadata (keys sorted).
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = ["time": Self.timestamp(), "level": event.level.rawValue, "label": label,
                                        "message": event.message.description]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { fields[key] = value.description }
        if let error = event.error { fields["error"] = "\(error)" }
        let record = "{" + fields.sorted { $0.key < $1.key }.map { "\(Self.quoted($0.key)):\(Self.quoted($0.value))" }.joined(separator: ",") + "}\n"
        // One write per record, so lines of several processes sharing stderr do not interleave.
        var bytes = Array(record.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// UTC, ISO 8601 with milliseconds: 2026-11-23T17:20:01.123Z.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2)).\(padded(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}

/// A LogHandler of either kind, chosen at start-up.
public struct AnyLogHandler: LogHandler {
    private var base: any LogHandler
    public init(_ base: any LogHandler) { self.base = base }
    public var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }
    public func log(event: LogEvent) {
        base.log(event: event)
    }
}
