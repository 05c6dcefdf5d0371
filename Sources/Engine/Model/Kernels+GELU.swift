/// GELU with GPT-2's tanh approximation (`gelu_new`):
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
extension Kernels {
    static let geluScale: Float = 0.797_884_56  // √(2/π)
    static let geluCubic: Float = 0.044_715

    static func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count, costPerItem: 20) { _, range in
            for i in range { out[i] = gelu(inp[i]) }
        }
    }

    /// `geluForward`, and gelu'(x) written to `slope` (which may be `inp`
    /// itself: a packed batch keeps the slope where the pre-activation
    /// was, and its backward multiplies instead of recomputing tanh).
    static func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                            slope: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachChunk(count, costPerItem: 30) { _, range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 512) { block in
                guard let tanhs = block.baseAddress else { return }
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = Swift.min(512, range.upperBound - start)
                    let x = inp + start
                    for j in 0..<n { tanhs[j] = tanh(geluScale * (x[j] + geluCubic * x[j] * x[j] * x[j])) }
                    let y = out + start
                    for j in 0..<n { y[j] = 0.5 * x[j] * (1 + tanhs[j]) }
                    let d = slope + start
                    for j in 0..<n {
                        let xj = x[j], t = tanhs[j]
                        d[j] = 0.5 * (1 + t) + 0.5 * xj * (1 - t * t) * (geluScale * (1 + 3 * geluCubic * xj * xj))
                    }
                    start += n
                }
            }
        }
    }

    /// dinp = slope·dout, the slope kept by `geluForward(out:inp:slope:count:)`;
    /// `dinp` may be `dout`.
    static func geluBackward(dinp: UnsafeMutablePointer<Float>, slope: UnsafePointer<Float>,
                             dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count, costPerItem: 2) { _, range in
            for i in range { dinp[i] = slope[i] * dout[i] }
        }
    }

    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        let inner = geluScale * (x + geluCubic * x * x * x)
        return 0.5 * x * (1 + tanh(inner))
    }

    /// dinp = gelu'(inp)·dout; `dinp` may be the same buffer as `dout`.
    static func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                             dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count, costPerItem: 25) { _, range in
            // Through a small block of local slopes: with three pointers in
            // one loop LLVM gives up vectorising; with two it does not.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 512) { slopes in
                guard let slope = slopes.baseAddress else { return }
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = Swift.min(512, range.upperBound - start)
                    let x = inp + start
                    for j in 0..<n { slope[j] = geluGradient(x[j]) }
                    let dx = dinp + start, dy = dout + start
                    for j in 0..<n { dx[j] = slope[j] * dy[j] }
                    start += n
                }
            }
        }
    }

    /// d/dx of `gelu`: 0.5(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²).
    @inline(__always)
    static func geluGradient(_ x: Float) -> Float {
        let x2 = x * x
        let t = tanh(geluScale * (x + geluCubic * x2 * x))
        let slope = geluScale * (1 + 3 * geluCubic * x2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope
    }
}
