/// The one conversion from a number read from outside — a config file, the environment,
/// `--set`, a plan, a spec, an HTTP header, an LLM's answer — to the number the code uses.
///
/// Swift traps when a `Double` that is not finite or does not fit becomes an `Int` or a
/// `Duration`; every such number passes through here first and is refused with a reason
/// instead, so a hostile value is an error naming its field, never a crash, and `200.7` is
/// never silently read as 200.
public enum CheckedNumber {
    /// Why a value was refused, worded to follow the value in a message: "… must be 1 to 100".
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The longest duration any setting may hold: a day, in seconds.
    public static let longestSeconds = 86_400.0

    /// A whole number within `range`.
    public static func whole(_ value: Double, in range: ClosedRange<Int>) -> Result<Int, Refusal> {
        guard value.isFinite else { return .failure(Refusal("is not a finite number")) }
        guard value.rounded(.towardZero) == value else { return .failure(Refusal("must be a whole number")) }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            return .failure(outside(range))
        }
        // In range and whole, so it fits: `Int(exactly:)` cannot fail here, but is used
        // anyway so that no path can trap.
        guard let whole = Int(exactly: value), range.contains(whole) else { return .failure(outside(range)) }
        return .success(whole)
    }

    /// A whole number within `range`, from an integer already read.
    public static func whole(_ value: Int, in range: ClosedRange<Int>) -> Result<Int, Refusal> {
        range.contains(value) ? .success(value) : .failure(outside(range))
    }

    /// A whole number within `range`, from text (a header, an environment variable).
    public static func whole(_ text: String, in range: ClosedRange<Int>) -> Result<Int, Refusal> {
        let trimmed = text.trimmingWhitespace
        if let value = Int(trimmed) { return whole(value, in: range) }
        guard let value = decimal(trimmed) else { return .failure(Refusal("is not a number")) }
        return whole(value, in: range)
    }

    /// A finite number within `range`.
    public static func number(_ value: Double, in range: ClosedRange<Double>) -> Result<Double, Refusal> {
        guard value.isFinite else { return .failure(Refusal("is not a finite number")) }
        guard range.contains(value) else {
            return .failure(Refusal("must be \(format(range.lowerBound)) to \(format(range.upperBound))"))
        }
        return .success(value)
    }

    /// A number of seconds, at least `minimum` (0 allows zero; above 0 when `zeroAllowed` is
    /// false) and at most a day, as a `Duration` of whole milliseconds.
    public static func seconds(_ value: Double, zeroAllowed: Bool = false) -> Result<Duration, Refusal> {
        let refusal = Refusal("must be \(zeroAllowed ? "0" : "more than 0") to \(Int(longestSeconds)) seconds")
        guard value.isFinite else { return .failure(Refusal("is not a finite number of seconds")) }
        guard zeroAllowed ? value >= 0 : value > 0, value <= longestSeconds else { return .failure(refusal) }
        return .success(duration(seconds: value))
    }

    /// A number of seconds from text (`Retry-After`).
    public static func seconds(_ text: String, zeroAllowed: Bool = true) -> Result<Duration, Refusal> {
        guard let value = decimal(text.trimmingWhitespace) else {
            return .failure(Refusal("is not a number of seconds"))
        }
        return seconds(value, zeroAllowed: zeroAllowed)
    }

    /// A number written in decimal (`12`, `-0.5`, `1e3`, or the words `inf` and `nan`, which
    /// the checks above then refuse). `Double.init` alone also reads hexadecimal (`0x10` is
    /// 16), which no config value, header or plan means.
    public static func decimal<S: StringProtocol>(_ text: S) -> Double? {
        let allowed = Set("0123456789+-.eE")
        let word = text.lowercased().trimmingCharacters(in: Set("+-"))
        guard text.allSatisfy(allowed.contains) || ["inf", "infinity", "nan"].contains(word) else { return nil }
        return Double(String(text))
    }

    /// `seconds` as whole milliseconds, clamped to 0…a day; NaN is 0. For values already
    /// checked where they were read: it never traps, whatever reaches it.
    public static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .milliseconds(Int((min(seconds, longestSeconds) * 1000).rounded()))
    }

    /// `a + b` without trapping: the nearest representable value when it overflows.
    public static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b > 0 ? Int.max : Int.min
    }

    private static func outside(_ range: ClosedRange<Int>) -> Refusal {
        Refusal("must be \(range.lowerBound) to \(range.upperBound)")
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }

    fileprivate var trimmingWhitespace: Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
