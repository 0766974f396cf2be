/// JSON as hooks carry it: binary arguments travel as `{"$binary":"<base64>"}` both ways, the
/// same convention as the server API.
package enum HookJSON {
    /// `value` with every binary attachment replaced by `{"$binary":"<base64>"}`.
    package static func wrapBinary(_ value: JSONValue) -> JSONValue {
        switch value {
        case .binary(let bytes):
            return .object([JSONMember("$binary", .string(Base64.encode(bytes)))])
        case .array(let items):
            return .array(items.map(wrapBinary))
        case .object(let members):
            return .object(members.map { JSONMember($0.key, wrapBinary($0.value)) })
        default:
            return value
        }
    }

    /// Parses an answer body into its members; refuses anything but a JSON object.
    static func object(_ body: [UInt8], maxDepth: Int) -> Result<[JSONMember], HookAnswerError> {
        guard let value = try? JSONParser.parse(body, maxDepth: maxDepth) else { return .failure(.notJSON) }
        guard case .object(let members) = value else { return .failure(.notAnObject) }
        return .success(members)
    }

    /// The last member named `key`, absent when missing or null.
    static func field(_ members: [JSONMember], _ key: String) -> JSONValue? {
        guard let value = members.last(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    static func strings(_ members: [JSONMember], _ key: String) -> Result<[String], HookAnswerError> {
        guard let value = field(members, key) else { return .success([]) }
        guard case .array(let items) = value else { return .failure(.invalidField(key, expected: "an array of strings")) }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else { return .failure(.invalidField(key, expected: "an array of strings")) }
            result.append(text)
        }
        return .success(result)
    }
}
