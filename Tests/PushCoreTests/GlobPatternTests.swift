@testable import PushCore
import TestSupport
import XCTest

final class GlobPatternTests: XCTestCase {
    private func assertMatches(_ pattern: String, _ names: [String], file: StaticString = #filePath, line: UInt = #line) {
        let glob = GlobPattern(pattern)
        for name in names { XCTAssertTrue(glob.matches(name), "\(pattern) should match \(name)", file: file, line: line) }
    }

    private func assertRejects(_ pattern: String, _ names: [String], file: StaticString = #filePath, line: UInt = #line) {
        let glob = GlobPattern(pattern)
        for name in names { XCTAssertFalse(glob.matches(name), "\(pattern) should not match \(name)", file: file, line: line) }
    }

    func testLiteralPatterns() {
        assertMatches("chat", ["chat"])
        assertRejects("chat", ["chats", "cha", "Chat", "", "xchat"])
        assertMatches("", [""])
        assertRejects("", ["a"])
        XCTAssertTrue(GlobPattern("room:1").isLiteral)
        XCTAssertFalse(GlobPattern("room:*").isLiteral)
    }

    func testStarMatchesAnyRunIncludingEmpty() {
        assertMatches("*", ["", "a", "anything at all", "*"])
        assertMatches("room:*", ["room:", "room:1", "room:1:2"])
        assertRejects("room:*", ["room", "aroom:1", "Room:1"])
        assertMatches("*:admin", [":admin", "team:admin", "a:b:admin"])
        assertRejects("*:admin", ["team:admins", "team:admi"])
        assertMatches("a*b*c", ["abc", "aXbYc", "abbc", "abcbc", "a*b*c"])
        assertRejects("a*b*c", ["ab", "acb", "abcd", "xabc"])
        assertMatches("a**b", ["ab", "a-b"])
        assertMatches("**", ["", "x"])
    }

    func testHeadAndTailMayNotOverlap() {
        assertRejects("a*a", ["a"])
        assertMatches("a*a", ["aa", "aba"])
        assertRejects("ab*ba", ["aba", "ab"])
        assertMatches("ab*ba", ["abba", "abXba"])
        assertRejects("x*abc*abc", ["xabc", "xabcbc"])
        assertMatches("x*abc*abc", ["xabcabc", "x-abc-abc"])
    }

    func testOtherMetacharactersAreLiteral() {
        assertMatches("a?c", ["a?c"])
        assertRejects("a?c", ["abc", "ac"])
        assertMatches("[ab]", ["[ab]"])
        assertRejects("[ab]", ["a", "b"])
        assertMatches("a\\*", ["a\\", "a\\xyz"])
        assertRejects("a\\*", ["a*", "a"])
        assertMatches(".+", [".+"])
        assertRejects(".+", ["ab"])
    }

    func testUnicodeNamesCompareByBytes() {
        assertMatches("café:*", ["café:1"])
        assertMatches("*é", ["café"])
        assertRejects("café", ["cafe\u{301}"])
        assertMatches("*🎉*", ["party 🎉 time"])
    }

    func testEqualityIsByText() {
        XCTAssertEqual(GlobPattern("a*"), GlobPattern("a*"))
        XCTAssertNotEqual(GlobPattern("a*"), GlobPattern("a**"))
        XCTAssertEqual(Set([GlobPattern("x"), GlobPattern("x"), GlobPattern("y")]).count, 2)
        XCTAssertEqual(GlobPattern("room:*").description, "room:*")
    }

    /// Compared with a plain dynamic-programming matcher on many small random cases.
    func testAgreesWithReferenceMatcher() {
        func reference(_ pattern: [UInt8], _ name: [UInt8]) -> Bool {
            // match[i][j]: pattern[..<i] matches name[..<j].
            var match = [[Bool]](repeating: [Bool](repeating: false, count: name.count + 1), count: pattern.count + 1)
            match[0][0] = true
            for i in 1...max(pattern.count, 1) where i <= pattern.count {
                for j in 0...name.count {
                    if pattern[i - 1] == UInt8(ascii: "*") {
                        match[i][j] = match[i - 1][j] || (j > 0 && match[i][j - 1])
                    } else {
                        match[i][j] = j > 0 && match[i - 1][j - 1] && pattern[i - 1] == name[j - 1]
                    }
                }
            }
            return match[pattern.count][name.count]
        }
        var random = SeededRandom(seed: 42)
        let patternAlphabet = Array("ab*".utf8), nameAlphabet = Array("ab".utf8)
        for _ in 0..<20_000 {
            let pattern = (0..<Int.random(in: 0...8, using: &random)).map { _ in patternAlphabet.randomElement(using: &random)! }
            let name = (0..<Int.random(in: 0...10, using: &random)).map { _ in nameAlphabet.randomElement(using: &random)! }
            let glob = GlobPattern(String(decoding: pattern, as: UTF8.self))
            let got = name.withUnsafeBytes { glob.matches($0) }
            XCTAssertEqual(got, reference(pattern, name),
                           "\(String(decoding: pattern, as: UTF8.self)) vs \(String(decoding: name, as: UTF8.self))")
        }
    }

    /// `*a*a*a...*b` against a long run of `a` makes a backtracking matcher take exponential
    /// time; this one scans the name once.
    func testPathologicalPatternsFinishFast() {
        let clock = ContinuousClock()
        let name = String(repeating: "a", count: 200_000)
        // Trailing stars keep the failure in the middle pieces rather than a quick tail check.
        let starry = GlobPattern(String(repeating: "*a", count: 40) + "*b*")
        let starryTail = GlobPattern(String(repeating: "*a", count: 40) + "*b")
        let overlapping = GlobPattern("*" + String(repeating: "a", count: 500) + "b*")
        let manyStars = GlobPattern(String(repeating: "a*", count: 2_000) + "b*")
        let elapsed = clock.measure {
            XCTAssertFalse(starry.matches(name))
            XCTAssertFalse(starryTail.matches(name))
            XCTAssertFalse(overlapping.matches(name))
            XCTAssertFalse(manyStars.matches(name))
            XCTAssertTrue(GlobPattern(String(repeating: "*a", count: 40) + "*").matches(name))
            XCTAssertTrue(starry.matches(name + "b"))
            XCTAssertTrue(overlapping.matches(name + "b"))
        }
        XCTAssertLessThan(elapsed, .milliseconds(500), "took \(elapsed)")
    }
}
