import PushCore

/// A WebSocket upgrade for a session of another node is relayed to that node over TCP: this
/// node opens a connection to the owner's advertised address, sends it the client's upgrade
/// request and from then on pipes the bytes both ways. The session never moves, so its packets
/// keep the one order its owner gives them and none is sent twice; a round-robin load balancer
/// can send the upgrade anywhere.
extension ClusterNode {
    public func relay(_ request: HTTPRequest, _ writer: HTTPResponseWriter, owner: String, cors: [(String, String)]) -> Bool {
        let head = requestBytes(request.head)
        loop.execute { [self] in
            guard liveNodes.contains(owner), redis.isAvailable else {
                Self.refuse(writer, cors: cors)
                return
            }
            redis.send("GET", Self.aliveKey(of: owner)) { [self] reply in
                guard let address = reply.string.flatMap(NodeAddress.init) else {
                    // A node that advertises no address (or died since the scan).
                    Self.refuse(writer, cors: cors)
                    return
                }
                counts.relaysStarted += 1
                writer.loop.execute { [self] in open(writer, to: address, owner: owner, head: head, cors: cors) }
            }
        }
        return true
    }

    /// Connects to the owner on the client's loop, then hands the client's connection over.
    private func open(_ writer: HTTPResponseWriter, to address: NodeAddress, owner: String, head: [UInt8],
                      cors: [(String, String)]) {
        let splice = ConnectionSplice(loop: writer.loop)
        Connector.connect(on: writer.loop, host: address.host, port: address.port, timeoutMilliseconds: 3_000,
                          makeHandler: { splice }) { [self] result in
            switch result {
            case .failure(let error):
                Log.warning("cluster: cannot relay a request to node \(owner) at \(address): \(error)")
                writer.respond(status: 502, headers: [("Content-Type", "text/plain")] + cors,
                               body: Array("Session owner unreachable\n".utf8))
                loop.execute { [self] in counts.relaysFailed += 1 }
            case .success(let upstream):
                guard writer.isOpen else {
                    // The client left while this node connected.
                    upstream.close()
                    return
                }
                let client = writer.connection
                splice.join(client, upstream)
                upstream.write(head)
                writer.handOver(to: splice)
                // Both hops leave this loop for the cluster loop in order: kept, then forgotten.
                let key = ObjectIdentifier(splice)
                loop.execute { [self] in relays[key] = (owner, splice) }
                splice.onClose = { [self] in loop.execute { [self] in relays[key] = nil } }
            }
        }
    }

    /// Relays through a node found dead are closed, so their clients reconnect now rather
    /// than after a ping timeout (a dead host may never send a FIN).
    func closeRelays(to nodes: Set<String>) {
        assertInLoop()
        for (key, entry) in relays where nodes.contains(entry.owner) {
            relays[key] = nil
            let splice = entry.splice
            splice.loop.execute { splice.close() }
        }
    }

    private static func refuse(_ writer: HTTPResponseWriter, cors: [(String, String)]) {
        writer.loop.execute {
            writer.respond(status: 400, headers: [("Content-Type", "application/json")] + cors, body: EngineError.unknownSid.json)
        }
    }

    /// The upgrade request as the owner will read it: the same target and header fields, and
    /// the mark of a relayed request.
    func requestBytes(_ head: HTTPRequestHead) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: "GET \(head.target) HTTP/1.1\r\n".utf8)
        func field(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        for (name, value) in head.headers { field(name, value) }
        field(EngineServer.relayHeader, id)
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }
}
