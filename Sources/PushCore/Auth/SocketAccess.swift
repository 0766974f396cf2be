/// What a verified connection token grants one socket: who it is, which rooms it may join
/// by name, and until when.
package final class SocketAccess: @unchecked Sendable {
    /// The token's `sub`.
    package let user: String?
    /// The token's `allow` patterns: rooms the client may join where a room rule says "token".
    package var allow: [GlobPattern]
    /// Epoch seconds after which the socket is disconnected (the token's `exp` plus leeway).
    package var expiresAt: Int64?
    /// Fires at `expiresAt`; replaced by a refresh, cancelled when the socket leaves.
    package var expiryTimer: SocketTimer?

    package init(user: String?, allow: [GlobPattern], expiresAt: Int64?) {
        self.user = user
        self.allow = allow
        self.expiresAt = expiresAt
    }
}
