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
        // Copied from the parsed head's bytes as they lie: no String per name or value.
        self.bytes = headers.withFields { fields in
            let stored = fields.raw.assumingMemoryBound(to: UInt8.self)
            func field(_ i: Int) -> (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
                (UnsafeBufferPointer(rebasing: stored[fields.offset(i, 0)..<fields.offset(i, 1)]),
                 UnsafeBufferPointer(rebasing: stored[fields.offset(i, 2)..<fields.offset(i, 3)]))
            }
            return HTTPBytes.withUTF8Bytes(of: remoteAddress) { address in
                HTTPBytes.withUTF8Bytes(of: url) { url in
                    Self.encode(issuedAt: issuedAt, address: address, url: url, fieldCount: fields.count, field: field)
                }
            }
        }
    }

    public init(headerPairs: [(String, String)], remoteAddress: String, issuedAt: Int64, url: String) {
        self.init(headers: HTTPHeaders(headerPairs), remoteAddress: remoteAddress, issuedAt: issuedAt, url: url)
    }

    /// The time, then each text after its length, in one array of exactly their size.
    private static func encode(
        issuedAt: Int64, address: UnsafeBufferPointer<UInt8>, url: UnsafeBufferPointer<UInt8>, fieldCount: Int,
        field: (Int) -> (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)
    ) -> [UInt8] {
        // Which fields are kept is decided once, for the sizing and the copying.
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: fieldCount) { kept in
            var size = textStart + encodedSize(address.count) + encodedSize(url.count)
            for i in 0..<fieldCount {
                let (name, value) = field(i)
                kept[i] = describesTheClient(name)
                if kept[i] { size += encodedSize(name.count) + encodedSize(value.count) }
            }
            // Built on the stack and copied: `Array(unsafeUninitializedCapacity:)` allocates
            // unspecialized and looks up its storage class at run time, which cost more.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer in
                var count = 0
                func append(_ text: UnsafeBufferPointer<UInt8>) {
                    var length = text.count
                    repeat {
                        buffer[count] = UInt8(truncatingIfNeeded: length & 0x7F) | (length > 0x7F ? 0x80 : 0)
                        count += 1
                        length >>= 7
                    } while length > 0
                    if text.isEmpty { return }
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(fromContentsOf: text)
                    count += text.count
                }
                for shift in stride(from: 0, to: 64, by: 8) {
                    buffer[count] = UInt8(truncatingIfNeeded: issuedAt >> Int64(shift))
                    count += 1
                }
                append(address)
                append(url)
                for i in 0..<fieldCount where kept[i] {
                    let (name, value) = field(i)
                    append(name)
                    append(value)
                }
                return [UInt8](UnsafeBufferPointer(rebasing: buffer[..<count]))
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
    static func describesTheClient(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        // By length first: most names match none of the ten in length.
        switch name.count {
        case 2: !named(name, "te")
        case 7: !(named(name, "upgrade") || named(name, "trailer"))
        case 10: !(named(name, "connection") || named(name, "keep-alive"))
        case 16: !named(name, "proxy-connection")
        case 17: !(named(name, "sec-websocket-key") || named(name, "transfer-encoding"))
        case 21: !named(name, "sec-websocket-version")
        case 24: !named(name, "sec-websocket-extensions")
        default: true
        }
    }

    /// Whether `name` is `lowercase` in any case.
    @inline(__always)
    private static func named(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { HTTPBytes.equalsIgnoringCase(name, $0) }
    }

    private static func encodedSize(_ count: Int) -> Int {
        var length = count
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
