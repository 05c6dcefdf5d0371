import Foundation
import Lang

/// The interactive loop. Placeholder-free minimal version: reads lines from
/// standard input; line editing arrives with the libedit front end.
final class Repl {
    let vm = Interpreter()

    func run() -> Int32 {
        var buffer = ""
        while let line = readLine(strippingNewline: false) {
            buffer += line
            let file = SourceFile(name: "<stdin>", text: buffer)
            let (program, errors) = Parser.parse(file)
            if let first = errors.first, first.atEndOfInput { continue }
            buffer = ""
            if !errors.isEmpty { Driver.report(errors); continue }
            let result = vm.run(program)
            if !result.succeeded { Driver.report(result.diagnostics); continue }
            if let v = result.value, !v.isNil { vm.output(v.display() + "\n") }
        }
        return Driver.exitOK
    }
}
