import Glibc

/// Latencies in microseconds, log-linear buckets (under 1% error), O(1) to record.
struct Histogram {
    private static let subBits = 7
    private static let subCount = 1 << subBits
    private var buckets = [Int](repeating: 0, count: 2 * subCount + 48 * subCount)
    private(set) var count = 0
    private(set) var maximum: Int64 = 0

    @inline(__always)
    private static func bucket(_ value: Int64) -> Int {
        let v = UInt64(max(0, value))
        if v < UInt64(2 * subCount) { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount            // >= subBits + 1
        let shift = exponent - subBits
        let sub = Int(v >> UInt64(shift)) - subCount          // 0..<subCount
        return 2 * subCount + (shift - 1) * subCount + sub
    }

    private static func lowerBound(_ bucket: Int) -> Int64 {
        if bucket < 2 * subCount { return Int64(bucket) }
        let shift = (bucket - 2 * subCount) / subCount + 1
        let sub = (bucket - 2 * subCount) % subCount + subCount
        return Int64(sub) << Int64(shift)
    }

    @inline(__always)
    mutating func record(_ value: Int64) {
        let index = Self.bucket(value)
        if index < buckets.count { buckets[index] += 1 } else { buckets[buckets.count - 1] += 1 }
        count += 1
        if value > maximum { maximum = value }
    }

    /// The value at quantile `q` (0...1); 0 when empty.
    func quantile(_ q: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (index, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return min(Self.lowerBound(index), maximum) }
        }
        return maximum
    }

    /// `{"p50":…,"p90":…,"p99":…,"p999":…,"max":…}`
    var json: String {
        "{\"p50\":\(quantile(0.5)),\"p90\":\(quantile(0.9)),\"p99\":\(quantile(0.99)),\"p999\":\(quantile(0.999)),\"max\":\(maximum)}"
    }
}

/// CPU time and memory of this process and of the server under test.
enum ProcessStats {
    /// User + system CPU seconds of this process.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU seconds of a process: `user` is its own code, `system` the kernel working for it
    /// (system calls, and the loopback's packet processing they trigger).
    struct CPUTime {
        var user: Double
        var system: Double
        var total: Double { user + system }
    }

    /// utime and stime of `pid` in seconds, from /proc/<pid>/stat.
    static func cpuTime(pid: Int32) -> CPUTime? {
        guard let text = readFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14, stime 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return CPUTime(user: user / ticks, system: system / ticks)
    }

    /// Busy CPU seconds of the whole machine (all cores), from /proc/stat.
    static func machineBusySeconds() -> Double? {
        guard let text = readFile("/proc/stat"), let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS of `pid` in KiB.
    static func residentKiB(pid: Int32) -> Int? {
        guard let text = readFile("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Raises the open-file limit to the hard limit; returns the new soft limit.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return limit.rlim_cur > 1 << 40 ? 1 << 20 : Int(limit.rlim_cur)
    }
}
