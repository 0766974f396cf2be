/// The parameters the server announces in its open packet, and that packet's exact JSON:
/// `0{"sid":"…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
/// (keys in this order, no spaces, as the reference server writes them).
public struct EngineHandshake: Sendable, Equatable {
    /// The session id.
    public var sid: String
    /// Transports the client may upgrade to: ["websocket"] over polling, [] over WebSocket.
    public var upgrades: [String]
    /// Milliseconds between the server's pings.
    public var pingInterval: Int
    /// Milliseconds the client has to answer a ping.
    public var pingTimeout: Int
    /// The most bytes the client may send in one polling payload.
    public var maxPayload: Int

    /// A handshake with the Engine.IO defaults (25 s, 20 s, 1 MB).
    public init(
        sid: String, upgrades: [String] = [], pingInterval: Int = 25_000,
        pingTimeout: Int = 20_000, maxPayload: Int = 1_000_000
    ) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// The JSON object of the open packet, as UTF-8.
    public var json: [UInt8] {
        Self.json(sid: sid, tail: Self.tail(upgrades: upgrades, pingInterval: pingInterval,
                                            pingTimeout: pingTimeout, maxPayload: maxPayload))
    }

    /// `{"sid":"…"` then `tail`.
    static func json(sid: String, tail: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(10 &+ sid.utf8.count &+ tail.count)
        out.append(contentsOf: #"{"sid":"#.utf8)
        EngineJSON.appendString(sid, into: &out)
        out.append(contentsOf: tail)
        return out
    }

    /// The object after the sid, `,"upgrades":[…],…,"maxPayload":…}`: the same for every
    /// session of a server with the same upgrades, so a server writes it once.
    static func tail(upgrades: [String], pingInterval: Int, pingTimeout: Int, maxPayload: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #","upgrades":["#.utf8)
        for (index, upgrade) in upgrades.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            EngineJSON.appendString(upgrade, into: &out)
        }
        out.append(contentsOf: #"],"pingInterval":"#.utf8)
        JSNumberFormat.appendInteger(Int64(pingInterval), to: &out)
        out.append(contentsOf: #","pingTimeout":"#.utf8)
        JSNumberFormat.appendInteger(Int64(pingTimeout), to: &out)
        out.append(contentsOf: #","maxPayload":"#.utf8)
        JSNumberFormat.appendInteger(Int64(maxPayload), to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The open packet ("0" + JSON) that starts the session.
    public func openPacket() -> EnginePacket {
        EnginePacket(type: .open, payload: json)
    }
}

/// Just enough JSON writing for the handshake and error bodies.
enum EngineJSON {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters are
    /// escaped as JSON.stringify does; everything else is copied as UTF-8.
    static func appendString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { appendEscaped($0, into: &out) }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Ids, transport names and most reasons need no escape: copied whole.
        guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
    }
}
