/// The part of a group's key that tells two causes on one endpoint apart.
enum Fingerprint {
    /// Exception type + the top in-app frames (file and function, not line) + the
    /// normalised message, as 12 hex digits of FNV-1a.
    /// - Parameter appDirectory: in-app paths are taken relative to it, so the same bug gives
    ///   the same fingerprint wherever the app lives.
    static func of(_ trace: StackTrace, appDirectory: String? = nil) -> String {
        let root = trace.rootCause
        let frames = root.frames.filter(\.inApp).prefix(3).map { frame -> String in
            var file = frame.file
            if let appDirectory, file.hasPrefix(appDirectory + "/") { file = String(file.dropFirst(appDirectory.count + 1)) }
            return "\(file):\(frame.function)"
        }
        let material = ([root.exceptionType] + frames + [MessageNormalizer.normalize(root.message)]).joined(separator: "|")
        return hash(material)
    }

    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        let hex = String(value, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }
}
