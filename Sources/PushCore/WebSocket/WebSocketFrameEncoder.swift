
/// Builds server-to-client frames: always final, never masked (RFC 6455 §5.1), with the
/// shortest length form.
@usableFromInline package enum WebSocketFrameEncoder {
    /// Largest header: 2 bytes + 8-byte extended length (servers send no mask key).
    package static let maxHeaderLength = 10

    /// Bytes of the header of a frame of `payloadLength` bytes.
    @inlinable @inline(__always)
    package static func headerLength(payloadLength: Int) -> Int {
        payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10
    }

    /// Writes the header of one final, unmasked frame of `payloadLength` bytes at `out`, which
    /// has room for `headerLength(payloadLength:)` bytes; returns that length.
    @discardableResult @inlinable @inline(__always)
    package static func writeFrameHeader(opcode: WebSocketOpcode, payloadLength: Int, to out: UnsafeMutableRawPointer) -> Int {
        precondition(payloadLength >= 0, "negative payload length")
        out.storeBytes(of: 0x80 | opcode.rawValue, as: UInt8.self)
        if payloadLength < 126 {
            out.storeBytes(of: UInt8(truncatingIfNeeded: payloadLength), toByteOffset: 1, as: UInt8.self)
            return 2
        }
        if payloadLength <= 0xFFFF {
            out.storeBytes(of: 126, toByteOffset: 1, as: UInt8.self)
            out.storeBytes(of: UInt16(payloadLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            return 4
        }
        out.storeBytes(of: 127, toByteOffset: 1, as: UInt8.self)
        out.storeBytes(of: UInt64(payloadLength).bigEndian, toByteOffset: 2, as: UInt64.self)
        return 10
    }

    /// Appends the header of one final, unmasked frame of `payloadLength` bytes.
    package static func appendFrameHeader(opcode: WebSocketOpcode, payloadLength: Int, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: maxHeaderLength, alignment: 1) { scratch in
            let length = writeFrameHeader(opcode: opcode, payloadLength: payloadLength, to: scratch.baseAddress!)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<length]))
        }
    }

    /// The header alone, so a broadcast can share one payload buffer behind per-frame headers.
    package static func frameHeader(opcode: WebSocketOpcode, payloadLength: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(maxHeaderLength)
        appendFrameHeader(opcode: opcode, payloadLength: payloadLength, into: &header)
        return header
    }

    /// Appends one unmasked final frame carrying `payload`.
    package static func appendFrame(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + maxHeaderLength + payload.count)
        appendFrameHeader(opcode: opcode, payloadLength: payload.count, into: &out)
        out.append(contentsOf: payload)
    }

    /// Appends one unmasked final frame carrying `payload`.
    package static func appendFrame<C: Collection>(opcode: WebSocketOpcode, payload: C, into out: inout [UInt8]) where C.Element == UInt8 {
        let count = payload.count
        out.reserveCapacity(out.count + maxHeaderLength + count)
        appendFrameHeader(opcode: opcode, payloadLength: count, into: &out)
        out.append(contentsOf: payload)
    }

    /// A complete close frame. Codes that must not appear on the wire (1005, 1006, 1015, ...)
    /// give an empty payload. The reason is cut at a character boundary so the payload stays
    /// within the 125-byte control frame limit.
    package static func closeFrame(code: WebSocketCloseCode, reason: String) -> [UInt8] {
        guard code.isValidOnWire else { return [0x80 | WebSocketOpcode.close.rawValue, 0] }
        var payload: [UInt8] = [UInt8(truncatingIfNeeded: code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)]
        let text = Array(reason.utf8)
        var end = min(text.count, 123)
        // Back up to the start of a character if the cut falls inside one.
        if end < text.count {
            while end > 0 && text[end] & 0xC0 == 0x80 { end -= 1 }
        }
        payload.append(contentsOf: text[..<end])
        var frame: [UInt8] = []
        appendFrame(opcode: .close, payload: payload, into: &frame)
        return frame
    }
}
