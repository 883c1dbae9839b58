/*
 * N-API surface of @paperkit/tensor-native. Every function checks its arguments and the extent it
 * will touch in each Float32Array (offset + strides + leading dimensions) before calling BLAS, so a
 * wrong call throws a TypeError/RangeError instead of reading or writing outside a view. Views may
 * alias the tfjs wasm heap: nothing here allocates JS memory between reading a view and using it.
 */
#include <limits.h>
#include <node_api.h>
#include <stdint.h>

#include "blas_compat.h"
#include "kernels.h"

/* Bumped whenever a signature below changes; the JS loader refuses an addon with another value. */
#define PK_ABI_VERSION 1
#define PK_CONV_GEOM_LEN 15

#define PK_CALL(env, call)                                  \
  do {                                                      \
    if ((call) != napi_ok) {                                \
      napi_throw_error((env), NULL, "N-API call failed");   \
      return NULL;                                          \
    }                                                       \
  } while (0)

typedef struct {
  float *data;
  int64_t len;
} pk_view;

static int arg_f32(napi_env env, napi_value v, const char *name, pk_view *out) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, "ERR_PK_ARG", name);
    return 0;
  }
  out->data = (float *)data;
  out->len = (int64_t)len;
  return 1;
}

/* An integer argument in [lo, hi]; the message names the argument. */
static int arg_int(napi_env env, napi_value v, const char *name, int64_t lo, int64_t hi, int64_t *out) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != (double)(int64_t)d || d < (double)lo ||
      d > (double)hi) {
    napi_throw_range_error(env, "ERR_PK_ARG", name);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

static int arg_float(napi_env env, napi_value v, const char *name, float *out) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_PK_ARG", name);
    return 0;
  }
  *out = (float)d;
  return 1;
}

static int arg_bool(napi_env env, napi_value v, const char *name, int *out) {
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    napi_throw_type_error(env, "ERR_PK_ARG", name);
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

/* A JS array of at most `max` integers in [lo, hi]. */
static int arg_int_array(napi_env env, napi_value v, const char *name, int64_t lo, int64_t hi, int64_t *out,
                         uint32_t max, uint32_t *len) {
  bool is_array = false;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, len) != napi_ok ||
      *len > max) {
    napi_throw_type_error(env, "ERR_PK_ARG", name);
    return 0;
  }
  for (uint32_t i = 0; i < *len; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok || !arg_int(env, e, name, lo, hi, &out[i])) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (!pending) napi_throw_range_error(env, "ERR_PK_ARG", name);
      return 0;
    }
  }
  return 1;
}

/* Elements spanned by a row-major rows x cols matrix with leading dimension ld (ld >= cols). */
static int matrix_extent(napi_env env, const char *name, int64_t rows, int64_t cols, int64_t ld, int64_t *out) {
  if (ld < (cols > 1 ? cols : 1)) {
    napi_throw_range_error(env, "ERR_PK_LD", name);
    return 0;
  }
  *out = rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
  return 1;
}

static int check_fits(napi_env env, const char *name, const pk_view *v, int64_t offset, int64_t extent) {
  if (extent > 0 && (offset + extent > v->len)) {
    napi_throw_range_error(env, "ERR_PK_BOUNDS", name);
    return 0;
  }
  return 1;
}

#define I32 ((int64_t)INT_MAX)

/*
 * sgemmBatched(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset,
 *              ldc, batchShape, aBatchStrides, bBatchStrides, cBatchStrides)
 */
static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value argv[20];
  PK_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 20) {
    napi_throw_type_error(env, "ERR_PK_ARGC", "sgemmBatched expects 20 arguments");
    return NULL;
  }
  int ta, tb;
  int64_t m, n, k, ao, lda, bo, ldb, co, ldc;
  float alpha, beta;
  pk_view a, b, c;
  int64_t shape[PK_MAX_BATCH_RANK], sa[PK_MAX_BATCH_RANK], sb[PK_MAX_BATCH_RANK], sc[PK_MAX_BATCH_RANK];
  uint32_t rank = 0, ra = 0, rb = 0, rc = 0;
  if (!arg_bool(env, argv[0], "transA must be a boolean", &ta) ||
      !arg_bool(env, argv[1], "transB must be a boolean", &tb) ||
      !arg_int(env, argv[2], "m must be an integer in [0, 2^31)", 0, I32, &m) ||
      !arg_int(env, argv[3], "n must be an integer in [0, 2^31)", 0, I32, &n) ||
      !arg_int(env, argv[4], "k must be an integer in [0, 2^31)", 0, I32, &k) ||
      !arg_float(env, argv[5], "alpha must be a number", &alpha) ||
      !arg_f32(env, argv[6], "a must be a Float32Array", &a) ||
      !arg_int(env, argv[7], "aOffset must be a non-negative integer", 0, INT64_MAX / 4, &ao) ||
      !arg_int(env, argv[8], "lda must be an integer in [1, 2^31)", 1, I32, &lda) ||
      !arg_f32(env, argv[9], "b must be a Float32Array", &b) ||
      !arg_int(env, argv[10], "bOffset must be a non-negative integer", 0, INT64_MAX / 4, &bo) ||
      !arg_int(env, argv[11], "ldb must be an integer in [1, 2^31)", 1, I32, &ldb) ||
      !arg_float(env, argv[12], "beta must be a number", &beta) ||
      !arg_f32(env, argv[13], "c must be a Float32Array", &c) ||
      !arg_int(env, argv[14], "cOffset must be a non-negative integer", 0, INT64_MAX / 4, &co) ||
      !arg_int(env, argv[15], "ldc must be an integer in [1, 2^31)", 1, I32, &ldc) ||
      !arg_int_array(env, argv[16], "batchShape must be an array of at most 8 non-negative integers", 0, I32,
                     shape, PK_MAX_BATCH_RANK, &rank) ||
      !arg_int_array(env, argv[17], "aBatchStrides must be an array of non-negative integers", 0, I32, sa,
                     PK_MAX_BATCH_RANK, &ra) ||
      !arg_int_array(env, argv[18], "bBatchStrides must be an array of non-negative integers", 0, I32, sb,
                     PK_MAX_BATCH_RANK, &rb) ||
      !arg_int_array(env, argv[19], "cBatchStrides must be an array of non-negative integers", 0, I32, sc,
                     PK_MAX_BATCH_RANK, &rc))
    return NULL;
  if (ra != rank || rb != rank || rc != rank) {
    napi_throw_range_error(env, "ERR_PK_RANK", "every batch stride array must have batchShape's length");
    return NULL;
  }
  int64_t ea, eb, ec;
  if (!matrix_extent(env, "lda is smaller than the row length of op(A)'s storage", ta ? k : m, ta ? m : k, lda,
                     &ea) ||
      !matrix_extent(env, "ldb is smaller than the row length of op(B)'s storage", tb ? n : k, tb ? k : n, ldb,
                     &eb) ||
      !matrix_extent(env, "ldc is smaller than n", m, n, ldc, &ec))
    return NULL;
  for (uint32_t i = 0; i < rank; i++) {
    if (shape[i] == 0) return NULL; /* an empty batch touches nothing */
    ea += (shape[i] - 1) * sa[i];
    eb += (shape[i] - 1) * sb[i];
    ec += (shape[i] - 1) * sc[i];
  }
  if (!check_fits(env, "A (offset, lda, batch strides) reaches past the end of a", &a, ao, ea) ||
      !check_fits(env, "B (offset, ldb, batch strides) reaches past the end of b", &b, bo, eb) ||
      !check_fits(env, "C (offset, ldc, batch strides) reaches past the end of c", &c, co, ec))
    return NULL;
  if (m == 0 || n == 0) return NULL;
  pk_sgemm_batched(ta, tb, (int)m, (int)n, (int)k, alpha, a.data + ao, (int)lda, b.data + bo, (int)ldb, beta,
                   c.data + co, (int)ldc, (int)rank, shape, sa, sb, sc);
  return NULL;
}

/* geometry: [n, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft] */
static int arg_geom(napi_env env, napi_value v, napi_value cl, pk_conv_geom *g) {
  int64_t q[PK_CONV_GEOM_LEN];
  uint32_t len = 0;
  if (!arg_int_array(env, v, "geometry must be 15 non-negative integers", 0, I32, q, PK_CONV_GEOM_LEN, &len) ||
      !arg_bool(env, cl, "channelsLast must be a boolean", &g->channels_last))
    return 0;
  if (len != PK_CONV_GEOM_LEN || q[7] < 1 || q[8] < 1 || q[9] < 1 || q[10] < 1 || q[11] < 1 || q[12] < 1) {
    napi_throw_range_error(env, "ERR_PK_GEOM",
                           "geometry must be 15 integers with filter size, strides and dilations >= 1");
    return 0;
  }
  g->n = q[0], g->in_h = q[1], g->in_w = q[2], g->in_c = q[3];
  g->out_h = q[4], g->out_w = q[5], g->out_c = q[6], g->f_h = q[7], g->f_w = q[8];
  g->stride_h = q[9], g->stride_w = q[10], g->dil_h = q[11], g->dil_w = q[12];
  g->pad_top = q[13], g->pad_left = q[14];
  /* Every sgemm dimension below is a product of these; keeping each tensor under 2^31 elements keeps them int. */
  const int64_t xs = g->n * g->in_h * g->in_w * g->in_c, ys = g->n * g->out_h * g->out_w * g->out_c;
  const int64_t ws = g->f_h * g->f_w * g->in_c * g->out_c, cs = g->out_h * g->out_w * g->f_h * g->f_w * g->in_c;
  if (xs > I32 || ys > I32 || ws > I32 || cs > I32 || g->n * g->out_h * g->out_w > I32) {
    napi_throw_range_error(env, "ERR_PK_GEOM", "convolution tensors must each have fewer than 2^31 elements");
    return 0;
  }
  return 1;
}

static int64_t x_size(const pk_conv_geom *g) { return g->n * g->in_h * g->in_w * g->in_c; }
static int64_t y_size(const pk_conv_geom *g) { return g->n * g->out_h * g->out_w * g->out_c; }
static int64_t w_size(const pk_conv_geom *g) { return g->f_h * g->f_w * g->in_c * g->out_c; }
static int64_t cols_size(const pk_conv_geom *g) {
  return g->n * g->out_h * g->out_w * g->f_h * g->f_w * g->in_c;
}

typedef enum { PK_FWD, PK_BWD_INPUT, PK_BWD_FILTER, PK_IM2COL, PK_COL2IM } pk_conv_op;

/* (p, pOffset, q, qOffset, r, rOffset, geometry, channelsLast): inputs p, q; output r. */
static napi_value conv_common(napi_env env, napi_callback_info info, pk_conv_op op) {
  size_t argc = 8;
  napi_value argv[8];
  PK_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const int three = op == PK_FWD || op == PK_BWD_INPUT || op == PK_BWD_FILTER;
  const size_t want = three ? 8 : 6;
  if (argc != want) {
    napi_throw_type_error(env, "ERR_PK_ARGC", three ? "expected 8 arguments" : "expected 6 arguments");
    return NULL;
  }
  pk_conv_geom g;
  pk_view p, q, r = {0, 0};
  int64_t po, qo, ro = 0;
  napi_value *gv = argv + (three ? 6 : 4);
  if (!arg_f32(env, argv[0], "first array must be a Float32Array", &p) ||
      !arg_int(env, argv[1], "offsets must be non-negative integers", 0, INT64_MAX / 4, &po) ||
      !arg_f32(env, argv[2], "second array must be a Float32Array", &q) ||
      !arg_int(env, argv[3], "offsets must be non-negative integers", 0, INT64_MAX / 4, &qo) ||
      (three && (!arg_f32(env, argv[4], "output must be a Float32Array", &r) ||
                 !arg_int(env, argv[5], "offsets must be non-negative integers", 0, INT64_MAX / 4, &ro))) ||
      !arg_geom(env, gv[0], gv[1], &g))
    return NULL;
  int64_t ep, eq, er = 0;
  switch (op) {
    case PK_FWD: ep = x_size(&g), eq = w_size(&g), er = y_size(&g); break;
    case PK_BWD_INPUT: ep = y_size(&g), eq = w_size(&g), er = x_size(&g); break;
    case PK_BWD_FILTER: ep = x_size(&g), eq = y_size(&g), er = w_size(&g); break;
    case PK_IM2COL: ep = x_size(&g), eq = cols_size(&g); break;
    default: ep = cols_size(&g), eq = x_size(&g); break;
  }
  if (!check_fits(env, "first array is too short for the geometry", &p, po, ep) ||
      !check_fits(env, "second array is too short for the geometry", &q, qo, eq) ||
      (three && !check_fits(env, "output array is too short for the geometry", &r, ro, er)))
    return NULL;
  int rc = 0;
  switch (op) {
    case PK_FWD: rc = pk_conv2d(p.data + po, q.data + qo, r.data + ro, &g); break;
    case PK_BWD_INPUT: rc = pk_conv2d_backprop_input(p.data + po, q.data + qo, r.data + ro, &g); break;
    case PK_BWD_FILTER: rc = pk_conv2d_backprop_filter(p.data + po, q.data + qo, r.data + ro, &g); break;
    case PK_IM2COL: pk_im2col(p.data + po, &g, 0, g.n, q.data + qo); break;
    default: pk_col2im(p.data + po, &g, 0, g.n, q.data + qo); break;
  }
  if (rc != 0) napi_throw_error(env, "ERR_PK_NOMEM", "out of memory for the im2col scratch buffer");
  return NULL;
}

static napi_value conv2d(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_FWD); }
static napi_value conv2d_bi(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_BWD_INPUT); }
static napi_value conv2d_bf(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_BWD_FILTER); }
static napi_value im2col(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_IM2COL); }
static napi_value col2im(napi_env env, napi_callback_info info) { return conv_common(env, info, PK_COL2IM); }

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  PK_CALL(env, napi_create_int32(env, pk_blas_get_threads(), &out));
  return out;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int64_t n;
  PK_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !arg_int(env, argv[0], "threads must be an integer in [1, 1024]", 1, 1024, &n)) return NULL;
  PK_CALL(env, napi_get_boolean(env, pk_blas_set_threads((int)n) != 0, &out));
  return out;
}

static napi_value num_procs(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  PK_CALL(env, napi_create_int32(env, pk_blas_num_procs(), &out));
  return out;
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
  };
  if (napi_create_int32(env, PK_ABI_VERSION, &abi) != napi_ok ||
      napi_create_string_utf8(env, pk_blas_vendor(), NAPI_AUTO_LENGTH, &vendor) != napi_ok ||
      napi_set_named_property(env, exports, "abiVersion", abi) != napi_ok ||
      napi_set_named_property(env, exports, "vendor", vendor) != napi_ok ||
      napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok)
    return NULL;
  return exports;
}
