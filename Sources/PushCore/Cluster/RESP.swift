/// A Redis protocol value (RESP2, plus the RESP3 types a server may send).
package enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int64)
    /// A bulk string; nil is RESP2's null bulk string.
    case bulk([UInt8]?)
    /// An array; nil is RESP2's null array.
    case array([RESPValue]?)
    case null
    case boolean(Bool)
    case double(Double)
    /// RESP3 push (pub/sub messages on a RESP3 connection).
    case push([RESPValue])
    case map([(RESPValue, RESPValue)])

    package static func == (a: RESPValue, b: RESPValue) -> Bool {
        switch (a, b) {
        case (.simple(let x), .simple(let y)), (.error(let x), .error(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.bulk(let x), .bulk(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.null, .null): return true
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.push(let x), .push(let y)): return x == y
        case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The bytes of a bulk or simple string.
    package var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .simple(let text): return Array(text.utf8)
        default: return nil
        }
    }

    /// A bulk or simple string as text.
    package var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The elements of an array or push.
    package var elements: [RESPValue]? {
        switch self {
        case .array(let items): return items
        case .push(let items): return items
        default: return nil
        }
    }
}

/// Redis protocol errors: the connection is unusable after one.
package enum RESPError: Error, Sendable, Equatable {
    case malformed(String)
    case tooLarge
}

/// Encodes commands as RESP arrays of bulk strings.
package enum RESPEncoder {
    package static func command(_ arguments: [[UInt8]], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "*"))
        out.append(contentsOf: String(arguments.count).utf8)
        out.append(contentsOf: [13, 10])
        for argument in arguments {
            out.append(UInt8(ascii: "$"))
            out.append(contentsOf: String(argument.count).utf8)
            out.append(contentsOf: [13, 10])
            out.append(contentsOf: argument)
            out.append(contentsOf: [13, 10])
        }
    }

    package static func command(_ arguments: String...) -> [UInt8] {
        var out: [UInt8] = []
        command(arguments.map { Array($0.utf8) }, into: &out)
        return out
    }
}

/// Decodes one RESP value from the start of a buffer. Incomplete input returns nil and
/// consumes nothing (the caller keeps the bytes and calls again with more).
package struct RESPDecoder: Sendable {
    /// Largest bulk string or aggregate accepted.
    package var maxLength: Int

    package init(maxLength: Int = 512 << 20) {
        self.maxLength = maxLength
    }

    package func decode(_ input: UnsafeRawBufferPointer) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        var index = 0
        guard let value = try value(input, &index, depth: 0) else { return nil }
        return (value, index)
    }

    private func line(_ input: UnsafeRawBufferPointer, _ index: inout Int) -> Substring? {
        var end = index
        while end + 1 < input.count {
            if input[end] == 13 && input[end + 1] == 10 {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: input[index..<end]), as: UTF8.self)
                index = end + 2
                return Substring(text)
            }
            end += 1
        }
        return nil
    }

    private func integer(_ text: Substring) throws(RESPError) -> Int64 {
        guard let value = Int64(text) else { throw .malformed("bad integer '\(text)'") }
        return value
    }

    private func value(_ input: UnsafeRawBufferPointer, _ index: inout Int, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth < 32 else { throw .malformed("nesting too deep") }
        guard index < input.count else { return nil }
        let start = index
        let marker = input[index]
        index += 1
        guard let text = line(input, &index) else { index = start; return nil }
        switch marker {
        case UInt8(ascii: "+"): return .simple(String(text))
        case UInt8(ascii: "-"): return .error(String(text))
        case UInt8(ascii: ":"): return .integer(try integer(text))
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"):
            guard text == "t" || text == "f" else { throw .malformed("bad boolean") }
            return .boolean(text == "t")
        case UInt8(ascii: ","):
            guard let number = Double(text) ?? (text == "inf" ? .infinity : text == "-inf" ? -.infinity : nil) else {
                throw .malformed("bad double")
            }
            return .double(number)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let length = try integer(text)
            if length < 0 { return .bulk(nil) }
            guard length <= maxLength else { throw .tooLarge }
            let end = index + Int(length)
            guard end + 2 <= input.count else { index = start; return nil }
            // A length that disagrees with the data would otherwise desynchronise the stream.
            guard input[end] == 13 && input[end + 1] == 10 else { throw .malformed("bulk string without CRLF") }
            let bytes = Array(UnsafeRawBufferPointer(rebasing: input[index..<end]))
            index = end + 2
            return marker == UInt8(ascii: "!") ? .error(String(decoding: bytes, as: UTF8.self)) : .bulk(bytes)
        case UInt8(ascii: "*"), UInt8(ascii: ">"), UInt8(ascii: "~"), UInt8(ascii: "%"):
            let count = try integer(text)
            if count < 0 { return .array(nil) }
            guard count <= maxLength / 4 else { throw .tooLarge }
            let elements = marker == UInt8(ascii: "%") ? Int(count) * 2 : Int(count)
            var items: [RESPValue] = []
            for _ in 0..<elements {
                guard let item = try value(input, &index, depth: depth + 1) else { index = start; return nil }
                items.append(item)
            }
            switch marker {
            case UInt8(ascii: ">"): return .push(items)
            case UInt8(ascii: "%"): return .map(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) })
            default: return .array(items)
            }
        default:
            throw .malformed("unknown type byte \(marker)")
        }
    }
}
