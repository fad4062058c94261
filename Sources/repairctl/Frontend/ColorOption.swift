import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--color auto|always|never`: `auto` colours a terminal unless `NO_COLOR` is set (to
/// anything) or `TERM` is `dumb`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never

    /// Whether output written to `descriptor` is coloured.
    func isEnabled(for descriptor: Int32) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: isatty(descriptor) == 1 && Self.environmentAllowsColor
        }
    }

    /// `NO_COLOR` (https://no-color.org) unset or empty, and a terminal that is not `dumb`.
    static var environmentAllowsColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        return (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }
}

struct ColorOption: ParsableArguments {
    @Option(help: "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto
}
