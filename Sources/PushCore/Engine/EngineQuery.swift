/// The parameters an Engine.IO request's query carries, read in one pass over its bytes: the
/// whole query is checked as `QueryString.parse` checks it, and only these values are decoded,
/// each from the first pair of its name. Every request reads them, and building every pair's
/// Strings cost more than the rest of the lookup.
package struct EngineQuery: Sendable, Equatable {
    /// `EIO`: the protocol version.
    package var protocolVersion: String?
    /// `transport`.
    package var transport: String?
    /// `sid`: the session, absent on a handshake.
    package var sid: String?
    /// `block`: transports the client asks the server to refuse (a demo aid).
    package var block: String?

    /// nil when any pair is malformed: a bad escape, an escape of NUL, or a name or value that
    /// does not decode to UTF-8.
    package init?(_ query: String) {
        var query = query
        var parameters = EngineQuery(protocolVersion: nil, transport: nil, sid: nil, block: nil)
        let wellFormed = query.withUTF8 { bytes in
            var wellFormed = true
            QueryString.forEachPair(bytes) { rawName, rawValue in
                wellFormed = parameters.take(Self.name(of: rawName), rawValue)
                return wellFormed
            }
            return wellFormed
        }
        guard wellFormed else { return nil }
        self = parameters
    }

    package init(protocolVersion: String?, transport: String?, sid: String?, block: String?) {
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.sid = sid
        self.block = block
    }

    private enum Name { case protocolVersion, transport, sid, block, other, malformed }

    /// Keeps the first value of each parameter; checks the others. False when malformed.
    private mutating func take(_ name: Name, _ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        func decoded(_ current: inout String?) -> Bool {
            guard current == nil else { return QueryString.decodes(raw) }
            current = PercentDecoding.decode(raw, plusAsSpace: true)
            return current != nil
        }
        switch name {
        case .protocolVersion: return decoded(&protocolVersion)
        case .transport: return decoded(&transport)
        case .sid: return decoded(&sid)
        case .block: return decoded(&block)
        case .other: return QueryString.decodes(raw)
        case .malformed: return false
        }
    }

    /// Which parameter a raw name is. Names without escapes (nearly all) are matched on their
    /// bytes, by length first.
    private static func name(of raw: UnsafeBufferPointer<UInt8>) -> Name {
        guard QueryString.needsDecoding(raw) else { return plainName(raw) }
        guard var decoded = PercentDecoding.decode(raw, plusAsSpace: true) else { return .malformed }
        return decoded.withUTF8(plainName)
    }

    private static func plainName(_ name: UnsafeBufferPointer<UInt8>) -> Name {
        let raw = UnsafeRawBufferPointer(name)
        switch name.count {
        case 3 where HTTPBytes.equalsExactly(raw, 0, 3, "EIO"): return .protocolVersion
        case 3 where HTTPBytes.equalsExactly(raw, 0, 3, "sid"): return .sid
        case 5 where HTTPBytes.equalsExactly(raw, 0, 5, "block"): return .block
        case 9 where HTTPBytes.equalsExactly(raw, 0, 9, "transport"): return .transport
        default: return .other
        }
    }
}
