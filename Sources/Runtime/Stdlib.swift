import Foundation
import Lang

/// The standard library: Pivot files under stdlib/ loaded into every session
/// (reward sets today). Found as an interpreter finds its library (as Lua's
/// package.path): $PIVOT_STDLIB, then <prefix>/share/pivot/stdlib beside the
/// executable, then the nearest stdlib/ above the executable (a build tree).
extension Interpreter {
    /// The files loaded, in order.
    static let standardLibraryFiles = ["rewards.pv"]

    /// The stdlib directory, or nil when there is none.
    static func standardLibraryDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let marker = "/" + standardLibraryFiles[0]
        if let dir = environment["PIVOT_STDLIB"], FileManager.default.fileExists(atPath: dir + marker) { return dir }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        let installed = dir.deletingLastPathComponent().appendingPathComponent("share/pivot/stdlib").path
        if FileManager.default.fileExists(atPath: installed + marker) { return installed }
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("stdlib").path
            if FileManager.default.fileExists(atPath: candidate + marker) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }

    /// Loads the standard library; returns a warning to show, or nil.
    public func loadStandardLibrary() -> String? {
        guard let dir = Interpreter.standardLibraryDirectory() else {
            return "pivot: warning: the standard library (stdlib/rewards.pv) was not found; set PIVOT_STDLIB to its directory. naive_rewards and hardened_rewards are not defined.\n"
        }
        for file in Interpreter.standardLibraryFiles {
            let path = dir + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                return "pivot: warning: cannot read \(path)\n"
            }
            let result = run(SourceFile(name: path, text: text))
            if !result.succeeded {
                return "pivot: warning: the standard library failed to load:\n"
                    + result.diagnostics.map { $0.render() }.joined(separator: "\n") + "\n"
            }
        }
        return nil
    }
}
