/// The model's forward and backward kernels, one file per layer kind (as in
/// llm.c's train_gpt2.c): every function takes raw Float32 buffers named
/// after what they hold, and shapes as plain integers.
enum Kernels {}

/// Vectorised exp and tanh for the hot loops (softmax, GELU): glibc's
/// scalar expf/tanhf would cost more than the matrix products around them.
extension Kernels {
    typealias Vec = SIMD8<Float>

    /// e^x, 8 lanes at a time: Cody-Waite reduction to r in [-ln2/2, ln2/2]
    /// and Cephes' expf polynomial (relative error about 2e-7), times 2^n
    /// built from the exponent bits. Inputs are clamped to [-87.3, 88.3].
    @inline(__always)
    static func exp(_ input: Vec) -> Vec {
        // Lane by lane: the stdlib's generic `clamped` is not specialised.
        var x = input
        for i in 0..<8 { x[i] = Swift.min(Swift.max(input[i], -87.3), 88.3) }
        // Adding 1.5·2^23 rounds x·log2(e) to an integer n held in the low
        // mantissa bits (the stdlib's generic float-to-int vector conversion
        // is not specialised and costs more than the whole polynomial).
        let magic = Vec(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = Vec(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let bits = (integer &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: Vec.self)
    }

    /// tanh(x) = 1 - 2 / (e^{2x} + 1), exact at the saturated ends.
    @inline(__always)
    static func tanh(_ x: Vec) -> Vec {
        1 - 2 / (exp(2 * x) + 1)
    }

    /// Scalar e^x through the vector path, for tails and single values.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(Vec(repeating: x))[0] }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }

    @inline(__always)
    static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// Loads `count` (< 8) values and fills the other lanes with `fill`.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float) -> Vec {
        var v = Vec(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func storePartial(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { p[i] = v[i] }
    }

    /// Softmax of `row[0..<count]` in place; returns log(sum e^(x - max)) + max,
    /// the log-normaliser, so callers can form log-probabilities.
    @discardableResult
    static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var maxValue = -Float.infinity
        for i in 0..<count where row[i] > maxValue { maxValue = row[i] }
        let shift = Vec(repeating: maxValue)
        var sums = Vec(repeating: 0)
        var i = 0
        while i + 8 <= count {
            let e = exp(load(row + i) - shift)
            store(e, row + i)
            sums += e
            i += 8
        }
        if i < count {
            let e = exp(loadPartial(row + i, count - i, fill: -Float.infinity) - shift)
            storePartial(e, row + i, count - i)
            for lane in 0..<(count - i) { sums[lane] += e[lane] }
        }
        let sum = sums.sum()
        let inverse = 1 / sum
        for j in 0..<count { row[j] *= inverse }
        return maxValue + Float.log(sum)
    }
}

extension Float {
    /// Natural logarithm for the few scalar places that need one.
    @inline(__always)
    static func log(_ x: Float) -> Float { Float(Foundation.log(Double(x))) }
}

import Foundation
