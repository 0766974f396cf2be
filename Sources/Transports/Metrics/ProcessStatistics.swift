import Glibc
import PushCore

/// The standard process_* families, read from /proc and getrusage.
public enum ProcessStatistics {
    public static func families() -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let resident = residentBytes() {
            families.append(.single("process_resident_memory_bytes", "Resident memory size in bytes.", .gauge, Double(resident)))
        }
        if let fds = openFileDescriptors() {
            families.append(.single("process_open_fds", "Number of open file descriptors.", .gauge, Double(fds)))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            families.append(.single("process_max_fds", "Maximum number of open file descriptors.", .gauge, Double(limit.rlim_cur)))
        }
        families.append(.single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", .counter, cpuSeconds()))
        families.append(.single("pushd_heap_bytes", "Heap bytes in use (the allocator's count).", .gauge, Double(HeapStatistics.bytesInUse)))
        return families
    }

    /// Resident pages from /proc/self/statm times the page size.
    static func residentBytes() -> Int? {
        guard let text = readSmallFile("/proc/self/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Entries of /proc/self/fd, less the one the listing itself holds open.
    static func openFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count - 1
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
