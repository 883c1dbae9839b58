/* Batched sgemm over a broadcast batch shape: one cblas_sgemm per batch element. */
#include "blas_compat.h"
#include "kernels.h"

void pk_sgemm_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc, int rank, const int64_t *shape,
                      const int64_t *sa, const int64_t *sb, const int64_t *sc) {
  int64_t idx[PK_MAX_BATCH_RANK] = {0};
  int64_t oa = 0, ob = 0, oc = 0;
  const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  for (int i = 0; i < rank; i++)
    if (shape[i] == 0) return;
  for (;;) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a + oa, lda, b + ob, ldb, beta, c + oc, ldc);
    /* Odometer over the batch shape, last dimension fastest (row-major, as tfjs lays batches out). */
    int d = rank - 1;
    while (d >= 0) {
      idx[d]++;
      oa += sa[d];
      ob += sb[d];
      oc += sc[d];
      if (idx[d] < shape[d]) break;
      oa -= sa[d] * shape[d];
      ob -= sb[d] * shape[d];
      oc -= sc[d] * shape[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
