import Synchronization

/// The map from session id to session, shared by every event loop.
///
/// Sharded so loops rarely contend: each shard is a dictionary behind its own `Mutex`, chosen
/// by a hash of the id's last eight bytes. Ids end in CSPRNG output, so eight bytes spread
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

    /// Stores `session` under `sid` unless that id is taken; returns whether it was stored.
    /// An existing entry is never replaced, so a repeated id cannot take over a live session.
    @discardableResult
    package func insert(_ session: Session, for sid: String) -> Bool {
        let key = SessionKey(sid)
        return shard(for: key).sessions.withLock { sessions in
            if sessions[key] != nil { return false }
            sessions[key] = session
            entries.add(1, ordering: .relaxed)
            return true
        }
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
        shard(for: key).sessions.withLock { $0[key] }
    }

    /// Removes and returns the session stored under `sid`, if any.
    @discardableResult
    package func remove(_ sid: String) -> Session? {
        let key = SessionKey(sid)
        return shard(for: key).sessions.withLock { sessions in
            let removed = sessions.removeValue(forKey: key)
            if removed != nil { entries.subtract(1, ordering: .relaxed) }
            // A dictionary never shrinks by itself: after a crowd leaves, give its table back.
            if sessions.isEmpty && sessions.capacity > 256 { sessions = [:] }
            return removed.map(Self.session)
        }
    }

    /// Removes the entry for `sid` only if it is `session` itself; returns whether it did.
    /// Lets a closing session unregister without racing a later owner of the same id.
    @discardableResult
    package func remove(_ sid: String, ifIdenticalTo session: Session) -> Bool {
        let key = SessionKey(sid)
        return shard(for: key).sessions.withLock { sessions in
            guard let current = sessions[key], current === session else { return false }
            sessions.removeValue(forKey: key)
            entries.subtract(1, ordering: .relaxed)
            return true
        }
    }

    /// The number of sessions: every insert and removal that has returned is counted.
    package var count: Int { entries.load(ordering: .relaxed) }

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

    /// The shard index for `sid`: FNV-1a over its last eight UTF-8 bytes.
    package func shardIndex(for sid: String) -> Int {
        shardIndex(for: SessionKey(sid))
    }

    private func shardIndex(for key: SessionKey) -> Int {
        let hashed = key.withBytes { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes.suffix(8) {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            return hash
        }
        return Int(truncatingIfNeeded: hashed ^ (hashed >> 32)) & shardMask
    }

    private func shard(for key: SessionKey) -> Shard {
        shards[shardIndex(for: key)]
    }

    /// An entry as what `insert` stored.
    @inline(__always)
    private static func session(_ entry: AnyObject) -> Session {
        unsafeDowncast(entry, to: Session.self)
    }
}

/// One shard of a `SessionRegistry`; a class because `Mutex` cannot be copied into an array.
private final class SessionRegistryShard: Sendable {
    let sessions = Mutex<[SessionKey: AnyObject]>([:])
}
