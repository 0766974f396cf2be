import Synchronization

/// The map from session id to session, shared by every event loop.
///
/// Sharded so loops rarely contend: each shard is a dictionary behind its own `Mutex`, chosen
/// by the id's last eight bytes. Ids end in CSPRNG output, so eight bytes spread
/// evenly and the hash stays cheap; the end is used because tagged ids share their prefix.
/// Keys hash the same bytes (`SessionKey`), and a lookup may borrow the id's bytes from the
/// request instead of making a String of them.
///
/// The shards hold `AnyObject`, not `Session`: their code is then compiled here for one
/// concrete type, where a generic shard made every insert and removal look up the metadata of
/// its dictionary at run time. Only `insert` stores, so each entry is a `Session`.
package final class SessionRegistry<Session: AnyObject & Sendable>: Sendable {
    private typealias Shard = SessionRegistryShard

    private let shards: [Shard]
    private let shardMask: Int
    /// Entries in all shards, kept beside them: every new session is checked against the
    /// session limit, and summing the shards took each shard's lock.
    private let entries = Atomic<Int>(0)

    /// A registry with `shardCount` shards (rounded up to a power of two, at least 1).
    package init(shardCount: Int = 16) {
        var count = 1
        while count < shardCount && count < 1 << 16 { count <<= 1 }
        shards = (0..<count).map { _ in Shard() }
        shardMask = count - 1
    }

    /// The number of shards.
    package var shardCount: Int { shards.count }

    /// The shards themselves, for tests of where they lie in memory.
    package var shardObjects: [AnyObject] { shards }

    /// Stores `session` under `sid` unless that id is taken; returns whether it was stored.
    /// An existing entry is never replaced, so a repeated id cannot take over a live session.
    @discardableResult
    package func insert(_ session: Session, for sid: String) -> Bool {
        let key = SessionKey(sid)
        return withShard(for: key) { $0.sessions.withLock { sessions in
            // One search: the defaulting accessor stores `session` only where the id is free.
            let before = sessions.count
            Self.touch(&sessions[key, default: session])
            guard sessions.count > before else { return false }
            entries.add(1, ordering: .relaxed)
            return true
        } }
    }

    /// The session stored under `sid`, if any.
    package func lookup(_ sid: String) -> Session? {
        lookup(SessionKey(sid))
    }

    /// The session a request's `sid` names, if any, looked up by the id's bytes in the query:
    /// no String is made of them.
    package func lookup(sidOf query: EngineQuery) -> Session? {
        guard let entry = query.withSIDBytes({ entry(for: SessionKey(borrowing: $0)) }) ?? nil else { return nil }
        return Self.session(entry)
    }

    private func lookup(_ key: SessionKey) -> Session? {
        // Not `Optional.map`: it was called unspecialized, through a closure.
        guard let entry = entry(for: key) else { return nil }
        return Self.session(entry)
    }

    private func entry(for key: SessionKey) -> AnyObject? {
        withShard(for: key) { $0.sessions.withLock { $0[key] } }
    }

    /// Removes and returns the session stored under `sid`, if any.
    @discardableResult
    package func remove(_ sid: String) -> Session? {
        // Not `Optional.map`: called unspecialized, it looked up `Session?`'s metadata each time.
        guard let removed = removeEntry(SessionKey(sid), if: { _ in true }) else { return nil }
        return Self.session(removed)
    }

    /// Removes the entry for `sid` only if it is `session` itself; returns whether it did.
    /// Lets a closing session unregister without racing a later owner of the same id.
    @discardableResult
    package func remove(_ sid: String, ifIdenticalTo session: Session) -> Bool {
        removeEntry(SessionKey(sid), if: { $0 === session }) != nil
    }

    private func removeEntry(_ key: SessionKey, if matches: (AnyObject) -> Bool) -> AnyObject? {
        withShard(for: key) { $0.sessions.withLock { sessions in
            guard let index = sessions.index(forKey: key), matches(sessions.values[index]) else { return nil }
            let removed = sessions.remove(at: index).value
            entries.subtract(1, ordering: .relaxed)
            // A dictionary never shrinks by itself: after a crowd leaves, give its table back.
            if sessions.isEmpty && sessions.capacity > 256 { sessions = [:] }
            return removed
        } }
    }

    /// The number of sessions: every insert and removal that has returned is counted.
    package var count: Int { entries.load(ordering: .relaxed) }

    /// Entries the shards' tables have room for, all together (tests: storage is given back).
    package var storageCapacity: Int {
        shards.reduce(0) { sum, shard in sum + shard.sessions.withLock { $0.capacity } }
    }

    /// Calls `body` for every session. Each shard is copied under its lock (copy-on-write makes
    /// that O(1)) and visited outside it, so `body` may use the registry.
    package func forEach(_ body: (String, Session) throws -> Void) rethrows {
        for shard in shards {
            let snapshot = shard.sessions.withLock { $0 }
            for (key, session) in snapshot { try body(key.id, Self.session(session)) }
        }
    }

    /// Removes every session and returns them (for shutdown).
    package func removeAll() -> [Session] {
        var removed: [Session] = []
        for shard in shards {
            let sessions = shard.sessions.withLock { sessions in
                defer { sessions = [:] }
                entries.subtract(sessions.count, ordering: .relaxed)
                return sessions
            }
            removed.append(contentsOf: sessions.values.lazy.map(Self.session))
        }
        return removed
    }

    /// The shard index for `sid`: its last eight UTF-8 bytes and length (`SessionKey.lastWord`),
    /// mixed by a multiply so that every bit of them reaches the bits kept.
    package func shardIndex(for sid: String) -> Int {
        shardIndex(for: SessionKey(sid))
    }

    private func shardIndex(for key: SessionKey) -> Int {
        let word = key.lastWord
        let mixed = (word ^ word >> 31) &* 0xbf58_476d_1ce4_e5b9
        return Int(truncatingIfNeeded: mixed >> 40) & shardMask
    }

    /// Runs `body` with the shard of `key`, uncounted: every loop reaches the shards, and a
    /// count would be one more write to the line their lock already makes them share.
    private func withShard<T>(for key: SessionKey, _ body: (Shard) -> T) -> T {
        Unmanaged.passUnretained(shards[shardIndex(for: key)])._withUnsafeGuaranteedRef(body)
    }

    /// Accesses an entry for writing, which is what makes a defaulting subscript store.
    @inline(__always)
    private static func touch(_ entry: inout AnyObject) {}

    /// An entry as what `insert` stored.
    @inline(__always)
    private static func session(_ entry: AnyObject) -> Session {
        unsafeDowncast(entry, to: Session.self)
    }
}

/// One shard of a `SessionRegistry`; a class because `Mutex` cannot be copied into an array.
/// Padded: shards are made in a row, and without it two or three shared a cache line, so
/// loops locking different shards still took the line from each other.
private final class SessionRegistryShard: Sendable {
    let sessions = Mutex<[SessionKey: AnyObject]>([:])
    private let pad = CacheLinePad()
}
