/*
 * BLAS-backed kernels with no dependency on Node: batched sgemm with broadcasting, and 2-D
 * convolution (forward, input gradient, filter gradient) as im2col/col2im around sgemm.
 * Callers (addon.c) have already checked every extent against the buffers they pass, and every
 * size product against 2^31 elements (so the int casts below cannot truncate).
 */
#ifndef PAPERKIT_KERNELS_H
#define PAPERKIT_KERNELS_H

#include <stdint.h>

/* Largest number of batch dimensions sgemm_batched walks. */
#define PK_MAX_BATCH_RANK 8

/* Geometry of one 2-D convolution, in tfjs's terms (backend_util.Conv2DInfo). */
typedef struct {
  int64_t n, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t f_h, f_w;
  int64_t stride_h, stride_w;
  int64_t dil_h, dil_w;
  int64_t pad_top, pad_left;
  /* 1: tensors are NHWC; 0: NCHW. The filter is always [f_h, f_w, in_c, out_c]. */
  int channels_last;
} pk_conv_geom;

/*
 * C[idx] = alpha * op(A[idx]) * op(B[idx]) + beta * C[idx] for every multi-index idx of `shape`,
 * where X[idx] starts at x + sum(idx[i] * sx[i]). A zero stride broadcasts that operand.
 */
void pk_sgemm_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc, int rank, const int64_t *shape,
                      const int64_t *sa, const int64_t *sb, const int64_t *sc);

/* C[idx] = beta * C[idx] for every batch index: the product with an inner size k of 0. */
void pk_scale_batched(int m, int n, float beta, float *c, int ldc, int rank, const int64_t *shape,
                      const int64_t *sc);

/* Rows (oh, ow) of all images in [img0, img0 + nimg), columns (kh, kw, c), zero where padded. */
void pk_im2col(const float *x, const pk_conv_geom *g, int64_t img0, int64_t nimg, float *cols);

/* Adds the column matrix of images [img0, img0 + nimg) back into dx (the adjoint of pk_im2col). */
void pk_col2im(const float *cols, const pk_conv_geom *g, int64_t img0, int64_t nimg, float *dx);

/* y = conv2d(x, w). Returns 0, or -1 when scratch memory could not be allocated. */
int pk_conv2d(const float *x, const float *w, float *y, const pk_conv_geom *g);

/* dx = conv2d_backprop_input(dy, w) (dx is overwritten). Returns 0 or -1 (out of memory). */
int pk_conv2d_backprop_input(const float *dy, const float *w, float *dx, const pk_conv_geom *g);

/* dw = conv2d_backprop_filter(x, dy) (dw is overwritten). Returns 0 or -1 (out of memory). */
int pk_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const pk_conv_geom *g);

#endif
