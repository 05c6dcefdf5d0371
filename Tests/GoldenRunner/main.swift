// pivot-golden: runs the golden tests, Pivot programs whose comments say what
// running them must print (after Crafting Interpreters' tool/bin/test.dart).
//
//     pivot-golden [--pivot PATH] [--filter SUBSTR] [--verbose] [--jobs N]
//                  [--timeout SECONDS] DIR_OR_FILE...
//
// Every *.pv file under each DIR (and each FILE given) is run as
// `PIVOT run FILE`, in parallel, and checked against its `# expect...`
// comments (see Expectations.swift). Failures are printed in file order; the
// last line is always "N passed, M failed", and the exit code is 1 if any
// test failed (or none were found), 64 for a usage error.
import Foundation

let usage = """
    usage: pivot-golden [--pivot PATH] [--filter SUBSTR] [--verbose] [--jobs N]
                        [--timeout SECONDS] DIR_OR_FILE...
    """

struct Options {
    var pivot: String?
    var filters: [String] = []
    var verbose = false
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    var timeout = 60.0
    var roots: [String] = []
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pivot-golden: \(message)\n\(usage)\n".utf8))
    exit(64)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var rest = arguments[...]
    /// The value of `--name VALUE` or `--name=VALUE`.
    func value(of flag: String, _ inline: String?) -> String {
        if let inline { return inline }
        guard let next = rest.popFirst() else { fail("\(flag) needs a value") }
        return next
    }
    while let argument = rest.popFirst() {
        let pieces = argument.split(separator: "=", maxSplits: 1).map(String.init)
        let flag = pieces[0]
        let inline = argument.hasPrefix("--") && pieces.count == 2 ? pieces[1] : nil
        switch flag {
        case "--pivot": options.pivot = value(of: flag, inline)
        case "--filter": options.filters.append(value(of: flag, inline))
        case "--verbose", "-v": options.verbose = true
        case "--jobs", "-j":
            guard let jobs = Int(value(of: flag, inline)), jobs > 0 else { fail("--jobs needs a positive integer") }
            options.jobs = jobs
        case "--timeout":
            guard let timeout = Double(value(of: flag, inline)), timeout > 0 else { fail("--timeout needs a positive number") }
            options.timeout = timeout
        case "--help", "-h":
            say(usage)
            exit(0)
        case "--":
            options.roots += rest
            rest = []
        default:
            if argument.hasPrefix("-") { fail("unknown option '\(argument)'") }
            options.roots.append(argument)
        }
    }
    if options.roots.isEmpty { fail("no test directories or files given") }
    return options
}

/// The pivot binary: --pivot, else the `pivot` built next to this runner
/// (both land in .build/debug), else `pivot` on PATH.
func locatePivot(_ explicit: String?) -> String {
    let fileManager = FileManager.default
    if let explicit {
        guard fileManager.isExecutableFile(atPath: explicit) else { fail("no executable pivot at '\(explicit)'") }
        return explicit
    }
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let sibling = runner.deletingLastPathComponent().appendingPathComponent("pivot").path
    if fileManager.isExecutableFile(atPath: sibling) { return sibling }
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in searchPath.split(separator: ":") {
        let candidate = "\(directory)/pivot"
        if fileManager.isExecutableFile(atPath: candidate) { return candidate }
    }
    fail("cannot find the pivot binary; build it (swift build) or pass --pivot PATH")
}

/// Every test file under the roots, as paths that start with the root as
/// given (so they match the FILE that pivot prints in errors), sorted.
func findTests(_ roots: [String], filters: [String]) -> [String] {
    let fileManager = FileManager.default
    var found: [String] = []
    for root in roots {
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: root, isDirectory: &isDirectory) else {
            fail("no such file or directory: '\(root)'")
        }
        guard isDirectory.boolValue else {
            found.append(root)  // A file named on the command line runs whatever its extension.
            continue
        }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard let walker = fileManager.enumerator(atPath: root) else { fail("cannot list '\(root)'") }
        for case let relative as String in walker where relative.hasSuffix(".pv") {
            found.append(prefix + relative)
        }
    }
    let selected = found.filter { path in filters.isEmpty || filters.contains { path.contains($0) } }
    // Deduplicate (a file and its directory may both be given) and sort.
    return Array(Set(selected)).sorted()
}

/// Runs one test file and judges it.
func runTest(_ path: String, pivot: String, options: Options) -> Verdict {
    let expectations: Expectations
    do {
        expectations = Expectations(source: try String(contentsOfFile: path, encoding: .utf8))
    } catch {
        var broken = Expectations()
        broken.problems.append("cannot read the file: \(error.localizedDescription)")
        expectations = broken
    }
    if !expectations.problems.isEmpty {
        // A malformed test is reported as such, without running it.
        let outcome = RunOutcome(ending: .exited(expectations.exitCode), stdout: "", stderr: "", seconds: 0)
        return Verdict(path: path, expectations: expectations, outcome: outcome, verbose: false)
    }
    let outcome = runSubprocess(pivot, ["run", path], timeout: options.timeout)
    return Verdict(path: path, expectations: expectations, outcome: outcome, verbose: options.verbose)
}

/// Hands out test indices to the workers, each once.
final class TestQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int

    init(count: Int) { self.count = count }

    /// The index of the next test nobody has taken yet, or nil when all are taken.
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}

/// Prints verdicts in file order as they come in from parallel workers.
final class Reporter: @unchecked Sendable {
    private let lock = NSLock()
    private var verdicts: [Verdict?]
    private var nextToPrint = 0
    private let verbose: Bool
    private(set) var passed = 0
    private(set) var failed = 0

    init(count: Int, verbose: Bool) {
        self.verdicts = Array(repeating: nil, count: count)
        self.verbose = verbose
    }

    func record(_ verdict: Verdict, at index: Int) {
        lock.lock()
        defer { lock.unlock() }
        verdicts[index] = verdict
        while nextToPrint < verdicts.count, let ready = verdicts[nextToPrint] {
            show(ready)
            verdicts[nextToPrint] = nil  // Output can be large; keep only counts.
            nextToPrint += 1
        }
    }

    private func show(_ verdict: Verdict) {
        if verdict.passed {
            passed += 1
            if verbose { say("PASS \(verdict.path) (\(String(format: "%.2f", verdict.outcome.seconds)) s)") }
        } else {
            failed += 1
            say((["FAIL \(verdict.path)"] + verdict.report.map { "     \($0)" }).joined(separator: "\n"))
        }
    }
}

/// Writes a line to stdout at once (no buffering to interleave or lose).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func runAll() -> Int32 {
    let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
    let pivot = locatePivot(options.pivot)
    let tests = findTests(options.roots, filters: options.filters)
    let workerCount = min(options.jobs, max(tests.count, 1))
    if options.verbose { say("pivot-golden: \(tests.count) tests, \(workerCount) jobs, pivot at \(pivot)") }

    let queue = TestQueue(count: tests.count)
    let reporter = Reporter(count: tests.count, verbose: options.verbose)
    let workers = DispatchGroup()
    for _ in 0..<workerCount {
        workers.enter()
        Thread {
            while let index = queue.take() {
                reporter.record(runTest(tests[index], pivot: pivot, options: options), at: index)
            }
            workers.leave()
        }.start()
    }
    workers.wait()

    if tests.isEmpty {
        FileHandle.standardError.write(Data("pivot-golden: no tests found in \(options.roots.joined(separator: " "))\n".utf8))
    }
    say("\(reporter.passed) passed, \(reporter.failed) failed")
    return reporter.failed == 0 && !tests.isEmpty ? 0 : 1
}

exit(runAll())
