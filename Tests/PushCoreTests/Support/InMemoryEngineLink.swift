@testable import PushCore

/// An engine session without a network: plays the client's side of one Socket.IO connection.
/// Packets the socket layer sends down are recorded (`sent`, `takePackets()`); the test pushes
/// packets up with `receive`/`connect`/`emit`/`ack`, and ends the session as the engine would
/// (`engineClose(reason:)`). `close()` from the socket layer reports `.forcedServerClose` back to
/// the server, as the real engine does.
///
/// ```swift
/// let loop = ManualExecutor()
/// let server = SocketServer(executors: [loop])
/// server.onConnection { socket in socket.on("ping") { _, ack in ack?("pong") } }
/// let link = InMemoryEngineLink(server: server, executor: loop)
/// link.connect()
/// link.emit("ping", ackId: 1)
/// XCTAssertEqual(link.takePackets().last, SocketPacket(type: .ack, data: ["pong"], ackId: 1))
/// ```
final class InMemoryEngineLink: EngineLink, @unchecked Sendable {
    let server: SocketServer
    let manualExecutor: ManualExecutor
    let sessionID: String
    var executor: SocketExecutor { manualExecutor }
    var transportName = "websocket"
    var handshakeHeaders: [(String, String)] = []
    var handshakeQuery: [(String, String)] = []
    var remoteAddress = "127.0.0.1"
    var issuedAt: Int64 = 1_700_000_000_000
    var requestURL = "/socket.io/?EIO=4&transport=websocket"
    var counters = SessionCounters()

    /// Every packet the socket layer sent down, in order.
    private(set) var sent: [OutboundPacket] = []
    /// Whether the session ended (either side).
    private(set) var isClosed = false
    /// Times the socket layer called `close()`.
    private(set) var closeCalls = 0
    /// The socket layer's state for this session, while open.
    private var client: AnyObject?
    private var taken = 0

    /// Makes the link; `open` (the default) opens the engine session on `server` at once.
    init(server: SocketServer, executor: ManualExecutor, sessionID: String = SessionID.make(), open: Bool = true) {
        self.server = server
        self.manualExecutor = executor
        self.sessionID = sessionID
        if open { self.open() }
    }

    /// The socket layer's state for this session, while open.
    var socketClient: AnyObject? { client }

    /// Opens the engine session (what the engine does after its handshake).
    func open() {
        client = server.engineOpened(self)
    }

    // MARK: Up (client to server)

    /// Whether text messages are lent, as the WebSocket transport lends a whole message (the
    /// default), or handed over as packets, as the HTTP transports do.
    var lendsText = true

    /// Delivers one engine message to the socket layer. Lent text lies in a buffer that is
    /// overwritten once the call returns, as a transport's read buffer is by the next read.
    func receive(_ packet: EnginePacket) {
        guard let client, !isClosed else { return }
        guard lendsText, !packet.isBinary else {
            server.engineReceived(packet, client: client)
            return
        }
        var buffer = packet.payload
        buffer.append(0)  // storage of its own, so the overwrite below reaches what was lent
        buffer.withUnsafeBytes { server.engineReceived(text: UnsafeRawBufferPointer(rebasing: $0.dropLast()), client: client) }
        buffer.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0x5A) }
    }

    /// Delivers a Socket.IO packet (its text message, then one binary message per attachment).
    func receive(_ packet: SocketPacket) {
        for message in SocketWire(packet).messages { receive(message) }
    }

    /// Delivers a raw Socket.IO text message (the engine message payload, e.g. `40/admin,`).
    func receive(text: String) {
        receive(EnginePacket.message(text: text))
    }

    /// Sends CONNECT for `namespace`, with `auth` when given.
    func connect(_ namespace: String = "/", auth: JSONValue? = nil) {
        receive(SocketPacket(type: .connect, namespace: namespace, data: auth))
    }

    /// Sends DISCONNECT for `namespace`.
    func disconnect(_ namespace: String = "/") {
        receive(SocketPacket(type: .disconnect, namespace: namespace))
    }

    /// Sends an event; binary arguments travel as attachments.
    func emit(_ event: String, _ arguments: [JSONValue] = [], namespace: String = "/", ackId: UInt64? = nil) {
        receive(SocketPacket(type: .event, namespace: namespace, data: .array([.string(event)] + arguments), ackId: ackId))
    }

    /// Answers the server's event `id`.
    func ack(_ id: UInt64, _ arguments: [JSONValue] = [], namespace: String = "/") {
        receive(SocketPacket(type: .ack, namespace: namespace, data: .array(arguments), ackId: id))
    }

    /// The engine moved the session to `transport`.
    func upgrade(to transport: String) {
        transportName = transport
        guard let client else { return }
        server.engineUpgraded(client: client)
    }

    /// The engine ended the session (the connection dropped, a ping timed out, ...).
    func engineClose(reason: DisconnectReason) {
        guard !isClosed else { return }
        isClosed = true
        guard let client else { return }
        self.client = nil
        server.engineClosed(client: client, reason: reason)
    }

    // MARK: Down (server to client)

    /// Records even after the session closed, so tests can check nothing is sent then.
    func send(_ packet: OutboundPacket) {
        sent.append(packet)
        onSend?(packet)
    }

    /// Runs after each packet the server sends (a test's stand-in for what a send may set off,
    /// such as a slow consumer's session closing).
    var onSend: ((OutboundPacket) -> Void)?

    func close() {
        closeCalls += 1
        engineClose(reason: .forcedServerClose)
    }

    /// Everything sent so far, decoded as Socket.IO packets (attachments put back in place).
    var packets: [SocketPacket] { Self.decode(sent[...]) }

    /// The packets sent since the last call.
    func takePackets() -> [SocketPacket] {
        let fresh = sent[taken...]
        taken = sent.count
        return Self.decode(fresh)
    }

    private static func decode(_ messages: ArraySlice<OutboundPacket>) -> [SocketPacket] {
        var decoder = SocketPacketDecoder()
        var packets: [SocketPacket] = []
        for outbound in messages {
            let packet = outbound.packet
            let result = packet.isBinary ? decoder.receive(binary: packet.payload) : decoder.receive(text: packet.payload)
            switch result {
            case .packet(let decoded): packets.append(decoded)
            case .needAttachments: break
            case .error(let error): preconditionFailure("the server sent a malformed packet: \(error)")
            }
        }
        return packets
    }
}
