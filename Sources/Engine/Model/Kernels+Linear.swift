import COpenBLAS

/// Matrix products (through cblas_sgemm) and the linear layer y = x·W + b
/// with W in Conv1D layout [in, out].
extension Kernels {
    /// C = alpha·op(A)·op(B) + beta·C, row-major, op(A) [m, k], op(B) [k, n].
    /// Large products are split into blocks of rows (or columns) for the
    /// workers, or handed to OpenBLAS's threads, per `ModelThreading.matmul`.
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        let work = m * n * k
        let workers = ModelThreading.workers
        if Parallel.currentWorker != nil {
            // Inside a parallel loop: this thread's share, on one thread.
            gemmInSmallBlocks(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if ModelThreading.matmul == .blasThreads || workers == 1 || work < 1 << 18 {
            // Tiny products stay on one thread; OpenBLAS makes the same call.
            Parallel.setBlasThreads(ModelThreading.matmul == .blasThreads ? workers : 1)
            gemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if m >= n {
            Parallel.forEachChunk(m, costPerItem: n * k) { _, rows in
                let aStart = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
                gemmCall(transA, transB, rows.count, n, k, alpha, aStart, lda, b, ldb,
                         beta, c + rows.lowerBound * ldc, ldc)
            }
        } else {
            Parallel.forEachChunk(n, costPerItem: m * k) { _, columns in
                let bStart = transB ? b + columns.lowerBound * ldb : b + columns.lowerBound
                gemmCall(transA, transB, m, columns.count, k, alpha, a, lda, bStart, ldb,
                         beta, c + columns.lowerBound, ldc)
            }
        }
    }

    @inline(__always)
    static func gemmCall(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                         _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                         _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }

    /// OpenBLAS multiplies without packing its operands (its small-matrix
    /// kernels) when m·n·k is at most 100³. A product with few rows (a
    /// decode step's: one worker's sequences) runs about 20% faster cut
    /// into column blocks under that size than packed whole, the weights
    /// repacked for every call.
    static let smallProduct = 1_000_000

    static func gemmInSmallBlocks(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                  _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                  _ b: UnsafePointer<Float>, _ ldb: Int,
                                  _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let blocks = (m * n * k + smallProduct - 1) / smallProduct
        if m > 256 || blocks <= 1 || n < 2 * blocks {
            gemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        var start = 0
        for block in 1...blocks {
            let end = n * block / blocks
            gemmCall(transA, transB, m, end - start, k, alpha, a, lda, transB ? b + start * ldb : b + start, ldb,
                     beta, c + start, ldc)
            start = end
        }
    }

    /// y = alpha·op(A)·x + beta·y, A row-major [m, n], unit strides.
    @inline(__always)
    static func gemvCall(_ transA: Bool, _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                         _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        if m == 0 || n == 0 { return }
        cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// out[rows, outC] = inp[rows, inC]·weight[inC, outC] + bias.
    /// With `accumulate`, adds to what `out` holds (the residual stream).
    static func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              rows: Int, inC: Int, outC: Int, accumulate: Bool = false) {
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            // Seed each row with the bias so sgemm adds the product on top.
            Parallel.forEachChunk(rows, costPerItem: outC) { _, range in
                for r in range {
                    let row = out + r * outC
                    if accumulate {
                        for o in 0..<outC { row[o] += bias[o] }
                    } else {
                        row.update(from: bias, count: outC)
                    }
                }
            }
            beta = 1
        }
        gemm(m: rows, n: outC, k: inC, a: inp, lda: inC, b: weight, ldb: outC, beta: beta, c: out, ldc: outC)
    }

    /// Backward of `linearForward`: dinp = dout·Wᵀ (overwritten),
    /// dweight += inpᵀ·dout, dbias += column sums of dout.
    static func linearBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                               dbias: UnsafeMutablePointer<Float>?,
                               dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, rows: Int, inC: Int, outC: Int) {
        if let dinp {
            gemm(transB: true, m: rows, n: inC, k: outC, a: dout, lda: outC, b: weight, ldb: outC,
                 beta: 0, c: dinp, ldc: inC)
        }
        gemm(transA: true, m: inC, n: outC, k: rows, a: inp, lda: inC, b: dout, ldb: outC,
             beta: 1, c: dweight, ldc: outC)
        if let dbias { addColumnSums(dbias, dout, rows: rows, columns: outC) }
    }

    /// sums[c] += Σ_r matrix[r, c]. Each worker sums its block of rows
    /// front to back into a partial row (one stream through memory, the
    /// partial in L1); the partials are added in worker order.
    static func addColumnSums(_ sums: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>, rows: Int, columns: Int) {
        let workers = Parallel.currentWorker != nil ? 1 : min(ModelThreading.workers, max(rows, 1))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: workers * columns) { partials in
            guard let partials = partials.baseAddress else { return }
            partials.update(repeating: 0, count: workers * columns)
            Parallel.forEachChunk(rows, costPerItem: columns) { worker, range in
                let partial = partials + (workers == 1 ? 0 : worker) * columns
                for r in range {
                    let row = matrix + r * columns
                    for c in 0..<columns { partial[c] += row[c] }
                }
            }
            for w in 0..<workers {
                let partial = partials + w * columns
                for c in 0..<columns { sums[c] += partial[c] }
            }
        }
    }
}
