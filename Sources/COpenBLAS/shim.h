// OpenBLAS (CBLAS) and LAPACK through the LAPACKE C interface.
// Debian: cblas.h from libopenblas-dev (/usr/include/x86_64-linux-gnu/cblas.h),
// lapacke.h from liblapacke-dev (/usr/include/lapacke.h); LAPACKE calls the
// LAPACK routines that libopenblas exports.
#ifndef PIVOT_COPENBLAS_SHIM_H
#define PIVOT_COPENBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

#endif
