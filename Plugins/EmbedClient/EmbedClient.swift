import PackagePlugin

/// Compiles Public/client.js, client.mjs and client.d.ts into the target as string constants,
/// so pushd serves the browser client whatever its --public folder holds. Public/ stays the one
/// source: the files are inputs of the build, so an edit rebuilds the constants.
@main
struct EmbedClient: BuildToolPlugin {
    static let files = ["client.js", "client.mjs", "client.d.ts", "client.d.mts"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Public")
        let inputs = Self.files.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedClientFiles.swift")
        return [.buildCommand(displayName: "Embedding the browser client from Public/",
                              executable: try context.tool(named: "embed-files").url,
                              arguments: [output.path()] + inputs.map { $0.path() },
                              inputFiles: inputs, outputFiles: [output])]
    }
}
