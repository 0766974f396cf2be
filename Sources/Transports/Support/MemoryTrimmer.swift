import CPushSys
import Glibc
import Synchronization

/// Gives freed heap back to the system after many sessions close. glibc keeps freed chunks in
/// its arenas; after a reconnect storm or a crowd leaving, that would hold the peak RSS for good.
public final class MemoryTrimmer: Sendable {
    private let released = Atomic<Int>(0)
    /// Closed sessions that make a trim worthwhile.
    private let threshold: Int

    public init(threshold: Int = 1_000) {
        self.threshold = threshold
    }

    /// Counts one closed session.
    public func noteRelease() {
        released.add(1, ordering: .relaxed)
    }

    /// Checks every `interval` ms on `loop` and trims when enough was released.
    public func start(on loop: EventLoop, interval: Int64 = 2_000) {
        loop.execute { [self] in self.schedule(on: loop, interval: interval) }
    }

    private func schedule(on loop: EventLoop, interval: Int64, followUps: Int = 0) {
        loop.assertInLoop()
        loop.schedule(after: interval) { [self] in
            var remaining = followUps
            // Releases add up across checks: sessions that expire a few at a time count too.
            if released.load(ordering: .relaxed) >= threshold {
                released.store(0, ordering: .relaxed)
                // Timers and buffers of closed sessions are swept over the next seconds; trim
                // again after they are gone.
                remaining = 3
            }
            if remaining > 0 {
                malloc_trim(0)
                remaining -= 1
            }
            schedule(on: loop, interval: interval, followUps: remaining)
        }
    }
}

/// Heap figures for the health document.
public enum HeapStatistics {
    /// Bytes the allocator has handed out and not had back.
    public static var bytesInUse: Int {
        let info = mallinfo2()
        return Int(info.uordblks) + Int(info.hblkhd)
    }
}
