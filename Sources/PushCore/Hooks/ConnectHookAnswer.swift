/// The backend's verdict on a CONNECT, decoded strictly: anything unexpected is an error, and
/// an error refuses the socket (never admits it by mistake).
///
/// `{"allow":true,"data":{...},"rooms":[...],"user":"id"}` admits; `{"allow":false,
/// "message":"...","data":{...}}` refuses with that message and data.
package enum ConnectHookAnswer: Sendable, Equatable {
    case allow(data: [JSONMember], rooms: [String], user: String?)
    case refuse(message: String, data: JSONValue?)

    /// The message a refusal carries when the backend gave none.
    package static let defaultRefusal = "unauthorized"

    /// Decodes an answer body.
    package static func decode(_ body: [UInt8], maxDepth: Int = 32) -> Result<ConnectHookAnswer, HookAnswerError> {
        let members: [JSONMember]
        switch HookJSON.object(body, maxDepth: maxDepth) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }
        guard case .bool(let allow)? = HookJSON.field(members, "allow") else {
            return .failure(.invalidField("allow", expected: "true or false"))
        }
        let data = HookJSON.field(members, "data")
        if let data, data.objectValue == nil { return .failure(.invalidField("data", expected: "an object")) }
        guard allow else {
            let message = HookJSON.field(members, "message")
            if let message, message.stringValue == nil { return .failure(.invalidField("message", expected: "a string")) }
            return .success(.refuse(message: message?.stringValue ?? defaultRefusal, data: data))
        }
        let rooms: [String]
        switch HookJSON.strings(members, "rooms") {
        case .success(let list): rooms = list
        case .failure(let error): return .failure(error)
        }
        let user = HookJSON.field(members, "user")
        if let user, user.stringValue == nil { return .failure(.invalidField("user", expected: "a string")) }
        return .success(.allow(data: data?.objectValue ?? [], rooms: rooms, user: user?.stringValue))
    }
}
