/// Why a server API call was refused: a stable code for programs, a message naming the field
/// for people, and the HTTP status that carries it.
public struct ServerAPIError: Error, Sendable, Equatable {
    /// The stable codes a caller can switch on.
    public enum Code: String, Sendable {
        case unauthorized
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case invalidJSON = "invalid_json"
        case tooDeep = "too_deep"
        case notAnObject = "not_an_object"
        case unknownMethod = "unknown_method"
        case invalidField = "invalid_field"
        case missingField = "missing_field"
        case unknownField = "unknown_field"
        case emptyEvent = "empty_event"
        case reservedEvent = "reserved_event"
        case invalidBinary = "invalid_binary"
        case bodyTooLarge = "body_too_large"
        case timeout
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status this error answers with.
    public var status: Int {
        switch code {
        case .unauthorized: 401
        case .notFound, .unknownMethod: 404
        case .methodNotAllowed: 405
        case .bodyTooLarge: 413
        case .timeout: 504
        case .unavailable: 503
        case .invalidJSON, .tooDeep, .notAnObject, .invalidField, .missingField, .unknownField, .emptyEvent,
             .reservedEvent, .invalidBinary:
            400
        }
    }

    /// `{"error":{"code":"...","message":"..."}}`
    public var json: JSONValue {
        .object([JSONMember("error", .object([JSONMember("code", .string(code.rawValue)),
                                               JSONMember("message", .string(message))]))])
    }

    static func field(_ name: String, _ expected: String) -> ServerAPIError {
        ServerAPIError(.invalidField, "\"\(name)\" must be \(expected)")
    }
}
