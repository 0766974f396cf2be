/// Session ids in logs. An id is the session's bearer credential (whoever has it can read
/// and write the session), and logs travel further than the server, so they show only the
/// first characters: enough to follow one session through a log.
extension SessionID {
    /// Characters of an id a log shows.
    package static let loggedPrefixLength = 4

    /// "q3Lx…" for "q3Lx6Q.7hB0…".
    package static func redacted(_ sid: some StringProtocol) -> String {
        sid.count <= loggedPrefixLength ? "…" : String(sid.prefix(loggedPrefixLength)) + "…"
    }

    /// A request target with the value of each `sid` query parameter redacted.
    package static func redactingQuery(_ target: String) -> String {
        guard let mark = target.firstIndex(of: "?"), target.contains("sid=") else { return target }
        let parameters = target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            parameter.hasPrefix("sid=") ? "sid=" + redacted(parameter.dropFirst(4)) : String(parameter)
        }
        return String(target[...mark]) + parameters.joined(separator: "&")
    }
}
