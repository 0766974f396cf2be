/// Why bytes received from a client are not a valid Engine.IO packet or payload.
///
/// Every case means "parse error": the session answers HTTP 400 (polling) or closes the
/// WebSocket, and is then closed.
public enum EngineDecodeError: Error, Sendable, Equatable, Hashable {
    /// An empty frame, an empty polling body, or an empty record between two separators.
    case empty
    /// The first byte is neither a type digit "0"..."6" nor "b".
    case unknownType
    /// A "b" record whose rest is not valid base64.
    case badBase64
    /// Text that is not well-formed UTF-8.
    case invalidUTF8
    /// A polling body larger than the session's `maxPayload`.
    case payloadTooLarge
}
