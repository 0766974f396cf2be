import PushCore
import Glibc

/// Serves the files of one folder (the demo page and client.js). client.js, client.mjs and
/// client.d.ts come from the binary when the folder lacks them (a file in the folder wins).
///
/// Files are read once and kept per loop as shared chunks, rechecked with stat at most once a
/// second. A request can name only regular files inside the folder: `..`, `.`, encoded slashes,
/// NUL bytes and symlinks that resolve outside all end in 400 or 404.
/// Sendable: immutable but for the per-loop caches, each bound to its loop (`LoopBoundBox`).
public final class StaticFileEndpoint: HTTPEndpoint, Sendable {
    private let root: String
    /// Indexed by loop; each read and changed only on its loop.
    private let caches: [LoopBoundBox<LoopCache>]
    private let maxCheckedPaths = 1024
    /// Files larger than this are not served (the folder holds a web page, not downloads).
    private let maxFileBytes = 32 << 20

    /// What one loop keeps.
    struct LoopCache {
        var files: [String: CachedFile] = [:]
        /// Request paths already checked, with the relative path each names: the check is a
        /// pure function of the path and cost a fifth of a request. Emptied when full.
        var checkedPaths: [String: String] = [:]
    }

    struct CachedFile {
        let body: ByteChunk
        let contentType: String
        let etag: String
        let lastModified: String
        let modifiedSeconds: Int
        let device: UInt64
        let inode: UInt64
        let size: Int
        let modifiedNanos: Int
        var checkedAt: Int64
        /// The whole 200 response (head and body) for keep-alive HTTP/1.1 GETs, rebuilt when
        /// the Date second changes: the common request costs one shared write.
        var prepared: ByteChunk?
        var preparedSecond = -1
    }

    /// - Parameters:
    ///   - root: the folder; resolved to its real path once.
    ///   - loops: the loops requests arrive on (each keeps its own cache).
    public init(root: String, loops: [EventLoop]) {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if realpath(root, &resolved) != nil {
            self.root = String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            self.root = root
        }
        caches = loops.map { loop in loop.makeLocal { LoopBoundBox(takingOwnershipOf: LoopCache(), loop: loop) } }
    }

    /// Bodies are read (and ignored) only so other methods get a clean 405.
    public func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.method == .get || head.method == .head ? 0 : 64 << 10
    }

    public func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter) {
        let head = request.head
        guard head.method == .get || head.method == .head else {
            response.respond(status: 405, headers: [("Allow", "GET, HEAD")], body: Array("Method Not Allowed\n".utf8))
            return
        }
        let cache = caches[response.loop.index]
        let relative: String
        if let known = cache.value.checkedPaths[head.path] {
            relative = known
        } else {
            switch StaticPath.relative(head.path) {
            case .success(let path):
                relative = path
                if cache.value.checkedPaths.count >= maxCheckedPaths { cache.value.checkedPaths.removeAll() }
                cache.value.checkedPaths[head.path] = path
            case .failure(let error):
                let status = error.status
                response.respond(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                 body: Array((status == 400 ? "Bad Request\n" : "Not Found\n").utf8))
                return
            }
        }
        guard let file = lookup(relative, cache: cache) else {
            response.respond(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("Not Found\n".utf8))
            return
        }
        if notModified(head.headers, file) {
            response.respondWithoutBody(status: 304, headers: Self.validators(file), contentLength: nil)
            return
        }
        if head.method == .get && response.acceptsPreparedResponse {
            response.respondPrepared(prepared(relative, file, response: response, cache: cache))
            return
        }
        let headers = Self.headers(file)
        if head.method == .head {
            response.respondWithoutBody(status: 200, headers: headers, contentLength: file.size)
        } else {
            response.respond(status: 200, headers: headers, body: file.body)
        }
    }

    private static func validators(_ file: CachedFile) -> [(String, String)] {
        [("ETag", file.etag), ("Last-Modified", file.lastModified), ("Cache-Control", "no-cache")]
    }

    private static func headers(_ file: CachedFile) -> [(String, String)] {
        [("Content-Type", file.contentType)] + validators(file)
    }

    private func prepared(_ relative: String, _ file: CachedFile, response: HTTPResponseWriter,
                          cache: LoopBoundBox<LoopCache>) -> ByteChunk {
        let date = response.date
        if let ready = file.prepared, file.preparedSecond == date.second { return ready }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + file.size)
        HTTPResponse.writeHead(status: 200, headers: Self.headers(file) + [("Content-Length", String(file.size)), ("Date", date.text)],
                               into: &bytes)
        bytes.append(contentsOf: file.body.bytes)
        let chunk = ByteChunk.copying(bytes)
        var updated = file
        updated.prepared = chunk
        updated.preparedSecond = date.second
        cache.value.files[relative] = updated
        return chunk
    }

    /// RFC 9110 §13.1: If-None-Match wins over If-Modified-Since.
    private func notModified(_ headers: HTTPHeaders, _ file: CachedFile) -> Bool {
        if let match = headers["If-None-Match"] {
            if match.trimmingSpaces == "*" { return true }
            return match.split(separator: ",").contains { candidate in
                var tag = Substring(candidate.trimmingSpaces)
                if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
                return tag == file.etag
            }
        }
        if let since = headers["If-Modified-Since"], let seconds = HTTPDate.parse(since) {
            return file.modifiedSeconds <= seconds
        }
        return false
    }

    private func lookup(_ relative: String, cache: LoopBoundBox<LoopCache>) -> CachedFile? {
        let now = cache.loop.now
        if var cached = cache.value.files[relative] {
            if now - cached.checkedAt < 1000 { return cached }
            let path = root + "/" + relative
            var info = stat()
            if stat(path, &info) == 0, UInt64(info.st_ino) == cached.inode, UInt64(info.st_dev) == cached.device,
               Int(info.st_size) == cached.size, Self.nanos(info) == cached.modifiedNanos {
                cached.checkedAt = now
                cache.value.files[relative] = cached
                return cached
            }
            cache.value.files[relative] = nil
        }
        guard let loaded = load(relative, now: now) ?? Self.builtIn[relative].map({ file in
            var file = file
            file.checkedAt = now   // rechecked like a file, so one added to the folder takes over
            return file
        }) else { return nil }
        cache.value.files[relative] = loaded
        return loaded
    }

    /// The browser client compiled into the binary, dated when the process started.
    private static let builtIn: [String: CachedFile] = {
        let started = Int(WallClock.seconds())
        var files: [String: CachedFile] = [:]
        for file in EmbeddedClientFiles.files {
            let body = Array(file.text.utf8)
            files[file.name] = CachedFile(body: ByteChunk.copying(body), contentType: MimeTypes.forPath(file.name), etag: file.etag,
                                          lastModified: HTTPDate.format(epochSeconds: started), modifiedSeconds: started,
                                          device: 0, inode: 0, size: body.count, modifiedNanos: 0, checkedAt: 0)
        }
        return files
    }()

    private static func nanos(_ info: stat) -> Int {
        Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec)
    }

    private func load(_ relative: String, now: Int64) -> CachedFile? {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(root + "/" + relative, &resolved) != nil else { return nil }
        let real = String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // A symlink may point anywhere; only what resolves inside the root is served.
        guard real.hasPrefix(root + "/") else { return nil }
        let fd = open(real, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxFileBytes else { return nil }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
            if n <= 0 { return nil }
            filled += n
        }
        let modified = Int(info.st_mtim.tv_sec)
        let etag = "\"\(String(size, radix: 16))-\(String(Self.nanos(info), radix: 16))\""
        return CachedFile(body: ByteChunk.copying(bytes), contentType: MimeTypes.forPath(relative), etag: etag,
                          lastModified: HTTPDate.format(epochSeconds: modified), modifiedSeconds: modified,
                          device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: size,
                          modifiedNanos: Self.nanos(info), checkedAt: now)
    }
}
