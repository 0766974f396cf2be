import PushCore

/// Broadcasts and room operations for a cluster: done locally at once, and published once per
/// operation for the other nodes, which do the same locally. A broadcast is encoded once per
/// node, never per socket. Called from every loop: it only reads the node's immutable id and
/// hands the rest to `publish` and the local adapter, which are safe from any thread.
final class ClusterAdapter: SocketAdapter, Sendable {
    unowned let node: ClusterNode

    init(node: ClusterNode) {
        self.node = node
    }

    private func scope(_ kind: String, _ namespace: Namespace, _ rooms: Set<String>, _ except: Set<String>) -> [JSONMember] {
        [JSONMember("k", .string(kind)), JSONMember("n", .string(node.id)), JSONMember("ns", .string(namespace.name)),
         JSONMember("rooms", ClusterCodec.strings(rooms)), JSONMember("except", ClusterCodec.strings(except))]
    }

    func broadcast(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, volatile: Bool) {
        node.local.broadcast(wire, namespace: namespace, rooms: rooms, except: except, volatile: volatile)
        publish(wire, namespace: namespace, rooms: rooms, except: except, volatile: volatile)
    }

    func publishRemote(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>,
                       origin: String, sequence: UInt64) {
        let members = broadcastMembers(wire, namespace: namespace, rooms: rooms, except: except, volatile: false) + [
            JSONMember("recoverable", true), JSONMember("origin", .string(origin)), JSONMember("oseq", .string(String(sequence))),
        ]
        node.publish(.object(members))
    }

    private func publish(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, volatile: Bool) {
        node.publish(.object(broadcastMembers(wire, namespace: namespace, rooms: rooms, except: except, volatile: volatile)))
    }

    private func broadcastMembers(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>,
                                  volatile: Bool) -> [JSONMember] {
        scope("broadcast", namespace, rooms, except) + [
            JSONMember("volatile", .bool(volatile)), JSONMember("packets", ClusterCodec.packets(wire.messages)),
        ]
    }

    func apply(_ operation: SocketOperation, namespace: Namespace, rooms: Set<String>, except: Set<String>) {
        node.local.apply(operation, namespace: namespace, rooms: rooms, except: except)
        var members = scope("operation", namespace, rooms, except)
        switch operation {
        case .join(let room): members += [JSONMember("op", "join"), JSONMember("room", .string(room))]
        case .leave(let room): members += [JSONMember("op", "leave"), JSONMember("room", .string(room))]
        case .disconnect(let close): members += [JSONMember("op", "disconnect"), JSONMember("close", .bool(close))]
        }
        node.publish(.object(members))
    }

    func fetchSockets(namespace: Namespace, rooms: Set<String>, except: Set<String>,
                      completion: @escaping @Sendable ([SocketSnapshot]) -> Void) {
        let node = self.node
        node.local.fetchSockets(namespace: namespace, rooms: rooms, except: except) { localSockets in
            let message = self.scope("fetch", namespace, rooms, except)
            node.loop.execute {
                node.request(message) { answers in
                    let remote = answers.flatMap { $0["sockets"]?.arrayValue ?? [] }.compactMap(ClusterCodec.snapshot(from:))
                    completion(localSockets + remote)
                }
            }
        }
    }

    func serverSideEmit(_ event: String, _ arguments: [JSONValue], server: SocketServer,
                        completion: (@Sendable ([[JSONValue]]) -> Void)?) {
        let node = self.node
        let message: [JSONMember] = [JSONMember("k", "emit"), JSONMember("event", .string(event)),
                                     JSONMember("args", ClusterCodec.wrap(.array(arguments)))]
        node.loop.execute {
            node.request(message) { answers in
                completion?(answers.map { ClusterCodec.unwrap($0["args"] ?? .array([])).arrayValue ?? [] })
            }
        }
    }

    /// A bus message from another node (cluster loop).
    static func receive(_ kind: String, _ message: JSONValue, from sender: String, node: ClusterNode) {
        node.assertInLoop()
        let rooms = ClusterCodec.strings(from: message["rooms"])
        let except = ClusterCodec.strings(from: message["except"])
        let namespace = message["ns"]?.stringValue.flatMap { node.sockets.existingNamespace($0) }
        switch kind {
        case "broadcast":
            guard let namespace, let packets = ClusterCodec.packets(from: message["packets"]) else { return }
            if message["recoverable"]?.boolValue == true, let recovery = node.sockets.recovery {
                // Numbered by its origin (see RecoveryVector); a message without a number is refused.
                guard let origin = message["origin"]?.stringValue, !origin.isEmpty,
                      let number = message["oseq"]?.stringValue.flatMap({ UInt64($0) }), number > 0 else { return }
                recovery.deliver(SocketWire(messages: packets), namespace: namespace, rooms: rooms, except: except,
                                 origin: (origin, number))
                return
            }
            node.local.broadcast(SocketWire(messages: packets), namespace: namespace, rooms: rooms, except: except,
                                 volatile: message["volatile"]?.boolValue ?? false)
        case "operation":
            guard let namespace else { return }
            switch message["op"]?.stringValue {
            case "join": if let room = message["room"]?.stringValue { node.local.apply(.join(room), namespace: namespace, rooms: rooms, except: except) }
            case "leave": if let room = message["room"]?.stringValue { node.local.apply(.leave(room), namespace: namespace, rooms: rooms, except: except) }
            case "disconnect":
                node.local.apply(.disconnect(closeTransport: message["close"]?.boolValue ?? false), namespace: namespace, rooms: rooms, except: except)
            default: break
            }
        case "fetch":
            let requestID = message["id"]
            guard let namespace else {
                node.reply(to: sender, request: requestID, [JSONMember("sockets", .array([]))])
                return
            }
            node.local.fetchSockets(namespace: namespace, rooms: rooms, except: except) { sockets in
                node.reply(to: sender, request: requestID, [JSONMember("sockets", .array(sockets.map(ClusterCodec.snapshot)))])
            }
        case "emit":
            let requestID = message["id"]
            guard let event = message["event"]?.stringValue else { return }
            let arguments = ClusterCodec.unwrap(message["args"] ?? .array([])).arrayValue ?? []
            node.sockets.receiveServerSideEmit(event, arguments) { answer in
                node.reply(to: sender, request: requestID, [JSONMember("args", ClusterCodec.wrap(.array(answer)))])
            }
        default:
            break
        }
    }
}

extension ClusterAdapter {
    /// Redis answers a connection's commands in order, so a PING sent after the publishes (the
    /// same hop to the cluster loop keeps them in order) answers once they were published.
    func whenPublished(_ completion: @escaping @Sendable () -> Void) {
        let redis = node.redis
        // Queued, never run inline, as publishes are.
        redis.loop.execute {
            redis.send("PING") { _ in completion() }
        }
    }
}
