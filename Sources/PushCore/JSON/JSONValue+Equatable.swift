/// Deep equality, as a deep-equal in JavaScript sees it: objects are unordered sets of keys
/// (compared by their UTF-8 bytes), arrays are ordered, numbers compare as Doubles (so
/// `0 == -0` and NaN equals nothing), `.binary` compares bytes.
extension JSONValue: Equatable {
    /// True when both values are deeply equal (see the extension's note).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.binary(a), .binary(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return membersEqual(a, b)
        default: return false
        }
    }

    /// Compares the objects JavaScript would build: a repeated key counts once, with its last value.
    private static func membersEqual(_ lhs: [JSONMember], _ rhs: [JSONMember]) -> Bool {
        // Same keys in the same order is the common case and needs no lookup.
        if lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy({ JSONKey.equal($0.key, $1.key) && $0.value == $1.value }) {
            return true
        }
        if lhs.count < 16 && rhs.count < 16 {
            func last(_ key: String, in members: [JSONMember]) -> JSONValue? {
                members.last { JSONKey.equal($0.key, key) }?.value
            }
            return lhs.allSatisfy { last($0.key, in: rhs) == last($0.key, in: lhs) }
                && rhs.allSatisfy { last($0.key, in: lhs) != nil }
        }
        let left = effectiveMembers(lhs), right = effectiveMembers(rhs)
        guard left.count == right.count else { return false }
        return left.allSatisfy { key, value in right[key] == value }
    }

    private static func effectiveMembers(_ members: [JSONMember]) -> [JSONKey: JSONValue] {
        var result: [JSONKey: JSONValue] = [:]
        result.reserveCapacity(members.count)
        for member in members { result[JSONKey(member.key)] = member.value }
        return result
    }
}
