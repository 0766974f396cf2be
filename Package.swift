// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pushd",
    products: [
        .library(name: "PushCore", targets: ["PushCore"]),
        .library(name: "Transports", targets: ["Transports"]),
        .executable(name: "pushd", targets: ["pushd"]),
    ],
    targets: [
        // Linux system calls that Swift's Glibc module does not export (epoll, eventfd, accept4).
        .target(name: "CPushSys"),
        // I/O-free protocol code: bytes in, bytes out.
        .target(name: "PushCore"),
        // Everything that touches a socket.
        .target(name: "Transports", dependencies: ["PushCore", "CPushSys"], plugins: ["EmbedClient"]),
        // Public/client.js, client.mjs and client.d.ts compiled into Transports, so pushd
        // serves them whatever its --public folder holds (the files in Public/ stay the source).
        .plugin(name: "EmbedClient", capability: .buildTool(), dependencies: ["embed-files"]),
        .executableTarget(name: "embed-files"),
        .executableTarget(name: "pushd", dependencies: ["PushCore", "Transports"]),
        // A small complete app on the Swift API, kept compiling with the package.
        .executableTarget(name: "chat-example", dependencies: ["PushCore", "Transports"], path: "Examples/ChatServer"),
        // Opens thousands of sessions over any transport and measures pushd and its peers.
        .executableTarget(name: "pushd-load", dependencies: ["PushCore", "Transports"], path: "Benchmarks/LoadGenerator"),
        // Helpers shared by the test targets (deterministic randomness, in-memory links).
        .target(name: "TestSupport", dependencies: ["PushCore"], path: "Tests/TestSupport"),
        .testTarget(name: "PushCoreTests", dependencies: ["PushCore", "TestSupport"]),
        .testTarget(name: "TransportsTests", dependencies: ["Transports", "PushCore", "TestSupport"]),
    ]
)
