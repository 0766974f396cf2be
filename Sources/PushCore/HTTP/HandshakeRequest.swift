/// What a session keeps of the request that opened it: the peer, the target, the header fields
/// and the time. Kept as long as the session (and shared by its Socket.IO sockets), so it
/// holds all the text in one buffer of exactly its size and decodes on demand: an idle session
/// pays one allocation for it, not one per string.
public struct HandshakeRequest: Sendable {
    /// The time (8 bytes, little-endian), then the peer's address, the target, and each
    /// field's name and value, each after its length (LEB128).
    private let bytes: [UInt8]
    private static let textStart = 8

    public init(headers: HTTPHeaders, remoteAddress: String, issuedAt: Int64, url: String) {
        self.init(fields: headers.lazy.map { ($0.name, $0.value) }, remoteAddress: remoteAddress, issuedAt: issuedAt, url: url)
    }

    public init(headerPairs: [(String, String)], remoteAddress: String, issuedAt: Int64, url: String) {
        self.init(fields: headerPairs, remoteAddress: remoteAddress, issuedAt: issuedAt, url: url)
    }

    private init(fields all: some Collection<(String, String)>, remoteAddress: String, issuedAt: Int64, url: String) {
        let fields = all.lazy.filter { Self.describesTheClient($0.0) }
        var size = Self.textStart + Self.encodedSize(remoteAddress) + Self.encodedSize(url)
        for (name, value) in fields { size += Self.encodedSize(name) + Self.encodedSize(value) }
        self.bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            func append(_ text: String) {
                var length = text.utf8.count
                repeat {
                    buffer[count] = UInt8(truncatingIfNeeded: length & 0x7F) | (length > 0x7F ? 0x80 : 0)
                    count += 1
                    length >>= 7
                } while length > 0
                for byte in text.utf8 {
                    buffer[count] = byte
                    count += 1
                }
            }
            for shift in stride(from: 0, to: 64, by: 8) {
                buffer[count] = UInt8(truncatingIfNeeded: issuedAt >> Int64(shift))
                count += 1
            }
            append(remoteAddress)
            append(url)
            for (name, value) in fields {
                append(name)
                append(value)
            }
        }
    }

    /// Milliseconds since 1970 when the session opened.
    public var issuedAt: Int64 {
        var time: Int64 = 0
        for index in (0..<Self.textStart).reversed() { time = time << 8 | Int64(bytes[index]) }
        return time
    }

    /// Whether a field is worth keeping for the session's life. Hop-by-hop fields (RFC 9110
    /// 7.6.1) and the WebSocket handshake's own fields described the connection that carried
    /// the request, not the client: a proxy in front replaces them, nothing reads them once the
    /// session is open, and they are about half of an idle WebSocket's handshake bytes.
    static func describesTheClient(_ name: String) -> Bool {
        HTTPBytes.withUTF8Bytes(of: name) { bytes in
            // Most names differ in length from all ten: one comparison of counts each.
            for field in connectionOnlyFields where field.count == bytes.count {
                if field.withUnsafeBufferPointer({ HTTPBytes.equalsIgnoringCase($0, bytes) }) { return false }
            }
            return true
        }
    }

    private static let connectionOnlyFields: [[UInt8]] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
    ].map { Array($0.utf8) }

    private static func encodedSize(_ text: String) -> Int {
        var length = text.utf8.count
        var size = length
        repeat {
            size += 1
            length >>= 7
        } while length > 0
        return size
    }

    /// The client's address ("host:port").
    public var remoteAddress: String {
        var cursor = Self.textStart
        return next(&cursor)
    }

    /// The request target as sent.
    public var url: String {
        var cursor = Self.textStart
        skip(&cursor)
        return next(&cursor)
    }

    /// The header fields as sent, in order, less those `describesTheClient` leaves out.
    public var headerPairs: [(String, String)] {
        var cursor = Self.textStart
        skip(&cursor)
        skip(&cursor)
        var pairs: [(String, String)] = []
        while cursor < bytes.count {
            let name = next(&cursor)
            pairs.append((name, next(&cursor)))
        }
        return pairs
    }

    public var headers: HTTPHeaders { HTTPHeaders(headerPairs) }

    /// Decoded query parameters of the target (it was checked when the session opened).
    public var query: [(String, String)] {
        let url = self.url
        guard let mark = url.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        return QueryString.parse(String(url[url.utf8.index(after: mark)...])) ?? []
    }

    /// The text at `cursor`, which moves past it.
    private func next(_ cursor: inout Int) -> String {
        let length = readLength(&cursor)
        defer { cursor += length }
        return String(decoding: bytes[cursor..<cursor + length], as: UTF8.self)
    }

    private func skip(_ cursor: inout Int) {
        let length = readLength(&cursor)
        cursor += length
    }

    private func readLength(_ cursor: inout Int) -> Int {
        var length = 0
        var shift = 0
        while true {
            let byte = bytes[cursor]
            cursor += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return length
    }
}
