import Foundation

/// Random (version 4) UUIDs, for `X-Request-ID` headers and run ids.
public enum RequestID {
    /// A fresh lowercase UUID string, e.g. `1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b`: 122 bits
    /// from the system's random source, written without `printf` (one per request sent).
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
            let digits: StaticString = "0123456789abcdef"
            return String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = digits.utf8Start[Int(raw[index] >> 4)]
                    text[position + 1] = digits.utf8Start[Int(raw[index] & 0x0F)]
                    position += 2
                }
                return position
            }
        }
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
