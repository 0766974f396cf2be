extension Array where Element: AnyObject {
    /// Calls `body` with each element without a reference count per element: the array holds
    /// them all, and must not change meanwhile (walk a snapshot if `body` may change it).
    /// Indexed, because an iterator hands out a counted copy of each.
    @inline(__always)
    func forEachUncounted(_ body: (Element) -> Void) {
        withUnsafeBufferPointer { list in
            for index in list.indices { Unmanaged.passUnretained(list[index])._withUnsafeGuaranteedRef(body) }
        }
    }
}
