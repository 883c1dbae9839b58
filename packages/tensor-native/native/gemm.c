/* Batched sgemm over a broadcast batch shape: one cblas_sgemm per batch element. */
#include "blas_compat.h"
#include "kernels.h"

/*
 * Calls fn(ctx, oa, ob, oc) for every batch multi-index of `shape` (row-major, last dimension
 * fastest, as tfjs lays batches out), with the operands' element offsets Σ idx[i]·s[i].
 */
static void for_each_batch(int rank, const int64_t *shape, const int64_t *sa, const int64_t *sb,
                           const int64_t *sc, void (*fn)(void *, int64_t, int64_t, int64_t), void *ctx) {
  int64_t idx[PK_MAX_BATCH_RANK] = {0};
  int64_t oa = 0, ob = 0, oc = 0;
  for (int i = 0; i < rank; i++)
    if (shape[i] == 0) return;
  for (;;) {
    fn(ctx, oa, ob, oc);
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

typedef struct {
  enum CBLAS_TRANSPOSE ta, tb;
  int m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
} gemm_ctx;

static void gemm_one(void *p, int64_t oa, int64_t ob, int64_t oc) {
  const gemm_ctx *g = p;
  cblas_sgemm(CblasRowMajor, g->ta, g->tb, g->m, g->n, g->k, g->alpha, g->a + oa, g->lda, g->b + ob, g->ldb,
              g->beta, g->c + oc, g->ldc);
}

void pk_sgemm_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc, int rank, const int64_t *shape,
                      const int64_t *sa, const int64_t *sb, const int64_t *sc) {
  gemm_ctx g = {trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans,
                m, n, k, lda, ldb, ldc, alpha, beta, a, b, c};
  for_each_batch(rank, shape, sa, sb, sc, gemm_one, &g);
}

typedef struct {
  int m, n, ldc;
  float beta;
  float *c;
} scale_ctx;

/* BLAS semantics: beta = 0 overwrites C without reading it (NaN in C does not survive). */
static void scale_one(void *p, int64_t oa, int64_t ob, int64_t oc) {
  (void)oa;
  (void)ob;
  const scale_ctx *s = p;
  for (int i = 0; i < s->m; i++) {
    float *row = s->c + oc + (int64_t)i * s->ldc;
    if (s->beta == 0.0f)
      for (int j = 0; j < s->n; j++) row[j] = 0.0f;
    else
      for (int j = 0; j < s->n; j++) row[j] *= s->beta;
  }
}

void pk_scale_batched(int m, int n, float beta, float *c, int ldc, int rank, const int64_t *shape,
                      const int64_t *sc) {
  static const int64_t zero[PK_MAX_BATCH_RANK] = {0};
  scale_ctx s = {m, n, ldc, beta, c};
  for_each_batch(rank, shape, zero, zero, sc, scale_one, &s);
}
