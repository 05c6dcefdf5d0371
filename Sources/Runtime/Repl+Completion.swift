import Foundation

/// What TAB offers. The line editor splits words at punctuation (see
/// `LineEditor.wordBreaks`); this decides from the text before the word what
/// kind of name is wanted.
extension Repl {
    /// Completions for the word that starts at scalar offset `wordStart` of
    /// `line` (the line up to the cursor).
    func complete(_ line: String, wordStart: Int) -> LineEditor.Completion {
        let scalars = Array(line.unicodeScalars)
        let start = max(0, min(wordStart, scalars.count))
        let before = String(String.UnicodeScalarView(scalars[..<start]))
        let word = String(String.UnicodeScalarView(scalars[start...]))

        // TAB where only blanks precede indents (pasted code keeps its shape).
        if line.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) {
            return LineEditor.Completion(replacements: [word + "    "])
        }
        let command = before.drop { $0 == " " || $0 == "\t" }
        if command.hasPrefix(":") {
            return completeCommand(command.dropFirst(), word: word)
        }
        return completeCode(before, word: word)
    }

    /// After ':': a command name, or the command's argument.
    private func completeCommand(_ text: Substring, word: String) -> LineEditor.Completion {
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            let names = Repl.commands.map(\.name).filter { $0.hasPrefix(word) }
            return LineEditor.Completion(replacements: names, appended: " ")
        }
        let name = String(text[..<space])
        let argument = text[space...].drop { $0 == " " || $0 == "\t" }
        switch Repl.command(named: name)?.name {
        case "help":
            if argument.hasPrefix(":") {
                return LineEditor.Completion(replacements: Repl.commands.map(\.name).filter { $0.hasPrefix(word) })
            }
            let names = vm.builtinSummaries.map(\.name) + Repl.keywords + Repl.commands.map(\.name)
            return LineEditor.Completion(replacements: names.filter { $0.hasPrefix(word) }.sorted())
        case "load", "save":
            return completePath(String(argument) + word, word: word)
        case "time":
            return completeCode(String(argument), word: word)
        default:
            return .none
        }
    }

    /// In code: a field after `name.`, else a keyword or a global.
    private func completeCode(_ before: String, word: String) -> LineEditor.Completion {
        if Repl.endsInsideStringOrComment(before) { return .none }
        if let first = word.unicodeScalars.first, ("0"..."9").contains(first) { return .none }
        if before.hasSuffix(".") {
            return LineEditor.Completion(replacements: fieldNames(before: before.dropLast()).filter { $0.hasPrefix(word) })
        }
        let names = (Repl.keywords + vm.globalNames).filter { $0.hasPrefix(word) }.sorted()
        var completion = LineEditor.Completion(replacements: names)
        if names.count == 1 { completion.appended = suffix(after: names[0]) }
        return completion
    }

    /// What to type after a completed name: a space after most keywords,
    /// `(` after a function, nothing after other values.
    private func suffix(after name: String) -> Character? {
        if Repl.keywords.contains(name) {
            return ["nil", "true", "false", "break", "continue"].contains(name) ? nil : " "
        }
        switch vm.global(name) {
        case .function?, .builtin?: return "("
        case .object(let object)? where object is CallableObject: return "("
        default: return nil
        }
    }

    /// Fields of the record, or members of the object, that the plain
    /// variable ending `text` holds. Nothing is evaluated: `a.b.` and
    /// `f(x).` offer nothing, since computing them could run code.
    private func fieldNames(before text: Substring) -> [String] {
        let name = text.reversed().prefix { $0 == "_" || $0.isLetter || $0.isNumber }.reversed()
        guard let first = name.first, !first.isNumber else { return [] }
        let rest = text.dropLast(name.count)
        if rest.hasSuffix(".") { return [] }
        switch vm.global(String(name)) {
        case .record(let record)?: return Array(record.fields.keys)
        case .object(let object)?: return object.memberNames
        default: return []
        }
    }

    /// Whether `text` ends inside a string literal or a comment, where names
    /// are not code. Interpolations `\(...)` count as string.
    static func endsInsideStringOrComment(_ text: String) -> Bool {
        var inString = false
        var escaped = false
        for scalar in text.unicodeScalars {
            if inString {
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
            } else if scalar == "\"" {
                inString = true
            } else if scalar == "#" {
                return true
            }
        }
        return inString
    }

    /// File names for `:load` and `:save`. The editor's word is the part of
    /// the path after its last punctuation; candidates are whole names from
    /// that point on.
    private func completePath(_ path: String, word: String) -> LineEditor.Completion {
        let slash = path.lastIndex(of: "/")
        let directoryPart = slash.map { String(path[...$0]) } ?? ""
        let namePrefix = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let directory = directoryPart.isEmpty ? "." : Repl.expandingTilde(directoryPart)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return .none }
        // The path typed so far, minus the editor's word.
        let typedBeforeWord = path.count - word.count
        var candidates: [String] = []
        for name in names.sorted() where name.hasPrefix(namePrefix) {
            if name.hasPrefix(".") && !namePrefix.hasPrefix(".") { continue }
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
            let full = directoryPart + name + (isDirectory.boolValue ? "/" : "")
            candidates.append(String(full.dropFirst(typedBeforeWord)))
        }
        return LineEditor.Completion(replacements: candidates)
    }
}
