/// Why a JSON text was rejected, with the byte offset (from the start of the input) where the
/// problem was found.
public enum JSONError: Error, Sendable, Equatable, Hashable {
    /// The input ended inside a value (or was empty / whitespace only).
    case unexpectedEnd(offset: Int)
    /// A byte that cannot appear here in the JSON grammar.
    case unexpectedByte(offset: Int)
    /// A number outside the JSON grammar: leading zero, missing digits, '+', '.5', and so on.
    case invalidNumber(offset: Int)
    /// A bad escape, a lone or mismatched UTF-16 surrogate, or a raw control character (< 0x20).
    case invalidString(offset: Int)
    /// Bytes inside a string that are not well-formed UTF-8.
    case invalidUTF8(offset: Int)
    /// Arrays and objects nested deeper than the parser's `maxDepth`.
    case tooDeep(offset: Int)
    /// Something other than whitespace after the top-level value.
    case trailingData(offset: Int)

    /// The byte offset where the error was detected.
    public var offset: Int {
        switch self {
        case .unexpectedEnd(let offset), .unexpectedByte(let offset), .invalidNumber(let offset),
             .invalidString(let offset), .invalidUTF8(let offset), .tooDeep(let offset),
             .trailingData(let offset):
            return offset
        }
    }

    /// The same error with its offset moved by `delta` (for JSON embedded in a larger message).
    func shifted(by delta: Int) -> JSONError {
        let moved = offset &+ delta
        switch self {
        case .unexpectedEnd: return .unexpectedEnd(offset: moved)
        case .unexpectedByte: return .unexpectedByte(offset: moved)
        case .invalidNumber: return .invalidNumber(offset: moved)
        case .invalidString: return .invalidString(offset: moved)
        case .invalidUTF8: return .invalidUTF8(offset: moved)
        case .tooDeep: return .tooDeep(offset: moved)
        case .trailingData: return .trailingData(offset: moved)
        }
    }
}
