import Foundation
import CUUID

/// Random (version 4) UUIDs from libuuid, for `X-Request-ID` headers and run ids.
public enum RequestID {
    /// A fresh lowercase UUID string, e.g. `1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b`.
    public static func make() -> String {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var text = [CChar](repeating: 0, count: 37)
        withUnsafeMutableBytes(of: &bytes) { raw in
            let pointer = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            uuid_generate_random(pointer)
            uuid_unparse_lower(pointer, &text)
        }
        return String(decoding: text.prefix(36).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension RequestID {
    /// A run id that sorts by time: `20261123-144755-1b4e28ba`.
    public static func makeRunID(at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(formatter.string(from: date))-\(make().prefix(8))"
    }
}
