/*
 * A minimal CBLAS interface (row- and column-major sgemm) for the sanitizer build of the addon
 * (.ci/sanitize.sh). OpenBLAS is not instrumented, so an out-of-bounds read inside it would go
 * unseen by AddressSanitizer; compiled with the addon, this reference sgemm makes every element the
 * kernels hand to BLAS an instrumented access.
 */
#ifndef PAPERKIT_CBLAS_REFERENCE_H
#define PAPERKIT_CBLAS_REFERENCE_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

#endif
