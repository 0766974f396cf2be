import CPushSys
import Glibc
import Synchronization

/// Something registered with a loop's poller: a listening socket, a connection, the wake fd.
/// A class rather than a protocol so the loop can call a handler through an uncounted
/// reference (`Unmanaged` needs a class type): one handler call per ready descriptor.
public class PollerHandler {
    init() {}

    /// What epoll reported for the descriptor. Subclasses override it.
    func handleEvents(_ events: UInt32) {
        preconditionFailure("\(type(of: self)) does not handle poller events")
    }
}

/// One epoll loop on one thread. Everything registered with a loop (connections, timers,
/// sessions homed there) is touched only on that thread; other threads hand it work through
/// `run` or `execute`, which wake it through an eventfd.
///
/// Loop-owned objects follow the rule in `LoopConfined`.
///
/// The loop itself: `execute` and the thread id are safe from any thread (a lock, atomics);
/// everything else is loop-confined.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    /// Readable when the first tick whose slot holds timers begins, so the loop waits without a
    /// timeout (a wait with one made the kernel arm and cancel a timer for every wait, about
    /// 2 µs of each message that wakes the loop), and wakes for its timers only at ticks that
    /// have any, not at every tick.
    private let tickFD: Int32
    /// The tick `tickFD` is set for; nil when it is not set.
    @exclusivity(unchecked) private var wakeTick: Int64?
    /// A pthread mutex, not `Mutex`, so ThreadSanitizer sees the hand-off (see PThreadMutex).
    private let inbox = PThreadMutex<[@Sendable () -> Void]>([])
    private let wakePending = Atomic<Bool>(false)
    /// The inbox's tasks being run; swapped with the inbox, like `flushing` with `flushQueue`.
    @exclusivity(unchecked) private var running: [@Sendable () -> Void] = []
    @exclusivity(unchecked) private var handlers: [PollerHandler?] = []
    private let wheel: TimingWheel
    /// Connections to flush at the end of this iteration, uncounted: a broadcast puts thousands
    /// here, and a reference count each was an atomic increment and decrement per recipient.
    /// Each is alive until the flush: registered with this loop (`handlers` holds it), or
    /// retired by its close or, before it registers, by `needsFlush`.
    @exclusivity(unchecked) private var flushQueue: [Unmanaged<Connection>] = []
    /// The batch being flushed; swapped with `flushQueue` so neither is reallocated.
    @exclusivity(unchecked) private var flushing: [Unmanaged<Connection>] = []
    /// Flush lists up to this many connections keep their storage (512 KiB at most): a
    /// broadcast to 10,000 reallocated both lists from empty on every iteration at 1,024.
    private static let keptFlushCapacity = 1 << 16
    /// What closed during this iteration, kept until its end (see `retire`).
    @exclusivity(unchecked) private var retiring: [AnyObject] = []
    /// The loop's thread once `runUntilStopped` started (0 before): read from any thread.
    private let threadID = Atomic<UInt>(0)
    private let stopRequested = Atomic<Bool>(false)
    /// Scratch space every connection of this loop reads into (one per loop, not per connection).
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Scratch iovecs for gathered writes, shared by the loop's connections like `readBuffer`.
    let iovecs: UnsafeMutableBufferPointer<iovec>
    /// Small writes to the connection whose input is being handled are copied here and go out
    /// with its one send right after, so a reply costs no allocation (see `Connection.write(count:_:)`).
    /// One connection at a time holds it, from its read to the send that follows.
    let corkBuffer: UnsafeMutableRawBufferPointer
    /// The array of the last small message read on this loop, handed back once the message was
    /// handled, for the next message to be decoded into: echo-style traffic then reads
    /// without an allocation per message.
    @exclusivity(unchecked) var spareMessage: [UInt8] = []

    /// Where HTTP response heads (and small bodies) are built before the connection copies
    /// them: reused, so a response allocates no array of its own.
    @exclusivity(unchecked) var responseScratch: [UInt8] = []

    /// Randomness for the session ids made on this loop.
    @exclusivity(unchecked) var random = LoopRandom()

    /// The spare array, emptied, for a caller that builds bytes and then hands them to
    /// `recycle` (`spareMessage` is left empty meanwhile).
    @inline(__always)
    func takeSpareBytes() -> [UInt8] {
        var bytes = spareMessage
        spareMessage = []
        _ = bytes.resizeInPlace(to: 0)
        return bytes
    }

    /// Keeps `bytes` as `spareMessage` when small (a large one would stay held for good).
    @inline(__always)
    func recycle(_ bytes: consuming [UInt8]) {
        if bytes.capacity <= 4096 { spareMessage = bytes }
    }
    /// Loop-local time in milliseconds, refreshed once per iteration.
    @exclusivity(unchecked) public private(set) var now: Int64
    /// This loop's counters, read by a scrape on this thread.
    public let metrics = LoopMetrics()
    /// The thread that made this loop and runs it: a group's loop. Nil for a loop made alone
    /// (tests). Set once, before the loop is shared.
    @exclusivity(unchecked) var home: LoopThread?

    /// Makes `value` on this loop's thread while that thread waits for the group to start, so
    /// its memory lies with the loop's own, on no cache line another loop writes (see
    /// LoopThread); elsewhere (a running loop, a loop made alone) `make` runs here. For what
    /// belongs to this loop and is written by it often: per-loop tables, caches, counters.
    public func makeLocal<Value>(_ make: () -> Value) -> Value {
        guard let home else { return make() }
        return home.perform(make)
    }

    init(index: Int) throws(SystemError) {
        self.index = index
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SystemError.last("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let error = SystemError.last("eventfd")
            close(epollFD)
            throw error
        }
        tickFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard tickFD >= 0 else {
            let error = SystemError.last("timerfd_create")
            close(wakeFD)
            close(epollFD)
            throw error
        }
        now = MonotonicClock.milliseconds()
        wheel = TimingWheel(now: now)
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        iovecs = UnsafeMutableBufferPointer<iovec>.allocate(capacity: 64)
        corkBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
        wheel.isOwnedByCaller = { [unowned self] in self.isOwnedByCaller }
        register(fd: wakeFD, handler: Drain(fd: wakeFD), events: UInt32(EPOLLIN.rawValue))
        register(fd: tickFD, handler: Drain(fd: tickFD), events: UInt32(EPOLLIN.rawValue))
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        close(tickFD)
        readBuffer.deallocate()
        iovecs.deallocate()
        corkBuffer.deallocate()
    }

    /// True on this loop's own thread.
    public var inEventLoop: Bool {
        threadID.load(ordering: .relaxed) == UInt(pthread_self())
    }

    /// True on this loop's thread, or on any thread before the loop started (set-up and tests
    /// own a loop that does not run yet).
    var isOwnedByCaller: Bool {
        let owner = threadID.load(ordering: .relaxed)
        return owner == 0 || owner == UInt(pthread_self())
    }

    /// Traps in debug builds when called off this loop's thread: loop-owned objects call it at
    /// their entry points, so a missed hop fails the tests instead of racing.
    @inline(__always)
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(isOwnedByCaller, "called off event loop \(index)", file: file, line: line)
    }

    /// The one way to reach a loop: runs `task` at once when called on this loop's thread,
    /// else queues it (`execute`). The closure's context is allocated before this can tell
    /// which, so a per-request path that is almost always on the loop asks `inEventLoop`
    /// itself and makes the closure only for `execute`.
    @inline(__always)
    public func run(_ task: @escaping @Sendable () -> Void) {
        if inEventLoop { task() } else { execute(task) }
    }

    // MARK: Work from other threads

    /// Runs `task` on this loop's thread, soon, after what is already queued. Safe from any
    /// thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.append(task) }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    private func runInbox() {
        wakePending.store(false, ordering: .releasing)
        // Swapped, not copied: emptying a copy of the inbox allocated a new one as large on
        // every iteration, and a page larger each time, so a loop that once fell behind held
        // its peak for good and grew from there. After a burst the batch is let go of.
        inbox.withLock { swap(&$0, &running) }
        for task in running { task() }
        running.removeAll(keepingCapacity: running.capacity <= 1024)
    }

    // MARK: Timers (loop thread only)

    /// Runs `action` after `milliseconds` on this loop. Loop thread only.
    @discardableResult
    public func schedule(after milliseconds: Int64, _ action: @escaping () -> Void) -> Timer {
        assertInLoop()
        return wheel.schedule(at: now + milliseconds, action)
    }

    /// Puts `entry` on this loop's wheel at `deadline` (monotonic milliseconds), or moves it
    /// there. Loop thread only.
    func schedule(_ entry: TimerEntry, at deadline: Int64) {
        assertInLoop()
        wheel.schedule(entry, at: deadline)
    }

    /// Takes `entry` off this loop's wheel; it does not fire. Loop thread only.
    func cancel(_ entry: TimerEntry) {
        assertInLoop()
        wheel.cancel(entry)
    }

    /// Timers waiting on this loop's wheel. Loop thread only.
    var pendingTimers: Int {
        assertInLoop()
        return wheel.count
    }

    /// The timing wheel's resolution: timers fire on these boundaries.
    public var timerTickMilliseconds: Int64 { wheel.tickMilliseconds }

    /// Refreshes `now` from the clock (for code that needs time mid-iteration).
    public func refreshNow() -> Int64 {
        assertInLoop()
        now = MonotonicClock.milliseconds()
        return now
    }

    // MARK: Poller registration (loop thread only)

    func register(fd: Int32, handler: PollerHandler, events: UInt32) {
        assertInLoop()
        if Int(fd) >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - handlers.count + 64))
        }
        handlers[Int(fd)] = handler
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
            Log.error("epoll_ctl add fd \(fd): \(SystemError.last("epoll_ctl"))")
        }
    }

    func modify(fd: Int32, events: UInt32) {
        assertInLoop()
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd`. With `closing` (the caller closes it next) the poller is not told:
    /// closing a descriptor takes it out of the epoll set, as long as no other descriptor
    /// shares its file (pushd never duplicates one), which saves a system call per connection.
    func deregister(fd: Int32, closing: Bool = false) {
        assertInLoop()
        if !closing { _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }
        if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
            retire(handler)
            handlers[Int(fd)] = nil
        }
    }

    /// Queues a connection for one send at the end of this iteration, so every write caused
    /// by one read goes out in one system call.
    @inline(__always)
    func needsFlush(_ connection: Connection, registered: Bool) {
        assertInLoop()
        // Nothing else keeps an unregistered connection alive until the flush.
        if !registered { retire(connection) }
        flushQueue.append(.passUnretained(connection))
    }

    /// Keeps `object` alive until the end of this iteration. Whatever closes during an
    /// iteration goes here, so code of the same iteration may hold loop-owned objects without
    /// a reference count of its own (one atomic increment and decrement per message saved)
    /// and still find them alive when a callback it made closed them.
    func retire(_ object: AnyObject) {
        assertInLoop()
        retiring.append(object)
    }

    /// Lets go of what was retired: the end of an iteration.
    func releaseRetired() {
        assertInLoop()
        if !retiring.isEmpty { retiring.removeAll(keepingCapacity: retiring.capacity <= 1024) }
    }

    // MARK: Running

    /// Runs the loop on the calling thread until `stop()`.
    func runUntilStopped() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !stopRequested.load(ordering: .relaxed) {
            let due = wheel.nextOccupiedTick
            if due != wakeTick { wake(at: due) }
            let ready = cpushsys_epoll_wait(epollFD, events, Int32(capacity), flushQueue.isEmpty ? -1 : 0)
            now = MonotonicClock.milliseconds()
            // Work handed over before this wake-up runs before the input that came with it: a
            // broadcast posted here before a socket of this loop joined its room must not find
            // the socket in the room when the loop, woken late, sees both at once.
            if wakePending.load(ordering: .acquiring) { runInbox() }
            if ready > 0 {
                for i in 0..<Int(ready) {
                    let fd = events[i].data.fd
                    // Uncounted (a handler deregistered while it runs is retired), and bound as
                    // `Unmanaged`: a bound reference would be counted for the whole scope.
                    if Int(fd) < handlers.count, let handler = handlers[Int(fd)].map(Unmanaged.passUnretained) {
                        handler._withUnsafeGuaranteedRef { $0.handleEvents(events[i].events) }
                    }
                }
            }
            if now >= wheel.nextTickAt {
                for timer in wheel.advance(to: now) { timer.fire() }
            }
            // Work queued since (by a handler, a timer or another thread). An empty inbox is
            // not locked: `execute` raises the flag after queueing, and a task whose flag is
            // not up yet comes with the eventfd's wake-up.
            if wakePending.load(ordering: .acquiring) { runInbox() }
            if !flushQueue.isEmpty { flushPending() }
            releaseRetired()
        }
    }

    /// Sets the tick timerfd to fire once when the wheel's tick `tick` begins (one already past
    /// fires at once), or never (nil).
    private func wake(at tick: Int64?) {
        var spec = itimerspec()
        if let tick {
            let start = tick * wheel.tickMilliseconds
            spec.it_value = timespec(tv_sec: Int(start / 1000), tv_nsec: Int(start % 1000) * 1_000_000)
        }
        timerfd_settime(tickFD, Int32(TFD_TIMER_ABSTIME), &spec, nil)
        wakeTick = tick
    }

    private func flushPending() {
        // Flushing may queue more (a close after flush); loop until quiet.
        while !flushQueue.isEmpty {
            swap(&flushing, &flushQueue)
            // `flushing` is not touched until emptied (more goes to `flushQueue`).
            flushing.withUnsafeBufferPointer { batch in
                for index in batch.indices { batch[index]._withUnsafeGuaranteedRef { $0.flushNow() } }
            }
            flushing.empty(keepingStorageUpTo: Self.keptFlushCapacity)
        }
    }

    /// Asks the loop to return from `run()`.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        execute {}
    }
}

/// Drains the wake-up eventfd or the tick timerfd: what they announce (queued work, a tick of
/// the wheel) the iteration does anyway.
private final class Drain: PollerHandler {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    override func handleEvents(_ events: UInt32) {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }
}
