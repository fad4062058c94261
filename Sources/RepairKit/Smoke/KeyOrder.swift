import Foundation

/// The order in which a JSON text writes each object's keys. `JSONDecoder` keeps no key order
/// (a spec decoded twice, in two processes, lists its paths in two orders), so what is
/// generated from a JSON spec is put back into the text's order through this: an object is
/// found by its set of keys, and the first object of the text with that set gives the order.
/// A YAML text's order is recorded as its node tree is written out as JSON (`YAMLAsJSON`).
public struct KeyOrder: Sendable {
    /// Each object's set of keys to the keys as written.
    private var orders: [Set<String>: [String]] = [:]

    /// No order known yet: filled by `record`.
    init() {}

    /// Notes one object's keys as written; the first object with a set of keys gives its order.
    mutating func record(_ keys: [String]) {
        guard keys.count > 1 else { return }
        let set = Set(keys)
        if orders[set] == nil { orders[set] = keys }
    }

    /// One pass over the text; a text that is not JSON gives what was read before the fault.
    public init(json data: Data) {
        var frames: [(keys: [String], isObject: Bool, expectingKey: Bool)] = []
        var index = data.startIndex
        let end = data.endIndex
        while index < end {
            let byte = data[index]
            switch byte {
            case UInt8(ascii: "{"):
                frames.append(([], true, true))
            case UInt8(ascii: "["):
                frames.append(([], false, false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let frame = frames.popLast(), frame.isObject, frame.keys.count > 1 {
                    let key = Set(frame.keys)
                    if orders[key] == nil { orders[key] = frame.keys }
                }
            case UInt8(ascii: ","):
                if let last = frames.indices.last, frames[last].isObject { frames[last].expectingKey = true }
            case UInt8(ascii: "\""):
                let (text, next) = Self.string(in: data, from: index)
                if let last = frames.indices.last, frames[last].isObject, frames[last].expectingKey {
                    frames[last].keys.append(text)
                    frames[last].expectingKey = false
                }
                index = next
                continue
            default:
                break
            }
            index += 1
        }
    }

    /// `keys` in the order the text writes an object with exactly these keys; else sorted.
    public func ordered(_ keys: [String]) -> [String] {
        guard keys.count > 1 else { return keys }
        return orders[Set(keys)] ?? keys.sorted()
    }

    /// The pairs of a decoded dictionary in the text's order of their keys.
    func ordered<Key, Value>(_ pairs: [(key: Key, value: Value)], name: (Key) -> String) -> [(key: Key, value: Value)] {
        guard pairs.count > 1 else { return pairs }
        let names = pairs.map { name($0.key) }
        let written = orders[Set(names)] ?? names.sorted()
        if written == names { return pairs }
        var position: [String: Int] = [:]
        for (index, name) in written.enumerated() { position[name] = index }
        return zip(names, pairs).sorted { (position[$0.0] ?? .max, $0.0) < (position[$1.0] ?? .max, $1.0) }.map(\.1)
    }

    /// The string starting at the quote at `start`, unescaped, and the index after its closing quote.
    private static func string(in data: Data, from start: Data.Index) -> (String, Data.Index) {
        var bytes: [UInt8] = []
        var index = start + 1
        while index < data.endIndex {
            let byte = data[index]
            if byte == UInt8(ascii: "\"") { return (String(decoding: bytes, as: UTF8.self), index + 1) }
            if byte == UInt8(ascii: "\\"), index + 1 < data.endIndex {
                let escaped = data[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= data.endIndex,
                        let code = UInt32(String(decoding: data[index..<(index + 4)], as: UTF8.self), radix: 16)
                    else { continue }
                    index += 4
                    var scalar = code
                    // A surrogate pair: the low half follows as another \u escape.
                    if (0xD800..<0xDC00).contains(code), index + 6 <= data.endIndex, data[index] == UInt8(ascii: "\\"),
                        data[index + 1] == UInt8(ascii: "u"),
                        let low = UInt32(String(decoding: data[(index + 2)..<(index + 6)], as: UTF8.self), radix: 16),
                        (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                    bytes.append(
                        contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
                default: bytes.append(escaped)
                }
                continue
            }
            bytes.append(byte)
            index += 1
        }
        return (String(decoding: bytes, as: UTF8.self), index)
    }
}
