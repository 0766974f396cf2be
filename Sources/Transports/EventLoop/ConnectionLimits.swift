/// Per-connection limits.
/// Stored in 32 bits (every connection holds a copy, beside its 32-bit descriptor); values past
/// 2 GiB are clamped.
public struct ConnectionLimits: Sendable {
    private var highWater: Int32 = 1 << 20
    private var lowWater: Int32 = 256 << 10
    private var bufferedInput: Int32 = 256 << 10

    /// Above this many queued outbound bytes the peer is not read from until the queue drains.
    public var writeHighWater: Int {
        get { Int(highWater) }
        set { highWater = Int32(clamping: newValue) }
    }
    /// Reading resumes below this.
    public var writeLowWater: Int {
        get { Int(lowWater) }
        set { lowWater = Int32(clamping: newValue) }
    }
    /// Unconsumed input kept while a handler is busy (a held request); past it reading pauses.
    public var maxBufferedInput: Int {
        get { Int(bufferedInput) }
        set { bufferedInput = Int32(clamping: newValue) }
    }

    public init() {}
}
