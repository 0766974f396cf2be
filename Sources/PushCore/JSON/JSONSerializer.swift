extension JSONValue {
    /// Appends this value as JSON text, byte for byte what JavaScript's `JSON.stringify` writes
    /// for the same value: no whitespace, members in stored order, strings escaping only `"`,
    /// `\` and control characters (everything else, U+2028 included, as raw UTF-8), numbers as
    /// `Number#toString` writes them, NaN and ±Infinity as `null`.
    ///
    /// `.binary` is not JSON: it is written as the Socket.IO placeholder
    /// `{"_placeholder":true,"num":n}` with n = 0, 1, 2… in depth-first order, the numbering
    /// `SocketPacketEncoder` gives the attachments it extracts.
    ///
    /// Values from `JSONParser` are nested at most `maxDepth` deep; a value built by hand
    /// is written recursively.
    public func serialize(into output: inout [UInt8]) {
        var attachments: [[UInt8]] = []
        JSONWriter.write(self, into: &output, attachments: &attachments)
    }

    /// This value as JSON text (see `serialize(into:)`).
    public var jsonString: String {
        var output: [UInt8] = []
        serialize(into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// The JSON writer behind `serialize(into:)` and the Socket.IO packet encoder.
enum JSONWriter {
    /// Writes `value`; each `.binary` becomes a placeholder numbered by its position in
    /// `attachments`, to which its bytes are appended.
    static func write(_ value: JSONValue, into output: inout [UInt8], attachments: inout [[UInt8]]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            JSNumberFormat.append(number, to: &output)
        case .string(let string):
            writeString(string, into: &output)
        case .array(let elements):
            output.append(JSONByte.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                write(element, into: &output, attachments: &attachments)
            }
            output.append(JSONByte.closeBracket)
        case .object(let members):
            output.append(JSONByte.openBrace)
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                writeString(member.key, into: &output)
                output.append(JSONByte.colon)
                write(member.value, into: &output, attachments: &attachments)
            }
            output.append(JSONByte.closeBrace)
        case .binary(let bytes):
            output.append(contentsOf: #"{"_placeholder":true,"num":"#.utf8)
            JSNumberFormat.appendInteger(Int64(attachments.count), to: &output)
            output.append(JSONByte.closeBrace)
            attachments.append(bytes)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a quoted string, copying runs that need no escape in one go.
    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(JSONByte.quote)
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for position in 0..<bytes.count {
                let byte = bytes[position]
                guard byte < 0x20 || byte == JSONByte.quote || byte == JSONByte.backslash else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                runStart = position + 1
                output.append(JSONByte.backslash)
                switch byte {
                case JSONByte.quote, JSONByte.backslash: output.append(byte)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x09: output.append(UInt8(ascii: "t"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                default:
                    output.append(contentsOf: "u00".utf8)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(JSONByte.quote)
    }
}
