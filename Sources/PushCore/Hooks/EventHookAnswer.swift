/// The backend's answer to a forwarded client event, decoded strictly.
///
/// `{"ack":[...],"emit":[{"to":[...],"except":[...],"event","args"}],"join":[...],"leave":[...],
/// "disconnect":false}`; every field optional. `emit` items are server API `emit` commands
/// (their namespace defaults to the socket's); `{"$binary":"<base64>"}` becomes binary.
package struct EventHookAnswer: Sendable, Equatable {
    /// The acknowledgement's arguments, when the answer has `ack`.
    package var ack: [JSONValue]?
    package var emits: [EmitCommand] = []
    package var join: [String] = []
    package var leave: [String] = []
    package var disconnect = false

    package init(ack: [JSONValue]? = nil, emits: [EmitCommand] = [], join: [String] = [], leave: [String] = [],
                disconnect: Bool = false) {
        self.ack = ack
        self.emits = emits
        self.join = join
        self.leave = leave
        self.disconnect = disconnect
    }

    /// Decodes an answer body for a socket of `namespace`.
    package static func decode(_ body: [UInt8], namespace: String, maxDepth: Int = 32)
        -> Result<EventHookAnswer, HookAnswerError> {
        let members: [JSONMember]
        switch HookJSON.object(body, maxDepth: maxDepth) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }
        var answer = EventHookAnswer()
        if let ack = HookJSON.field(members, "ack") {
            guard case .array(let items) = ack else { return .failure(.invalidField("ack", expected: "an array")) }
            do {
                answer.ack = try items.enumerated().map { index, item throws(ServerAPIError) in
                    try ServerAPIDecoder.binaryArguments(item, path: "ack[\(index)]")
                }
            } catch {
                return .failure(.invalidEmit(error.message))
            }
        }
        if let emits = HookJSON.field(members, "emit") {
            guard case .array(let items) = emits else { return .failure(.invalidField("emit", expected: "an array")) }
            let decoder = ServerAPIDecoder(maxDepth: maxDepth)
            for (index, item) in items.enumerated() {
                guard case .object(var fields) = item else {
                    return .failure(.invalidField("emit[\(index)]", expected: "an object"))
                }
                if !fields.contains(where: { $0.key == "namespace" }) { fields.append(JSONMember("namespace", .string(namespace))) }
                do {
                    answer.emits.append(try decoder.emitCommand(fields, path: "emit[\(index)]."))
                } catch {
                    return .failure(.invalidEmit(error.message))
                }
            }
        }
        switch HookJSON.strings(members, "join") {
        case .success(let rooms): answer.join = rooms
        case .failure(let error): return .failure(error)
        }
        switch HookJSON.strings(members, "leave") {
        case .success(let rooms): answer.leave = rooms
        case .failure(let error): return .failure(error)
        }
        if let disconnect = HookJSON.field(members, "disconnect") {
            guard case .bool(let flag) = disconnect else {
                return .failure(.invalidField("disconnect", expected: "true or false"))
            }
            answer.disconnect = flag
        }
        return .success(answer)
    }
}
