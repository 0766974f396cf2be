/// A socket's snapshot as a cluster keeps it: `<owner node>\n<JSON>`, the owner first so that
/// Redis can check it without parsing (see RedisRecoverySnapshotStore).
package enum RecoverySnapshotCodec {
    /// A snapshot read back, with the node that wrote it and whether the socket had dropped
    /// (otherwise it was written ahead and the socket may still be connected there).
    package struct Record: Sendable {
        package let owner: String
        package let dropped: Bool
        package let snapshot: RecoverySnapshot
    }

    package static func encode(_ snapshot: RecoverySnapshot, owner: String, dropped: Bool) -> [UInt8] {
        let object = JSONValue.object([
            JSONMember("dropped", .bool(dropped)), JSONMember("pid", .string(snapshot.pid)),
            JSONMember("sid", .string(snapshot.socketID)), JSONMember("ns", .string(snapshot.namespace)),
            JSONMember("rooms", ClusterCodec.strings(snapshot.rooms)),
            JSONMember("data", .object(snapshot.data.sorted { $0.key < $1.key }.map { JSONMember($0.key, $0.value) })),
            JSONMember("at", .string((snapshot.connectedAt ?? RecoveryVector()).text)),
        ])
        var bytes = Array(owner.utf8)
        bytes.append(UInt8(ascii: "\n"))
        object.serialize(into: &bytes)
        return bytes
    }

    /// nil for anything that is not a snapshot (it is then treated as unknown).
    package static func decode(_ bytes: [UInt8], now: Int64) -> Record? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")),
              let object = try? JSONParser.parse(bytes[(newline + 1)...], maxDepth: 64),
              let pid = object["pid"]?.stringValue, let socketID = object["sid"]?.stringValue,
              let namespace = object["ns"]?.stringValue, let data = object["data"]?.objectValue,
              let at = object["at"]?.stringValue, let vector = RecoveryVector(text: Substring(at)) else { return nil }
        var values: [String: JSONValue] = [:]
        for member in data { values[member.key] = member.value }
        let snapshot = RecoverySnapshot(pid: pid, socketID: socketID, namespace: namespace,
                                        rooms: ClusterCodec.strings(from: object["rooms"]), data: values,
                                        disconnectedAt: now, connectedAtSequence: 0, connectedAt: vector)
        return Record(owner: String(decoding: bytes[..<newline], as: UTF8.self), dropped: object["dropped"]?.boolValue ?? false,
                      snapshot: snapshot)
    }
}
