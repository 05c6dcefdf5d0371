import BigInt
import Engine

extension Builtins {
    /// map, filter, reduce, sort, reversed, append, concat, zip, enumerate,
    /// range, keys, values, items, has, contains, any, all, count, index_of,
    /// unique, flatten, list.
    ///
    /// Lists are values: every builtin here returns a new list and never
    /// changes its argument.
    static func collections() -> [Builtin] {
        [
            Builtin("map", [.required("xs"), .required("f")],
                    help: """
                    A new list of f(x) for each element x of a list, range or string.

                      map([1, 2, 3], fn(x) => x * x)   # [1, 4, 9]
                      map(1..3, str)                   # ["1", "2", "3"]
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let f = try args.callable(1)
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for item in items { out.append(try args.vm.call(f, [item])) }
                return .list(out)
            },
            Builtin("filter", [.required("xs"), .required("f")],
                    help: """
                    The elements x of a list, range or string for which f(x) is true, in order.

                    f must return a bool.
                      filter([1, 2, 3, 4], fn(x) => x % 2 == 0)   # [2, 4]
                      filter(["a", "", "b"], fn(s) => s != "")     # ["a", "b"]
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let f = try args.callable(1)
                var out: [Value] = []
                for (i, item) in items.enumerated() {
                    if try predicate(args, f, item, i) { out.append(item) }
                }
                return .list(out)
            },
            Builtin("reduce", [.required("xs"), .required("f"), .required("init")],
                    help: """
                    Folds a list from the left: f(...f(f(init, x0), x1)..., xn).

                      reduce([1, 2, 3], fn(acc, x) => acc + x, 0)    # 6
                      reduce(["a", "b"], fn(acc, s) => s + acc, "")  # "ba"
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let f = try args.callable(1)
                var acc = args[2]
                for item in items { acc = try args.vm.call(f, [acc, item]) }
                return acc
            },
            Builtin("sort", [.required("xs"), .optional("key"), .optional("reverse", .bool(false))],
                    help: """
                    A sorted copy of a list (stable); `key:` sorts by f(x), `reverse: true` from largest.

                    Numbers of every kind, strings and lists (element by element)
                    compare; mixing numbers with strings is an error, as is nan.
                    Equal elements keep their order, also with reverse: true.
                      sort([3, 1, 2])                          # [1, 2, 3]
                      sort(["bb", "a", "ccc"], key: len)       # ["a", "bb", "ccc"]
                      sort([1/2, 0.25, 1], reverse: true)      # [1, 1/2, 0.25]
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let reverse = try args.bool(2)
                var keys = items
                if !args.isNil(1) {
                    let f = try args.callable(1)
                    keys = []
                    keys.reserveCapacity(items.count)
                    for item in items { keys.append(try args.vm.call(f, [item])) }
                }
                do throws(Incomparable) {
                    let order = try stableOrder(keys, reverse: reverse)
                    return .list(order.map { items[$0] })
                } catch {
                    throw args.fail(error.message)
                }
            },
            Builtin("reversed", [.required("xs")],
                    help: """
                    A list (or range) with its elements in reverse order; a string with its characters reversed.

                      reversed([1, 2, 3])   # [3, 2, 1]
                      reversed("héllo")     # "olléh"
                    """) { args throws(Unwind) in
                try reversedValue(args)
            },
            Builtin("reverse", [.required("xs")],
                    help: """
                    The same as reversed(xs): a new reversed list or string (xs itself is unchanged).

                      reverse([1, 2, 3])   # [3, 2, 1]
                    """) { args throws(Unwind) in
                try reversedValue(args)
            },
            Builtin("append", [.required("xs"), .required("value")],
                    help: """
                    A new list: xs followed by value (xs itself is unchanged; `xs += [v]` changes a variable).

                      append([1, 2], 3)      # [1, 2, 3]
                      append([], [1])        # [[1]]
                    """) { args throws(Unwind) in
                var items = try args.list(0)
                items.append(args[1])
                return .list(items)
            },
            Builtin("concat", [.variadic("lists")],
                    help: """
                    One list made of the elements of each list (or range) in turn.

                      concat([1, 2], [3], [])   # [1, 2, 3]
                      concat(1..2, [9])         # [1, 2, 9]
                    """) { args throws(Unwind) in
                var out: [Value] = []
                for (i, part) in try args.list(0).enumerated() {
                    switch part {
                    case .list, .range:
                        out += try part.elements(limit: Interpreter.maxSequence) ?? []
                    default:
                        throw args.fail("argument \(i + 1) must be a list or range, got \(part.typeName)")
                    }
                    if out.count > Interpreter.maxSequence {
                        throw args.fail("result would have more than \(Interpreter.maxSequence) elements")
                    }
                }
                return .list(out)
            },
            Builtin("zip", [.variadic("lists")],
                    help: """
                    Pairs (triples, ...) of elements at the same position, as lists; stops at the shortest input.

                      zip([1, 2, 3], ["a", "b"])   # [[1, "a"], [2, "b"]]
                      zip("ab", 1..2)             # [["a", 1], ["b", 2]]
                    """) { args throws(Unwind) in
                var columns: [[Value]] = []
                for (i, part) in try args.list(0).enumerated() {
                    guard let items = try part.elements(limit: Interpreter.maxSequence) else {
                        throw args.fail("argument \(i + 1) must be a list, range or string, got \(part.typeName)")
                    }
                    columns.append(items)
                }
                guard let shortest = columns.map(\.count).min() else { return .list([]) }
                return .list((0..<shortest).map { i in .list(columns.map { $0[i] }) })
            },
            Builtin("enumerate", [.required("xs"), .optional("start", .int(0))],
                    help: """
                    Pairs [i, x] of each element with its position, counting from `start` (0).

                      enumerate(["a", "b"])             # [[0, "a"], [1, "b"]]
                      enumerate(["a", "b"], start: 1)   # [[1, "a"], [2, "b"]]
                      for p in enumerate(xs) { print(p[0], p[1]) }
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let start = try args.int(1)
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for (i, item) in items.enumerated() {
                    let (n, overflow) = start.addingReportingOverflow(i)
                    out.append(.list([overflow ? Value(BigInt(start) + BigInt(i)) : .int(n), item]))
                }
                return .list(out)
            },
            Builtin("range", [.required("a"), .optional("b"), .optional("step", .int(1))],
                    help: """
                    A list of integers as Python's range: range(stop), range(start, stop), range(start, stop, step).

                    `stop` is excluded (unlike the range value a..b, which includes b).
                      range(4)           # [0, 1, 2, 3]
                      range(2, 5)        # [2, 3, 4]
                      range(10, 0, -3)   # [10, 7, 4, 1]
                    """) { args throws(Unwind) in
                let start = args.isNil(1) ? 0 : try args.int(0)
                let stop = args.isNil(1) ? try args.int(0) : try args.int(1)
                let step = try args.int(2)
                guard step != 0 else { throw args.fail("step must not be zero") }
                let span = BigInt(stop) - BigInt(start)
                var count = BigInt(0)
                if step > 0 && span > 0 { count = (span + BigInt(step) - 1) / BigInt(step) }
                if step < 0 && span < 0 { count = (span + BigInt(step) + 1) / BigInt(step) }
                guard count <= BigInt(Interpreter.maxSequence), let n = Int(exactly: count) else {
                    throw args.fail("range has \(count) elements, more than \(Interpreter.maxSequence)")
                }
                var out: [Value] = []
                out.reserveCapacity(n)
                var x = start
                for _ in 0..<n {
                    out.append(.int(x))
                    x = x &+ step
                }
                return .list(out)
            },
            Builtin("keys", [.required("r")],
                    help: """
                    The field names of a record, in order, as a list of strings.

                      keys({a: 1, b: 2})   # ["a", "b"]
                    """) { args throws(Unwind) in
                .list(try args.record(0).fields.keys.map { .string($0) })
            },
            Builtin("values", [.required("r")],
                    help: """
                    The field values of a record, in order.

                      values({a: 1, b: 2})   # [1, 2]
                    """) { args throws(Unwind) in
                .list(Array(try args.record(0).fields.values))
            },
            Builtin("items", [.required("r")],
                    help: """
                    The fields of a record as [name, value] pairs, in order.

                      items({a: 1, b: 2})   # [["a", 1], ["b", 2]]
                      for kv in items(r) { print(kv[0], "=", kv[1]) }
                    """) { args throws(Unwind) in
                .list(try args.record(0).fields.map { .list([.string($0.key), $0.value]) })
            },
            Builtin("has", [.required("r"), .required("name")],
                    help: """
                    Whether a record (or object) has a field called `name`.

                      has({a: 1}, "a")   # true
                      has({a: 1}, "b")   # false
                    Use contains(xs, x) for elements of lists and strings.
                    """) { args throws(Unwind) in
                let name = try args.string(1)
                switch args[0] {
                case .record(let r): return .bool(r.fields[name] != nil)
                case .object(let o): return .bool(try o.member(name, vm: args.vm) != nil)
                default: throw args.mismatch(0, "a record")
                }
            },
            Builtin("contains", [.required("xs"), .required("x")],
                    help: """
                    Whether a list (or range) has an element equal to x, or a string contains the substring x.

                      contains([1, 2, 3], 2.0)      # true (2 == 2.0)
                      contains("reward", "war")     # true
                      contains(1..10, 11)           # false
                    For records use has(r, name).
                    """) { args throws(Unwind) in
                switch args[0] {
                case .string(let s):
                    guard case .string(let sub) = args[1] else { throw args.mismatch(1, "a string (to search a string)") }
                    return .bool(TextSearch.firstOffset(of: sub, in: s) != nil)
                case .list(let items):
                    let x = args[1]
                    return .bool(items.contains { Value.equal($0, x) })
                case .range(let lo, let hi):
                    switch args[1] {
                    case .int(let i): return .bool(lo <= i && i <= hi)
                    case .float(let d): return .bool(d == d.rounded() && Double(lo) <= d && d <= Double(hi))
                    default: return .bool(false)
                    }
                case .record:
                    throw args.fail("use has(r, name) to ask whether a record has a field")
                default:
                    throw args.mismatch(0, "a list, range or string")
                }
            },
            Builtin("any", [.required("xs"), .optional("f")],
                    help: """
                    Whether f(x) is true for some element (or, without f, some element is true); false when empty.

                      any([false, true])              # true
                      any([1, 5, 3], fn(x) => x > 4)  # true
                      any([])                         # false
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let f: Value? = args.isNil(1) ? nil : try args.callable(1)
                for (i, item) in items.enumerated() {
                    if try truth(args, f, item, i) { return .bool(true) }
                }
                return .bool(false)
            },
            Builtin("all", [.required("xs"), .optional("f")],
                    help: """
                    Whether f(x) is true for every element (or, without f, every element is true); true when empty.

                      all([true, true])               # true
                      all([1, 5, 3], fn(x) => x > 2)  # false
                      all([])                         # true
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let f: Value? = args.isNil(1) ? nil : try args.callable(1)
                for (i, item) in items.enumerated() {
                    if !(try truth(args, f, item, i)) { return .bool(false) }
                }
                return .bool(true)
            },
            Builtin("count", [.required("xs"), .required("x")],
                    help: """
                    How many elements equal x (or satisfy x, when x is a function); in a string, non-overlapping occurrences of x.

                      count([1, 2, 1], 1)                # 2
                      count([1, 5, 7], fn(n) => n > 4)   # 2
                      count("banana", "an")              # 2
                    """) { args throws(Unwind) in
                if case .string(let s) = args[0] {
                    guard case .string(let sub) = args[1] else { throw args.mismatch(1, "a string (to count in a string)") }
                    if sub.isEmpty { throw args.fail("cannot count an empty string") }
                    return .int(TextSearch.offsets(of: sub, in: s, limit: .max).count)
                }
                let items = try args.sequence(0)
                var n = 0
                switch args[1] {
                case .function, .builtin:
                    for (i, item) in items.enumerated() {
                        if try predicate(args, args[1], item, i) { n += 1 }
                    }
                default:
                    let x = args[1]
                    for item in items where Value.equal(item, x) { n += 1 }
                }
                return .int(n)
            },
            Builtin("index_of", [.required("xs"), .required("x")],
                    help: """
                    The position of the first element equal to x, or -1 when there is none.

                      index_of(["a", "b", "c"], "b")   # 1
                      index_of([1, 2], 5)              # -1
                    For substrings use find(s, sub).
                    """) { args throws(Unwind) in
                if case .string = args[0] { throw args.fail("use find(s, sub) to search a string") }
                let items = try args.sequence(0)
                let x = args[1]
                return .int(items.firstIndex { Value.equal($0, x) } ?? -1)
            },
            Builtin("unique", [.required("xs")],
                    help: """
                    The elements without repeats, each kept where it first appears (equal by ==, so 1 and 1.0 are one).

                      unique([3, 1, 3, 2, 1])   # [3, 1, 2]
                      unique("banana")          # ["b", "a", "n"]
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                var seen = Set<HashableValue>()
                seen.reserveCapacity(items.count)
                var out: [Value] = []
                for item in items where seen.insert(HashableValue(item)).inserted { out.append(item) }
                return .list(out)
            },
            Builtin("flatten", [.required("xs")],
                    help: """
                    Splices one level of nested lists: elements that are lists are replaced by their elements.

                      flatten([[1, 2], [3], 4])   # [1, 2, 3, 4]
                      flatten([[1, [2]]])         # [1, [2]]
                    """) { args throws(Unwind) in
                var out: [Value] = []
                for item in try args.list(0) {
                    if case .list(let inner) = item { out += inner } else { out.append(item) }
                }
                return .list(out)
            },
            Builtin("list", [.required("x")],
                    help: """
                    The elements of a list, range or string (its characters) as a list; a matrix gives its rows as lists.

                      list(1..4)      # [1, 2, 3, 4]
                      list(0..<3)     # [0, 1, 2]
                      list("héj")     # ["h", "é", "j"]
                      list([1 2; 3 4])  # [[1, 2], [3, 4]]
                    """) { args throws(Unwind) in
                if case .matrix(let m) = args[0] { return MatrixValues.toList(m) }
                if case .record = args[0] {
                    throw args.fail("a record is not a sequence; use keys(r), values(r) or items(r)")
                }
                return .list(try args.sequence(0))
            },
        ]
    }

    // MARK: - Helpers

    /// f(item) as a bool, with an error naming the element when it is not one.
    static func predicate(_ args: Arguments, _ f: Value, _ item: Value, _ index: Int) throws(Unwind) -> Bool {
        let result = try args.vm.call(f, [item])
        guard case .bool(let b) = result else {
            throw args.fail("function must return a bool, got \(result.typeName) for element \(index) (\(item.shortDisplay))")
        }
        return b
    }

    /// any/all: the element itself (which must be a bool) or f(element).
    static func truth(_ args: Arguments, _ f: Value?, _ item: Value, _ index: Int) throws(Unwind) -> Bool {
        if let f { return try predicate(args, f, item, index) }
        guard case .bool(let b) = item else {
            throw args.fail("element \(index) is \(article(item.typeName)), not a bool; pass a function to test each element")
        }
        return b
    }

    static func reversedValue(_ args: Arguments) throws(Unwind) -> Value {
        switch args[0] {
        case .string(let s): return .string(String(s.reversed()))
        case .list(let items): return .list(items.reversed())
        case .range: return .list(try args.sequence(0).reversed())
        default: throw args.mismatch(0, "a list, range or string")
        }
    }
}

// MARK: - Ordering

/// Why two values have no order; `message` is the end of the error text.
struct Incomparable: Error {
    let message: String

    static func between(_ a: Value, _ b: Value) -> Incomparable {
        Incomparable(message: "cannot compare \(a.typeName) with \(b.typeName)")
    }
}

/// Orders two values as `<` does: numbers of every kind, strings, lists
/// element by element. Returns -1, 0 or 1.
func order(_ a: Value, _ b: Value) throws(Incomparable) -> Int {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
    case (.float(let x), .float(let y)):
        if x.isNaN || y.isNaN { throw Incomparable(message: "cannot order nan") }
        return x < y ? -1 : (x > y ? 1 : 0)
    case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
    case (.list(let x), .list(let y)):
        for (u, v) in zip(x, y) {
            let c = try order(u, v)
            if c != 0 { return c }
        }
        return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
    default: break
    }
    guard let x = Arithmetic.number(a), let y = Arithmetic.number(b) else { throw .between(a, b) }
    switch (x, y) {
    case (.exact(let p), .exact(let q)): return p < q ? -1 : (q < p ? 1 : 0)
    default:
        guard let u = Arithmetic.double(a), let v = Arithmetic.double(b) else { throw .between(a, b) }
        if u.isNaN || v.isNaN { throw Incomparable(message: "cannot order nan") }
        return u < v ? -1 : (u > v ? 1 : 0)
    }
}

/// The permutation that sorts `keys` stably (ascending, or descending with
/// equal keys still in their original order).
///
/// Sorting 10^6 values with a throwing comparator would be slow and awkward,
/// so keys are first classified: all-Int, all-number-as-Double, all-String
/// and all-exact keys sort with specialised non-throwing comparators;
/// anything else is checked for comparability up front and then sorted
/// generally, the first comparison error (inside lists) ending the sort.
/// Ties break on the original position, which makes any sort stable.
func stableOrder(_ keys: [Value], reverse: Bool) throws(Incomparable) -> [Int] {
    let n = keys.count
    if n < 2 {
        if n == 1, case .float(let d) = keys[0], d.isNaN { throw Incomparable(message: "cannot order nan") }
        return Array(0..<n)
    }

    var ints: [Int] = []
    ints.reserveCapacity(n)
    for key in keys {
        guard case .int(let i) = key else { break }
        ints.append(i)
    }
    if ints.count == n { return sortedPositions(ints, reverse: reverse, less: <) }

    var doubles: [Double] = []
    var strings: [String] = []
    var allDoubles = true, allStrings = true
    for key in keys {
        switch key {
        case .float(let d):
            if d.isNaN { throw Incomparable(message: "cannot order nan") }
            if allDoubles { doubles.append(d) }
            allStrings = false
        case .int(let i) where i.magnitude <= 1 << 53:
            if allDoubles { doubles.append(Double(i)) }
            allStrings = false
        case .string(let s):
            if allStrings { strings.append(s) }
            allDoubles = false
        default:
            allDoubles = false
            allStrings = false
        }
        if !allDoubles && !allStrings { break }
    }
    if allDoubles && doubles.count == n { return sortedPositions(doubles, reverse: reverse, less: <) }
    if allStrings && strings.count == n { return sortedPositions(strings, reverse: reverse, less: <) }

    // Exact numbers (fractions, big ints): compare Float64 approximations,
    // which are within an ulp of the exact values, and fall back to exact
    // (BigInt) comparison only when two are too close to call.
    if keys.allSatisfy(isExactNumber) {
        let approximations = keys.map { Arithmetic.double($0) ?? .nan }
        func exactLess(_ i: Int, _ j: Int) -> Bool {
            let a = approximations[i], b = approximations[j]
            if a.isFinite && b.isFinite {
                if a.nextUp < b.nextDown { return true }
                if b.nextUp < a.nextDown { return false }
            }
            return ((try? order(keys[i], keys[j])) ?? 0) < 0
        }
        var positions = Array(0..<n)
        positions.sort { i, j in
            let (first, second) = reverse ? (j, i) : (i, j)
            if exactLess(first, second) { return true }
            if exactLess(second, first) { return false }
            return i < j
        }
        return positions
    }

    // General case: the keys must be all numbers, all strings or all lists.
    var firstOfKind: [String: Int] = [:]
    for (i, key) in keys.enumerated() {
        let kind: String
        switch key {
        case .int, .bigint, .rational: kind = "number"
        case .float(let d):
            if d.isNaN { throw Incomparable(message: "cannot order nan") }
            kind = "number"
        case .string: kind = "string"
        case .list: kind = "list"
        default: throw .between(key, keys[i == 0 ? 1 : 0])
        }
        if firstOfKind[kind] == nil { firstOfKind[kind] = i }
    }
    let firsts = firstOfKind.values.sorted()
    if firsts.count > 1 { throw .between(keys[firsts[0]], keys[firsts[1]]) }

    var failure: Incomparable?
    var positions = Array(0..<n)
    positions.sort { i, j in
        if failure != nil { return i < j }
        do throws(Incomparable) {
            let c = try order(keys[i], keys[j])
            if c != 0 { return reverse ? c > 0 : c < 0 }
        } catch {
            failure = error
        }
        return i < j
    }
    if let failure { throw failure }
    return positions
}

func isExactNumber(_ v: Value) -> Bool {
    switch v {
    case .int, .bigint, .rational: return true
    default: return false
    }
}

/// Positions that sort `keys` by `less`, ties by position.
func sortedPositions<K>(_ keys: [K], reverse: Bool, less: (K, K) -> Bool) -> [Int] {
    var pairs = keys.enumerated().map { ($1, $0) }
    if reverse {
        pairs.sort { a, b in less(b.0, a.0) || (!less(a.0, b.0) && a.1 < b.1) }
    } else {
        pairs.sort { a, b in less(a.0, b.0) || (!less(b.0, a.0) && a.1 < b.1) }
    }
    return pairs.map(\.1)
}

// MARK: - Hashing

/// A value as a dictionary or set key, with equality exactly `==`'s
/// (numbers by value across kinds, records by fields in any order).
struct HashableValue: Hashable {
    let value: Value

    init(_ value: Value) { self.value = value }

    static func == (a: HashableValue, b: HashableValue) -> Bool {
        Value.equal(a.value, b.value)
    }

    func hash(into hasher: inout Hasher) {
        HashableValue.feed(value, into: &hasher)
    }

    /// Numbers hash by their nearest Float64, so 1, 1.0 and 2/2 collide as
    /// `==` requires; records combine their fields without regard to order.
    static func feed(_ v: Value, into hasher: inout Hasher) {
        switch v {
        case .nil: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .int(let i): hasher.combine(2); hasher.combine(Double(i))
        case .bigint, .rational, .float:
            hasher.combine(2)
            hasher.combine(Arithmetic.double(v) ?? 0)
        case .string(let s): hasher.combine(3); hasher.combine(s)
        case .list(let items):
            hasher.combine(4)
            hasher.combine(items.count)
            for item in items { feed(item, into: &hasher) }
        case .record(let r):
            hasher.combine(5)
            hasher.combine(r.fields.count)
            var combined = 0
            for (name, value) in r.fields {
                var field = Hasher()
                field.combine(name)
                feed(value, into: &field)
                combined = combined &+ field.finalize()
            }
            hasher.combine(combined)
        case .range(let lo, let hi):
            hasher.combine(6)
            if hi < lo { hasher.combine(-1) } else { hasher.combine(lo); hasher.combine(hi) }
        case .matrix(let m):
            hasher.combine(7)
            hasher.combine(m.rows)
            hasher.combine(m.cols)
            for i in 0..<m.rows { for j in 0..<m.cols { hasher.combine(m.entry(i, j).doubleValue) } }
        case .function(let c): hasher.combine(ObjectIdentifier(c))
        case .builtin(let b): hasher.combine(ObjectIdentifier(b))
        case .object(let o): hasher.combine(ObjectIdentifier(o))
        case .cell(let c): feed(c.value, into: &hasher)
        }
    }
}
