import Foundation

/// `:help` and `:help NAME`.
extension Repl {
    static let keywords = [
        "let", "var", "fn", "if", "else", "while", "for", "in", "break", "continue",
        "return", "and", "or", "not", "nil", "true", "false",
    ]

    /// `:help` with no name: how the REPL behaves, the commands, the builtins.
    func overview() -> String {
        var out = """
        Pivot \(pivotVersion). Type code to run it, or a :command.

          An expression's value is printed, unless it is nil or the entry ends
          with ';'. `ans` holds the last value printed.
          An unfinished entry (open bracket or brace, trailing operator, open \"\"\"
          string) continues on the `   ...` prompt. One empty line is kept; two
          in a row end the entry and show what is missing. Ctrl-C drops it.
          Ctrl-C during a run stops it; everything defined before stays.
          TAB completes names, keywords, fields after `name.`, commands and file
          names. Up and Down recall earlier lines.
          Errors name entries <repl:N>:LINE:COL, N being the number :history shows.
          With input piped in there are no prompts; the exit code is 0 if nothing
          failed, else that of the last failure (65 syntax, 70 runtime, 64 command).

        """
        if let path = history?.path { out += "  History is kept in \(path).\n" }
        out += "\nCommands (a prefix will do, :h or :q, but not for :reset):\n"
        let usages = Repl.commands.map(\.usage)
        let usageWidth = usages.map(\.count).max() ?? 0
        for (command, usage) in zip(Repl.commands, usages) {
            out += "  " + usage.padding(toLength: usageWidth + 2, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        let builtins = vm.builtinSummaries
        if !builtins.isEmpty {
            out += "\nBuiltins (:help NAME for details):\n"
            let nameWidth = builtins.map(\.name.count).max() ?? 0
            for (name, summary) in builtins {
                out += "  " + name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0) + summary + "\n"
            }
        }
        out += "\nKeywords: " + Repl.keywords.joined(separator: " ") + "\n"
        return out
    }

    /// `:help [NAME]`
    func help(_ argument: String) {
        if argument.isEmpty { return emit(overview()) }
        if let text = helpText(for: argument) { return emit(text + "\n") }
        var message = "no help for '\(argument)'"
        let names = vm.builtinSummaries.map(\.name) + Repl.keywords + Repl.commands.map { ":" + $0.name }
        if let guess = Repl.suggestion(for: argument, in: names) { message += "; did you mean '\(guess)'?" }
        commandError(message)
    }

    /// Help on a builtin, a keyword, a command (`:load` or `load`) or a
    /// global of this session.
    func helpText(for name: String) -> String? {
        if name.hasPrefix(":") {
            return Repl.commands.first { $0.name == name.dropFirst() }.map(Repl.help(for:))
        }
        let command = Repl.commands.first { $0.name == name }
        if let text = vm.help(for: name) {
            return command == nil ? text : text + "\n(:help :\(name) for the command :\(name))"
        }
        if let text = Repl.keywordHelp[name] { return text }
        if let command { return Repl.help(for: command) }
        if let value = vm.global(name) {
            return "\(name) is \(article(value.typeName)) defined in this session: \(value.shortDisplay)"
        }
        return nil
    }

    static func help(for command: Command) -> String {
        let details = commandDetails[command.name].map { "\n\n" + $0 } ?? ""
        return command.usage + "\n\n" + command.summary.prefix(1).uppercased() + command.summary.dropFirst() + "." + details
    }

    static let commandDetails: [String: String] = [
        "help": "With a NAME: the signature and description of a builtin, or what a keyword or command does.",
        "quit": "Ctrl-D on an empty prompt does the same.",
        "load": "The file runs in this session, as if its text had been typed: what it defines stays.",
        "history": "Entry N is named <repl:N> in error messages. Up and Down recall lines of this and earlier sessions.",
        "time": "The wall-clock time of running EXPR, not of parsing it or printing its value.",
        "save": """
            Each entry that ran without error since the start or the last :reset becomes a cell:
            a `# %%` line, the code, then what it printed as `# => ` lines (plots are copied to
            NAME.plots/). The file runs with `pivot run FILE`; `pivot replay FILE --check` runs
            every cell again and compares. It is written beside FILE first, then renamed, so it
            is never left half-written.
            """,
        "reset": "Every definition is forgotten, and :save starts over from here.",
    ]

    static let keywordHelp: [String: String] = {
        let loops = """
            while COND { BODY }   for NAME in SEQUENCE { BODY }

            `break` leaves the innermost loop; `continue` goes on with its next round.
            """
        let logic = """
            A and B    A or B    not A

            Logical operators on bools. `and` and `or` evaluate B only when A does not decide.
            """
        let constants = """
            nil    true    false

            `nil` is the absence of a value (the REPL prints nothing for it); `true` and `false` are the bools.
            """
        let conditional = """
            if COND { ... } else if COND { ... } else { ... }

            Runs the block of the first true condition. An `if` is an expression: its value is that of the block that ran.
              let sign = if x < 0 { -1 } else { 1 }
            """
        return [
            "let": """
                let NAME = EXPR

                Declares a constant: NAME cannot be assigned again (see `var`).
                  let A = [2 1; 1 1]
                """,
            "var": """
                var NAME = EXPR

                Declares a variable, which `=`, `+=`, `-=`, `*=` and `/=` change.
                  var total = 0
                  total += 1
                """,
            "fn": """
                fn NAME(PARAMS) { BODY }    fn(PARAMS) => EXPR

                Defines a function. Parameters may have defaults, and calls may name arguments.
                A function gives the value of its last expression, or what `return` gives.
                  fn scale(x, by = 2) { x * by }
                  scale(3, by: 10)          # 30
                  let inc = fn(x) => x + 1
                """,
            "if": conditional, "else": conditional,
            "while": loops, "break": loops, "continue": loops,
            "for": """
                for NAME in SEQUENCE { BODY }

                Runs BODY once per element of a list, a range (`1..10` includes 10) or a string.
                  for i in 1..3 { print(i) }
                """,
            "in": "for NAME in SEQUENCE { BODY }\n\nSee `for`.",
            "return": """
                return [EXPR]

                Leaves the function, giving EXPR (or nil).
                """,
            "and": logic, "or": logic, "not": logic,
            "nil": constants, "true": constants, "false": constants,
        ]
    }()
}
