/// Hears of a connection's write queue when it grows past `above` or shrinks to `below`, not
/// per write: a watcher on another loop learns of the queue at those moments only. `crossed`
/// moves the marks itself, and may close the connection, which lets go of the watch.
public final class BacklogWatch {
    public var above: Int
    public var below: Int
    let crossed: (BacklogWatch) -> Void

    public init(above: Int, below: Int = -1, crossed: @escaping (BacklogWatch) -> Void) {
        self.above = above
        self.below = below
        self.crossed = crossed
    }

    /// Sets both marks.
    public func mark(above: Int, below: Int) {
        self.above = above
        self.below = below
    }
}
