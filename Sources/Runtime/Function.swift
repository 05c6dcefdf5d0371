import Lang

/// The compiled form of a function: its parameters, its body and the size of
/// its frame. Shared by every closure made from the same `fn`.
public final class FunctionProto {
    public let name: String
    public let parameterNames: [String]
    /// Default-value code per parameter (nil when required); runs in the
    /// callee's frame, so a default may use earlier parameters.
    let defaults: [Node?]
    let body: Node
    /// Slots the frame needs: parameters first, then locals.
    let frameSize: Int
    /// Parameter slots that inner closures capture: boxed on entry.
    var capturedParameters: [Int] {
        didSet { hasCapturedParameters = !capturedParameters.isEmpty }
    }
    private(set) var hasCapturedParameters = false
    public let location: SourceLocation

    init(name: String, parameterNames: [String], defaults: [Node?], body: Node,
         frameSize: Int, capturedParameters: [Int], location: SourceLocation) {
        self.name = name
        self.parameterNames = parameterNames
        self.defaults = defaults
        self.body = body
        self.frameSize = frameSize
        self.capturedParameters = capturedParameters
        self.hasCapturedParameters = !capturedParameters.isEmpty
        self.location = location
    }

    /// The name errors and traces use.
    var displayName: String { name.isEmpty ? "anonymous function" : name }

    var requiredCount: Int { defaults.prefix { $0 == nil }.count }
}

/// A function value: code plus the variables it captured.
public final class Closure {
    public let proto: FunctionProto
    let captures: [Cell]

    init(proto: FunctionProto, captures: [Cell]) {
        self.proto = proto
        self.captures = captures
    }
}
