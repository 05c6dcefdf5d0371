import OrderedCollections

/// A record `{a: 1, b: "x"}`: named fields in the order they were written.
/// A value type, like lists.
public struct Record {
    public var fields: OrderedDictionary<String, Value>

    public init(_ fields: OrderedDictionary<String, Value> = [:]) {
        self.fields = fields
    }

    public init(_ pairs: [(String, Value)]) {
        var fields = OrderedDictionary<String, Value>(minimumCapacity: pairs.count)
        for (k, v) in pairs { fields[k] = v }
        self.fields = fields
    }

    public subscript(_ name: String) -> Value? {
        get { fields[name] }
        set { fields[name] = newValue }
    }
}

extension Value {
    /// Builds a record value from ordered pairs.
    public static func record(_ pairs: [(String, Value)]) -> Value {
        .record(Record(pairs))
    }
}
