/* Reference sgemm for the sanitizer build: touches exactly the elements BLAS semantics define. */
#include "cblas_reference.h"

#include <stdint.h>

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (order == CblasColMajor) {
    /* Column-major C = op(A)·op(B) is row-major Cᵀ = op(B)ᵀ·op(A)ᵀ. */
    cblas_sgemm(CblasRowMajor, tb, ta, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
    return;
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int p = 0; p < k; p++) {
        const float av = ta == CblasNoTrans ? a[(int64_t)i * lda + p] : a[(int64_t)p * lda + i];
        const float bv = tb == CblasNoTrans ? b[(int64_t)p * ldb + j] : b[(int64_t)j * ldb + p];
        s += (double)av * bv;
      }
      float *cij = c + (int64_t)i * ldc + j;
      *cij = (float)(alpha * s) + (beta == 0.0f ? 0.0f : beta * *cij);
    }
}
