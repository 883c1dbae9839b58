/*
 * Multi-threaded float32 kernels beside the BLAS ones: elementwise unary and broadcasting binary
 * ops, reductions over one contiguous run of axes, softmax, transpose, gather, segment sums, and
 * fused optimizer updates. No dependency on Node: callers (ops_glue.c) have checked every extent.
 *
 * Arithmetic follows tfjs's kernels operation by operation (float32 results of float32 operands,
 * compiled without floating-point contraction), so the elementwise ops and the fused updates are
 * bit-identical to chains of stock kernels; exp and erf are vectorised approximations (vmath.h),
 * tanh and log come from the C library, all within a few ulp of tfjs's; sums accumulate in double.
 */
#ifndef PAPERKIT_OPS_H
#define PAPERKIT_OPS_H

#include <node_api.h>
#include <stdint.h>

/* Largest rank the broadcasting and transpose kernels walk (as the batched sgemm). */
#define PK_MAX_RANK 8

/* Elementwise y = f(x). `alpha` is Step's value at x <= 0 and LeakyRelu's slope. */
typedef enum {
  PK_U_COPY = 0,
  PK_U_NEG,
  PK_U_EXP,
  PK_U_LOG,
  PK_U_SQRT,
  PK_U_RSQRT,
  PK_U_SQUARE,
  PK_U_ABS,
  PK_U_RECIPROCAL,
  PK_U_TANH,
  PK_U_SIGMOID,
  PK_U_RELU,
  PK_U_ERF,
  PK_U_STEP,
  PK_U_LEAKY_RELU,
  PK_U_COUNT
} pk_unary_op;

/* c = a ∘ b over a broadcast shape. */
typedef enum { PK_B_ADD = 0, PK_B_SUB, PK_B_MUL, PK_B_DIV, PK_B_SQUARED_DIFFERENCE, PK_B_COUNT } pk_binary_op;

/* Reductions of the middle axis of [outer, n, inner]. */
typedef enum { PK_R_SUM = 0, PK_R_MEAN, PK_R_MAX, PK_R_MIN, PK_R_COUNT } pk_reduce_op;

void pk_unary(pk_unary_op op, const float *x, float *y, int64_t n, float alpha);

/* y = (float)x for int32 x. */
void pk_cast_i32_f32(const int32_t *x, float *y, int64_t n);

/*
 * c[idx] = a[Σ idx·sa] ∘ b[Σ idx·sb] for every idx of `shape` (rank ≤ PK_MAX_RANK, no dimension 0),
 * c contiguous. A zero stride broadcasts that operand along the dimension.
 */
void pk_binary(pk_binary_op op, const float *a, const int64_t *sa, const float *b, const int64_t *sb, float *c,
               const int64_t *shape, int rank);

/*
 * y[o, i] = reduce_j x[o, j, i] for x of shape [outer, n, inner]. n = 0 gives the op's identity
 * (0 for sum, NaN for mean, −∞ for max, +∞ for min). NaN propagates through max and min.
 */
void pk_reduce(pk_reduce_op op, const float *x, float *y, int64_t outer, int64_t n, int64_t inner);

/* Row-wise softmax of [rows, cols]: exp(x − max) / Σ exp(x − max). */
void pk_softmax(const float *x, float *y, int64_t rows, int64_t cols);

/* y = transpose(x, perm) for 4-byte elements of `shape` (rank ≤ PK_MAX_RANK, no dimension 0). */
void pk_transpose(const uint32_t *x, uint32_t *y, const int64_t *shape, const int64_t *perm, int rank);

/*
 * y[o, j, i] = x[o, idx[j], i] with x [outer, axis, inner] and y [outer, nidx, inner] (4-byte
 * elements). Returns −1, or the position of the first index outside [0, axis) (nothing written).
 */
int64_t pk_gather(const uint32_t *x, const int32_t *idx, uint32_t *y, int64_t outer, int64_t nidx, int64_t axis,
                  int64_t inner);

/* y[s, i] = Σ_{j : seg[j] = s} x[j, i] for x [n, inner], y [nseg, inner]; ids outside [0, nseg) are dropped. */
void pk_segment_sum(const float *x, const int32_t *seg, float *y, int64_t n, int64_t nseg, int64_t inner);

/* Float32 coefficients of one Adam/AdamW step, as the unfused chain rounds them. */
typedef struct {
  float step_size;       /* lr / (1 − β₁ᵗ) */
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float sqrt_bc2;        /* √(1 − β₂ᵗ) */
  float eps;
  float weight_decay;    /* coupled (Adam): g ← g + wd·p; 0 = none */
  float decay;           /* decoupled (AdamW): p ← p·decay before the step; 1 = none */
} pk_adam_coefs;

/*
 * One Adam step in a single pass, in place: g' = g + wd·p, m ← β₁m + (1−β₁)g',
 * v ← β₂v + (1−β₂)g'², p ← p·decay − step_size·m / (√v / √bc₂ + ε).
 */
void pk_adam(float *p, const float *g, float *m, float *v, int64_t n, const pk_adam_coefs *c);

/* Float32 coefficients of one momentum-SGD step (PyTorch's `torch.optim.SGD`). */
typedef struct {
  float lr, momentum, one_minus_dampening, weight_decay;
  int first;    /* the buffer is set to g' instead of accumulated */
  int nesterov; /* the step is g' + μ·buf instead of buf */
} pk_momentum_coefs;

/* One momentum step in place: g' = g + wd·p, buf ← μ·buf + (1−d)·g' (or g'), p ← p − lr·(buf or g' + μ·buf). */
void pk_momentum(float *p, const float *g, float *buf, int64_t n, const pk_momentum_coefs *c);

/* Adds the N-API entry points of these kernels to `exports`; 0 on failure. */
int pk_define_ops(napi_env env, napi_value exports);

#endif
