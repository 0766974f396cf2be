/// The offset an event carries as its last argument: which entry of the recovery log it is.
/// On the wire it is a string `<log tag>:<sequence>` (`"Xk3f9aQz:1f"`, sequence in base 36).
/// The tag names the log that issued it, so an offset from another log (another node, or this
/// one before a restart) is never mistaken for one of this log's entries.
public struct RecoveryOffset: Sendable, Hashable {
    public let tag: String
    public let sequence: UInt64

    public init(tag: String, sequence: UInt64) {
        self.tag = tag
        self.sequence = sequence
    }

    /// Parses `tag:sequence` (and ignores a cluster offset's `~vector`); nil for anything else.
    public init?(_ offset: String) {
        let text = offset.firstIndex(of: "~").map { String(offset[..<$0]) } ?? offset
        guard text.utf8.count <= 64, let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let tag = String(text[..<colon])
        let digits = text[text.utf8.index(after: colon)...]
        guard !tag.isEmpty, !digits.isEmpty, let sequence = UInt64(digits, radix: 36),
              String(sequence, radix: 36) == digits else { return nil }
        self.init(tag: tag, sequence: sequence)
    }

    /// The wire form.
    public var text: String { tag + ":" + String(sequence, radix: 36) }
}

extension SocketWire {
    /// The same event with `offset` as an extra last argument: the encoded text packet ends in
    /// the `]` of its argument array, so the offset goes in before it (a copy of the packet
    /// once per event, never a new encoding and never per recipient). Attachments are shared.
    public func withOffset(_ offset: String) -> SocketWire {
        guard let first = messages.first, !first.isBinary, first.payload.last == UInt8(ascii: "]") else { return self }
        var text = first.payload
        text.removeLast()
        text.reserveCapacity(text.count + offset.utf8.count + 4)
        text.append(UInt8(ascii: ","))
        text.append(UInt8(ascii: "\""))
        text.append(contentsOf: offset.utf8)   // tag (base64url) and base 36: nothing to escape
        text.append(UInt8(ascii: "\""))
        text.append(UInt8(ascii: "]"))
        var spliced = messages
        spliced[0] = .message(utf8: text)
        return SocketWire(messages: spliced)
    }

    /// Bytes the packet's messages hold (what a log entry costs, roughly).
    var byteCount: Int { messages.reduce(0) { $0 + $1.payload.count + 1 } }
}
