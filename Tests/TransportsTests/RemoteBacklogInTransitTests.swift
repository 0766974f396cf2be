import Glibc
import PushCore
import XCTest
@testable import Transports

private final class SilentApplication: EngineApplication, @unchecked Sendable {
    func engineSocketOpened(_ socket: EngineSocket) {}
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {}
    func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason) {}
}

/// A session whose WebSocket lives on another loop, while that loop is behind: the frames it
/// hands over wait in that loop's inbox, where the connection's write queue does not count them.
final class RemoteBacklogInTransitTests: XCTestCase {
    func testVolatilePacketsAreDroppedOnceTheBytesInTransitPassTheMark() throws {
        // Neither loop runs: what is handed to the WebSocket's loop stays in its inbox, as
        // behind a storm of broadcasts to fan out.
        let home = try EventLoop(index: 0)
        let other = try EventLoop(index: 1)
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds), 0)
        defer { Glibc.close(fds[1]) }
        let server = EngineServer(configuration: EngineServerConfiguration(), application: SilentApplication())
        let socket = EngineSocket(id: "in-transit", loop: home,
                                  request: EngineRequestInfo(headers: HTTPHeaders(), remoteAddress: "test", issuedAt: 0, url: "/"),
                                  transport: .websocket, server: server, corsHeaders: [])
        let transport = WebSocketTransport(connection: Connection(fd: fds[0], loop: other, handler: IgnoringFrames(),
                                                                  remoteAddress: "test", limits: ConnectionLimits()),
                                           maxMessageBytes: 1 << 20, maxMessagesPerSecond: 0)
        socket.channel = .webSocket(transport)
        socket.watchBacklog(of: transport.connection)

        // 2,000 volatile packets of 67 bytes a frame: 134 KB, twice the 64 KiB mark.
        let mark = server.configuration.session.volatileDropBytes
        let frame = 67
        for _ in 0..<2_000 {
            socket.send(OutboundPacket(.message(text: String(repeating: "x", count: 64)), isVolatile: true))
        }
        XCTAssertTrue(socket.isOpen)
        XCTAssertGreaterThan(socket.session.droppedVolatile, 0, "every packet went to the other loop's inbox")
        XCTAssertLessThanOrEqual(socket.stats.bytesOut, mark + frame, "handed over past the volatile-drop mark")
        XCTAssertEqual(socket.stats.messagesOut + socket.session.droppedVolatile, 2_000)
    }
}

private final class IgnoringFrames: ConnectionHandler {
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { input.count }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}
