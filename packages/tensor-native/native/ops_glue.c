/*
 * N-API entry points of the kernels in ops.h. As in addon.c, every argument is checked and every
 * extent computed with checked arithmetic before a kernel touches memory: a call either does its
 * work inside the views it was given or throws a TypeError/RangeError.
 */
#include <stdint.h>

#include "args.h"
#include "ops.h"

/* Element counts and shape products: far beyond any real array, far below int64 overflow. */
#define PK_MAX_COUNT PK_MAX_OFFSET

#define ARG_COUNT(i, msg, out) pk_arg_int(env, argv[i], msg, 0, PK_MAX_COUNT, out)
#define ARG_OFFSET(i, out) pk_arg_int(env, argv[i], "offsets must be non-negative integers", 0, PK_MAX_OFFSET, out)

/* A Float32Array or an Int32Array (the layout kernels move 4-byte elements of either). */
static int arg_4byte(napi_env env, napi_value v, const char *msg, pk_view *out, int *is_int) {
  napi_typedarray_type type;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta &&
      napi_get_typedarray_info(env, v, &type, NULL, NULL, NULL, NULL) == napi_ok && type == napi_int32_array) {
    *is_int = 1;
    return pk_arg_i32(env, v, msg, out);
  }
  *is_int = 0;
  return pk_arg_f32(env, v, msg, out);
}

/* Element `off` of a 4-byte view (NULL for an empty view). */
static inline uint32_t *u32_at(const pk_view *v, int64_t off) {
  return v->data ? (uint32_t *)v->data + off : (uint32_t *)0;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  if (napi_create_double(env, v, &out) != napi_ok) return NULL;
  return out;
}

/* unary(op, x, xOffset, y, yOffset, n, alpha) */
static napi_value unary(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t op, xo, yo, n;
  float alpha;
  pk_view x, y;
  if (!pk_args(env, info, 7, argv, "unary expects 7 arguments") ||
      !pk_arg_int(env, argv[0], "op must be a unary op code", 0, PK_U_COUNT - 1, &op) ||
      !pk_arg_f32(env, argv[1], "x must be a Float32Array", &x) || !ARG_OFFSET(2, &xo) ||
      !pk_arg_f32(env, argv[3], "y must be a Float32Array", &y) || !ARG_OFFSET(4, &yo) ||
      !ARG_COUNT(5, "n must be a non-negative integer", &n) ||
      !pk_arg_float(env, argv[6], "alpha must be a number", &alpha) ||
      !pk_check_fits(env, "x (offset, n) reaches past the end of x", &x, xo, n) ||
      !pk_check_fits(env, "y (offset, n) reaches past the end of y", &y, yo, n))
    return NULL;
  if (n > 0) pk_unary((pk_unary_op)op, pk_f32_at(&x, xo), pk_f32_at(&y, yo), n, alpha);
  return NULL;
}

/* castI32ToF32(x: Int32Array, xOffset, y, yOffset, n) */
static napi_value cast_i32_f32(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int64_t xo, yo, n;
  pk_view x, y;
  if (!pk_args(env, info, 5, argv, "castI32ToF32 expects 5 arguments") ||
      !pk_arg_i32(env, argv[0], "x must be an Int32Array", &x) || !ARG_OFFSET(1, &xo) ||
      !pk_arg_f32(env, argv[2], "y must be a Float32Array", &y) || !ARG_OFFSET(3, &yo) ||
      !ARG_COUNT(4, "n must be a non-negative integer", &n) ||
      !pk_check_fits(env, "x (offset, n) reaches past the end of x", &x, xo, n) ||
      !pk_check_fits(env, "y (offset, n) reaches past the end of y", &y, yo, n))
    return NULL;
  if (n > 0) pk_cast_i32_f32(pk_i32_at(&x, xo), pk_f32_at(&y, yo), n);
  return NULL;
}

/*
 * The element count of `shape` (checked) and whether it is empty; with `strides`, also the extent
 * 1 + Σ (shape[i] − 1)·strides[i] an operand indexed by them touches (0 when empty).
 */
static int shape_extent(const int64_t *shape, const int64_t *strides, uint32_t rank, int64_t *count,
                        int64_t *extent) {
  if (!pk_product(shape, (int)rank, PK_MAX_COUNT, count)) return 0;
  if (*count == 0) {
    *extent = 0;
    return 1;
  }
  int64_t e = 1;
  for (uint32_t i = 0; i < rank; i++) {
    int64_t term;
    if (!pk_mul(shape[i] - 1, strides ? strides[i] : 0, &term) || !pk_add(e, term, &e)) return 0;
  }
  *extent = e;
  return 1;
}

/* binary(op, a, aOffset, aStrides, b, bOffset, bStrides, c, cOffset, shape) */
static napi_value binary(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  int64_t op, ao, bo, co;
  int64_t shape[PK_MAX_RANK], sa[PK_MAX_RANK], sb[PK_MAX_RANK];
  uint32_t rank = 0, ra = 0, rb = 0;
  pk_view a, b, c;
  if (!pk_args(env, info, 10, argv, "binary expects 10 arguments") ||
      !pk_arg_int(env, argv[0], "op must be a binary op code", 0, PK_B_COUNT - 1, &op) ||
      !pk_arg_f32(env, argv[1], "a must be a Float32Array", &a) || !ARG_OFFSET(2, &ao) ||
      !pk_arg_int_array(env, argv[3], "aStrides must be an array of at most 8 non-negative integers", 0,
                        PK_MAX_COUNT, sa, PK_MAX_RANK, &ra) ||
      !pk_arg_f32(env, argv[4], "b must be a Float32Array", &b) || !ARG_OFFSET(5, &bo) ||
      !pk_arg_int_array(env, argv[6], "bStrides must be an array of at most 8 non-negative integers", 0,
                        PK_MAX_COUNT, sb, PK_MAX_RANK, &rb) ||
      !pk_arg_f32(env, argv[7], "c must be a Float32Array", &c) || !ARG_OFFSET(8, &co) ||
      !pk_arg_int_array(env, argv[9], "shape must be an array of at most 8 non-negative integers", 0,
                        PK_MAX_COUNT, shape, PK_MAX_RANK, &rank))
    return NULL;
  if (ra != rank || rb != rank) {
    pk_throw_range(env, "ERR_PK_RANK", "aStrides and bStrides must have shape's length");
    return NULL;
  }
  int64_t count, ea, eb, ignored;
  if (!shape_extent(shape, sa, rank, &count, &ea) || !shape_extent(shape, sb, rank, &ignored, &eb)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "shape and strides overflow the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "a (offset, strides) reaches past the end of a", &a, ao, ea) ||
      !pk_check_fits(env, "b (offset, strides) reaches past the end of b", &b, bo, eb) ||
      !pk_check_fits(env, "c (offset, shape) reaches past the end of c", &c, co, count))
    return NULL;
  if (count > 0)
    pk_binary((pk_binary_op)op, pk_f32_at(&a, ao), sa, pk_f32_at(&b, bo), sb, pk_f32_at(&c, co), shape, (int)rank);
  return NULL;
}

/* reduce(op, x, xOffset, y, yOffset, outer, n, inner) */
static napi_value reduce(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int64_t op, xo, yo, dims[3], ex, ey;
  pk_view x, y;
  if (!pk_args(env, info, 8, argv, "reduce expects 8 arguments") ||
      !pk_arg_int(env, argv[0], "op must be a reduce op code", 0, PK_R_COUNT - 1, &op) ||
      !pk_arg_f32(env, argv[1], "x must be a Float32Array", &x) || !ARG_OFFSET(2, &xo) ||
      !pk_arg_f32(env, argv[3], "y must be a Float32Array", &y) || !ARG_OFFSET(4, &yo) ||
      !ARG_COUNT(5, "outer must be a non-negative integer", &dims[0]) ||
      !ARG_COUNT(6, "n must be a non-negative integer", &dims[1]) ||
      !ARG_COUNT(7, "inner must be a non-negative integer", &dims[2]))
    return NULL;
  const int64_t oi[2] = {dims[0], dims[2]};
  if (!pk_product(dims, 3, PK_MAX_COUNT, &ex) || !pk_product(oi, 2, PK_MAX_COUNT, &ey)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "outer·n·inner overflows the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "x (offset, outer·n·inner) reaches past the end of x", &x, xo, ex) ||
      !pk_check_fits(env, "y (offset, outer·inner) reaches past the end of y", &y, yo, ey))
    return NULL;
  if (ey > 0) pk_reduce((pk_reduce_op)op, pk_f32_at(&x, xo), pk_f32_at(&y, yo), dims[0], dims[1], dims[2]);
  return NULL;
}

/* softmax(x, xOffset, y, yOffset, rows, cols) */
static napi_value softmax(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t xo, yo, dims[2], size;
  pk_view x, y;
  if (!pk_args(env, info, 6, argv, "softmax expects 6 arguments") ||
      !pk_arg_f32(env, argv[0], "x must be a Float32Array", &x) || !ARG_OFFSET(1, &xo) ||
      !pk_arg_f32(env, argv[2], "y must be a Float32Array", &y) || !ARG_OFFSET(3, &yo) ||
      !ARG_COUNT(4, "rows must be a non-negative integer", &dims[0]) ||
      !ARG_COUNT(5, "cols must be a non-negative integer", &dims[1]))
    return NULL;
  if (!pk_product(dims, 2, PK_MAX_COUNT, &size)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "rows·cols overflows the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "x (offset, rows·cols) reaches past the end of x", &x, xo, size) ||
      !pk_check_fits(env, "y (offset, rows·cols) reaches past the end of y", &y, yo, size))
    return NULL;
  if (size > 0) pk_softmax(pk_f32_at(&x, xo), pk_f32_at(&y, yo), dims[0], dims[1]);
  return NULL;
}

/* transpose(x, xOffset, y, yOffset, shape, perm): x and y both Float32Array or both Int32Array. */
static napi_value transpose(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t xo, yo, shape[PK_MAX_RANK], perm[PK_MAX_RANK], count;
  uint32_t rank = 0, rp = 0;
  pk_view x, y;
  int xi, yi;
  if (!pk_args(env, info, 6, argv, "transpose expects 6 arguments") ||
      !arg_4byte(env, argv[0], "x must be a Float32Array or an Int32Array", &x, &xi) || !ARG_OFFSET(1, &xo) ||
      !arg_4byte(env, argv[2], "y must be a Float32Array or an Int32Array", &y, &yi) || !ARG_OFFSET(3, &yo) ||
      !pk_arg_int_array(env, argv[4], "shape must be an array of at most 8 non-negative integers", 0,
                        PK_MAX_COUNT, shape, PK_MAX_RANK, &rank) ||
      !pk_arg_int_array(env, argv[5], "perm must be a permutation of 0 … rank − 1", 0, PK_MAX_RANK - 1, perm,
                        PK_MAX_RANK, &rp))
    return NULL;
  if (xi != yi) {
    napi_throw_type_error(env, "ERR_PK_ARG", "x and y must be typed arrays of the same kind");
    return NULL;
  }
  int seen = 0;
  for (uint32_t i = 0; i < rp; i++) {
    if (perm[i] >= (int64_t)rank || (seen & (1 << perm[i]))) break;
    seen |= 1 << perm[i];
  }
  if (rp != rank || seen != (1 << rank) - 1) {
    pk_throw_range(env, "ERR_PK_ARG", "perm must be a permutation of 0 … rank − 1");
    return NULL;
  }
  if (!pk_product(shape, (int)rank, PK_MAX_COUNT, &count)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "shape overflows the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "x (offset, shape) reaches past the end of x", &x, xo, count) ||
      !pk_check_fits(env, "y (offset, shape) reaches past the end of y", &y, yo, count))
    return NULL;
  if (count > 0)
    pk_transpose(u32_at(&x, xo), u32_at(&y, yo), shape, perm, (int)rank);
  return NULL;
}

/* gather(x, xOffset, indices, indicesOffset, y, yOffset, outer, nIndices, axis, inner) → −1 or bad index position */
static napi_value gather(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  int64_t xo, io, yo, d[4], ex, ey;
  pk_view x, idx, y;
  int xi, yi;
  if (!pk_args(env, info, 10, argv, "gather expects 10 arguments") ||
      !arg_4byte(env, argv[0], "x must be a Float32Array or an Int32Array", &x, &xi) || !ARG_OFFSET(1, &xo) ||
      !pk_arg_i32(env, argv[2], "indices must be an Int32Array", &idx) || !ARG_OFFSET(3, &io) ||
      !arg_4byte(env, argv[4], "y must be a Float32Array or an Int32Array", &y, &yi) || !ARG_OFFSET(5, &yo) ||
      !ARG_COUNT(6, "outer must be a non-negative integer", &d[0]) ||
      !ARG_COUNT(7, "nIndices must be a non-negative integer", &d[1]) ||
      !ARG_COUNT(8, "axis must be a non-negative integer", &d[2]) ||
      !ARG_COUNT(9, "inner must be a non-negative integer", &d[3]))
    return NULL;
  if (xi != yi) {
    napi_throw_type_error(env, "ERR_PK_ARG", "x and y must be typed arrays of the same kind");
    return NULL;
  }
  const int64_t fx[3] = {d[0], d[2], d[3]}, fy[3] = {d[0], d[1], d[3]};
  if (!pk_product(fx, 3, PK_MAX_COUNT, &ex) || !pk_product(fy, 3, PK_MAX_COUNT, &ey)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "the gather shapes overflow the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "x (offset, outer·axis·inner) reaches past the end of x", &x, xo, ex) ||
      !pk_check_fits(env, "indices (offset, nIndices) reaches past the end of indices", &idx, io, d[1]) ||
      !pk_check_fits(env, "y (offset, outer·nIndices·inner) reaches past the end of y", &y, yo, ey))
    return NULL;
  int64_t bad = -1;
  if (d[1] > 0)
    bad = pk_gather(u32_at(&x, xo), pk_i32_at(&idx, io), u32_at(&y, yo), d[0], d[1], d[2], d[3]);
  return number(env, (double)bad);
}

/* segmentSum(x, xOffset, segmentIds, idsOffset, y, yOffset, n, numSegments, inner) */
static napi_value segment_sum(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  int64_t xo, so, yo, d[3], ex, ey;
  pk_view x, seg, y;
  if (!pk_args(env, info, 9, argv, "segmentSum expects 9 arguments") ||
      !pk_arg_f32(env, argv[0], "x must be a Float32Array", &x) || !ARG_OFFSET(1, &xo) ||
      !pk_arg_i32(env, argv[2], "segmentIds must be an Int32Array", &seg) || !ARG_OFFSET(3, &so) ||
      !pk_arg_f32(env, argv[4], "y must be a Float32Array", &y) || !ARG_OFFSET(5, &yo) ||
      !ARG_COUNT(6, "n must be a non-negative integer", &d[0]) ||
      !ARG_COUNT(7, "numSegments must be a non-negative integer", &d[1]) ||
      !ARG_COUNT(8, "inner must be a non-negative integer", &d[2]))
    return NULL;
  const int64_t fx[2] = {d[0], d[2]}, fy[2] = {d[1], d[2]};
  if (!pk_product(fx, 2, PK_MAX_COUNT, &ex) || !pk_product(fy, 2, PK_MAX_COUNT, &ey)) {
    pk_throw_range(env, "ERR_PK_BOUNDS", "the segment-sum shapes overflow the addressable range");
    return NULL;
  }
  if (!pk_check_fits(env, "x (offset, n·inner) reaches past the end of x", &x, xo, ex) ||
      !pk_check_fits(env, "segmentIds (offset, n) reaches past the end of segmentIds", &seg, so, d[0]) ||
      !pk_check_fits(env, "y (offset, numSegments·inner) reaches past the end of y", &y, yo, ey))
    return NULL;
  if (ey > 0) pk_segment_sum(pk_f32_at(&x, xo), pk_i32_at(&seg, so), pk_f32_at(&y, yo), d[0], d[1], d[2]);
  return NULL;
}

/* Four arrays p, g, s1, s2 with offsets, n elements each (s2 optional). */
static int update_views(napi_env env, napi_value *argv, int arrays, pk_view *v, int64_t *off, int64_t *n) {
  static const char *names[] = {"p must be a Float32Array", "g must be a Float32Array",
                                "the first state array must be a Float32Array",
                                "the second state array must be a Float32Array"};
  static const char *fits[] = {"p (offset, n) reaches past the end of p", "g (offset, n) reaches past the end of g",
                               "the first state array is too short", "the second state array is too short"};
  for (int i = 0; i < arrays; i++)
    if (!pk_arg_f32(env, argv[2 * i], names[i], &v[i]) || !ARG_OFFSET(2 * i + 1, &off[i])) return 0;
  if (!ARG_COUNT(2 * arrays, "n must be a non-negative integer", n)) return 0;
  for (int i = 0; i < arrays; i++)
    if (!pk_check_fits(env, fits[i], &v[i], off[i], *n)) return 0;
  return 1;
}

/*
 * adamUpdate(p, pOff, g, gOff, m, mOff, v, vOff, n, stepSize, beta1, oneMinusBeta1, beta2,
 *            oneMinusBeta2, sqrtBc2, eps, weightDecay, decay)
 */
static napi_value adam_update(napi_env env, napi_callback_info info) {
  napi_value argv[18];
  pk_view v[4];
  int64_t off[4], n;
  pk_adam_coefs c;
  if (!pk_args(env, info, 18, argv, "adamUpdate expects 18 arguments") || !update_views(env, argv, 4, v, off, &n) ||
      !pk_arg_float(env, argv[9], "stepSize must be a number", &c.step_size) ||
      !pk_arg_float(env, argv[10], "beta1 must be a number", &c.beta1) ||
      !pk_arg_float(env, argv[11], "oneMinusBeta1 must be a number", &c.one_minus_beta1) ||
      !pk_arg_float(env, argv[12], "beta2 must be a number", &c.beta2) ||
      !pk_arg_float(env, argv[13], "oneMinusBeta2 must be a number", &c.one_minus_beta2) ||
      !pk_arg_float(env, argv[14], "sqrtBc2 must be a number", &c.sqrt_bc2) ||
      !pk_arg_float(env, argv[15], "eps must be a number", &c.eps) ||
      !pk_arg_float(env, argv[16], "weightDecay must be a number", &c.weight_decay) ||
      !pk_arg_float(env, argv[17], "decay must be a number", &c.decay))
    return NULL;
  if (n > 0)
    pk_adam(pk_f32_at(&v[0], off[0]), pk_f32_at(&v[1], off[1]), pk_f32_at(&v[2], off[2]), pk_f32_at(&v[3], off[3]), n,
            &c);
  return NULL;
}

/* momentumUpdate(p, pOff, g, gOff, buf, bufOff, n, lr, momentum, oneMinusDampening, weightDecay, first, nesterov) */
static napi_value momentum_update(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  pk_view v[3];
  int64_t off[3], n;
  pk_momentum_coefs c;
  if (!pk_args(env, info, 13, argv, "momentumUpdate expects 13 arguments") ||
      !update_views(env, argv, 3, v, off, &n) || !pk_arg_float(env, argv[7], "lr must be a number", &c.lr) ||
      !pk_arg_float(env, argv[8], "momentum must be a number", &c.momentum) ||
      !pk_arg_float(env, argv[9], "oneMinusDampening must be a number", &c.one_minus_dampening) ||
      !pk_arg_float(env, argv[10], "weightDecay must be a number", &c.weight_decay) ||
      !pk_arg_bool(env, argv[11], "first must be a boolean", &c.first) ||
      !pk_arg_bool(env, argv[12], "nesterov must be a boolean", &c.nesterov))
    return NULL;
  if (n > 0) pk_momentum(pk_f32_at(&v[0], off[0]), pk_f32_at(&v[1], off[1]), pk_f32_at(&v[2], off[2]), n, &c);
  return NULL;
}

/* { name: code } for one op family. */
static int code_table(napi_env env, napi_value parent, const char *family, const char *const *names, int count) {
  napi_value table, code;
  if (napi_create_object(env, &table) != napi_ok) return 0;
  for (int i = 0; i < count; i++)
    if (napi_create_int32(env, i, &code) != napi_ok || napi_set_named_property(env, table, names[i], code) != napi_ok)
      return 0;
  return napi_set_named_property(env, parent, family, table) == napi_ok;
}

/* The op codes of ops.h by name, so JS callers never restate the enums. */
static int define_op_codes(napi_env env, napi_value exports) {
  static const char *const unary_names[PK_U_COUNT] = {"copy", "neg", "exp", "log", "sqrt", "rsqrt", "square", "abs",
                                                      "reciprocal", "tanh", "sigmoid", "relu", "erf", "step",
                                                      "leakyRelu"};
  static const char *const binary_names[PK_B_COUNT] = {"add", "sub", "mul", "div", "squaredDifference"};
  static const char *const reduce_names[PK_R_COUNT] = {"sum", "mean", "max", "min"};
  napi_value codes;
  return napi_create_object(env, &codes) == napi_ok && code_table(env, codes, "unary", unary_names, PK_U_COUNT) &&
         code_table(env, codes, "binary", binary_names, PK_B_COUNT) &&
         code_table(env, codes, "reduce", reduce_names, PK_R_COUNT) &&
         napi_set_named_property(env, exports, "opCodes", codes) == napi_ok;
}

int pk_define_ops(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"unary", NULL, unary, NULL, NULL, NULL, napi_enumerable, NULL},
      {"castI32ToF32", NULL, cast_i32_f32, NULL, NULL, NULL, napi_enumerable, NULL},
      {"binary", NULL, binary, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reduce", NULL, reduce, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmax", NULL, softmax, NULL, NULL, NULL, napi_enumerable, NULL},
      {"transpose", NULL, transpose, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gather", NULL, gather, NULL, NULL, NULL, napi_enumerable, NULL},
      {"segmentSum", NULL, segment_sum, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamUpdate", NULL, adam_update, NULL, NULL, NULL, napi_enumerable, NULL},
      {"momentumUpdate", NULL, momentum_update, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) == napi_ok &&
         define_op_codes(env, exports);
}
