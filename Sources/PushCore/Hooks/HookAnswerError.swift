/// Why a backend's answer to a hook could not be used; a stable description for the log.
package enum HookAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not JSON (or nests too deep).
    case notJSON
    /// The body is JSON but not an object.
    case notAnObject
    /// A field has the wrong type or value; names the field and what it must be.
    case invalidField(String, expected: String)
    /// An `emit` item broke the server API's rules (the API's error message).
    case invalidEmit(String)

    package var description: String {
        switch self {
        case .notJSON: "the answer is not JSON"
        case .notAnObject: "the answer is not a JSON object"
        case .invalidField(let name, let expected): "\"\(name)\" must be \(expected)"
        case .invalidEmit(let message): "emit: \(message)"
        }
    }
}
