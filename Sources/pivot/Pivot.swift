import ArgumentParser
import Foundation
import Runtime

/// The `pivot` command: REPL, `run FILE`, `-e CODE`, `replay`.
@main
struct Pivot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivot",
        abstract: "A workbench for teaching language models linear algebra with reinforcement learning.",
        usage: """
          pivot                       start the REPL
          pivot -e CODE               evaluate CODE, print the last value
          pivot run FILE.pv           run a script or notebook
          pivot builtins [NAME]       list the builtins, or describe one
          """,
        discussion: """
        With no arguments, starts the REPL (type :help there).
        Exit codes: 0 ok, 64 usage, 65 syntax or resolve error, 70 runtime error.
        """,
        version: pivotVersion,
        subcommands: [RunCommand.self, BuiltinsCommand.self],
        defaultSubcommand: nil)

    // Unconditional: code may start with '-' (`pivot -e '-2^2'`).
    @Option(name: [.customShort("e"), .customLong("eval")], parsing: .unconditional,
            help: ArgumentHelp("Evaluate CODE (several lines allowed) and print the value of the last expression.",
                               valueName: "code"))
    var code: String?

    mutating func run() throws {
        if let code {
            throw ExitCode(Driver.evaluate(code))
        }
        throw ExitCode(Driver.repl())
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script or notebook (.pv).")

    @Argument(help: "The file to run ('-' for standard input).")
    var file: String

    mutating func run() throws {
        throw ExitCode(Driver.runFile(file))
    }
}

struct BuiltinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builtins",
        abstract: "List the builtins, or show one's help (as :help NAME does in the REPL).")

    @Argument(help: "A builtin to describe.")
    var name: String?

    @Flag(help: "Print the whole reference as Markdown (docs/builtins.md).")
    var markdown = false

    mutating func run() throws {
        throw ExitCode(Driver.builtins(name, markdown: markdown))
    }
}
