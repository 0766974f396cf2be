/// Builds frames the way a client sends them, with knobs for breaking the rules.
public enum WSClientFrame {
    /// How the payload length is written.
    public enum LengthForm { case minimal, sixteenBit, sixtyFourBit }

    public static let defaultMask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    /// One frame. `opcode` is raw so reserved values can be sent; `mask` nil sends unmasked.
    public static func frame(
        opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
        mask: [UInt8]? = defaultMask, lengthForm: LengthForm = .minimal
    ) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x07) << 4 | (opcode & 0x0F)]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        let count = payload.count
        var form = lengthForm
        if form == .minimal { form = count < 126 ? .minimal : (count <= 0xFFFF ? .sixteenBit : .sixtyFourBit) }
        switch form {
        case .minimal:
            out.append(maskBit | UInt8(count))
        case .sixteenBit:
            out.append(maskBit | 126)
            out.append(UInt8(count >> 8))
            out.append(UInt8(count & 0xFF))
        case .sixtyFourBit:
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(count) >> UInt64(shift)) & 0xFF)) }
        }
        if let mask {
            out.append(contentsOf: mask)
            for (index, byte) in payload.enumerated() { out.append(byte ^ mask[index % 4]) }
        } else {
            out.append(contentsOf: payload)
        }
        return out
    }

    public static func text(_ string: String, fin: Bool = true, mask: [UInt8]? = defaultMask) -> [UInt8] {
        frame(opcode: 1, payload: Array(string.utf8), fin: fin, mask: mask)
    }

    public static func binary(_ bytes: [UInt8], fin: Bool = true) -> [UInt8] {
        frame(opcode: 2, payload: bytes, fin: fin)
    }

    public static func continuation(_ bytes: [UInt8], fin: Bool) -> [UInt8] {
        frame(opcode: 0, payload: bytes, fin: fin)
    }

    public static func ping(_ bytes: [UInt8] = []) -> [UInt8] { frame(opcode: 9, payload: bytes) }
    public static func pong(_ bytes: [UInt8] = []) -> [UInt8] { frame(opcode: 10, payload: bytes) }

    public static func close(code: UInt16? = nil, reason: [UInt8] = []) -> [UInt8] {
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + reason }
        return frame(opcode: 8, payload: payload)
    }

    /// A frame header announcing `length` with the 64-bit form and nothing after the mask key.
    public static func header64(opcode: UInt8, length: UInt64, fin: Bool = true) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode, 0x80 | 127]
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((length >> UInt64(shift)) & 0xFF)) }
        return out + defaultMask
    }

    /// Deterministic filler bytes.
    public static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251) } }
}

/// SplitMix64: a small deterministic PRNG so random tests replay exactly (frames, timers).
