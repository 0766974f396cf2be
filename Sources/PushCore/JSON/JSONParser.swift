/// A strict RFC 8259 JSON parser over bytes.
///
/// - Nesting is handled with an explicit stack, not recursion, so no input can overflow the
///   call stack; arrays and objects deeper than `maxDepth` fail with `.tooDeep`.
/// - Strings: every escape is decoded, `\u` surrogate pairs are combined, lone surrogates,
///   raw control characters (< 0x20) and ill-formed UTF-8 are errors (never replaced).
/// - Numbers follow the JSON grammar exactly and are converted with correct rounding. Numbers too
///   large for a Double become ±infinity, as JavaScript's `JSON.parse` does (the serializer then
///   writes them as `null`, as `JSON.stringify` does); too small ones become ±0.
/// - Duplicate keys: the last value wins and the member keeps the position of the first one,
///   matching `JSON.parse`. Keys compare by their UTF-8 bytes (no Unicode normalisation), as
///   JavaScript compares them.
/// - Only space, tab, LF and CR count as whitespace; anything after the value is an error.
///
/// Keep `maxDepth` modest: the parser itself never recurses, but comparing, serializing and
/// destroying a value walk it recursively.
public struct JSONParser {
    let input: UnsafeRawBufferPointer
    private let maxDepth: Int
    /// Read position, a byte offset into `input`.
    var index = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    private init(input: UnsafeRawBufferPointer, maxDepth: Int) {
        self.input = input
        self.maxDepth = maxDepth
    }

    /// Parses one complete JSON text. `maxDepth` is the number of nested arrays/objects allowed
    /// (a scalar has depth 0, `[]` depth 1).
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        var parser = JSONParser(input: bytes, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    /// Parses one complete JSON text held in a byte array.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text held in an array slice (offsets count from the slice start).
    public static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text held in a string (offsets are UTF-8 offsets).
    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text held in a substring (offsets are UTF-8 offsets).
    public static func parse(_ text: Substring, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        return try result.get()
    }

    // MARK: - Structure

    /// An array or object being filled.
    private struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [JSONMember] = []
        /// Key of the member whose value is being parsed.
        var key = ""
        /// Key -> member position, built only once an object grows large, so duplicate checks
        /// stay linear overall.
        var keyIndex: [JSONKey: Int]? = nil

        init(isObject: Bool) { self.isObject = isObject }

        mutating func add(_ value: JSONValue) {
            guard isObject else {
                // Most arrays are short (an event's name and arguments): one allocation for
                // up to four elements rather than one per growth.
                if elements.isEmpty { elements.reserveCapacity(4) }
                elements.append(value)
                return
            }
            if let existing = position(of: key) {
                members[existing].value = value
            } else {
                members.append(JSONMember(key, value))
                keyIndex?[JSONKey(key)] = members.count - 1
            }
        }

        private mutating func position(of key: String) -> Int? {
            if let keyIndex { return keyIndex[JSONKey(key)] }
            if members.count < 16 {
                return members.firstIndex { JSONKey.equal($0.key, key) }
            }
            var built: [JSONKey: Int] = [:]
            built.reserveCapacity(members.count * 2)
            for (position, member) in members.enumerated() { built[JSONKey(member.key)] = position }
            keyIndex = built
            return built[JSONKey(key)]
        }
    }

    /// The open containers, the innermost kept inline: a document one level deep (an event's
    /// array, an API request's object) needs no allocation for its stack. Frames are changed
    /// in place through `innermost!`, so their arrays stay uniquely held.
    private struct FrameStack {
        var innermost: Frame?
        private var outer: [Frame] = []

        var isEmpty: Bool { innermost == nil }
        var depth: Int { innermost == nil ? 0 : outer.count &+ 1 }

        mutating func push(_ frame: Frame) {
            if let current = innermost {
                innermost = nil
                outer.append(current)
            }
            innermost = frame
        }

        mutating func pop() -> Frame {
            let frame = innermost!
            innermost = outer.popLast()
            return frame
        }
    }

    private mutating func parseDocument() throws(JSONError) -> JSONValue {
        var stack = FrameStack()
        var value: JSONValue
        nextValue: while true {
            skipWhitespace()
            guard index < input.count else { throw .unexpectedEnd(offset: index) }
            switch input[index] {
            case JSONByte.openBrace, JSONByte.openBracket:
                let isObject = input[index] == JSONByte.openBrace
                guard stack.depth < maxDepth else { throw .tooDeep(offset: index) }
                index += 1
                skipWhitespace()
                if index < input.count && input[index] == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    index += 1
                    value = isObject ? .object([]) : .array([])
                } else {
                    var frame = Frame(isObject: isObject)
                    if isObject { frame.key = try parseKey() }
                    stack.push(frame)
                    continue nextValue
                }
            case JSONByte.quote:
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw .unexpectedByte(offset: index)
            }

            // A value is complete: store it in its container, closing containers as they end.
            while !stack.isEmpty {
                stack.innermost!.add(value)
                skipWhitespace()
                guard index < input.count else { throw .unexpectedEnd(offset: index) }
                let byte = input[index]
                index += 1
                if byte == JSONByte.comma {
                    if stack.innermost!.isObject { stack.innermost!.key = try parseKey() }
                    continue nextValue
                }
                let frame = stack.pop()
                if frame.isObject && byte == JSONByte.closeBrace {
                    value = .object(frame.members)
                } else if !frame.isObject && byte == JSONByte.closeBracket {
                    value = .array(frame.elements)
                } else {
                    throw .unexpectedByte(offset: index - 1)
                }
            }
            skipWhitespace()
            guard index == input.count else { throw .trailingData(offset: index) }
            return value
        }
    }

    /// Parses `"key" :` and leaves the index at the member's value.
    private mutating func parseKey() throws(JSONError) -> String {
        skipWhitespace()
        guard index < input.count else { throw .unexpectedEnd(offset: index) }
        guard input[index] == JSONByte.quote else { throw .unexpectedByte(offset: index) }
        let key = try parseString()
        skipWhitespace()
        guard index < input.count else { throw .unexpectedEnd(offset: index) }
        guard input[index] == JSONByte.colon else { throw .unexpectedByte(offset: index) }
        index += 1
        return key
    }

    private mutating func skipWhitespace() {
        while index < input.count {
            switch input[index] {
            case JSONByte.space, JSONByte.tab, JSONByte.lineFeed, JSONByte.carriageReturn: index += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        for offset in 0..<count {
            guard index < input.count else { throw .unexpectedEnd(offset: index) }
            guard input[index] == literal.utf8Start[offset] else { throw .unexpectedByte(offset: index) }
            index += 1
        }
    }

    // MARK: - Numbers

    private func isDigit(_ position: Int) -> Bool {
        position < input.count && input[position] &- UInt8(ascii: "0") < 10
    }

    /// Consumes a run of digits starting at `position`; returns the end position.
    private func skipDigits(from position: Int) -> Int {
        var end = position
        while isDigit(end) { end += 1 }
        return end
    }

    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        var position = index
        let negative = input[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard isDigit(position) else { throw .invalidNumber(offset: position) }
        if input[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) { throw .invalidNumber(offset: position) }
        } else {
            position = skipDigits(from: position)
        }
        let integerEnd = position
        if position < input.count && input[position] == UInt8(ascii: ".") {
            guard isDigit(position + 1) else { throw .invalidNumber(offset: position + 1) }
            position = skipDigits(from: position + 1)
        }
        if position < input.count && (input[position] | 0x20) == UInt8(ascii: "e") {
            position += 1
            if position < input.count && (input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard isDigit(position) else { throw .invalidNumber(offset: position) }
            position = skipDigits(from: position)
        }
        index = position

        // Plain integers of up to 15 digits are exact in a Double: no string needed.
        let digitStart = negative ? start + 1 : start
        if position == integerEnd && position - digitStart <= 15 {
            var magnitude = 0
            for offset in digitStart..<position { magnitude = magnitude &* 10 &+ Int(input[offset] &- UInt8(ascii: "0")) }
            let value = Double(magnitude)
            return negative ? -value : value
        }
        // The slice is validated JSON grammar, which the stdlib converts with correct rounding.
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw .invalidNumber(offset: start) }
        return value
    }
}

/// ASCII bytes of the JSON grammar.
enum JSONByte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
}
