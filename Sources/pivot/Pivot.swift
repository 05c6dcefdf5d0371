import ArgumentParser
import Foundation
import Runtime

/// The `pivot` command: REPL, `run FILE`, `-e CODE`, `replay`, `export`.
@main
struct Pivot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivot",
        abstract: "A workbench for teaching language models linear algebra with reinforcement learning.",
        usage: """
          pivot                       start the REPL
          pivot -e CODE               evaluate CODE, print the last value
          pivot run FILE.pv           run a script or notebook
          pivot replay FILE.pv        re-run a notebook: --check compares, --update rewrites
          pivot export FILE.pv --html write a notebook as a report (or --md)
          pivot builtins [NAME]       list the builtins, or describe one
          """,
        discussion: """
        With no arguments, starts the REPL (type :help there).
        Exit codes: 0 ok, 1 a notebook's outputs differ (replay --check), 64 usage,
        65 syntax or resolve error, 70 runtime error.
        """,
        version: pivotVersion,
        subcommands: [RunCommand.self, ReplayCommand.self, ExportCommand.self, BuiltinsCommand.self],
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

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a notebook's cells; check or update their recorded outputs.",
        discussion: """
        A notebook is a .pv file whose cells start with '# %%'; a cell's
        recorded output follows its code as '# => ' lines (docs/notebooks.md).
        Each cell runs as if typed into the REPL: its output is what it prints,
        then the value of a final bare expression.

        Without --check or --update: prints the notebook with fresh outputs.

        --check: compares each cell's output with the recorded one. Text,
        integers and rationals must be equal; floats (with '.' or an exponent,
        nan, inf) may differ by |a - b| <= atol + rtol * max(|a|, |b|), since
        BLAS may sum in another order on another machine. Prints a diff per
        differing cell; exits 1 if any differs. '# %% [nocheck]' cells run but
        are not compared; '# %% [error]' cells are expected to fail.

        --update: writes the fresh outputs into the file (atomically) and the
        plots into NAME.plots/, only if every cell ran as expected.

        A cell that fails without being marked [error] stops the replay:
        exit 65 (syntax error) or 70 (runtime error).
        """)

    @Argument(help: ArgumentHelp("The notebooks to replay.", valueName: "file"))
    var files: [String]

    @Flag(help: "Compare every cell's output with the recorded one; exit 1 if any differs.")
    var check = false

    @Flag(help: "Write the fresh outputs into the file.")
    var update = false

    @Option(help: ArgumentHelp("Relative tolerance for floats (default: the notebook's '# pivot: rtol', else 1e-6).", valueName: "x"))
    var rtol: Double?

    @Option(help: ArgumentHelp("Absolute tolerance for floats (default: the notebook's '# pivot: atol', else 1e-12).", valueName: "x"))
    var atol: Double?

    @Flag(help: "With --check: skip notebooks marked '# pivot: skip-check REASON' (as CI does), saying why.")
    var skipMarked = false

    func validate() throws {
        if check && update { throw ValidationError("--check and --update exclude each other") }
        if files.isEmpty { throw ValidationError("name a notebook to replay") }
        for (name, value) in [("rtol", rtol), ("atol", atol)] {
            if let value, !(value.isFinite && value >= 0) {
                throw ValidationError("--\(name) must be a number >= 0")
            }
        }
        if skipMarked && !check { throw ValidationError("--skip-marked goes with --check") }
    }

    mutating func run() throws {
        let mode: ReplayMode = check ? .check : update ? .update : .show
        let options = ReplayOptions(mode: mode, rtol: rtol, atol: atol, skipMarked: skipMarked)
        throw ExitCode(Driver.replay(files, options: options))
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a notebook as a report: code, recorded outputs and plots.",
        discussion: """
        Runs nothing: the report shows the outputs the notebook records
        (run 'pivot replay FILE --update' first to refresh them).
        --html: one self-contained page (plots embedded, no external resources).
        --md: Markdown, with image links to the plot files.
        """)

    @Argument(help: "The notebook.")
    var file: String

    @Flag(help: "Write HTML.")
    var html = false

    @Flag(name: .customLong("md"), help: "Write Markdown.")
    var markdown = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write ('-' for standard output; default: FILE with .html or .md).", valueName: "out"))
    var output: String?

    func validate() throws {
        if html == markdown { throw ValidationError("choose one of --html and --md") }
    }

    mutating func run() throws {
        throw ExitCode(Driver.export(file, format: html ? .html : .markdown, to: output))
    }
}
