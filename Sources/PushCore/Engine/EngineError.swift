/// The errors the reference server reports in the JSON body of its HTTP error answers to
/// Engine.IO requests, e.g. `{"code":1,"message":"Session ID unknown"}`.
public enum EngineError: Int, Sendable, Error, CaseIterable {
    /// The `transport` query parameter is missing or not one the server serves.
    case unknownTransport = 0
    /// The `sid` is not a live session (or belongs to another transport after an upgrade).
    case unknownSid = 1
    /// A handshake with a method other than GET.
    case badHandshakeMethod = 2
    /// Anything else wrong with the request (duplicate poll, bad payload, …).
    case badRequest = 3
    /// Refused by the application (e.g. origin or authorization check).
    case forbidden = 4
    /// `EIO` is missing or not 4.
    case unsupportedProtocolVersion = 5

    /// The message text, exactly as the reference server words it.
    public var message: String {
        switch self {
        case .unknownTransport: return "Transport unknown"
        case .unknownSid: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        }
    }

    /// The HTTP status of the answer: 403 for `.forbidden`, 400 otherwise, as the reference does.
    public var httpStatus: Int { self == .forbidden ? 403 : 400 }

    /// The answer's body: `{"code":<code>,"message":"<message>"}` as UTF-8.
    public var json: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48)
        out.append(contentsOf: #"{"code":"#.utf8)
        out.append(contentsOf: String(rawValue).utf8)
        out.append(contentsOf: #","message":"#.utf8)
        EngineJSON.appendString(message, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
