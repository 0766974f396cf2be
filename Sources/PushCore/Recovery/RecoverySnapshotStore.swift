/// Where a cluster keeps sockets' snapshots, so that a socket comes back on any node, even after
/// the node it was on died: written ahead while the socket is connected (a node killed at once
/// writes nothing when it dies) and again when it drops; each kept for the recovery window.
public protocol RecoverySnapshotStore: AnyObject, Sendable {
    /// Keeps a socket's state: `dropped` for the window from now; a connected one until the
    /// window passes without another write (its node refreshes it meanwhile).
    func keep(_ snapshot: RecoverySnapshot, dropped: Bool)
    /// Forgets a socket that left for good.
    func forget(pid: String)
    /// Takes a socket's state, once (a second take gets nil); `completion` runs on any thread.
    func take(pid: String, completion: @escaping @Sendable (RecoverySnapshot?) -> Void)
}
