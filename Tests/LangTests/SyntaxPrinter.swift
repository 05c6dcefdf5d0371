@testable import Lang

/// Prints syntax trees as S-expressions, so parser tests can state the shape
/// they expect in one readable line: `-2^2` is `(neg (^ 2 2))`.
///
/// Literals print as written (`0x1F` as `0x1F`), floats with an `f` prefix
/// (`f1.5`), strings quoted, names bare.
enum SyntaxPrinter {
    static func print(_ expr: Expr) -> String {
        switch expr.kind {
        case .nilLiteral: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let digits, let radix):
            switch radix {
            case 16: return "0x" + digits
            case 2: return "0b" + digits
            default: return digits
            }
        case .float(let d): return "f\(d)"
        case .string(let s): return quote(s)
        case .interpolated(let pieces):
            let inner = pieces.map { piece -> String in
                switch piece {
                case .text(let s): return quote(s)
                case .expr(let e): return print(e)
                }
            }
            return "(str " + inner.joined(separator: " ") + ")"
        case .name(let n): return n
        case .list(let items): return list("list", items.map(print))
        case .matrix(let rows):
            return list("matrix", rows.map { list("row", $0.map(print)) })
        case .record(let fields):
            return list("record", fields.map { "(\($0.name) \(print($0.value)))" })
        case .unary(let op, let operand):
            let name: String
            switch op {
            case .negate: name = "neg"
            case .plus: name = "pos"
            case .not: name = "not"
            }
            return "(\(name) \(print(operand)))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(print(l)) \(print(r)))"
        case .logical(let op, let l, let r): return "(\(op.rawValue) \(print(l)) \(print(r)))"
        case .range(let lo, let hi, let inclusive):
            return "(\(inclusive ? ".." : "..<") \(print(lo)) \(print(hi)))"
        case .call(let callee, let arguments):
            let args = arguments.map { a in a.label.map { "(\($0): \(print(a.value)))" } ?? print(a.value) }
            return list("call", [print(callee)] + args)
        case .index(let target, let subscripts):
            let subs = subscripts.map { s -> String in
                switch s {
                case .index(let e): return print(e)
                case .slice(let lo, let hi, _):
                    return "(slice \(lo.map(print) ?? "_") \(hi.map(print) ?? "_"))"
                }
            }
            return list("index", [print(target)] + subs)
        case .field(let target, let name): return "(. \(print(target)) \(name))"
        case .function(let decl): return function(decl)
        case .ifElse(let condition, let then, let elseBranch):
            var parts = ["if", print(condition), block(then)]
            if let e = elseBranch { parts.append(print(e)) }
            return "(" + parts.joined(separator: " ") + ")"
        case .block(let b): return block(b)
        }
    }

    static func print(_ stmt: Stmt) -> String {
        switch stmt.kind {
        case .expr(let e, let silent): return print(e) + (silent ? ";" : "")
        case .declare(let name, let mutable, let value, _):
            return "(\(mutable ? "var" : "let") \(name) \(print(value)))"
        case .function(let decl): return function(decl)
        case .assign(let target, let op, let value):
            return "(\(op.map { $0.rawValue } ?? "")= \(print(target)) \(print(value)))"
        case .whileLoop(let condition, let body): return "(while \(print(condition)) \(block(body)))"
        case .forLoop(let variable, _, let iterable, let body):
            return "(for \(variable) \(print(iterable)) \(block(body)))"
        case .breakLoop: return "(break)"
        case .continueLoop: return "(continue)"
        case .returnValue(let e): return e.map { "(return \(print($0)))" } ?? "(return)"
        }
    }

    static func print(_ program: Program) -> String {
        program.statements.map(print).joined(separator: "\n")
    }

    static func function(_ decl: FunctionDecl) -> String {
        let params = decl.parameters.map { p in p.defaultValue.map { "\(p.name)=\(print($0))" } ?? p.name }
        return "(fn\(decl.name.map { " " + $0 } ?? "") (\(params.joined(separator: " "))) \(block(decl.body)))"
    }

    static func block(_ b: Block) -> String {
        list("block", b.statements.map(print))
    }

    static func list(_ head: String, _ items: [String]) -> String {
        items.isEmpty ? "(\(head))" : "(\(head) \(items.joined(separator: " ")))"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// Helpers shared by the parser tests.
enum Parse {
    static func file(_ text: String, name: String = "t.pv", firstLine: Int = 1) -> SourceFile {
        SourceFile(name: name, text: text, firstLine: firstLine)
    }

    /// The program as S-expressions, one statement a line; `nil` when it
    /// has errors (they are printed by the failing assertion).
    static func tree(_ text: String) -> String {
        let (program, diagnostics) = Parser.parse(file(text))
        if !diagnostics.isEmpty {
            return "ERRORS: " + diagnostics.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "?") \($0.message)" }
                .joined(separator: "; ")
        }
        return SyntaxPrinter.print(program)
    }

    /// The diagnostics of a program that must not parse.
    static func errors(_ text: String, name: String = "t.pv") -> [Diagnostic] {
        Parser.parse(file(text, name: name)).1
    }

    /// The first expression statement of a program.
    static func firstExpr(_ text: String) -> Expr? {
        let (program, diagnostics) = Parser.parse(file(text))
        guard diagnostics.isEmpty, let first = program.statements.first,
              case .expr(let e, _) = first.kind else { return nil }
        return e
    }
}
