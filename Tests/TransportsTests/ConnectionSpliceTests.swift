import Glibc
import XCTest
@testable import Transports

final class ConnectionSpliceTests: XCTestCase {
    /// The splice and its connections refer to each other: once both sides closed, all three go.
    func testClosingOneSideClosesTheOtherAndFreesAll() throws {
        let loop = try EventLoop(index: 0)
        var a: [Int32] = [-1, -1], b: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &a), 0)
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &b), 0)
        defer { Glibc.close(a[1]); Glibc.close(b[1]) }
        weak var weakSplice: ConnectionSplice?
        weak var weakFirst: Connection?
        weak var weakSecond: Connection?
        var closes = 0
        do {
            let splice = ConnectionSplice(loop: loop)
            splice.onClose = { closes += 1 }
            let first = Connection(fd: a[0], loop: loop, handler: splice, remoteAddress: "client", limits: ConnectionLimits())
            let second = Connection(fd: b[0], loop: loop, handler: splice, remoteAddress: "owner", limits: ConnectionLimits())
            first.start()
            second.start()
            splice.join(first, second)
            weakSplice = splice
            weakFirst = first
            weakSecond = second
            first.close()
            // Nothing was queued for the other side: it closes at once.
            XCTAssertTrue(second.isClosed)
            XCTAssertEqual(closes, 1)
        }
        // What closed is kept to the end of the loop's iteration, which this ends.
        loop.releaseRetired()
        XCTAssertNil(weakSplice)
        XCTAssertNil(weakFirst)
        XCTAssertNil(weakSecond)
    }
}
