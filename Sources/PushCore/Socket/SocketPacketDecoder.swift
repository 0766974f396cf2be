/// Decodes Socket.IO v5 packets from Engine.IO messages, reassembling binary packets from the
/// text message and the binary messages (attachments) that follow it.
///
/// Feed text messages to `receive(text:)` and binary ones to `receive(binary:)`. Any `.error`
/// means the peer broke the protocol and the connection should be closed; the decoder itself
/// drops any half-assembled packet and is ready for a fresh message.
///
/// Checks, following the protocol and the reference parser's payload validation:
/// - CONNECT: data absent or an object. DISCONNECT: no data. CONNECT_ERROR: absent, object or string.
/// - EVENT / BINARY_EVENT: a non-empty array whose first element is a string event name that is
///   not reserved ("connect", "connect_error", "disconnect", "disconnecting", "newListener",
///   "removeListener"); an ack id is optional.
/// - ACK / BINARY_ACK: an array, and an ack id is required (it names the event answered).
/// - Ack ids: decimal digits that fit in 64 bits; not allowed on CONNECT / DISCONNECT /
///   CONNECT_ERROR.
/// - The namespace starts with "/" and runs to the first ',' (or the end of the message, as
///   "40/admin" is sent by some clients); missing means "/".
/// - The attachment count is checked against `maxAttachments` while its digits are read, so a
///   huge claim is refused before anything is allocated for it.
/// - Placeholders `{"_placeholder":true,"num":n}` are replaced by attachment n only in
///   BINARY_EVENT / BINARY_ACK packets; in any other packet such an object is ordinary data.
public struct SocketPacketDecoder: Sendable {
    /// Most attachments one binary packet may announce.
    public let maxAttachments: Int
    /// Deepest nesting of arrays/objects allowed in a payload.
    public let maxDepth: Int
    private var state = State.idle
    /// Bytes of the attachments collected so far for the pending binary packet.
    public private(set) var pendingAttachmentBytes = 0

    private enum State: Sendable {
        case idle
        /// A binary packet whose header arrived, waiting for `expected` attachments. Boxed:
        /// rare, and inline it would make every client's decoder the size of a packet.
        indirect case collecting(packet: SocketPacket, expected: Int, received: [[UInt8]])
    }

    /// Event names applications may not use (Socket.IO reserves them for its own events).
    static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    /// Whether `name` is reserved, compared byte for byte; most names are ruled out by their
    /// length alone (the reserved ones are 7, 10, 11, 13 and 14 bytes long).
    static func isReservedEventName(_ name: String) -> Bool {
        switch name.utf8.count {
        case 7, 10, 11, 13, 14: return reservedEventNames.contains { JSONKey.equal($0, name) }
        default: return false
        }
    }

    /// A decoder with the given limits (the reference server allows 10 attachments).
    public init(maxAttachments: Int = 10, maxDepth: Int = 32) {
        self.maxAttachments = maxAttachments
        self.maxDepth = maxDepth
    }

    /// True while a binary packet waits for attachments.
    public var isAwaitingAttachments: Bool {
        if case .collecting = state { return true }
        return false
    }

    /// Drops a half-assembled binary packet, if any.
    public mutating func reset() {
        state = .idle
        pendingAttachmentBytes = 0
    }

    /// Decodes a text message (an Engine.IO "message" payload without its "4").
    public mutating func receive(text: UnsafeRawBufferPointer) -> SocketDecodeResult {
        if case .collecting = state {
            reset()
            return .error(.unexpectedText)
        }
        do throws(SocketDecodeError) {
            var (packet, attachmentCount) = try parse(text)
            guard packet.type == .binaryEvent || packet.type == .binaryAck else { return .packet(packet) }
            if attachmentCount > 0 {
                state = .collecting(packet: packet, expected: attachmentCount, received: [])
                return .needAttachments
            }
            try Self.resolvePlaceholders(in: &packet, with: [])
            return .packet(packet)
        } catch {
            return .error(error)
        }
    }

    /// Decodes a text message held in a byte array.
    public mutating func receive(text: [UInt8]) -> SocketDecodeResult {
        text.withUnsafeBytes { receive(text: $0) }
    }

    /// Takes one binary message: the next attachment of the pending binary packet.
    public mutating func receive(binary: [UInt8]) -> SocketDecodeResult {
        guard case .collecting(var packet, let expected, var received) = state else {
            return .error(.unexpectedBinary)
        }
        state = .idle  // drop the state's reference so `received` grows in place
        received.append(binary)
        guard received.count == expected else {
            state = .collecting(packet: packet, expected: expected, received: received)
            pendingAttachmentBytes += binary.count
            return .needAttachments
        }
        pendingAttachmentBytes = 0
        do throws(SocketDecodeError) {
            try Self.resolvePlaceholders(in: &packet, with: received)
        } catch {
            return .error(error)
        }
        return .packet(packet)
    }

    private static func resolvePlaceholders(in packet: inout SocketPacket, with attachments: [[UInt8]]) throws(SocketDecodeError) {
        guard var data = packet.data else { return }
        packet.data = nil
        try SocketAttachments.resolve(&data, with: attachments)
        packet.data = data
    }

    // MARK: - Text format

    private static func digit(_ byte: UInt8) -> UInt8? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? value : nil
    }

    /// Parses `<type>[<count>-][<namespace>,][<ack id>][JSON]` and validates the payload.
    private func parse(_ text: UnsafeRawBufferPointer) throws(SocketDecodeError) -> (SocketPacket, Int) {
        guard let first = text.first else { throw .empty }
        guard let typeNumber = Self.digit(first), let type = SocketPacketType(rawValue: typeNumber) else {
            throw .unknownType
        }
        var position = 1

        var attachmentCount = 0
        if type == .binaryEvent || type == .binaryAck {
            let digitsStart = position
            while position < text.count, let value = Self.digit(text[position]) {
                let (times10, overflow1) = attachmentCount.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(value))
                // Refuse as soon as the claim passes the limit: nothing is sized from it.
                guard !overflow1, !overflow2, sum <= maxAttachments else { throw .tooManyAttachments }
                attachmentCount = sum
                position += 1
            }
            guard position > digitsStart, position < text.count, text[position] == UInt8(ascii: "-") else {
                throw .badAttachmentCount
            }
            position += 1
        }

        var namespace = "/"
        if position < text.count && text[position] == UInt8(ascii: "/") {
            let start = position
            while position < text.count && text[position] != UInt8(ascii: ",") { position += 1 }
            guard let name = String(validating: UnsafeRawBufferPointer(rebasing: text[start..<position]), as: UTF8.self) else {
                throw .badNamespace
            }
            namespace = name
            if position < text.count { position += 1 }  // the ','
        }

        var ackId: UInt64? = nil
        if position < text.count, Self.digit(text[position]) != nil {
            var id: UInt64 = 0
            while position < text.count, let value = Self.digit(text[position]) {
                let (times10, overflow1) = id.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(value))
                guard !overflow1, !overflow2 else { throw .badAckId }
                id = sum
                position += 1
            }
            ackId = id
        }

        var data: JSONValue? = nil
        if position < text.count {
            let payloadStart = position
            do throws(JSONError) {
                data = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: text[payloadStart...]), maxDepth: maxDepth)
            } catch {
                throw .invalidJSON(error.shifted(by: payloadStart))
            }
        }

        try Self.validate(type: type, data: data, ackId: ackId)
        return (SocketPacket(type: type, namespace: namespace, data: data, ackId: ackId), attachmentCount)
    }

    private static func validate(type: SocketPacketType, data: JSONValue?, ackId: UInt64?) throws(SocketDecodeError) {
        switch type {
        case .connect:
            guard ackId == nil else { throw .badAckId }
            guard data == nil || data?.objectValue != nil else { throw .invalidPayload }
        case .disconnect:
            guard ackId == nil else { throw .badAckId }
            guard data == nil else { throw .invalidPayload }
        case .connectError:
            guard ackId == nil else { throw .badAckId }
            guard data == nil || data?.objectValue != nil || data?.stringValue != nil else { throw .invalidPayload }
        case .event, .binaryEvent:
            guard case .array(let items)? = data, case .string(let name)? = items.first else { throw .invalidPayload }
            guard !isReservedEventName(name) else { throw .reservedEventName }
        case .ack, .binaryAck:
            guard ackId != nil else { throw .badAckId }
            guard data?.arrayValue != nil else { throw .invalidPayload }
        }
    }
}
