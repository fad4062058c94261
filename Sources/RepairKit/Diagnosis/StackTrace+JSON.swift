/// A trace as one line of JSON, the keys sorted, as `JSONEncoder` would write it with
/// `.sortedKeys` and `.withoutEscapingSlashes` — written by hand, because `repairctl traces
/// --json` writes one per trace found and the encoder cost more than reading the log.
extension StackTrace {
    public func writeJSON(into output: inout String) {
        output += "{\"cause\":"
        if let cause { cause.writeJSON(into: &output) } else { output += "null" }
        output += ",\"end_line\":\(endLine),\"exception_type\":"
        JSONText.quote(exceptionType, into: &output)
        output += ",\"frames\":["
        for (index, frame) in frames.enumerated() {
            if index > 0 { output += "," }
            frame.writeJSON(into: &output)
        }
        output += "],\"language\":\"\(language.rawValue)\",\"message\":"
        JSONText.quote(message, into: &output)
        output += ",\"start_line\":\(startLine)"
        if !subExceptions.isEmpty {
            output += ",\"sub_exceptions\":["
            for (index, sub) in subExceptions.enumerated() {
                if index > 0 { output += "," }
                sub.writeJSON(into: &output)
            }
            output += "]"
        }
        output += ",\"truncated\":\(truncated)}"
    }
}

extension StackFrame {
    func writeJSON(into output: inout String) {
        output += "{"
        if let column { output += "\"column\":\(column)," }
        output += "\"file\":"
        JSONText.quote(file, into: &output)
        output += ",\"function\":"
        JSONText.quote(function, into: &output)
        output += ",\"in_app\":\(inApp)"
        if let line { output += ",\"line\":\(line)" }
        if let source {
            output += ",\"source\":"
            JSONText.quote(source, into: &output)
        }
        output += "}"
    }
}

/// JSON string literals.
enum JSONText {
    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped,
    /// everything else (slashes, non-ASCII) as it is.
    static func quote(_ text: String, into output: inout String) {
        output += "\""
        var bytes = text
        let plain = bytes.withUTF8 { buffer in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            return true
        }
        if plain {
            output += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        output.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        output += "\""
    }
}
