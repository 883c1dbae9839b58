/*
 * 2-D convolution as im2col + sgemm. The filter [f_h, f_w, in_c, out_c] read row-major is already
 * the [K, out_c] matrix (K = f_h * f_w * in_c) that multiplies the column matrix [P, K]
 * (P = out_h * out_w), so no filter copy is ever made. NHWC images batch several per sgemm (their
 * output rows are contiguous); NCHW images go one at a time with transposed operands.
 */
#include <stdlib.h>
#include <string.h>

#include "blas_compat.h"
#include "kernels.h"

/* Bound on the scratch column matrix, in floats (32 MiB): big sgemms without large allocations. */
#define PK_CHUNK_FLOATS ((int64_t)1 << 23)

typedef struct {
  int64_t n, h, w, c;
} pk_strides;

static pk_strides input_strides(const pk_conv_geom *g) {
  pk_strides s;
  if (g->channels_last) {
    s.c = 1;
    s.w = g->in_c;
    s.h = g->in_w * g->in_c;
  } else {
    s.w = 1;
    s.h = g->in_w;
    s.c = g->in_h * g->in_w;
  }
  s.n = g->in_h * g->in_w * g->in_c;
  return s;
}

/* A 1x1 stride-1 unpadded convolution is a plain matrix product: the image is its own im2col. */
static int is_pointwise(const pk_conv_geom *g) {
  return g->f_h == 1 && g->f_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
         g->pad_left == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
}

static int64_t chunk_images(const pk_conv_geom *g) {
  const int64_t per = g->out_h * g->out_w * g->f_h * g->f_w * g->in_c;
  int64_t nc = per > 0 ? PK_CHUNK_FLOATS / per : g->n;
  if (nc < 1) nc = 1;
  if (nc > g->n) nc = g->n;
  return nc;
}

static int is_empty(const pk_conv_geom *g) {
  return g->n == 0 || g->out_h == 0 || g->out_w == 0 || g->in_c == 0 || g->out_c == 0;
}

void pk_im2col(const float *x, const pk_conv_geom *g, int64_t img0, int64_t nimg, float *cols) {
  const pk_strides s = input_strides(g);
  const int64_t K = g->f_h * g->f_w * g->in_c;
  const int64_t span = g->f_w * g->in_c;
  for (int64_t i = 0; i < nimg; i++) {
    const float *xi = x + (img0 + i) * s.n;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        float *row = cols + ((i * g->out_h + oh) * g->out_w + ow) * K;
        for (int64_t kh = 0; kh < g->f_h; kh++) {
          const int64_t ih = oh * g->stride_h - g->pad_top + kh * g->dil_h;
          float *dst_h = row + kh * span;
          if (ih < 0 || ih >= g->in_h) {
            memset(dst_h, 0, (size_t)span * sizeof(float));
            continue;
          }
          for (int64_t kw = 0; kw < g->f_w; kw++) {
            const int64_t iw = ow * g->stride_w - g->pad_left + kw * g->dil_w;
            float *dst = dst_h + kw * g->in_c;
            if (iw < 0 || iw >= g->in_w) {
              memset(dst, 0, (size_t)g->in_c * sizeof(float));
            } else if (g->channels_last) {
              memcpy(dst, xi + ih * s.h + iw * s.w, (size_t)g->in_c * sizeof(float));
            } else {
              const float *src = xi + ih * s.h + iw * s.w;
              for (int64_t c = 0; c < g->in_c; c++) dst[c] = src[c * s.c];
            }
          }
        }
      }
    }
  }
}

void pk_col2im(const float *cols, const pk_conv_geom *g, int64_t img0, int64_t nimg, float *dx) {
  const pk_strides s = input_strides(g);
  const int64_t K = g->f_h * g->f_w * g->in_c;
  for (int64_t i = 0; i < nimg; i++) {
    float *xi = dx + (img0 + i) * s.n;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        const float *row = cols + ((i * g->out_h + oh) * g->out_w + ow) * K;
        for (int64_t kh = 0; kh < g->f_h; kh++) {
          const int64_t ih = oh * g->stride_h - g->pad_top + kh * g->dil_h;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int64_t kw = 0; kw < g->f_w; kw++) {
            const int64_t iw = ow * g->stride_w - g->pad_left + kw * g->dil_w;
            if (iw < 0 || iw >= g->in_w) continue;
            const float *src = row + (kh * g->f_w + kw) * g->in_c;
            float *dst = xi + ih * s.h + iw * s.w;
            for (int64_t c = 0; c < g->in_c; c++) dst[c * s.c] += src[c];
          }
        }
      }
    }
  }
}

int pk_conv2d(const float *x, const float *w, float *y, const pk_conv_geom *g) {
  if (is_empty(g)) {
    /* Zero input channels (an empty sum) gives zeros, not whatever the output held. */
    if (y) memset(y, 0, (size_t)(g->n * g->out_h * g->out_w * g->out_c) * sizeof(float));
    return 0;
  }
  const int P = (int)(g->out_h * g->out_w), K = (int)(g->f_h * g->f_w * g->in_c), oc = (int)g->out_c;
  if (is_pointwise(g)) {
    if (g->channels_last) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(g->n * P), oc, K, 1.0f, x, K, w, oc, 0.0f,
                  y, oc);
    } else {
      for (int64_t i = 0; i < g->n; i++)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, oc, P, K, 1.0f, w, oc, x + i * K * P, P, 0.0f,
                    y + i * oc * P, P);
    }
    return 0;
  }
  const int64_t nc = g->channels_last ? chunk_images(g) : 1;
  float *cols = malloc((size_t)(nc * P * K) * sizeof(float));
  if (!cols) return -1;
  for (int64_t i0 = 0; i0 < g->n; i0 += nc) {
    const int64_t m = g->n - i0 < nc ? g->n - i0 : nc;
    pk_im2col(x, g, i0, m, cols);
    if (g->channels_last)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(m * P), oc, K, 1.0f, cols, K, w, oc, 0.0f,
                  y + i0 * P * oc, oc);
    else
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, oc, P, K, 1.0f, w, oc, cols, K, 0.0f, y + i0 * oc * P,
                  P);
  }
  free(cols);
  return 0;
}

int pk_conv2d_backprop_input(const float *dy, const float *w, float *dx, const pk_conv_geom *g) {
  const int64_t dxsize = g->n * g->in_h * g->in_w * g->in_c;
  if (is_empty(g)) {
    if (dx) memset(dx, 0, (size_t)dxsize * sizeof(float));
    return 0;
  }
  const int P = (int)(g->out_h * g->out_w), K = (int)(g->f_h * g->f_w * g->in_c), oc = (int)g->out_c;
  const int ic = (int)g->in_c, HW = (int)(g->in_h * g->in_w);
  if (is_pointwise(g)) {
    if (g->channels_last) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(g->n * P), ic, oc, 1.0f, dy, oc, w, oc, 0.0f,
                  dx, ic);
    } else {
      for (int64_t i = 0; i < g->n; i++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ic, HW, oc, 1.0f, w, oc, dy + i * oc * P, P,
                    0.0f, dx + i * ic * HW, HW);
    }
    return 0;
  }
  const int64_t nc = g->channels_last ? chunk_images(g) : 1;
  float *dcols = malloc((size_t)(nc * P * K) * sizeof(float));
  if (!dcols) return -1;
  if (dx) memset(dx, 0, (size_t)dxsize * sizeof(float));
  for (int64_t i0 = 0; i0 < g->n; i0 += nc) {
    const int64_t m = g->n - i0 < nc ? g->n - i0 : nc;
    if (g->channels_last)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(m * P), K, oc, 1.0f, dy + i0 * P * oc, oc, w,
                  oc, 0.0f, dcols, K);
    else
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, P, K, oc, 1.0f, dy + i0 * oc * P, P, w, oc, 0.0f,
                  dcols, K);
    pk_col2im(dcols, g, i0, m, dx);
  }
  free(dcols);
  return 0;
}

int pk_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const pk_conv_geom *g) {
  if (is_empty(g)) {
    if (dw) memset(dw, 0, (size_t)(g->f_h * g->f_w * g->in_c * g->out_c) * sizeof(float));
    return 0;
  }
  const int P = (int)(g->out_h * g->out_w), K = (int)(g->f_h * g->f_w * g->in_c), oc = (int)g->out_c;
  if (is_pointwise(g)) {
    if (g->channels_last) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, oc, (int)(g->n * P), 1.0f, x, K, dy, oc, 0.0f,
                  dw, oc);
    } else {
      for (int64_t i = 0; i < g->n; i++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, oc, P, 1.0f, x + i * K * P, P, dy + i * oc * P,
                    P, i == 0 ? 0.0f : 1.0f, dw, oc);
    }
    return 0;
  }
  const int64_t nc = g->channels_last ? chunk_images(g) : 1;
  float *cols = malloc((size_t)(nc * P * K) * sizeof(float));
  if (!cols) return -1;
  for (int64_t i0 = 0; i0 < g->n; i0 += nc) {
    const int64_t m = g->n - i0 < nc ? g->n - i0 : nc;
    const float beta = i0 == 0 ? 0.0f : 1.0f;
    pk_im2col(x, g, i0, m, cols);
    if (g->channels_last)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, oc, (int)(m * P), 1.0f, cols, K,
                  dy + i0 * P * oc, oc, beta, dw, oc);
    else
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, K, oc, P, 1.0f, cols, K, dy + i0 * oc * P, P, beta, dw,
                  oc);
  }
  free(cols);
  return 0;
}
