import CPushSys
import Glibc
import Synchronization
import XCTest
@testable import Transports

/// A loop's inbox after a burst of work from other threads.
final class EventLoopInboxTests: XCTestCase {
    /// A loop that fell behind once (two million tasks waiting, 32 MiB of inbox) goes back to
    /// what it held before once it has caught up. It kept the burst's inbox for good, and
    /// allocated it anew, a page larger, on every later iteration: an idle server that had
    /// lagged once grew by about half a megabyte a second.
    func testALoopLetsGoOfItsInboxOnceItCaughtUp() throws {
        try withRunningLoop { loop in
            let done = Atomic<Int>(0)
            /// Posts a task and waits for the loop to run it (one iteration of the loop at least).
            func roundTrip() {
                let before = done.load(ordering: .acquiring)
                loop.execute { done.add(1, ordering: .releasing) }
                while done.load(ordering: .acquiring) == before { usleep(50) }
            }
            for _ in 0..<100 { roundTrip() }
            let baseline = HeapStatistics.bytesInUse

            // The loop is busy while the burst queues up, as behind a storm of broadcasts.
            let busy = holdBusy(loop)
            for _ in 0..<(2 << 20) { loop.execute {} }
            busy.release()
            roundTrip()

            for _ in 0..<1_000 { roundTrip() }
            let held = HeapStatistics.bytesInUse - baseline
            XCTAssertLessThan(held, 4 << 20, "the loop holds \(held) bytes more after it caught up")
        }
    }

    /// Work handed to a loop before bytes arrive runs before the loop reads them, even when
    /// the loop wakes to both at once (it was busy, or descheduled, meanwhile). A broadcast
    /// posted to a loop before one of its sockets joined the room would otherwise be evaluated
    /// after the join, and reach a socket that was not in the room when it was sent.
    func testTasksQueuedBeforeInputRunBeforeIt() throws {
        try withRunningLoop { loop in
            let (readEnd, writeEnd) = nonBlockingSocketPair()
            defer { close(readEnd); close(writeEnd) }
            let order = Order()
            let reader = RecordingReader(fd: readEnd, order: order)
            runAndWait(on: loop) { loop.register(fd: readEnd, handler: reader, events: UInt32(EPOLLIN.rawValue)) }

            let busy = holdBusy(loop)
            loop.execute { order.note("task") }
            var byte: UInt8 = 1
            XCTAssertEqual(write(writeEnd, &byte, 1), 1)
            busy.release()
            var rounds = 0
            while order.events.count < 2 && rounds < 20_000 { usleep(50); rounds += 1 }
            XCTAssertEqual(order.events, ["task", "input"])
            loop.execute { loop.deregister(fd: readEnd) }
        }
    }
}

/// Keeps a loop busy in a task of its own (as behind a storm of broadcasts) until `release`.
private final class BusyLoop: Sendable {
    private let busy = Atomic<Bool>(true)
    func release() { busy.store(false, ordering: .releasing) }
    fileprivate func hold() { while busy.load(ordering: .acquiring) { usleep(50) } }
}

/// Returns once `loop` is running a task that holds it until the result's `release()`.
private func holdBusy(_ loop: EventLoop) -> BusyLoop {
    let busy = BusyLoop()
    let blocked = Atomic<Bool>(false)
    loop.execute {
        blocked.store(true, ordering: .releasing)
        busy.hold()
    }
    while !blocked.load(ordering: .acquiring) { usleep(50) }
    return busy
}

/// What ran, in order, from any thread.
private final class Order: Sendable {
    private let list = Mutex<[String]>([])
    func note(_ event: String) { list.withLock { $0.append(event) } }
    var events: [String] { list.withLock { $0 } }
}

/// Notes each read in `order`.
private final class RecordingReader: PollerHandler, @unchecked Sendable {
    let fd: Int32
    let order: Order

    init(fd: Int32, order: Order) {
        self.fd = fd
        self.order = order
    }

    override func handleEvents(_ events: UInt32) {
        var byte: UInt8 = 0
        if read(fd, &byte, 1) == 1 { order.note("input") }
    }
}
