/// How values cross between nodes inside Redis messages: JSON, with binary made explicit
/// (`{"$b":"<base64>"}`) so attachments survive, and engine packets and socket snapshots in
/// fixed shapes.
package enum ClusterCodec {
    /// Binary-safe JSON form of a value.
    package static func wrap(_ value: JSONValue) -> JSONValue {
        switch value {
        case .binary(let bytes): return .object([JSONMember("$b", .string(Base64.encode(bytes)))])
        case .array(let items): return .array(items.map(wrap))
        case .object(let members): return .object(members.map { JSONMember($0.key, wrap($0.value)) })
        default: return value
        }
    }

    /// The inverse of `wrap`.
    package static func unwrap(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == "$b", case .string(let text) = members[0].value,
               let bytes = Base64.decode(Array(text.utf8)) {
                return .binary(bytes)
            }
            return .object(members.map { JSONMember($0.key, unwrap($0.value)) })
        case .array(let items): return .array(items.map(unwrap))
        default: return value
        }
    }

    /// Engine message packets: text as a string, binary as `{"$b":...}`.
    package static func packets(_ packets: [EnginePacket]) -> JSONValue {
        .array(packets.map { packet in
            packet.isBinary ? wrap(.binary(packet.payload)) : .string(packet.text)
        })
    }

    package static func packets(from value: JSONValue?) -> [EnginePacket]? {
        guard case .array(let items)? = value else { return nil }
        var packets: [EnginePacket] = []
        for item in items {
            switch unwrap(item) {
            case .string(let text): packets.append(.message(text: text))
            case .binary(let bytes): packets.append(.message(binary: bytes))
            default: return nil
            }
        }
        return packets
    }

    package static func strings(_ set: Set<String>) -> JSONValue { .array(set.sorted().map { .string($0) }) }

    package static func strings(from value: JSONValue?) -> Set<String> {
        Set(value?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    package static func pairs(_ pairs: [(String, String)]) -> JSONValue {
        .array(pairs.map { .array([.string($0.0), .string($0.1)]) })
    }

    package static func pairs(from value: JSONValue?) -> [(String, String)] {
        value?.arrayValue?.compactMap { pair in
            guard let name = pair[0]?.stringValue, let text = pair[1]?.stringValue else { return nil }
            return (name, text)
        } ?? []
    }

    package static func snapshot(_ socket: SocketSnapshot) -> JSONValue {
        let handshake = socket.handshake
        return [
            "id": .string(socket.id), "ns": .string(socket.namespace), "rooms": strings(socket.rooms),
            "transport": .string(socket.transportName),
            "data": wrap(.object(socket.data.sorted { $0.key < $1.key }.map { JSONMember($0.key, $0.value) })),
            "headers": pairs(handshake.headers), "query": pairs(handshake.query), "auth": wrap(handshake.auth),
            "address": .string(handshake.remoteAddress), "issued": .number(Double(handshake.issuedAt)),
            "url": .string(handshake.url),
        ]
    }

    package static func snapshot(from value: JSONValue) -> SocketSnapshot? {
        guard let id = value["id"]?.stringValue, let namespace = value["ns"]?.stringValue else { return nil }
        var data: [String: JSONValue] = [:]
        for member in unwrap(value["data"] ?? .null).objectValue ?? [] { data[member.key] = member.value }
        let handshake = SocketHandshake(headers: pairs(from: value["headers"]), query: pairs(from: value["query"]),
                                        auth: unwrap(value["auth"] ?? .object([])),
                                        remoteAddress: value["address"]?.stringValue ?? "",
                                        issuedAt: Int64(value["issued"]?.doubleValue ?? 0), url: value["url"]?.stringValue ?? "")
        return SocketSnapshot(id: id, namespace: namespace, rooms: strings(from: value["rooms"]), handshake: handshake,
                              data: data, transportName: value["transport"]?.stringValue ?? "")
    }
}
