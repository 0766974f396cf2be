/// An object that knows its place in a `SlotList`.
protocol SlotListed: AnyObject {
    /// Its index in the list that holds it; -1 when in none.
    var listSlot: Int { get set }
}

/// One loop's live objects of a kind, dense and in no order: one that leaves gives its place
/// to the last, and each knows its place, so adding and removing hash nothing (a dictionary
/// keyed by identity hashed twice per connection) and a walk is a scan of one array.
/// Loop-confined: no runtime exclusivity checks.
final class SlotList<Element: SlotListed> {
    @exclusivity(unchecked) private(set) var elements: [Element] = []

    func insert(_ element: Element) {
        guard element.listSlot < 0 else { return }
        element.listSlot = elements.count
        elements.append(element)
    }

    func remove(_ element: Element) {
        let slot = element.listSlot
        guard slot >= 0, slot < elements.count, elements[slot] === element else { return }
        let last = elements.removeLast()
        if last !== element {
            elements[slot] = last
            last.listSlot = slot
        }
        element.listSlot = -1
        // An array never shrinks by itself: give the storage back once a crowd has left.
        if elements.count * 4 < elements.capacity && elements.capacity > 1024 {
            var smaller: [Element] = []
            smaller.reserveCapacity(elements.count * 2)
            smaller.append(contentsOf: elements)
            elements = smaller
        }
    }
}
