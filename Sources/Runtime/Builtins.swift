import Foundation

/// Every builtin, registered as an immutable global. Each group lives in its
/// own `Builtins+Group.swift` file and returns its functions here.
extension Interpreter {
    func registerBuiltins() {
        var all: [Builtin] = []
        all += Builtins.core()
        all += Builtins.math()
        all += Builtins.collections()
        all += Builtins.strings()
        all += Builtins.regex()
        all += Builtins.json()
        all += Builtins.random()
        all += Builtins.system()
        for builtin in all {
            defineGlobal(builtin.name, .builtin(builtin), builtin: true)
        }
        builtinList = all
    }

    /// The help text of a builtin, for `:help NAME`.
    public func help(for name: String) -> String? {
        guard case .builtin(let b)? = global(name) else { return nil }
        return b.signature + "\n\n" + b.help
    }

    /// One line per builtin: name and summary.
    public var builtinSummaries: [(name: String, summary: String)] {
        builtinList.map { ($0.name, $0.summary) }.sorted { $0.name < $1.name }
    }
}

/// Namespace for the builtin groups.
enum Builtins {}
