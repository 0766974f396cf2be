import XCTest
@testable import PushCore

/// Inputs the fuzz targets in Fuzz/ found breaking an invariant, replayed as exact bytes.
final class FuzzRegressionTests: XCTestCase {
    private func safePath(_ bytes: [UInt8]) -> Result<String, StaticPathError> {
        StaticPath.relative(String(decoding: bytes, as: UTF8.self))
    }

    // query-path: a dot followed by a combining mark (U+0300-U+036F) is one Character, so
    // Character-based checks (`hasPrefix(".")`, `contains("/")`, `contains("\\")`, and
    // `split(separator: "/")`) miss the dot or slash. The checks must look at bytes.

    /// "/.\u{301}" (fuzzer, minimized; 2f 2e cc 81): a hidden segment was served.
    func testStaticPathHiddenSegmentBeforeCombiningMark() {
        XCTAssertEqual(safePath([0x2F, 0x2E, 0xCC, 0x81]), .failure(.notFound))
    }

    /// "/.%CC%81" (fuzzer; what an HTTP request line carries): the same hidden segment, percent-encoded.
    func testStaticPathEncodedHiddenSegmentBeforeCombiningMark() {
        XCTAssertEqual(safePath(Array("/.%CC%81".utf8)), .failure(.notFound))
        XCTAssertEqual(safePath(Array("/.%CC%81git/config".utf8)), .failure(.notFound))
    }

    /// "//\u{301}" (fuzzer, minimized; 2f 2f cc 81): the relative path came back as "/\u{301}",
    /// starting with "/" (the second slash and the mark are one Character, so split kept it).
    func testStaticPathSlashBeforeCombiningMark() {
        XCTAssertEqual(safePath([0x2F, 0x2F, 0xCC, 0x81]), .failure(.notFound))
    }

    /// "/0m0m//\u{301}" (fuzzer; 2f 30 6d 30 6d 2f 2f cc 81): an empty segment in the middle was
    /// accepted, giving "0m0m//\u{301}".
    func testStaticPathEmptySegmentBeforeCombiningMark() {
        XCTAssertEqual(safePath([0x2F, 0x30, 0x6D, 0x30, 0x6D, 0x2F, 0x2F, 0xCC, 0x81]), .failure(.notFound))
    }

    /// "/%2F%CC%81etc": an encoded slash followed by a combining mark passed the encoded-slash
    /// check, giving the relative path "/\u{301}etc".
    func testStaticPathEncodedSlashBeforeCombiningMark() {
        XCTAssertEqual(safePath(Array("/%2F%CC%81etc".utf8)), .failure(.badRequest))
        XCTAssertEqual(safePath(Array("/a/%2F%CC%81b".utf8)), .failure(.badRequest))
    }

    /// An encoded backslash followed by a combining mark passed the backslash check. The fuzzer's
    /// input had "%5c" then a raw U+0349 (cd 89); "/%5C%CC%81x" is the same over HTTP.
    func testStaticPathEncodedBackslashBeforeCombiningMark() {
        let found: [UInt8] = [0x2F, 0x24, 0xFF, 0xFF, 0xFF, 0xFF, 0x2B, 0x79, 0x26, 0x26, 0x25, 0x35, 0x63,
                              0xCD, 0x89, 0xD9, 0x6E, 0xD9, 0x6E, 0x61, 0x2B]
        XCTAssertEqual(safePath(found), .failure(.badRequest))
        XCTAssertEqual(safePath(Array("/%5C%CC%81x".utf8)), .failure(.badRequest))
    }
}
