import Foundation
import XCTest

/// Runs Tests/fixtures/exact_oracle.py once over a batch of cases. The
/// oracle is Python's int and fractions.Fraction: independent of the code
/// under test. Tests skip (with the reason) when python3 is not installed.
public enum PythonOracle {
    public static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/exact_oracle.py")

    /// python3 on PATH, or nil.
    public static var python: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes `lines` to a temporary file, runs `exact_oracle.py MODE FILE`
    /// and returns its output lines (one per input line).
    public static func run(_ mode: String, _ lines: [String]) throws -> [String] {
        guard let python else { throw XCTSkip("python3 is not on PATH; the exact-number oracle needs it") }
        let input = FileManager.default.temporaryDirectory
            .appendingPathComponent("pivot-oracle-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).txt")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, mode, input.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: the output can be larger than a pipe's buffer.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self)
            if message.contains("No module named") { throw XCTSkip("python3 lacks a module: \(message)") }
            throw OracleFailure(message: "exact_oracle.py exited \(process.terminationStatus): \(message)")
        }
        let result = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
        guard result.count == lines.count else {
            throw OracleFailure(message: "exact_oracle.py gave \(result.count) results for \(lines.count) cases")
        }
        return result
    }

    public struct OracleFailure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
