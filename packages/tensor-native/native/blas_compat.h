/*
 * One place that knows which BLAS this addon was built against.
 *
 * Linux links OpenBLAS (Debian/Ubuntu libopenblas-dev, Fedora openblas-devel); macOS links the
 * Accelerate framework. binding.gyp defines PAPERKIT_ACCELERATE on macOS and PAPERKIT_CBLAS_HEADER
 * elsewhere (the install script can point it at another header, which is also how the "no BLAS
 * headers" path is exercised without uninstalling system packages).
 */
#ifndef PAPERKIT_BLAS_COMPAT_H
#define PAPERKIT_BLAS_COMPAT_H

#if defined(PAPERKIT_UNSUPPORTED_PLATFORM)
#error "tensor-native supports Linux (OpenBLAS) and macOS (Accelerate) only"
#elif defined(PAPERKIT_ACCELERATE)
/* The new LAPACK interface (macOS 13.3+) keeps the classic cblas_sgemm signature with 32-bit ints. */
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
#else
#ifndef PAPERKIT_CBLAS_HEADER
#define PAPERKIT_CBLAS_HEADER <cblas.h>
#endif
#include PAPERKIT_CBLAS_HEADER
#endif

/* Thread count of the BLAS pool, or 0 when the library manages it itself (Accelerate, plain CBLAS). */
static inline int pk_blas_get_threads(void) {
#if defined(OPENBLAS_VERSION)
  return openblas_get_num_threads();
#else
  return 0;
#endif
}

/* Returns 1 when the thread count was applied, 0 when this BLAS has no runtime control. */
static inline int pk_blas_set_threads(int n) {
#if defined(OPENBLAS_VERSION)
  openblas_set_num_threads(n);
  return 1;
#else
  (void)n;
  return 0;
#endif
}

static inline int pk_blas_num_procs(void) {
#if defined(OPENBLAS_VERSION)
  return openblas_get_num_procs();
#else
  return 0;
#endif
}

static inline const char *pk_blas_vendor(void) {
#if defined(PAPERKIT_ACCELERATE)
  return "Accelerate";
#elif defined(OPENBLAS_VERSION)
  return openblas_get_config();
#else
  return "CBLAS";
#endif
}

#endif
