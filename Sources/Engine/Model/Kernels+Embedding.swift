/// Token plus learned position embeddings (GPT-2's wte + wpe).
extension Kernels {
    /// out[b, t] = wte[tokens[b, t]] + wpe[t]; tokens must be in range
    /// (callers check them and throw before the forward pass starts).
    /// With `positions`, row r sits at position positions[r] (a packed
    /// batch) rather than r mod T.
    static func embeddingForward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                                 positions: UnsafePointer<Int32>? = nil,
                                 wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
                                 B: Int, T: Int, C: Int) {
        Parallel.forEachChunk(B * T, costPerItem: C) { _, range in
            for bt in range {
                let t = positions.map { Int($0[bt]) } ?? bt % T
                let token = wte + Int(tokens[bt]) * C, position = wpe + t * C
                let row = out + bt * C
                for i in 0..<C { row[i] = token[i] + position[i] }
            }
        }
    }

    /// Adds dout into the rows of dwte and dwpe it came from. Workers own
    /// column ranges, so two tokens with the same id never race.
    static func embeddingBackward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>,
                                  dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                                  positions: UnsafePointer<Int32>? = nil, B: Int, T: Int, C: Int) {
        Parallel.forEachChunk(C, costPerItem: 2 * B * T) { _, columns in
            for bt in 0..<(B * T) {
                let t = positions.map { Int($0[bt]) } ?? bt % T
                let token = dwte + Int(tokens[bt]) * C, position = dwpe + t * C
                let row = dout + bt * C
                for i in columns {
                    token[i] += row[i]
                    position[i] += row[i]
                }
            }
        }
    }
}
