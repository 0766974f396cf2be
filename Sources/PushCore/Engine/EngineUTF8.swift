/// Well-formed UTF-8 checking (Unicode 15, table 3-7) for text received from clients: rejects
/// overlong forms, surrogates, code points above U+10FFFF and truncated sequences.
enum EngineUTF8 {
    /// Whether `bytes` is well-formed UTF-8. ASCII runs are checked eight bytes at a time.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            // Most traffic is ASCII (JSON): skip it a word at a time.
            while index &+ 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index &+= 8
            }
            guard index < count else { return true }
            let lead = bytes[index]
            if lead < 0x80 {
                index &+= 1
                continue
            }
            // The second byte's range depends on the lead byte; later ones are always 80...BF.
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            let trailing: Int
            switch lead {
            case 0xC2...0xDF: trailing = 1
            case 0xE0: trailing = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
            case 0xED: trailing = 2; high = 0x9F
            case 0xF0: trailing = 3; low = 0x90
            case 0xF1...0xF3: trailing = 3
            case 0xF4: trailing = 3; high = 0x8F
            default: return false
            }
            guard count &- index > trailing else { return false }
            let second = bytes[index &+ 1]
            guard second >= low && second <= high else { return false }
            var offset = 2
            while offset <= trailing {
                guard bytes[index &+ offset] & 0xC0 == 0x80 else { return false }
                offset &+= 1
            }
            index &+= trailing &+ 1
        }
        return true
    }
}
