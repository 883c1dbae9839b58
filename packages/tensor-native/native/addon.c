/*
 * N-API surface of @paperkit/tensor-native: the BLAS entry points (batched sgemm, convolutions),
 * thread control, and the module's export table (the elementwise, reduction and optimizer kernels
 * are defined in ops_glue.c). Every function checks its arguments and the extent it will touch in
 * each Float32Array (offset + strides + leading dimensions) with overflow-checked arithmetic before
 * calling BLAS, so a wrong call throws a TypeError/RangeError instead of reading or writing outside
 * a view. Views may alias the tfjs wasm heap: nothing here allocates JS memory between reading a
 * view and using it.
 */
#include <node_api.h>
#include <stdint.h>

#include "args.h"
#include "blas_compat.h"
#include "kernels.h"
#include "ops.h"
#include "pool.h"

/* Bumped whenever an existing signature changes (new functions do not bump it: the loader checks
 * that every function it uses is present); the JS loader refuses an addon with another value. */
#define PK_ABI_VERSION 1
#define PK_CONV_GEOM_LEN 15

#define I32 PK_MAX_ELEMS

/* Elements spanned by a row-major rows x cols matrix with leading dimension ld (ld >= cols). */
static int matrix_extent(napi_env env, const char *msg, int64_t rows, int64_t cols, int64_t ld, int64_t *out) {
  if (ld < (cols > 1 ? cols : 1)) return pk_throw_range(env, "ERR_PK_LD", msg);
  if (rows == 0 || cols == 0) {
    *out = 0;
    return 1;
  }
  if (!pk_mul(rows - 1, ld, out) || !pk_add(*out, cols, out))
    return pk_throw_range(env, "ERR_PK_BOUNDS", "a matrix extent overflows int64");
  return 1;
}

/* extent += Σ (shape[i] − 1)·stride[i], checked; shape has no zero (the caller returned early). */
static int batch_extent(const int64_t *shape, const int64_t *stride, uint32_t rank, int64_t *extent) {
  for (uint32_t i = 0; i < rank; i++) {
    int64_t term;
    if (!pk_mul(shape[i] - 1, stride[i], &term) || !pk_add(*extent, term, extent)) return 0;
  }
  return 1;
}

/*
 * sgemmBatched(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset,
 *              ldc, batchShape, aBatchStrides, bBatchStrides, cBatchStrides)
 */
static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  napi_value argv[20];
  if (!pk_args(env, info, 20, argv, "sgemmBatched expects 20 arguments")) return NULL;
  int ta, tb;
  int64_t m, n, k, ao, lda, bo, ldb, co, ldc;
  float alpha, beta;
  pk_view a, b, c;
  int64_t shape[PK_MAX_BATCH_RANK], sa[PK_MAX_BATCH_RANK], sb[PK_MAX_BATCH_RANK], sc[PK_MAX_BATCH_RANK];
  uint32_t rank = 0, ra = 0, rb = 0, rc = 0;
  if (!pk_arg_bool(env, argv[0], "transA must be a boolean", &ta) ||
      !pk_arg_bool(env, argv[1], "transB must be a boolean", &tb) ||
      !pk_arg_int(env, argv[2], "m must be an integer in [0, 2^31)", 0, I32, &m) ||
      !pk_arg_int(env, argv[3], "n must be an integer in [0, 2^31)", 0, I32, &n) ||
      !pk_arg_int(env, argv[4], "k must be an integer in [0, 2^31)", 0, I32, &k) ||
      !pk_arg_float(env, argv[5], "alpha must be a number", &alpha) ||
      !pk_arg_f32(env, argv[6], "a must be a Float32Array", &a) ||
      !pk_arg_int(env, argv[7], "aOffset must be a non-negative integer", 0, PK_MAX_OFFSET, &ao) ||
      !pk_arg_int(env, argv[8], "lda must be an integer in [1, 2^31)", 1, I32, &lda) ||
      !pk_arg_f32(env, argv[9], "b must be a Float32Array", &b) ||
      !pk_arg_int(env, argv[10], "bOffset must be a non-negative integer", 0, PK_MAX_OFFSET, &bo) ||
      !pk_arg_int(env, argv[11], "ldb must be an integer in [1, 2^31)", 1, I32, &ldb) ||
      !pk_arg_float(env, argv[12], "beta must be a number", &beta) ||
      !pk_arg_f32(env, argv[13], "c must be a Float32Array", &c) ||
      !pk_arg_int(env, argv[14], "cOffset must be a non-negative integer", 0, PK_MAX_OFFSET, &co) ||
      !pk_arg_int(env, argv[15], "ldc must be an integer in [1, 2^31)", 1, I32, &ldc) ||
      !pk_arg_int_array(env, argv[16], "batchShape must be an array of at most 8 non-negative integers", 0, I32,
                        shape, PK_MAX_BATCH_RANK, &rank) ||
      !pk_arg_int_array(env, argv[17], "aBatchStrides must be an array of non-negative integers", 0, I32, sa,
                        PK_MAX_BATCH_RANK, &ra) ||
      !pk_arg_int_array(env, argv[18], "bBatchStrides must be an array of non-negative integers", 0, I32, sb,
                        PK_MAX_BATCH_RANK, &rb) ||
      !pk_arg_int_array(env, argv[19], "cBatchStrides must be an array of non-negative integers", 0, I32, sc,
                        PK_MAX_BATCH_RANK, &rc))
    return NULL;
  if (ra != rank || rb != rank || rc != rank) {
    pk_throw_range(env, "ERR_PK_RANK", "every batch stride array must have batchShape's length");
    return NULL;
  }
  int64_t ea, eb, ec;
  if (!matrix_extent(env, "lda is smaller than the row length of op(A)'s storage", ta ? k : m, ta ? m : k, lda,
                     &ea) ||
      !matrix_extent(env, "ldb is smaller than the row length of op(B)'s storage", tb ? n : k, tb ? k : n, ldb,
                     &eb) ||
      !matrix_extent(env, "ldc is smaller than n", m, n, ldc, &ec))
    return NULL;
  int empty = m == 0 || n == 0;
  for (uint32_t i = 0; i < rank; i++) empty |= shape[i] == 0;
  /* k = 0: C = beta·C, and neither A nor B is read (their extents are 0 whatever the strides). */
  const int no_ab = k == 0;
  if (!empty && !((no_ab || (batch_extent(shape, sa, rank, &ea) && batch_extent(shape, sb, rank, &eb))) &&
                  batch_extent(shape, sc, rank, &ec))) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "the batch strides overflow int64");
    return NULL;
  }
  /* Offsets are checked even when nothing is touched, so no pointer past a view is formed. */
  if (!pk_check_fits(env, "A (offset, lda, batch strides) reaches past the end of a", &a, ao,
                     empty || no_ab ? 0 : ea) ||
      !pk_check_fits(env, "B (offset, ldb, batch strides) reaches past the end of b", &b, bo,
                     empty || no_ab ? 0 : eb) ||
      !pk_check_fits(env, "C (offset, ldc, batch strides) reaches past the end of c", &c, co, empty ? 0 : ec))
    return NULL;
  if (empty) return NULL;
  if (no_ab) {
    pk_scale_batched((int)m, (int)n, beta, pk_f32_at(&c, co), (int)ldc, (int)rank, shape, sc);
    return NULL;
  }
  pk_sgemm_batched(ta, tb, (int)m, (int)n, (int)k, alpha, pk_f32_at(&a, ao), (int)lda, pk_f32_at(&b, bo), (int)ldb,
                   beta, pk_f32_at(&c, co), (int)ldc, (int)rank, shape, sa, sb, sc);
  return NULL;
}

/* Every size the convolution code derives from a geometry, each checked to be < 2^31 elements. */
typedef struct {
  int64_t x, y, w, cols;
} conv_sizes;

/*
 * geometry: [n, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft].
 * Every sgemm dimension and loop bound in conv.c is a product of a subset of these; each product is
 * checked step by step (pk_product), so no intermediate can wrap.
 */
static int arg_geom(napi_env env, napi_value v, napi_value cl, pk_conv_geom *g, conv_sizes *s) {
  int64_t q[PK_CONV_GEOM_LEN];
  uint32_t len = 0;
  if (!pk_arg_int_array(env, v, "geometry must be 15 non-negative integers", 0, I32, q, PK_CONV_GEOM_LEN, &len) ||
      !pk_arg_bool(env, cl, "channelsLast must be a boolean", &g->channels_last))
    return 0;
  if (len != PK_CONV_GEOM_LEN || q[7] < 1 || q[8] < 1 || q[9] < 1 || q[10] < 1 || q[11] < 1 || q[12] < 1)
    return pk_throw_range(env, "ERR_PK_GEOM", "geometry must be 15 integers with filter size, strides and dilations >= 1");
  g->n = q[0], g->in_h = q[1], g->in_w = q[2], g->in_c = q[3];
  g->out_h = q[4], g->out_w = q[5], g->out_c = q[6], g->f_h = q[7], g->f_w = q[8];
  g->stride_h = q[9], g->stride_w = q[10], g->dil_h = q[11], g->dil_w = q[12];
  g->pad_top = q[13], g->pad_left = q[14];
  const int64_t fx[] = {g->n, g->in_h, g->in_w, g->in_c};
  const int64_t fy[] = {g->n, g->out_h, g->out_w, g->out_c};
  const int64_t fw[] = {g->f_h, g->f_w, g->in_c, g->out_c};
  const int64_t fc[] = {g->n, g->out_h, g->out_w, g->f_h, g->f_w, g->in_c};
  /* The column matrix's row length K = fH·fW·inC and the image plane inH·inW are used even when
   * another factor makes a tensor empty, so they are bounded on their own too. */
  const int64_t fk[] = {g->f_h, g->f_w, g->in_c};
  const int64_t fhw[] = {g->in_h, g->in_w};
  const int64_t fp[] = {g->n, g->out_h, g->out_w};
  int64_t k, hw, np;
  if (!pk_product(fx, 4, I32, &s->x) || !pk_product(fy, 4, I32, &s->y) || !pk_product(fw, 4, I32, &s->w) ||
      !pk_product(fc, 6, I32, &s->cols) || !pk_product(fk, 3, I32, &k) || !pk_product(fhw, 2, I32, &hw) ||
      !pk_product(fp, 3, I32, &np))
    return pk_throw_range(env, "ERR_PK_GEOM", "convolution tensors must each have fewer than 2^31 elements");
  return 1;
}

typedef enum { PK_FWD, PK_BWD_INPUT, PK_BWD_FILTER, PK_IM2COL, PK_COL2IM } pk_conv_op;

/* (p, pOffset, q, qOffset, r, rOffset, geometry, channelsLast): inputs p, q; output r. */
static napi_value conv_common(napi_env env, napi_callback_info info, pk_conv_op op) {
  napi_value argv[8];
  const int three = op == PK_FWD || op == PK_BWD_INPUT || op == PK_BWD_FILTER;
  if (!pk_args(env, info, three ? 8 : 6, argv, three ? "expected 8 arguments" : "expected 6 arguments"))
    return NULL;
  pk_conv_geom g;
  conv_sizes s;
  pk_view p, q, r = {0, 0};
  int64_t po, qo, ro = 0;
  napi_value *gv = argv + (three ? 6 : 4);
  if (!pk_arg_f32(env, argv[0], "first array must be a Float32Array", &p) ||
      !pk_arg_int(env, argv[1], "offsets must be non-negative integers", 0, PK_MAX_OFFSET, &po) ||
      !pk_arg_f32(env, argv[2], "second array must be a Float32Array", &q) ||
      !pk_arg_int(env, argv[3], "offsets must be non-negative integers", 0, PK_MAX_OFFSET, &qo) ||
      (three && (!pk_arg_f32(env, argv[4], "output must be a Float32Array", &r) ||
                 !pk_arg_int(env, argv[5], "offsets must be non-negative integers", 0, PK_MAX_OFFSET, &ro))) ||
      !arg_geom(env, gv[0], gv[1], &g, &s))
    return NULL;
  int64_t ep, eq, er = 0;
  switch (op) {
    case PK_FWD: ep = s.x, eq = s.w, er = s.y; break;
    case PK_BWD_INPUT: ep = s.y, eq = s.w, er = s.x; break;
    case PK_BWD_FILTER: ep = s.x, eq = s.y, er = s.w; break;
    case PK_IM2COL: ep = s.x, eq = s.cols; break;
    default: ep = s.cols, eq = s.x; break;
  }
  if (!pk_check_fits(env, "first array is too short for the geometry", &p, po, ep) ||
      !pk_check_fits(env, "second array is too short for the geometry", &q, qo, eq) ||
      (three && !pk_check_fits(env, "output array is too short for the geometry", &r, ro, er)))
    return NULL;
  /* im2col writes cols; col2im adds cols into x: with either empty there is nothing to do (and
   * memset/memcpy must not see the NULL data pointer of an empty view, even with length 0). */
  if ((op == PK_IM2COL && s.cols == 0) || (op == PK_COL2IM && (s.cols == 0 || s.x == 0))) return NULL;
  float *pp = pk_f32_at(&p, po), *qp = pk_f32_at(&q, qo), *rp = pk_f32_at(&r, ro);
  int rc = 0;
  switch (op) {
    case PK_FWD: rc = pk_conv2d(pp, qp, rp, &g); break;
    case PK_BWD_INPUT: rc = pk_conv2d_backprop_input(pp, qp, rp, &g); break;
    case PK_BWD_FILTER: rc = pk_conv2d_backprop_filter(pp, qp, rp, &g); break;
    case PK_IM2COL: pk_im2col(pp, &g, 0, g.n, qp); break;
    default: pk_col2im(pp, &g, 0, g.n, qp); break;
  }
  if (rc != 0) napi_throw_error(env, "ERR_PK_NOMEM", "out of memory for the im2col scratch buffer");
  return NULL;
}

static napi_value conv2d(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_FWD); }
static napi_value conv2d_bi(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_BWD_INPUT); }
static napi_value conv2d_bf(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_BWD_FILTER); }
static napi_value im2col(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_IM2COL); }
static napi_value col2im(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_COL2IM); }

static napi_value int_value(napi_env env, int v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, pk_blas_get_threads());
}

/* Sets the BLAS pool and the elementwise kernels' pool to the same count (one thread setting). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int64_t n;
  if (!pk_args(env, info, 1, argv, "setThreads expects 1 argument") ||
      !pk_arg_int(env, argv[0], "threads must be an integer in [1, 1024]", 1, 1024, &n))
    return NULL;
  pk_pool_set_threads((int)n);
  if (napi_get_boolean(env, pk_blas_set_threads((int)n) != 0, &out) != napi_ok) return NULL;
  return out;
}

static napi_value num_procs(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, pk_blas_num_procs());
}

static napi_value kernel_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, pk_pool_threads());
}

NAPI_MODULE_INIT() {
  napi_value abi, vendor;
  napi_property_descriptor props[] = {
      {"sgemmBatched", NULL, sgemm_batched, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dBackpropInput", NULL, conv2d_bi, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dBackpropFilter", NULL, conv2d_bf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"im2col", NULL, im2col, NULL, NULL, NULL, napi_enumerable, NULL},
      {"col2im", NULL, col2im, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"numProcs", NULL, num_procs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"kernelThreads", NULL, kernel_threads, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  /* The elementwise pool starts with the BLAS thread count (OPENBLAS_NUM_THREADS or one per core). */
  pk_pool_set_threads(pk_blas_get_threads() > 0 ? pk_blas_get_threads() : pk_pool_default_threads());
  if (napi_create_int32(env, PK_ABI_VERSION, &abi) != napi_ok ||
      napi_create_string_utf8(env, pk_blas_vendor(), NAPI_AUTO_LENGTH, &vendor) != napi_ok ||
      napi_set_named_property(env, exports, "abiVersion", abi) != napi_ok ||
      napi_set_named_property(env, exports, "vendor", vendor) != napi_ok ||
      napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok ||
      !pk_define_ops(env, exports))
    return NULL;
  return exports;
}
