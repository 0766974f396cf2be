/// Turns a server API request body into a checked command. Strict: an unknown field or a value
/// of the wrong type is an error naming the field, so a typo fails loudly instead of emitting
/// to everyone.
public struct ServerAPIDecoder: Sendable {
    /// Nesting depth of request bodies.
    public var maxDepth: Int
    /// Commands in one batch at most.
    public var maxBatchCommands: Int

    public init(maxDepth: Int = 32, maxBatchCommands: Int = 1000) {
        self.maxDepth = maxDepth
        self.maxBatchCommands = maxBatchCommands
    }

    /// Decodes the body of `POST <api-path><method>`.
    public func decode(method: String, body: [UInt8]) -> Result<ServerAPICommand, ServerAPIError> {
        guard ServerAPICommand.methods.contains(method) else {
            return .failure(ServerAPIError(.unknownMethod, "unknown method \"\(method)\"; methods: \(ServerAPICommand.methods.joined(separator: ", "))"))
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(body, maxDepth: maxDepth)
        } catch .tooDeep {
            return .failure(ServerAPIError(.tooDeep, "the body nests deeper than \(maxDepth) levels"))
        } catch {
            return .failure(ServerAPIError(.invalidJSON, "the body is not JSON (byte \(error.offset))"))
        }
        guard case .object(let members) = json else {
            return .failure(ServerAPIError(.notAnObject, "the body must be a JSON object"))
        }
        do {
            return .success(try command(method, Fields(members, path: ""), nested: false))
        } catch {
            return .failure(error)
        }
    }

    /// Decodes one `emit` command given as an object (hook answers carry them in a list);
    /// `path` prefixes field names in errors.
    func emitCommand(_ members: [JSONMember], path: String) throws(ServerAPIError) -> EmitCommand {
        guard case .emit(let emit) = try command("emit", Fields(members, path: path), nested: true) else {
            throw ServerAPIError(.invalidField, "\"\(path)\" must be an emit command")
        }
        return emit
    }

    private func command(_ method: String, _ fields: Fields, nested: Bool) throws(ServerAPIError) -> ServerAPICommand {
        switch method {
        case "emit":
            try fields.only(["namespace", "event", "args", "to", "except", "socket", "volatile", "idempotencyKey"])
            var selection = try self.selection(fields, roomsField: "to")
            if let socket = try fields.string("socket") { selection.rooms.insert(socket) }
            guard let event = try fields.string("event") else {
                throw ServerAPIError(.missingField, "\"\(fields.path)event\" is required")
            }
            guard !event.isEmpty else { throw ServerAPIError(.emptyEvent, "\"\(fields.path)event\" must not be empty") }
            guard !SocketPacketDecoder.reservedEventNames.contains(event) else {
                throw ServerAPIError(.reservedEvent, "\"\(event)\" is a reserved event name")
            }
            let arguments = try fields.array("args").enumerated().map { index, value throws(ServerAPIError) in
                try Self.binaryArguments(value, path: "\(fields.path)args[\(index)]")
            }
            return .emit(EmitCommand(selection: selection, event: event, arguments: arguments,
                                     volatile: try fields.bool("volatile") ?? false,
                                     idempotencyKey: try idempotencyKey(fields)))
        case "join", "leave":
            try fields.only(["namespace", "in", "except", "rooms"])
            let selection = try self.selection(fields, roomsField: "in")
            let rooms = try fields.strings("rooms")
            guard !rooms.isEmpty else { throw ServerAPIError(.missingField, "\"\(fields.path)rooms\" must name at least one room") }
            return method == "join" ? .join(selection, rooms: rooms) : .leave(selection, rooms: rooms)
        case "disconnect":
            try fields.only(["namespace", "in", "except", "close"])
            return .disconnect(try selection(fields, roomsField: "in"), closeTransport: try fields.bool("close") ?? false)
        case "sockets":
            try fields.only(["namespace", "in", "except"])
            return .sockets(try selection(fields, roomsField: "in"))
        case "rooms":
            try fields.only(["namespace"])
            return .rooms(namespace: try namespace(fields))
        default:  // "batch"
            guard !nested else { throw ServerAPIError(.invalidField, "\"\(fields.path)method\": a batch cannot hold a batch") }
            try fields.only(["commands"])
            let items = try fields.array("commands")
            guard items.count <= maxBatchCommands else {
                throw ServerAPIError(.invalidField, "\"commands\" holds \(items.count) commands; at most \(maxBatchCommands)")
            }
            var commands: [ServerAPICommand] = []
            for (index, item) in items.enumerated() {
                let path = "commands[\(index)]."
                guard case .object(let members) = item else { throw ServerAPIError.field("commands[\(index)]", "an object") }
                let inner = Fields(members.filter { $0.key != "method" }, path: path)
                guard let method = members.last(where: { $0.key == "method" })?.value.stringValue else {
                    throw ServerAPIError(.missingField, "\"\(path)method\" is required")
                }
                guard ServerAPICommand.methods.contains(method) else {
                    throw ServerAPIError(.unknownMethod, "\"\(path)method\": unknown method \"\(method)\"")
                }
                commands.append(try command(method, inner, nested: true))
            }
            return .batch(commands)
        }
    }

    private func idempotencyKey(_ fields: Fields) throws(ServerAPIError) -> String? {
        guard let key = try fields.string("idempotencyKey") else { return nil }
        guard !key.isEmpty, key.utf8.count <= 256 else {
            throw ServerAPIError.field(fields.path + "idempotencyKey", "a string of 1 to 256 bytes")
        }
        return key
    }

    private func selection(_ fields: Fields, roomsField: String) throws(ServerAPIError) -> SocketSelection {
        SocketSelection(namespace: try namespace(fields), rooms: Set(try fields.strings(roomsField)),
                        except: Set(try fields.strings("except")))
    }

    private func namespace(_ fields: Fields) throws(ServerAPIError) -> String {
        guard let name = try fields.string("namespace") else { return "/" }
        guard name.hasPrefix("/") else { throw ServerAPIError.field(fields.path + "namespace", "a name starting with \"/\"") }
        return name
    }

    /// `{"$binary":"<base64>"}` anywhere in an argument becomes a binary attachment.
    static func binaryArguments(_ value: JSONValue, path: String) throws(ServerAPIError) -> JSONValue {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == "$binary" {
                guard case .string(let text) = members[0].value, let bytes = Base64.decode(text.utf8) else {
                    throw ServerAPIError(.invalidBinary, "\"\(path)\": \"$binary\" must be a base64 string")
                }
                return .binary(bytes)
            }
            var converted: [JSONMember] = []
            converted.reserveCapacity(members.count)
            for member in members {
                converted.append(JSONMember(member.key, try binaryArguments(member.value, path: "\(path).\(member.key)")))
            }
            return .object(converted)
        case .array(let items):
            var converted: [JSONValue] = []
            converted.reserveCapacity(items.count)
            for (index, item) in items.enumerated() { converted.append(try binaryArguments(item, path: "\(path)[\(index)]")) }
            return .array(converted)
        default:
            return value
        }
    }
}

/// The members of a request object, read with their types checked.
private struct Fields {
    let members: [JSONMember]
    /// Prefix for field names in messages ("commands[2]." inside a batch).
    let path: String

    init(_ members: [JSONMember], path: String) {
        self.members = members
        self.path = path
    }

    func only(_ allowed: Set<String>) throws(ServerAPIError) {
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw ServerAPIError(.unknownField, "unknown field \"\(path)\(unknown.key)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// The value, absent when missing or null.
    func value(_ name: String) -> JSONValue? {
        guard let value = members.last(where: { $0.key == name })?.value, !value.isNull else { return nil }
        return value
    }

    func string(_ name: String) throws(ServerAPIError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw ServerAPIError.field(path + name, "a string") }
        return text
    }

    func bool(_ name: String) throws(ServerAPIError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw ServerAPIError.field(path + name, "true or false") }
        return flag
    }

    func array(_ name: String) throws(ServerAPIError) -> [JSONValue] {
        guard let value = value(name) else { return [] }
        guard case .array(let items) = value else { throw ServerAPIError.field(path + name, "an array") }
        return items
    }

    /// An array of strings; a single string is taken as a list of one.
    func strings(_ name: String) throws(ServerAPIError) -> [String] {
        if case .string(let single)? = value(name) { return [single] }
        var result: [String] = []
        for item in try array(name) {
            guard case .string(let text) = item else { throw ServerAPIError.field(path + name, "an array of strings") }
            result.append(text)
        }
        return result
    }
}
