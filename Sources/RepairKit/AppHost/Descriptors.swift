#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to file descriptors with write(2), where a failure (a full disk, a closed pipe)
/// must be an error to report rather than a trap in `FileHandle.write`.
public enum Descriptors {
    /// Writes every byte of `bytes`, retrying after EINTR. Returns how many bytes were
    /// written and, when it stopped early, the `errno` of the failure (0 when all were written).
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32) {
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return (written, errno)
            }
            written += result
        }
        return (written, 0)
    }
}
