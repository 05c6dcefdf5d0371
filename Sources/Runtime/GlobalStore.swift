/// Storage for global variables: a growable buffer read and written without
/// bounds or uniqueness checks on the hot path (the resolver hands out only
/// valid slots). It grows only while resolving, never while a node runs.
struct GlobalStore {
    private(set) var base: UnsafeMutablePointer<Value>
    private(set) var count = 0
    private var capacity: Int

    init() {
        capacity = 256
        base = UnsafeMutablePointer<Value>.allocate(capacity: capacity)
    }

    subscript(_ index: Int) -> Value {
        @inline(__always) get { base[index] }
        @inline(__always) nonmutating set { base[index] = newValue }
    }

    mutating func append(_ value: Value) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: value)
        count += 1
    }

    /// Forgets the globals from `newCount` on.
    mutating func truncate(to newCount: Int) {
        guard newCount < count else { return }
        (base + newCount).deinitialize(count: count - newCount)
        count = newCount
    }

    func release() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
