import CPushSys
import Glibc
import PushCore
import TestSupport
import XCTest
@testable import Transports

/// What an application was handed, in order.
private enum Received: Equatable, Sendable {
    case lent([UInt8], binary: Bool)
    case packet(EnginePacket)
}

/// Takes messages lent and echoes them from where they lie; packets it echoes as packets.
private final class LendingEcho: EngineApplication, @unchecked Sendable {
    var received: [Received] = []
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        received.append(.packet(packet))
        socket.send(packet)
    }
    func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        received.append(.lent(payload.withUnsafeBytes { Array($0) }, binary: isBinary))
        socket.send(message: payload, isBinary: isBinary)
    }
}

/// Takes packets only, and keeps them: lent messages reach it through the default copy.
private final class KeepingPackets: EngineApplication, @unchecked Sendable {
    var received: [Received] = []
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        received.append(.packet(packet))
    }
}

/// Answers each message with two texts encoded by `send(volatile:text:)`: a short one, and one
/// too large for the loop to keep its array as the spare.
private final class EncodingReplier: EngineApplication, @unchecked Sendable {
    static let large = (0..<5_000).map { UInt8(0x61 + $0 % 26) }
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {}
    func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        let text = payload.withUnsafeBytes { Array($0) }
        socket.send(volatile: false) { $0 += Array("re:".utf8) + text }
        socket.send(volatile: false) { $0 += text + Self.large }
    }

    /// The frames the replies to `text` make, as the client reads them.
    static func replies(to text: String) -> [UInt8] {
        serverFrame(opcode: 1, Array("4re:\(text)".utf8)) + serverFrame(opcode: 1, Array("4\(text)".utf8) + large)
    }
}

private final class Placeholder: ConnectionHandler {
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { input.count }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}

/// A WebSocket session whose client is the other end of a socket pair. On a loop that does
/// not run, the test is the loop: `clientSends` hands the read to the connection at once.
private final class Session: @unchecked Sendable {
    let socket: EngineSocket
    let connection: Connection
    let peer: Int32

    init(_ application: EngineApplication, on loop: EventLoop) {
        let (local, remote) = nonBlockingSocketPair()
        peer = remote
        connection = Connection(fd: local, loop: loop, handler: Placeholder(), remoteAddress: "test", limits: ConnectionLimits())
        connection.start()
        let server = EngineServer(configuration: EngineServerConfiguration(), application: application)
        socket = EngineSocket(id: "lent", loop: loop,
                              request: EngineRequestInfo(headers: HTTPHeaders(), remoteAddress: "test", issuedAt: 0, url: "/"),
                              transport: .websocket, server: server, corsHeaders: [])
        let transport = WebSocketTransport(connection: connection, maxMessageBytes: 1 << 20, maxMessagesPerSecond: 0)
        connection.handler = transport
        transport.socket = socket
        socket.channel = .webSocket(transport)
    }

    /// The client's bytes arrive in one read, handled as the loop would.
    func clientSends(_ bytes: [UInt8]) {
        clientWrites(bytes)
        connection.handleEvents(UInt32(EPOLLIN.rawValue))
    }

    func clientWrites(_ bytes: [UInt8]) {
        XCTAssertEqual(bytes.withUnsafeBytes { write(peer, $0.baseAddress, $0.count) }, bytes.count)
    }

    /// What the server wrote so far.
    func clientReads() -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(peer, &buffer, buffer.count)
            if n <= 0 { return received }
            received += buffer[0..<n]
        }
    }

    /// What the server wrote, once it is `count` bytes or 2 s have passed.
    func clientReads(count: Int) -> [UInt8] {
        var received: [UInt8] = []
        for _ in 0..<2_000 where received.count < count {
            received += clientReads()
            usleep(1_000)
        }
        return received
    }

    func close() {
        connection.close()
        Glibc.close(peer)
    }
}

/// A server's unmasked frame, as the client reads it.
private func serverFrame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x80 | opcode]
    if payload.count < 126 {
        out.append(UInt8(payload.count))
    } else {
        out += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    }
    return out + payload
}

/// Whole WebSocket messages reach an application lent, where they lie in the connection's
/// input; whatever is not a whole message packet, and an application that takes packets only,
/// get packets as before.
final class WebSocketLentMessageTests: XCTestCase {
    typealias F = WSClientFrame

    func testWholeMessagesAreLentAndEchoedFromWhereTheyLie() throws {
        let app = LendingEcho()
        let session = Session(app, on: try EventLoop(index: 0))
        defer { session.close() }
        let long = F.pattern(300)
        let frames = F.text("4hello") + F.binary([0, 1, 2, 255]) + F.frame(opcode: 1, payload: Array("4".utf8) + long.map { 0x41 + $0 % 26 })
            + F.binary([])
        session.clientSends(frames)

        let longText = long.map { 0x41 + $0 % 26 }
        XCTAssertEqual(app.received, [.lent(Array("hello".utf8), binary: false), .lent([0, 1, 2, 255], binary: true),
                                      .lent(longText, binary: false), .lent([], binary: true)])
        XCTAssertEqual(session.clientReads(),
                       serverFrame(opcode: 1, Array("4hello".utf8)) + serverFrame(opcode: 2, [0, 1, 2, 255])
                           + serverFrame(opcode: 1, Array("4".utf8) + longText) + serverFrame(opcode: 2, []))
        let stats = session.socket.stats
        XCTAssertEqual(stats.messagesIn, 4)
        XCTAssertEqual(stats.messagesOut, 4)
        XCTAssertEqual(stats.bytesIn, frames.count, "every client frame's header, mask and payload")
        XCTAssertEqual(stats.bytesOut, 8 + 6 + 305 + 2)
    }

    /// The default hands over copies: a packet kept past its call keeps its bytes while later
    /// messages of the same size are read into the same buffer.
    func testAnApplicationThatTakesPacketsGetsCopiesItMayKeep() throws {
        let app = KeepingPackets()
        let session = Session(app, on: try EventLoop(index: 0))
        defer { session.close() }
        for text in ["4aaaa", "4bbbb", "4cccc"] { session.clientSends(F.text(text)) }
        session.clientSends(F.binary([9, 8, 7]))

        XCTAssertEqual(app.received, [.packet(.message(text: "aaaa")), .packet(.message(text: "bbbb")),
                                      .packet(.message(text: "cccc")), .packet(.message(binary: [9, 8, 7]))])
        XCTAssertEqual(session.socket.stats.messagesIn, 4)
    }

    /// Base64 binary, a message in fragments and packets other than messages go the packet
    /// way; only a message the session takes as it is is lent.
    func testOtherPacketsGoAsPackets() throws {
        let app = LendingEcho()
        let session = Session(app, on: try EventLoop(index: 0))
        defer { session.close() }
        session.clientSends(F.text("bAQID") + F.text("2") + F.text("4he", fin: false) + F.continuation(Array("llo".utf8), fin: true)
                            + F.text("4end"))

        XCTAssertEqual(app.received, [.packet(.message(binary: [1, 2, 3])), .packet(.message(text: "hello")),
                                      .lent(Array("end".utf8), binary: false)])
        XCTAssertEqual(session.clientReads(),
                       serverFrame(opcode: 2, [1, 2, 3]) + serverFrame(opcode: 1, Array("4hello".utf8))
                           + serverFrame(opcode: 1, Array("4end".utf8)))
    }

    /// A lent message that cannot go out at once (earlier writes wait) is copied: the next
    /// read reuses the loop's input buffer before the echo is written.
    func testALentMessageThatWaitsIsCopied() throws {
        try withRunningLoop { loop in
            let app = LendingEcho()
            let session = runAndWait(on: loop) {
                let session = Session(app, on: loop)
                session.socket.setSimulatedDelay(50)
                return session
            }
            session.clientWrites(F.text("4first"))
            for _ in 0..<2_000 where runAndWait(on: loop, { app.received.count }) < 1 { usleep(1_000) }
            session.clientWrites(F.text("4XXXXX"))

            XCTAssertEqual(session.clientReads(count: 16),
                           serverFrame(opcode: 1, Array("4first".utf8)) + serverFrame(opcode: 1, Array("4XXXXX".utf8)))
            XCTAssertEqual(runAndWait(on: loop) { app.received },
                           [.lent(Array("first".utf8), binary: false), .lent(Array("XXXXX".utf8), binary: false)])
            runAndWait(on: loop) { session.close() }
        }
    }

    /// Text encoded for a send goes out whole: from the loop's spare array when the WebSocket
    /// takes it at once, each message over the last one's bytes, and in an array of its own
    /// when it has to wait.
    func testEncodedTextGoesOutWholeNowOrQueued() throws {
        let now = Session(EncodingReplier(), on: try EventLoop(index: 0))
        defer { now.close() }
        for text in ["first", "2nd", "a third, longer than both"] { now.clientSends(F.text("4" + text)) }
        let expected = ["first", "2nd", "a third, longer than both"].flatMap(EncodingReplier.replies(to:))
        XCTAssertEqual(now.clientReads(count: expected.count), expected)
        XCTAssertEqual(now.socket.stats.messagesOut, 6)

        try withRunningLoop { loop in
            let delayed = runAndWait(on: loop) {
                let session = Session(EncodingReplier(), on: loop)
                session.socket.setSimulatedDelay(30)
                return session
            }
            delayed.clientWrites(F.text("4one") + F.text("4two"))
            let expected = EncodingReplier.replies(to: "one") + EncodingReplier.replies(to: "two")
            XCTAssertEqual(delayed.clientReads(count: expected.count), expected)
            runAndWait(on: loop) { delayed.close() }
        }
    }
}
