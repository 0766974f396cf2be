import CPushSys
import Glibc

/// Random words for the ids a loop makes, from the kernel's CSPRNG (getrandom(2)) 512 bytes at
/// a time: one system call per 21 session ids rather than three per id. Loop-confined; each
/// word is handed out once and cleared.
struct LoopRandom: RandomNumberGenerator {
    private var words = [UInt64](repeating: 0, count: 64)
    private var index = 64

    mutating func next() -> UInt64 {
        if index == words.count { refill() }
        defer {
            words[index] = 0
            index &+= 1
        }
        return words[index]
    }

    private mutating func refill() {
        words.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                let count = cpushsys_getrandom(raw.baseAddress! + filled, raw.count - filled)
                if count > 0 {
                    filled += count
                } else if cpushsys_errno() != EINTR {
                    // No getrandom (a very old kernel): the standard library's source, a word at a time.
                    var system = SystemRandomNumberGenerator()
                    while filled + 8 <= raw.count {
                        raw.storeBytes(of: system.next(), toByteOffset: filled, as: UInt64.self)
                        filled += 8
                    }
                }
            }
        }
        index = 0
    }
}
