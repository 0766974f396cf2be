import CPushSys
import Glibc
import PushCore
import XCTest
@testable import Transports

/// Runs `reply` for every read, on the connection it came from.
private final class ReplyingHandler: ConnectionHandler {
    let reply: (Connection) -> Void
    init(_ reply: @escaping (Connection) -> Void) { self.reply = reply }
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        reply(connection)
        return input.count
    }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}

/// Replies written while a connection's input is handled go through the loop's cork buffer:
/// in order with shared chunks, kept when the socket refuses them, sent before a close.
final class ConnectionCorkTests: XCTestCase {
    private var fds: [Int32] = [-1, -1]

    override func setUpWithError() throws {
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds), 0)
    }

    override func tearDown() {
        Glibc.close(fds[1])
    }

    private func connection(on loop: EventLoop, _ reply: @escaping (Connection) -> Void) -> Connection {
        let connection = Connection(fd: fds[0], loop: loop, handler: ReplyingHandler(reply), remoteAddress: "test",
                                    limits: ConnectionLimits())
        connection.start()
        return connection
    }

    /// The peer sends a byte; the connection handles it as the loop would.
    private func peerSends(_ connection: Connection) {
        var byte: UInt8 = 0x2A
        XCTAssertEqual(Glibc.write(fds[1], &byte, 1), 1)
        connection.handleEvents(UInt32(EPOLLIN.rawValue))
    }

    private func peerReads() -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fds[1], &buffer, buffer.count)
            if n <= 0 { return received }
            received += buffer[0..<n]
        }
    }

    /// Reads what the peer has, flushing the connection again until its queue is empty (at
    /// most 1,000 rounds).
    private func peerReadsUntilDrained(_ connection: Connection) -> [UInt8] {
        var received = peerReads()
        var rounds = 0
        while connection.queuedBytes > 0 && rounds < 1000 {
            connection.flushNow()
            received += peerReads()
            rounds += 1
        }
        return received
    }

    private static func write(_ text: String, to connection: Connection) {
        let bytes = Array(text.utf8)
        connection.write(count: bytes.count) { out in
            bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        }
    }

    func testRepliesAndSharedChunksGoOutInTheOrderWritten() throws {
        let loop = try EventLoop(index: 0)
        let connection = connection(on: loop) { connection in
            Self.write("one,", to: connection)
            connection.write(ByteChunk.copying(Array("shared,".utf8)))
            Self.write("two,", to: connection)
            Self.write("three", to: connection)
        }
        peerSends(connection)
        XCTAssertEqual(String(decoding: peerReads(), as: UTF8.self), "one,shared,two,three")
        XCTAssertEqual(connection.queuedBytes, 0)
        XCTAssertEqual(connection.bytesWritten, 20)
        connection.close()
    }

    func testWhatTheSocketRefusesIsKeptAndSentLater() throws {
        var small: Int32 = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let loop = try EventLoop(index: 0)
        // 15,000 bytes fit the cork buffer but not the socket pair's buffers.
        let expected = (0..<15_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let connection = connection(on: loop) { connection in
            for start in stride(from: 0, to: expected.count, by: 1000) {
                connection.write(Array(expected[start..<start + 1000]))
            }
        }
        peerSends(connection)
        XCTAssertGreaterThan(connection.queuedBytes, 0, "the socket took everything; the test proves nothing")
        // Another read while the rest waits: its reply queues behind it, uncorked.
        let received = peerReadsUntilDrained(connection)
        XCTAssertEqual(received.count, expected.count)
        XCTAssertEqual(received, expected)
        connection.close()
    }

    func testSmallChunksPastTheCorksSizeQueueInOrder() throws {
        let loop = try EventLoop(index: 0)
        // 100 shared chunks of 400 bytes: 40,000 bytes, more than the cork holds.
        let chunks = (0..<100).map { index in ByteChunk.copying([UInt8](repeating: UInt8(index), count: 400)) }
        let connection = connection(on: loop) { connection in
            for chunk in chunks { connection.write(chunk) }
        }
        peerSends(connection)
        let received = peerReadsUntilDrained(connection)
        XCTAssertEqual(received, chunks.flatMap(\.array))
        connection.close()
    }

    /// Frames left for the end of the iteration (a broadcast's) go out copied together when
    /// they are small, the copy starting again inside a chunk the socket took only part of,
    /// and through a scatter list when one is large.
    func testQueuedSmallChunksGoOutTogetherAndResumeMidChunk() throws {
        var small: Int32 = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let loop = try EventLoop(index: 0)
        let connection = connection(on: loop) { _ in }
        // 60 chunks of 97 to 510 bytes: 18,210 bytes, more than the socket pair holds.
        let smallChunks = (0..<60).map { index in
            ByteChunk.copying((0..<(97 + index * 7)).map { UInt8(truncatingIfNeeded: index &+ $0) })
        }
        for large in [false, true] {
            var chunks = smallChunks
            if large { chunks.insert(ByteChunk.copying([UInt8](repeating: 0xEE, count: 2000)), at: 30) }
            let before = connection.bytesWritten
            for chunk in chunks { connection.write(chunk) }
            let total = chunks.reduce(0) { $0 + $1.count }
            XCTAssertEqual(connection.queuedBytes, total)
            connection.flushNow()
            XCTAssertGreaterThan(connection.queuedBytes, 0, "the socket took everything; the test proves nothing")
            XCTAssertEqual(peerReadsUntilDrained(connection), chunks.flatMap(\.array), large ? "with a large chunk" : "small only")
            XCTAssertEqual(connection.bytesWritten - before, total)
        }
        connection.close()
    }

    func testACloseAfterFlushSendsTheCorkedReplyFirst() throws {
        let loop = try EventLoop(index: 0)
        let connection = connection(on: loop) { connection in
            Self.write("goodbye", to: connection)
            connection.closeAfterFlush()
        }
        peerSends(connection)
        XCTAssertTrue(connection.isClosed)
        XCTAssertEqual(String(decoding: peerReads(), as: UTF8.self), "goodbye")
        var byte: UInt8 = 0
        XCTAssertEqual(Glibc.read(fds[1], &byte, 1), 0, "closed after the reply")
    }

    func testWritesOutsideAReadAreQueuedAsChunks() throws {
        let loop = try EventLoop(index: 0)
        let connection = connection(on: loop) { _ in }
        Self.write("outside", to: connection)
        XCTAssertEqual(connection.queuedBytes, 7)
        // A read that writes nothing leaves the earlier bytes first in line.
        peerSends(connection)
        connection.flushNow()
        XCTAssertEqual(String(decoding: peerReads(), as: UTF8.self), "outside")
        connection.close()
    }
}
