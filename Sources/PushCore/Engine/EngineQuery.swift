/// The parameters an Engine.IO request's query carries, read in one pass over its bytes: the
/// whole query is checked as `QueryString.parse` checks it, and only these values are decoded,
/// each from the first pair of its name. Every request reads them, and building every pair's
/// Strings cost more than the rest of the lookup.
package struct EngineQuery: Sendable, Equatable {
    /// `EIO`: the protocol version.
    package var protocolVersion: String? { string(version) }
    /// `transport`.
    package var transport: String? { string(transportValue) }
    /// `transport` when it names one (nil when absent or unknown).
    package private(set) var transportKind: EngineTransportKind?
    /// `sid`: the session, absent on a handshake.
    package var sid: String? { string(sidValue) }
    /// `block`: transports the client asks the server to refuse (a demo aid).
    package var block: String? { string(blockValue) }

    /// Whether `EIO` is "4", read without making a String.
    package var isProtocolVersion4: Bool {
        withBytes(version) { $0.count == 1 && $0[0] == UInt8(ascii: "4") } ?? false
    }

    /// Whether the query names a session.
    package var hasSID: Bool { sidValue != nil }

    /// Calls `body` with the UTF-8 bytes of `sid`; nil without one. Looking a session up by
    /// these makes no String.
    package func withSIDBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        withBytes(sidValue, body)
    }

    /// The query the values were read from.
    private var source = ""
    /// A value: where it lies in `source` when it needs no decoding (nearly always), else
    /// decoded. Strings are made only when asked for, and a query copies without retaining
    /// any but `source`.
    private enum Value: Sendable {
        case slice(offset: Int, count: Int)
        case decoded(String)
    }
    private var version: Value?
    private var transportValue: Value?
    private var sidValue: Value?
    private var blockValue: Value?

    private func withBytes<Result>(_ value: Value?, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        switch value {
        case .none: nil
        case .decoded(let text): HTTPBytes.withUTF8Bytes(of: text, body)
        case .slice(let offset, let count):
            HTTPBytes.withUTF8Bytes(of: source) { body(UnsafeBufferPointer(rebasing: $0[offset..<offset &+ count])) }
        }
    }

    private func string(_ value: Value?) -> String? {
        if case .decoded(let text) = value { return text }
        return withBytes(value) { String(decoding: $0, as: UTF8.self) }
    }

    package static func == (a: EngineQuery, b: EngineQuery) -> Bool {
        a.protocolVersion == b.protocolVersion && a.transport == b.transport && a.sid == b.sid && a.block == b.block
    }

    /// nil when any pair is malformed: a bad escape, an escape of NUL, or a name or value that
    /// does not decode to UTF-8.
    /// `source` is the query, or with `queryOfTarget` a request target whose query follows its
    /// first `?` (a parsed head's: no String is made for its query). Values are kept as ranges
    /// of `source` either way.
    package init?(_ source: String, queryOfTarget: Bool = false) {
        self.init()
        guard read(source, queryOfTarget: queryOfTarget) else { return nil }
    }

    /// A query with no parameters, to `read` into.
    package init() {}

    /// Reads `source` (as `init?(_:queryOfTarget:)` does) into this query, which is to be
    /// fresh; false when malformed. Read in place: a query returned (as an optional or not) was
    /// copied whole and the original destroyed, its strings retained and released, on every
    /// request.
    package mutating func read(_ source: String, queryOfTarget: Bool = false) -> Bool {
        // Each parameter keeps its first value: one left from an earlier read would win.
        assert(version == nil && transportValue == nil && sidValue == nil && blockValue == nil, "read into a used query")
        self.source = source
        return HTTPBytes.withUTF8Bytes(of: source) { bytes in
            var start = 0
            if queryOfTarget {
                let raw = UnsafeRawBufferPointer(bytes)
                start = HTTPBytes.first(UInt8(ascii: "?"), in: raw, from: 0, to: raw.count).map { $0 &+ 1 } ?? raw.count
            }
            var pairs = QueryString.Pairs(UnsafeBufferPointer(rebasing: bytes[start...]))
            while let (name, value) = pairs.next() {
                guard take(Self.name(of: name), value, in: bytes) else { return false }
            }
            return true
        }
    }

    package init(protocolVersion: String?, transport: String?, sid: String?, block: String?) {
        version = protocolVersion.map(Value.decoded)
        transportValue = transport.map(Value.decoded)
        transportKind = transport.flatMap(EngineTransportKind.init(rawValue:))
        sidValue = sid.map(Value.decoded)
        blockValue = block.map(Value.decoded)
    }

    private enum Name { case protocolVersion, transport, sid, block, other, malformed }

    /// Keeps the first value of each parameter; checks the others. False when malformed.
    private mutating func take(_ name: Name, _ raw: UnsafeBufferPointer<UInt8>, in query: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name {
        case .protocolVersion: return Self.keep(&version, raw, in: query)
        case .transport:
            guard transportValue == nil else { return QueryString.decodes(raw) }
            guard Self.keep(&transportValue, raw, in: query) else { return false }
            // Read from what was kept: `source` is set once the whole query is read.
            if case .decoded(let text) = transportValue {
                transportKind = HTTPBytes.withUTF8Bytes(of: text, Self.transportKind)
            } else {
                transportKind = Self.transportKind(raw)
            }
            return true
        case .sid: return Self.keep(&sidValue, raw, in: query)
        case .block: return Self.keep(&blockValue, raw, in: query)
        case .other: return QueryString.decodes(raw)
        case .malformed: return false
        }
    }

    /// Keeps `raw` as `current` unless a value came first (then only checks it).
    private static func keep(_ current: inout Value?, _ raw: UnsafeBufferPointer<UInt8>,
                             in query: UnsafeBufferPointer<UInt8>) -> Bool {
        guard current == nil else { return QueryString.decodes(raw) }
        if !QueryString.needsDecoding(raw) {
            let offset = raw.baseAddress.flatMap { start in query.baseAddress.map { start - $0 } } ?? 0
            current = .slice(offset: offset, count: raw.count)
            return true
        }
        guard let decoded = PercentDecoding.decode(raw, plusAsSpace: true) else { return false }
        current = .decoded(decoded)
        return true
    }

    /// The transport a value's bytes name, matched by length first.
    private static func transportKind(_ value: UnsafeBufferPointer<UInt8>) -> EngineTransportKind? {
        let raw = UnsafeRawBufferPointer(value)
        switch value.count {
        case 3 where HTTPBytes.equalsExactly(raw, 0, 3, "sse"): return .sse
        case 7 where HTTPBytes.equalsExactly(raw, 0, 7, "polling"): return .longPolling
        case 9 where HTTPBytes.equalsExactly(raw, 0, 9, "websocket"): return .websocket
        case 13 where HTTPBytes.equalsExactly(raw, 0, 13, "short-polling"): return .polling
        default: return nil
        }
    }

    /// Which parameter a raw name is. Names without escapes (nearly all) are matched on their
    /// bytes, by length first.
    private static func name(of raw: UnsafeBufferPointer<UInt8>) -> Name {
        guard QueryString.needsDecoding(raw) else { return plainName(raw) }
        guard var decoded = PercentDecoding.decode(raw, plusAsSpace: true) else { return .malformed }
        return decoded.withUTF8(plainName)
    }

    // A switch per word list rather than one lookup over tables: a table loop cost four times
    // as much per name, and every request reads three or four.
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
