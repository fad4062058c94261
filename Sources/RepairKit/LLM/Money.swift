/// Amounts of money from `price_in`/`price_out`, which are in the operator's currency: shown
/// as a plain number, to the hundredth of a cent.
public enum Money {
    public static func text(_ amount: Double) -> String {
        guard amount.isFinite else { return "\(amount)" }
        let tenThousandths = (amount * 10_000).rounded()
        let whole = Int64(tenThousandths / 10_000)
        let fraction = Int64(abs(tenThousandths.truncatingRemainder(dividingBy: 10_000)))
        let digits = String(fraction)
        return
            "\(amount < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: 4 - digits.count))\(digits)"
    }
}
