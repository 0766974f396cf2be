import PushCore

/// Fuzzes `JSONParser` with a small and a large `maxDepth`, and the serializer behind it.
///
/// Input: one control byte (bits 0-1 pick the small depth 0, 1, 2 or 4; bits 2-3 the large one
/// 64, 128, 512 or 1024), then the JSON text.
///
/// Checked: both parses agree (the small one may only stop earlier, with `.tooDeep`, and only on
/// text nested deeper than it allows); accepted text is UTF-8 and nests no deeper than allowed;
/// error offsets lie within the input; a parsed value serializes to text that parses to the same
/// value, and serializing that gives the same bytes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let smallDepth = [0, 1, 2, 4][Int(control & 3)]
    let largeDepth = [64, 128, 512, 1024][Int((control >> 2) & 3)]
    let text = Array(input.rest)

    let small = parse(text, maxDepth: smallDepth)
    let large = parse(text, maxDepth: largeDepth)
    for result in [small, large] {
        if case .failure(let error) = result {
            precondition(error.offset >= 0 && error.offset <= text.count, "error offset outside the input")
        }
    }

    // Depth is a property of the text: a duplicate key may drop the deepest member from the value.
    switch (small, large) {
    case (.success(let a), .success(let b)):
        precondition(a == b, "depth limit changed the value")
        precondition(nesting(of: text) <= smallDepth, "text deeper than maxDepth accepted")
    case (.success, .failure(let error)):
        preconditionFailure("a larger maxDepth rejected accepted text: \(error)")
    case (.failure(.tooDeep(let offset)), .success):
        precondition(nesting(of: text) > smallDepth, "tooDeep for text within maxDepth")
        precondition(offset < text.count, "tooDeep offset past the input")
    case (.failure(.tooDeep(let offset)), .failure(let error)):
        precondition(error.offset >= offset, "the deeper parse failed before the shallow one stopped")
    case (.failure(let error), let other):
        precondition(other == .failure(error), "depth limit changed a syntax error: \(error) vs \(other)")
    }

    guard case .success(let value) = large else { return 0 }
    precondition(isWellFormedUTF8(text), "accepted text is not UTF-8")
    let textDepth = nesting(of: text)
    precondition(textDepth <= largeDepth, "text deeper than maxDepth accepted")
    precondition(depth(of: value) <= textDepth, "value deeper than its text")

    var serialized: [UInt8] = []
    value.serialize(into: &serialized)
    guard case .success(let again) = parse(serialized, maxDepth: largeDepth) else {
        preconditionFailure("serialized value does not parse")
    }
    precondition(again == finiteOrNull(value), "serialize/parse changed the value")
    var reserialized: [UInt8] = []
    again.serialize(into: &reserialized)
    precondition(reserialized == serialized, "serializing is not stable")
    return 0
}

private func parse(_ bytes: [UInt8], maxDepth: Int) -> Result<JSONValue, JSONError> {
    withExactCopy(bytes) { copy in
        Result { () throws(JSONError) in try JSONParser.parse(copy, maxDepth: maxDepth) }
    }
}

/// Deepest nesting of brackets outside strings in accepted JSON text (a scalar 0, `[]` 1).
private func nesting(of text: [UInt8]) -> Int {
    var depth = 0, deepest = 0, inString = false, escaped = false
    for byte in text {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1; deepest = max(deepest, depth)
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
        default: break
        }
    }
    return deepest
}

/// Nesting depth of a value, counted as the parser counts it.
private func depth(of value: JSONValue) -> Int {
    switch value {
    case .array(let elements): return 1 + (elements.map(depth(of:)).max() ?? 0)
    case .object(let members): return 1 + (members.map { depth(of: $0.value) }.max() ?? 0)
    default: return 0
    }
}

/// Numbers too large for a Double parse as ±infinity and are written as null, as in JavaScript.
private func finiteOrNull(_ value: JSONValue) -> JSONValue {
    switch value {
    case .number(let number) where !number.isFinite: return .null
    case .array(let elements): return .array(elements.map(finiteOrNull))
    case .object(let members): return .object(members.map { JSONMember($0.key, finiteOrNull($0.value)) })
    default: return value
    }
}
