import CPushSys
import Glibc

/// The thread of one of a group's loops, from the group's creation on. It makes the loop, and
/// until the group starts it makes, on request, other objects that belong to the loop
/// (`EventLoop.makeLocal`); then it runs the loop.
///
/// Why: malloc serves each thread from an arena of its own, so what one loop's thread
/// allocates never shares a cache line with what another's does. Made in turn on the thread
/// that sets the server up, the loops' objects lay side by side in one arena, and two loops
/// writing neighbouring objects (a reference count, a counter) would pass the line between
/// their cores on every write.
///
/// Unchecked Sendable: its fields are guarded by its mutex.
final class LoopThread: @unchecked Sendable {
    private enum Order {
        case none
        /// Run this job, then say so.
        case job(() -> Void)
        /// Run this loop until it stops, then end.
        case run(EventLoop)
        case end
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Guarded by `mutex`.
    private var order = Order.none
    private var jobsDone = 0
    /// Told to run its loop or to end: jobs then run on their caller's thread.
    private var released = false
    private(set) var thread = pthread_t()

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<LoopThread>.fromOpaque(context).takeRetainedValue().serve()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// True on this thread.
    var isCurrent: Bool { pthread_equal(thread, pthread_self()) != 0 }

    /// Runs `make` on this thread and returns what it made; the caller waits. Once the thread
    /// runs its loop (or ended, or on this thread itself), `make` runs on the caller's thread.
    func perform<Value>(_ make: () -> Value) -> Value {
        guard !isCurrent else { return make() }
        var made: Value?
        withoutActuallyEscaping(make) { make in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            guard !released else { return }
            let ticket = jobsDone + 1
            order = .job { made = make() }
            pthread_cond_broadcast(changed)
            while jobsDone < ticket { pthread_cond_wait(changed, mutex) }
        }
        return made ?? make()
    }

    /// Lets the thread run `loop` until it stops.
    func run(_ loop: EventLoop) { give(.run(loop)) }

    /// Ends a thread that never ran its loop.
    func end() { give(.end) }

    private func give(_ next: Order) {
        pthread_mutex_lock(mutex)
        // A job handed over meanwhile is done first.
        while case .job = order { pthread_cond_wait(changed, mutex) }
        released = true
        order = next
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    private func serve() {
        _ = cpushsys_name_thread("pushd-loop")
        while true {
            pthread_mutex_lock(mutex)
            while case .none = order { pthread_cond_wait(changed, mutex) }
            let next = order
            order = .none
            pthread_mutex_unlock(mutex)
            switch next {
            case .none, .job: runJob(next)
            case .run(let loop):
                // Named so `top -H`, perf and debuggers tell the loops apart.
                _ = cpushsys_name_thread("pushd-loop-\(loop.index)")
                loop.runUntilStopped()
                return
            case .end:
                return
            }
        }
    }

    /// Runs a job and only then says it is done: by then this thread holds no reference to
    /// it, which `perform` checks (the job must not outlive its call).
    private func runJob(_ order: consuming Order) {
        do {
            let taken = consume order
            if case .job(let job) = taken { job() }
        }
        pthread_mutex_lock(mutex)
        jobsDone += 1
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }
}
