/// Server-sent events framing for pushd's "sse" transport (server to client; the client sends
/// with POST, as in long-polling). One SSE event per engine packet; its data is the packet's
/// text form, read by the client as exactly one packet (never split on 0x1E):
///
/// - Common case, the text form has no CR or LF: `data: <text form>\n\n`, a "message" event.
///   Binary messages always take this path ("b" + base64 has no line breaks), and so does every
///   Socket.IO packet, since JSON escapes CR and LF inside strings.
/// - Otherwise: `event: b64\ndata: <standard base64 of the text form's bytes>\n\n`.
///   EventSource splits lines on CR, LF and CRLF and joins data lines with LF, so a CR could
///   never arrive unchanged; base64 keeps every byte. The client listens for "b64" events,
///   decodes base64 then UTF-8, and reads the result as a text form.
///
/// This is exact for every packet whose text payload is UTF-8 (the stream is decoded as UTF-8).
/// Each event is preceded by its own `id: <sid>:<sequence>` line (written beside the shared
/// event bytes, never into them): when a proxy cuts the stream, the browser's EventSource
/// reconnects to the handshake URL with `Last-Event-ID`, which names the session and the last
/// packet it got, and the stream resumes. Comments (lines starting with ":") are ignored by
/// EventSource and serve as keep-alives and padding.
///
/// Browser side, in short:
/// `es.onmessage = e => onText(e.data)` and
/// `es.addEventListener("b64", e => onText(new TextDecoder().decode(
///     Uint8Array.from(atob(e.data), c => c.charCodeAt(0)))))`.
extension EngineCodec {
    /// A comment event (": \n\n") for keep-alives; EventSource ignores it.
    public static let sseComment: [UInt8] = Array(": \n\n".utf8)

    /// The event name of base64-wrapped packets.
    public static let sseBase64EventName = "b64"

    private static let sseDataPrefix: [UInt8] = Array("data: ".utf8)
    private static let sseBase64Prefix: [UInt8] = Array("event: b64\ndata: ".utf8)
    private static let sseEventEnd: [UInt8] = Array("\n\n".utf8)

    /// Appends the SSE event that carries `packet`.
    public static func appendSSEEvent(_ packet: EnginePacket, into out: inout [UInt8]) {
        let binary = packet.isBinary && packet.type == .message
        if !binary && packet.payload.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            var form: [UInt8] = []
            form.reserveCapacity(1 &+ packet.payload.count)
            form.append(packet.type.wireDigit)
            form.append(contentsOf: packet.payload)
            out.append(contentsOf: sseBase64Prefix)
            Base64.encode(form, into: &out)
        } else {
            out.reserveCapacity(out.count &+ sseDataPrefix.count &+ pollingPacketSize(packet) &+ 2)
            out.append(contentsOf: sseDataPrefix)
            appendPollingPacket(packet, into: &out)
        }
        out.append(contentsOf: sseEventEnd)
    }

    /// The SSE event that carries `packet`, as a new array (an encode-once broadcast buffer).
    public static func sseEvent(_ packet: EnginePacket) -> [UInt8] {
        var out: [UInt8] = []
        appendSSEEvent(packet, into: &out)
        return out
    }

    /// The `id:` line of packet `sequence` of session `sid`.
    public static func sseIDLine(sid: String, sequence: UInt64) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: sseIDLineCount(sid: sid, sequence: sequence)) { buffer, count in
            count = buffer.count
            writeSSEIDLine(sid: sid, sequence: sequence, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Bytes in the `id:` line of packet `sequence` of session `sid`.
    public static func sseIDLineCount(sid: String, sequence: UInt64) -> Int {
        var digits = 1
        var rest = sequence / 10
        while rest > 0 {
            digits &+= 1
            rest /= 10
        }
        return 4 &+ sid.utf8.count &+ 1 &+ digits &+ 1
    }

    /// Writes the `id:` line into `out`, which is `sseIDLineCount` bytes: straight into what
    /// goes out, with no array for it.
    public static func writeSSEIDLine(sid: String, sequence: UInt64, into out: UnsafeMutableRawBufferPointer) {
        var offset = 0
        for byte in "id: ".utf8 {
            out[offset] = byte
            offset &+= 1
        }
        for byte in sid.utf8 {
            out[offset] = byte
            offset &+= 1
        }
        out[offset] = UInt8(ascii: ":")
        // The digits from the end, before the line feed.
        var index = out.count &- 2
        var rest = sequence
        repeat {
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            index &-= 1
        } while rest > 0
        out[out.count &- 1] = 0x0A
    }

    /// The session and packet sequence a `Last-Event-ID` names; nil for anything else.
    public static func parseSSEEventID(_ text: String) -> (sid: String, sequence: UInt64)? {
        guard text.utf8.count <= 128, let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let sid = String(text[..<colon])
        let digits = text[text.utf8.index(after: colon)...]
        guard !sid.isEmpty, let sequence = UInt64(digits), String(sequence) == digits else { return nil }
        return (sid, sequence)
    }

    /// Appends what starts an event stream, before the first packet: an optional `retry:` line
    /// (how long EventSource waits before reconnecting) and a comment padded with
    /// `paddingBytes` spaces. The padding (2 KiB by default, 0 for none) makes proxies and
    /// old browsers that buffer the start of a response hand the stream on at once.
    public static func appendSSEPrelude(
        into out: inout [UInt8], paddingBytes: Int = 2048, retryMilliseconds: Int? = nil
    ) {
        if let retry = retryMilliseconds, retry >= 0 {
            out.append(contentsOf: "retry: ".utf8)
            out.append(contentsOf: String(retry).utf8)
            out.append(0x0A)
        }
        out.append(UInt8(ascii: ":"))
        if paddingBytes > 0 {
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: paddingBytes))
        }
        out.append(contentsOf: sseEventEnd)
    }
}
