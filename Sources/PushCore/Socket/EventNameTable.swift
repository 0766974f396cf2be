/// Handlers by event name, in the order they were added: a socket's own, or a namespace's
/// shared ones.
///
/// An app listens to a few names, and every incoming event is looked up: the names are
/// compared in order, their UTF-8 lengths first (kept beside them), where a dictionary hashed
/// every incoming name (about 300 instructions an event). Names match byte for byte, as the
/// reference servers compare them (a Swift `String` would also match another normalization).
struct EventNameTable<Handler> {
    private var names: [String] = []
    /// `lengths[i]` is `names[i].utf8.count`, negated when the name is not all ASCII.
    private var lengths: [Int] = []
    /// `lists[i]` holds the handlers of `names[i]`, never empty.
    private var lists: [[Handler]] = []

    var isEmpty: Bool { names.isEmpty }

    /// The handlers of `event`; nil when it has none.
    func handlers(for event: String) -> [Handler]? {
        index(of: event).map { lists[$0] }
    }

    mutating func add(_ handler: Handler, for event: String) {
        if let index = index(of: event) {
            lists[index].append(handler)
        } else {
            names.append(event)
            lengths.append(event.utf8.allSatisfy { $0 < 0x80 } ? event.utf8.count : -event.utf8.count)
            lists.append([handler])
        }
    }

    /// Removes the handlers of `event` that match.
    mutating func removeAll(for event: String, where shouldRemove: (Handler) -> Bool) {
        guard let index = index(of: event) else { return }
        lists[index].removeAll(where: shouldRemove)
        if lists[index].isEmpty { removeName(at: index) }
    }

    /// Removes every handler of `event`.
    mutating func removeAll(for event: String) {
        if let index = index(of: event) { removeName(at: index) }
    }

    /// A copy in storage of its own (names too), each handler given by `transform`: a loop's
    /// copy, whose reference counts no other loop touches.
    func copied(_ transform: (Handler) -> Handler) -> EventNameTable {
        var copy = EventNameTable()
        for index in names.indices {
            copy.names.append(String(decoding: Array(names[index].utf8), as: UTF8.self))
            copy.lengths.append(lengths[index])
            copy.lists.append(lists[index].map(transform))
        }
        return copy
    }

    private mutating func removeName(at index: Int) {
        names.remove(at: index)
        lengths.remove(at: index)
        lists.remove(at: index)
    }

    private func index(of event: String) -> Int? {
        let length = event.utf8.count
        for index in lengths.indices where abs(lengths[index]) == length && names[index] == event {
            // `==` matches other normalizations too; of the same length, only where the
            // name is not ASCII (an ASCII name's only equivalents are longer), so only there
            // are the bytes compared.
            if lengths[index] > 0 || names[index].utf8.elementsEqual(event.utf8) { return index }
        }
        return nil
    }
}
