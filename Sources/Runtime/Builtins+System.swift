import Foundation

extension Builtins {
    /// clock, time, assert, error.
    static func system() -> [Builtin] {
        [
            Builtin("clock", [],
                    help: """
                    Seconds on a monotonic clock, as a float; only differences between two calls mean anything.

                      let t = clock()
                      train(...)
                      print("took", clock() - t, "s")
                    """) { _ throws(Unwind) in
                .float(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
            },
            Builtin("time", [],
                    help: """
                    The current time as seconds since 1970-01-01 UTC (the Unix epoch), as a float.

                      time()   # 1735689600.123 (for example)
                    Use clock() to measure durations: time() can jump when the system clock is set.
                    """) { _ throws(Unwind) in
                .float(Date().timeIntervalSince1970)
            },
            Builtin("assert", [.required("condition"), .optional("message", .string("assertion failed"))],
                    help: """
                    Stops with a runtime error showing `message` when the condition is false.

                      assert(len(xs) > 0, "xs is empty")
                      assert(1 + 1 == 2)
                    The condition must be a bool.
                    """) { args throws(Unwind) in
                if try args.bool(0) { return .nil }
                throw fail(args[1].text)
            },
            Builtin("error", [.required("message")],
                    help: """
                    Stops with a runtime error showing `message` (a string, or any value as str shows it).

                      if n < 0 { error("n must not be negative, got " + str(n)) }
                    """) { args throws(Unwind) in
                throw fail(args[0].text)
            },
        ]
    }
}
