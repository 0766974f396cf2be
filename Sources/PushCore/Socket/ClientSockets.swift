/// One client's sockets by namespace name. Nearly every client connects one namespace: that
/// socket is held inline, and a table is made only for more, so an idle client carries no
/// dictionary. Keys are the sockets' namespace names.
struct ClientSockets {
    private var first: Socket?
    private var others: [String: Socket] = [:]

    subscript(name: String) -> Socket? {
        get {
            if let first, first.namespace.name == name { return first }
            return others.isEmpty ? nil : others[name]
        }
        set {
            assert(newValue.map { $0.namespace.name == name } ?? true, "a socket is kept under its namespace's name")
            if let first, first.namespace.name == name {
                self.first = newValue
            } else if first == nil, newValue != nil, others[name] == nil {
                first = newValue
            } else {
                others[name] = newValue
            }
        }
    }

    var isEmpty: Bool { first == nil && others.isEmpty }

    /// Every socket (the inline one first).
    var all: [Socket] {
        var sockets = first.map { [$0] } ?? []
        sockets.append(contentsOf: others.values)
        return sockets
    }
}
