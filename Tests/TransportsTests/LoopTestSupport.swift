import Glibc
import Synchronization
import XCTest
@testable import Transports

/// Runs `body` with a running loop of its own, shut down afterwards.
func withRunningLoop(_ body: (EventLoop) throws -> Void) throws {
    let group = try EventLoopGroup(threadCount: 1)
    group.start()
    defer { group.shutdown() }
    try body(group.loops[0])
}

/// Runs `body` on `loop` (a running one) and waits for its result.
func runAndWait<Result: Sendable>(on loop: EventLoop, _ body: @escaping @Sendable () -> Result) -> Result {
    let result = Mutex<Result?>(nil)
    loop.execute { let value = body(); result.withLock { $0 = value } }
    while true {
        if let value = result.withLock({ $0 }) { return value }
        usleep(50)
    }
}

/// The names in a /proc directory (`/proc/self/task`, `/proc/self/fd`), "." and ".." left out.
func procEntries(_ path: String) throws -> [String] {
    let directory = try XCTUnwrap(opendir(path))
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Two connected, non-blocking Unix stream sockets.
func nonBlockingSocketPair(file: StaticString = #filePath, line: UInt = #line) -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds), 0,
                   file: file, line: line)
    return (fds[0], fds[1])
}
