/// A value that belongs to one event loop, held where the type system wants something
/// `Sendable` (a closure handed to `execute`, a per-loop table read by every loop). Any thread
/// may hold and pass it; only the loop's thread may read or write the value (asserted in
/// debug builds, free in release). Unchecked Sendable: loop-confined and asserted.
///
/// A struct: wrapping a class reference costs no allocation. For state that several holders
/// must see change, use `LoopBoundBox`.
public struct LoopBound<Value>: @unchecked Sendable {
    /// The loop the value belongs to.
    public let loop: EventLoop
    private var storage: Value

    /// Binds `value` to `loop`; on that loop's thread (or before it started).
    @inline(__always)
    public init(_ value: Value, loop: EventLoop) {
        loop.assertInLoop()
        self.loop = loop
        self.storage = value
    }

    /// Binds a value handed over whole from any thread: `sending` means the caller keeps no
    /// other way to reach it, so it is the loop's from now on.
    @inline(__always)
    public init(takingOwnershipOf value: sending Value, loop: EventLoop) {
        self.loop = loop
        self.storage = value
    }

    /// The value; on the loop's thread only.
    public var value: Value {
        @inline(__always) get {
            loop.assertInLoop()
            return storage
        }
        @inline(__always) _modify {
            loop.assertInLoop()
            yield &storage
        }
    }
}

/// Like `LoopBound`, but a reference: every holder reads and changes the same value, in place
/// (a loop's table of sessions, a loop's cache). One allocation when created, none per access.
/// Unchecked Sendable: loop-confined and asserted; so its value skips exclusivity checks (see
/// LoopConfined).
public final class LoopBoundBox<Value>: @unchecked Sendable {
    /// The loop the value belongs to.
    public let loop: EventLoop
    @exclusivity(unchecked) private var storage: Value

    /// Binds `value` to `loop`; on that loop's thread (or before it started).
    public init(_ value: Value, loop: EventLoop) {
        loop.assertInLoop()
        self.loop = loop
        self.storage = value
    }

    /// Binds a value handed over whole from any thread: `sending` means the caller keeps no
    /// other way to reach it, so it is the loop's from now on.
    public init(takingOwnershipOf value: sending Value, loop: EventLoop) {
        self.loop = loop
        self.storage = value
    }

    /// The value; on the loop's thread only.
    public var value: Value {
        @inline(__always) get {
            loop.assertInLoop()
            return storage
        }
        @inline(__always) _modify {
            loop.assertInLoop()
            yield &storage
        }
    }
}
