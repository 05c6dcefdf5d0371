/// The model's forward and backward kernels, one file per layer kind (as in
/// llm.c's train_gpt2.c): every function takes raw Float32 buffers named
/// after what they hold, and shapes as plain integers.
enum Kernels {}

/// Fast exp and tanh for the hot loops (softmax, GELU): glibc's scalar
/// expf/tanhf would cost more than the matrix products around them.
///
/// They are written as branch-free scalar code with wrapping integer
/// arithmetic, so LLVM vectorises the loops that call them. (Swift's SIMD
/// types are no help here: their generic min/max and float-to-int
/// conversions are not specialised and run lane by lane.)
extension Kernels {
    /// e^x: Cody-Waite reduction to r in [-ln2/2, ln2/2] and Cephes' expf
    /// polynomial (relative error about 2e-7), times 2^n built from the
    /// exponent bits. Inputs are clamped to [-87.3, 88.3] (e^-87.3 ≈ 1e-38
    /// stands in for 0).
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = Swift.min(Swift.max(input, -87.3), 88.3)
        // Adding 1.5·2^23 rounds x·log2(e) to an integer n held in the low
        // mantissa bits, with no trapping conversion.
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let integer = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
        return p * Float(bitPattern: UInt32(bitPattern: (integer &+ 127) &<< 23))
    }

    /// tanh(x) = 1 - 2 / (e^{2x} + 1), exact at the saturated ends.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        1 - 2 / (exp(2 * x) + 1)
    }

    /// Softmax of `row[0..<count]` in place; returns log(Σ e^(x - max)) + max,
    /// the log-normaliser, so callers can form log-probabilities.
    @discardableResult
    static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        // Eight running maxima break the compare chain, as the sums below do.
        var maxima = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity,
                      -Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
        var m = 0
        while m + 8 <= count {
            maxima.0 = Swift.max(maxima.0, row[m]); maxima.1 = Swift.max(maxima.1, row[m + 1])
            maxima.2 = Swift.max(maxima.2, row[m + 2]); maxima.3 = Swift.max(maxima.3, row[m + 3])
            maxima.4 = Swift.max(maxima.4, row[m + 4]); maxima.5 = Swift.max(maxima.5, row[m + 5])
            maxima.6 = Swift.max(maxima.6, row[m + 6]); maxima.7 = Swift.max(maxima.7, row[m + 7])
            m += 8
        }
        var maxValue = Swift.max(Swift.max(Swift.max(maxima.0, maxima.1), Swift.max(maxima.2, maxima.3)),
                                 Swift.max(Swift.max(maxima.4, maxima.5), Swift.max(maxima.6, maxima.7)))
        while m < count {
            maxValue = Swift.max(maxValue, row[m])
            m += 1
        }
        for i in 0..<count { row[i] = exp(row[i] - maxValue) }
        // Eight partial sums break the add chain (and vectorise).
        var sums = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        var i = 0
        while i + 8 <= count {
            sums.0 += row[i]; sums.1 += row[i + 1]; sums.2 += row[i + 2]; sums.3 += row[i + 3]
            sums.4 += row[i + 4]; sums.5 += row[i + 5]; sums.6 += row[i + 6]; sums.7 += row[i + 7]
            i += 8
        }
        var sum = ((sums.0 + sums.1) + (sums.2 + sums.3)) + ((sums.4 + sums.5) + (sums.6 + sums.7))
        while i < count {
            sum += row[i]
            i += 1
        }
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
