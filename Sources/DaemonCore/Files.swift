#if canImport(Glibc)
import Glibc
#endif

/// The little of the file system the daemon needs, on plain POSIX calls.
public enum Files {
    /// Folders an app's runtime fills (caches, dependencies, repaird's own state): neither
    /// watched nor part of an app's fingerprint.
    public static let runtimeFolders: Set<String> = [".repair", "__pycache__", "node_modules", ".git"]

    /// The names in a folder (without `.` and `..`), each with whether it is a folder (a
    /// symbolic link is not followed). Empty when it cannot be read.
    public static func entries(of path: String) -> [(name: String, isDirectory: Bool)] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var result: [(String, Bool)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            var isDirectory = Int32(entry.pointee.d_type) == DT_DIR
            if Int32(entry.pointee.d_type) == DT_UNKNOWN, let info = status(of: path + "/" + name) { isDirectory = info.isDirectory }
            result.append((name, isDirectory))
        }
        return result
    }

    public struct Status: Equatable, Sendable {
        public var isDirectory: Bool
        public var size: Int64
        /// Modification time in nanoseconds since 1970.
        public var modified: Int64
    }

    /// What `lstat` says of a path; nil when it does not exist.
    public static func status(of path: String) -> Status? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Status(isDirectory: info.st_mode & S_IFMT == S_IFDIR, size: Int64(info.st_size),
                      modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// An absolute path with `.`, `..` and repeated slashes taken out, symbolic links left as
    /// they are (what Foundation's `standardizedFileURL` gives, so both sides name an app alike).
    public static func standardized(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let directory = getcwd(&buffer, buffer.count).map { _ in String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) } ?? "/"
            absolute = directory + "/" + path
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
