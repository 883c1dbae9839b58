/*
 * The elementwise, reduction, softmax and layout kernels of ops.h, split over the thread pool.
 * Elementwise results never depend on how the index space is cut. Reductions reduce each output
 * from its inputs in one fixed order (rows of at most PK_BLOCK elements are summed in one pass;
 * longer rows as fixed blocks whose partial sums are added in order), so they are deterministic at
 * every thread count, not only at a fixed one.
 */
#include <math.h>
#include <string.h>

#include "ops.h"
#include "pool.h"
#include "vmath.h"

/* Minimum elements per thread: cheap ops (one memory pass), transcendental ones. */
#define PK_GRAIN_CHEAP ((int64_t)1 << 15)
#define PK_GRAIN_HEAVY ((int64_t)1 << 12)
/* Rows longer than this are summed in blocks of this many elements. */
#define PK_BLOCK ((int64_t)1 << 13)

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---------------------------------------------------------------------------------------------- */
/* Unary */

typedef struct {
  pk_unary_op op;
  const float *x;
  float *y;
  float alpha;
} unary_ctx;

/* tfjs-backend-cpu's definitions: Relu keeps NaN (x < 0 is false), Step maps NaN to NaN. */
PK_VECTOR_CLONES static void unary_range(void *p, int64_t b, int64_t e) {
  const unary_ctx *u = p;
  const float *x = u->x;
  float *y = u->y;
  const float a = u->alpha;
  switch (u->op) {
    case PK_U_COPY: memmove(y + b, x + b, (size_t)(e - b) * sizeof(float)); break;
    case PK_U_NEG: for (int64_t i = b; i < e; i++) y[i] = -x[i]; break;
    case PK_U_EXP: PK_MAPV(pk_expv, x + b, y + b, e - b, 1.0f, 0.0f); break;
    case PK_U_LOG: for (int64_t i = b; i < e; i++) y[i] = logf(x[i]); break;
    case PK_U_SQRT: for (int64_t i = b; i < e; i++) y[i] = sqrtf(x[i]); break;
    case PK_U_RSQRT: for (int64_t i = b; i < e; i++) y[i] = 1.0f / sqrtf(x[i]); break;
    case PK_U_SQUARE: for (int64_t i = b; i < e; i++) y[i] = x[i] * x[i]; break;
    case PK_U_ABS: for (int64_t i = b; i < e; i++) y[i] = fabsf(x[i]); break;
    case PK_U_RECIPROCAL: for (int64_t i = b; i < e; i++) y[i] = 1.0f / x[i]; break;
    case PK_U_TANH: for (int64_t i = b; i < e; i++) y[i] = tanhf(x[i]); break;
    case PK_U_SIGMOID:
      /* 1 / (1 + e^(−x)), the exponential vectorised, then the division. */
      PK_MAPV(pk_expv, x + b, y + b, e - b, -1.0f, 0.0f);
      for (int64_t i = b; i < e; i++) y[i] = 1.0f / (1.0f + y[i]);
      break;
    case PK_U_RELU: for (int64_t i = b; i < e; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i]; break;
    case PK_U_ERF: PK_MAPV(pk_erfv, x + b, y + b, e - b, 1.0f, 0.0f); break;
    case PK_U_STEP:
      for (int64_t i = b; i < e; i++) y[i] = isnan(x[i]) ? x[i] : x[i] > 0.0f ? 1.0f : a;
      break;
    case PK_U_LEAKY_RELU: for (int64_t i = b; i < e; i++) y[i] = x[i] < 0.0f ? a * x[i] : x[i]; break;
    default: break;
  }
}

void pk_unary(pk_unary_op op, const float *x, float *y, int64_t n, float alpha) {
  unary_ctx u = {op, x, y, alpha};
  const int heavy = op == PK_U_EXP || op == PK_U_LOG || op == PK_U_TANH || op == PK_U_SIGMOID || op == PK_U_ERF;
  /* In place (x == y) is safe: each index is read before it is written, by one thread. */
  pk_parallel_for(n, heavy ? PK_GRAIN_HEAVY : PK_GRAIN_CHEAP, unary_range, &u);
}

typedef struct {
  const int32_t *x;
  float *y;
} cast_ctx;

static void cast_range(void *p, int64_t b, int64_t e) {
  const cast_ctx *c = p;
  for (int64_t i = b; i < e; i++) c->y[i] = (float)c->x[i];
}

void pk_cast_i32_f32(const int32_t *x, float *y, int64_t n) {
  cast_ctx c = {x, y};
  pk_parallel_for(n, PK_GRAIN_CHEAP, cast_range, &c);
}

/* ---------------------------------------------------------------------------------------------- */
/* Binary with broadcasting */

typedef struct {
  pk_binary_op op;
  const float *a, *b;
  float *c;
  int rank;
  int64_t shape[PK_MAX_RANK], sa[PK_MAX_RANK], sb[PK_MAX_RANK];
} binary_ctx;

#define PK_BINARY_LOOP(EXPR)                                     \
  do {                                                           \
    if (da == 1 && db == 1)                                      \
      for (int64_t j = 0; j < len; j++) {                        \
        const float x = a[j], y = b[j];                          \
        c[j] = (EXPR);                                           \
      }                                                          \
    else if (da == 1 && db == 0) {                               \
      const float y = b[0];                                      \
      for (int64_t j = 0; j < len; j++) {                        \
        const float x = a[j];                                    \
        c[j] = (EXPR);                                           \
      }                                                          \
    } else if (da == 0 && db == 1) {                             \
      const float x = a[0];                                      \
      for (int64_t j = 0; j < len; j++) {                        \
        const float y = b[j];                                    \
        c[j] = (EXPR);                                           \
      }                                                          \
    } else                                                       \
      for (int64_t j = 0; j < len; j++) {                        \
        const float x = a[j * da], y = b[j * db];                \
        c[j] = (EXPR);                                           \
      }                                                          \
  } while (0)

/* One run along the last dimension: c[j] = a[j·da] ∘ b[j·db], j < len. */
static void binary_run(pk_binary_op op, const float *a, int64_t da, const float *b, int64_t db, float *c,
                       int64_t len) {
  switch (op) {
    case PK_B_ADD: PK_BINARY_LOOP(x + y); break;
    case PK_B_SUB: PK_BINARY_LOOP(x - y); break;
    case PK_B_MUL: PK_BINARY_LOOP(x * y); break;
    case PK_B_DIV: PK_BINARY_LOOP(x / y); break;
    /* tfjs computes (a − b)² as one rounded difference, then one rounded square. */
    case PK_B_SQUARED_DIFFERENCE: PK_BINARY_LOOP((x - y) * (x - y)); break;
    default: break;
  }
}

static void binary_range(void *p, int64_t begin, int64_t end) {
  const binary_ctx *k = p;
  const int r = k->rank;
  const int64_t last = k->shape[r - 1];
  int64_t idx[PK_MAX_RANK];
  /* Unravel `begin` into a multi-index and the operands' offsets. */
  int64_t rem = begin, oa = 0, ob = 0;
  for (int d = r - 1; d >= 0; d--) {
    idx[d] = rem % k->shape[d];
    rem /= k->shape[d];
    oa += idx[d] * k->sa[d];
    ob += idx[d] * k->sb[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = min64(last - idx[r - 1], end - pos);
    binary_run(k->op, k->a + oa, k->sa[r - 1], k->b + ob, k->sb[r - 1], k->c + pos, len);
    pos += len;
    idx[r - 1] += len;
    oa += len * k->sa[r - 1];
    ob += len * k->sb[r - 1];
    /* Carry into the outer dimensions. */
    for (int d = r - 1; d > 0 && idx[d] == k->shape[d]; d--) {
      oa -= idx[d] * k->sa[d];
      ob -= idx[d] * k->sb[d];
      idx[d] = 0;
      idx[d - 1]++;
      oa += k->sa[d - 1];
      ob += k->sb[d - 1];
    }
  }
}

void pk_binary(pk_binary_op op, const float *a, const int64_t *sa, const float *b, const int64_t *sb, float *c,
               const int64_t *shape, int rank) {
  binary_ctx k = {.op = op, .a = a, .b = b, .c = c, .rank = 0};
  /* Merge neighbouring dimensions that are contiguous in both operands (c is always contiguous), so
   * the innermost run is as long as possible; size-1 dimensions are dropped. */
  int64_t total = 1;
  for (int d = 0; d < rank; d++) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    const int j = k.rank - 1;
    if (j >= 0 && k.sa[j] == sa[d] * shape[d] && k.sb[j] == sb[d] * shape[d]) {
      k.shape[j] *= shape[d];
      k.sa[j] = sa[d];
      k.sb[j] = sb[d];
    } else {
      k.shape[k.rank] = shape[d];
      k.sa[k.rank] = sa[d];
      k.sb[k.rank] = sb[d];
      k.rank++;
    }
  }
  if (k.rank == 0) {
    k.shape[0] = 1;
    k.sa[0] = 0;
    k.sb[0] = 0;
    k.rank = 1;
  }
  pk_parallel_for(total, PK_GRAIN_CHEAP, binary_range, &k);
}

/* ---------------------------------------------------------------------------------------------- */
/* Reductions */

typedef struct {
  pk_reduce_op op;
  const float *x;
  float *y;
  int64_t outer, n, inner;
  double *partial; /* blocked rows: one partial per (row, block) */
  int64_t blocks;
} reduce_ctx;

static float reduce_identity(pk_reduce_op op) {
  switch (op) {
    case PK_R_SUM: return 0.0f;
    case PK_R_MAX: return -INFINITY;
    case PK_R_MIN: return INFINITY;
    default: return NAN; /* the mean of nothing is 0/0 */
  }
}

/* Σ x[0..n) in double, eight lanes added in a fixed order. */
static double sum_run(const float *x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) acc[l] += x[j + l];
  for (; j < n; j++) acc[0] += x[j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static float extreme_run(pk_reduce_op op, const float *x, int64_t n, float init) {
  float best = init;
  for (int64_t j = 0; j < n; j++) {
    const float v = x[j];
    if (isnan(v)) return v;
    if (op == PK_R_MAX ? v > best : v < best) best = v;
  }
  return best;
}

/* inner == 1, short rows: rows [b, e) each in one pass. */
PK_VECTOR_CLONES static void reduce_rows(void *p, int64_t b, int64_t e) {
  const reduce_ctx *r = p;
  for (int64_t o = b; o < e; o++) {
    const float *row = r->x + o * r->n;
    if (r->op == PK_R_SUM) r->y[o] = (float)sum_run(row, r->n);
    else if (r->op == PK_R_MEAN) r->y[o] = (float)(sum_run(row, r->n) / (double)r->n);
    else r->y[o] = extreme_run(r->op, row, r->n, reduce_identity(r->op));
  }
}

typedef struct {
  const reduce_ctx *r;
  int64_t t0; /* global task number of partial[0] */
} window_ctx;

/* inner == 1, long rows: global task g = (row, block) reduces one fixed block into a partial. */
PK_VECTOR_CLONES static void reduce_blocks(void *p, int64_t b, int64_t e) {
  const window_ctx *wc = p;
  const reduce_ctx *r = wc->r;
  for (int64_t t = b; t < e; t++) {
    const int64_t g = wc->t0 + t, o = g / r->blocks, k = g % r->blocks;
    const int64_t start = k * PK_BLOCK, len = min64(PK_BLOCK, r->n - start);
    const float *x = r->x + o * r->n + start;
    r->partial[t] = r->op == PK_R_SUM || r->op == PK_R_MEAN
                        ? sum_run(x, len)
                        : (double)extreme_run(r->op, x, len, reduce_identity(r->op));
  }
}

static void window_blocks(const reduce_ctx *r, int64_t t0, int64_t count) {
  window_ctx wc = {r, t0};
  pk_parallel_for(count, 2, reduce_blocks, &wc);
}

/* acc ∘ v for the block partials (max/min keep the first NaN). */
static double fold(pk_reduce_op op, double acc, double v) {
  if (op == PK_R_SUM || op == PK_R_MEAN) return acc + v;
  if (isnan(acc)) return acc;
  if (isnan(v)) return v;
  return (op == PK_R_MAX ? v > acc : v < acc) ? v : acc;
}

/* inner > 1: task t = (outer o, column block) accumulates columns over j in order. */
PK_VECTOR_CLONES static void reduce_columns(void *p, int64_t b, int64_t e) {
  const reduce_ctx *r = p;
  enum { COLS = 256 };
  const int64_t cblocks = (r->inner + COLS - 1) / COLS;
  for (int64_t t = b; t < e; t++) {
    const int64_t o = t / cblocks, c0 = (t % cblocks) * COLS, w = min64(COLS, r->inner - c0);
    const float *x = r->x + o * r->n * r->inner + c0;
    float *y = r->y + o * r->inner + c0;
    if (r->op == PK_R_SUM || r->op == PK_R_MEAN) {
      double acc[COLS];
      for (int64_t i = 0; i < w; i++) acc[i] = 0.0;
      for (int64_t j = 0; j < r->n; j++)
        for (int64_t i = 0; i < w; i++) acc[i] += x[j * r->inner + i];
      for (int64_t i = 0; i < w; i++)
        y[i] = r->op == PK_R_SUM ? (float)acc[i] : (float)(acc[i] / (double)r->n);
    } else {
      const int max = r->op == PK_R_MAX;
      for (int64_t i = 0; i < w; i++) y[i] = reduce_identity(r->op);
      for (int64_t j = 0; j < r->n; j++)
        for (int64_t i = 0; i < w; i++) {
          const float v = x[j * r->inner + i];
          if (isnan(y[i])) continue;
          if (isnan(v) || (max ? v > y[i] : v < y[i])) y[i] = v;
        }
    }
  }
}

void pk_reduce(pk_reduce_op op, const float *x, float *y, int64_t outer, int64_t n, int64_t inner) {
  reduce_ctx r = {op, x, y, outer, n, inner, NULL, 0};
  const int64_t outputs = outer * inner;
  if (outputs == 0) return;
  if (n == 0) {
    for (int64_t i = 0; i < outputs; i++) y[i] = reduce_identity(op);
    return;
  }
  if (inner > 1) {
    const int64_t cblocks = (inner + 255) / 256;
    const int64_t per = n * min64(inner, 256);
    pk_parallel_for(outer * cblocks, per >= PK_GRAIN_CHEAP ? 1 : PK_GRAIN_CHEAP / per, reduce_columns, &r);
    return;
  }
  if (n <= PK_BLOCK) {
    pk_parallel_for(outer, n >= PK_GRAIN_CHEAP ? 1 : PK_GRAIN_CHEAP / n, reduce_rows, &r);
    return;
  }
  r.blocks = (n + PK_BLOCK - 1) / PK_BLOCK;
  /* Partials are folded on this thread in (row, block) order, whatever the thread count; a window of
   * at most WINDOW tasks is computed in parallel at a time, so no allocation is needed. */
  enum { WINDOW = 1024 };
  double partial[WINDOW];
  const int64_t tasks = outer * r.blocks;
  double acc = 0.0;
  for (int64_t t0 = 0; t0 < tasks; t0 += WINDOW) {
    const int64_t w = min64(WINDOW, tasks - t0);
    reduce_ctx win = r;
    win.partial = partial; /* partial[t] is global task t0 + t */
    window_blocks(&win, t0, w);
    for (int64_t t = 0; t < w; t++) {
      const int64_t g = t0 + t, o = g / r.blocks, k = g % r.blocks;
      if (k == 0) acc = op == PK_R_SUM || op == PK_R_MEAN ? 0.0 : (double)reduce_identity(op);
      acc = fold(op, acc, partial[t]);
      if (k == r.blocks - 1) y[o] = op == PK_R_MEAN ? (float)(acc / (double)n) : (float)acc;
    }
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Softmax over the last axis */

typedef struct {
  const float *x;
  float *y;
  int64_t cols;
} softmax_ctx;

/* As tfjs's cpu kernel: max, exp(x − max), their sum, then one division per element. */
PK_VECTOR_CLONES static void softmax_rows(void *p, int64_t b, int64_t e) {
  const softmax_ctx *s = p;
  const int64_t n = s->cols;
  for (int64_t r = b; r < e; r++) {
    const float *x = s->x + r * n;
    float *y = s->y + r * n;
    /* The row maximum, PK_LANES at a time, noting any NaN on the way. */
    pk_vf vmax = pk_splat(-INFINITY);
    pk_vi vnan = (pk_vi){0};
    int64_t j = 0;
    for (; j + PK_LANES <= n; j += PK_LANES) {
      pk_vf v;
      memcpy(&v, x + j, sizeof v);
      vnan |= v != v;
      vmax = pk_select(v > vmax, v, vmax);
    }
    float mx = -INFINITY;
    int nan = 0;
    for (int l = 0; l < PK_LANES; l++) {
      nan |= vnan[l] != 0;
      if (vmax[l] > mx) mx = vmax[l];
    }
    for (; j < n; j++) {
      if (isnan(x[j])) nan = 1;
      if (x[j] > mx) mx = x[j];
    }
    if (nan) {
      for (int64_t j = 0; j < n; j++) y[j] = NAN;
      continue;
    }
    PK_MAPV(pk_expv, x, y, n, 1.0f, -mx);
    const float sum = (float)sum_run(y, n);
    for (int64_t j = 0; j < n; j++) y[j] = y[j] / sum;
  }
}

void pk_softmax(const float *x, float *y, int64_t rows, int64_t cols) {
  softmax_ctx s = {x, y, cols};
  if (cols == 0) return;
  pk_parallel_for(rows, cols >= PK_GRAIN_HEAVY ? 1 : PK_GRAIN_HEAVY / cols, softmax_rows, &s);
}

/* ---------------------------------------------------------------------------------------------- */
/* Transpose */

typedef struct {
  const uint32_t *x;
  uint32_t *y;
  int rank;
  int64_t oshape[PK_MAX_RANK]; /* output shape */
  int64_t istride[PK_MAX_RANK]; /* input stride of each output dimension */
} transpose_ctx;

static void transpose_range(void *p, int64_t begin, int64_t end) {
  const transpose_ctx *t = p;
  const int r = t->rank;
  int64_t idx[PK_MAX_RANK];
  int64_t rem = begin, off = 0;
  for (int d = r - 1; d >= 0; d--) {
    idx[d] = rem % t->oshape[d];
    rem /= t->oshape[d];
    off += idx[d] * t->istride[d];
  }
  const int64_t last = t->oshape[r - 1], ls = t->istride[r - 1];
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = min64(last - idx[r - 1], end - pos);
    if (ls == 1) memcpy(t->y + pos, t->x + off, (size_t)len * sizeof(uint32_t));
    else
      for (int64_t j = 0; j < len; j++) t->y[pos + j] = t->x[off + j * ls];
    pos += len;
    idx[r - 1] += len;
    off += len * ls;
    for (int d = r - 1; d > 0 && idx[d] == t->oshape[d]; d--) {
      off -= idx[d] * t->istride[d];
      idx[d] = 0;
      idx[d - 1]++;
      off += t->istride[d - 1];
    }
  }
}

void pk_transpose(const uint32_t *x, uint32_t *y, const int64_t *shape, const int64_t *perm, int rank) {
  int64_t stride[PK_MAX_RANK];
  int64_t s = 1, total = 1;
  for (int d = rank - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d];
  }
  transpose_ctx t = {.x = x, .y = y, .rank = 0};
  /* Output dimension d reads input dimension perm[d]; merge output neighbours that are neighbours
   * in the input too, and drop size-1 dimensions. */
  for (int d = 0; d < rank; d++) {
    const int64_t n = shape[perm[d]], st = stride[perm[d]];
    total *= n;
    if (n == 1) continue;
    const int j = t.rank - 1;
    if (j >= 0 && t.istride[j] == st * n) {
      t.oshape[j] *= n;
      t.istride[j] = st;
    } else {
      t.oshape[t.rank] = n;
      t.istride[t.rank] = st;
      t.rank++;
    }
  }
  if (t.rank == 0) {
    t.oshape[0] = 1;
    t.istride[0] = 1;
    t.rank = 1;
  }
  pk_parallel_for(total, PK_GRAIN_CHEAP, transpose_range, &t);
}

/* ---------------------------------------------------------------------------------------------- */
/* Gather and segment sums */

typedef struct {
  const uint32_t *x;
  const int32_t *idx;
  uint32_t *y;
  int64_t nidx, axis, inner;
} gather_ctx;

static void gather_rows(void *p, int64_t b, int64_t e) {
  const gather_ctx *g = p;
  for (int64_t t = b; t < e; t++) {
    const int64_t o = t / g->nidx, j = t % g->nidx;
    memcpy(g->y + t * g->inner, g->x + (o * g->axis + g->idx[j]) * g->inner, (size_t)g->inner * sizeof(uint32_t));
  }
}

int64_t pk_gather(const uint32_t *x, const int32_t *idx, uint32_t *y, int64_t outer, int64_t nidx, int64_t axis,
                  int64_t inner) {
  for (int64_t j = 0; j < nidx; j++)
    if (idx[j] < 0 || idx[j] >= axis) return j;
  gather_ctx g = {x, idx, y, nidx, axis, inner};
  if (inner == 0) return -1;
  pk_parallel_for(outer * nidx, inner >= PK_GRAIN_CHEAP ? 1 : PK_GRAIN_CHEAP / inner, gather_rows, &g);
  return -1;
}

typedef struct {
  const float *x;
  const int32_t *seg;
  float *y;
  int64_t n, nseg, inner;
} segment_ctx;

/* Columns [b, e) of every segment: each output column is summed over j in order by one thread. */
static void segment_columns(void *p, int64_t b, int64_t e) {
  const segment_ctx *s = p;
  for (int64_t k = 0; k < s->nseg; k++) memset(s->y + k * s->inner + b, 0, (size_t)(e - b) * sizeof(float));
  for (int64_t j = 0; j < s->n; j++) {
    const int32_t k = s->seg[j];
    if (k < 0 || k >= s->nseg) continue;
    const float *x = s->x + j * s->inner;
    float *y = s->y + k * s->inner;
    for (int64_t i = b; i < e; i++) y[i] += x[i];
  }
}

void pk_segment_sum(const float *x, const int32_t *seg, float *y, int64_t n, int64_t nseg, int64_t inner) {
  segment_ctx s = {x, seg, y, n, nseg, inner};
  const int64_t per = n + nseg + 1;
  pk_parallel_for(inner, per >= PK_GRAIN_CHEAP / 16 ? 16 : PK_GRAIN_CHEAP / per, segment_columns, &s);
}

/* ---------------------------------------------------------------------------------------------- */
/* Fused optimizer updates */

typedef struct {
  float *p, *m, *v;
  const float *g;
  pk_adam_coefs c;
} adam_ctx;

/* Each line is one kernel of the unfused chain, rounded to float32 in the same order. */
PK_VECTOR_CLONES static void adam_range(void *ctx, int64_t b, int64_t e) {
  const adam_ctx *a = ctx;
  const pk_adam_coefs c = a->c;
  float *p = a->p, *m = a->m, *v = a->v;
  const float *g = a->g;
  for (int64_t i = b; i < e; i++) {
    float gi = g[i];
    if (c.weight_decay != 0.0f) gi = gi + p[i] * c.weight_decay;
    const float mi = m[i] * c.beta1 + gi * c.one_minus_beta1;
    const float vi = v[i] * c.beta2 + (gi * gi) * c.one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi) / c.sqrt_bc2 + c.eps;
    const float u = (mi / denom) * c.step_size;
    p[i] = (c.decay != 1.0f ? p[i] * c.decay : p[i]) - u;
  }
}

void pk_adam(float *p, const float *g, float *m, float *v, int64_t n, const pk_adam_coefs *c) {
  adam_ctx a = {p, m, v, g, *c};
  pk_parallel_for(n, PK_GRAIN_CHEAP, adam_range, &a);
}

typedef struct {
  float *p, *buf;
  const float *g;
  pk_momentum_coefs c;
} momentum_ctx;

static void momentum_range(void *ctx, int64_t b, int64_t e) {
  const momentum_ctx *k = ctx;
  const pk_momentum_coefs c = k->c;
  for (int64_t i = b; i < e; i++) {
    float gi = k->g[i];
    if (c.weight_decay != 0.0f) gi = gi + k->p[i] * c.weight_decay;
    const float bi = c.first ? gi : k->buf[i] * c.momentum + gi * c.one_minus_dampening;
    k->buf[i] = bi;
    const float u = c.nesterov ? gi + bi * c.momentum : bi;
    k->p[i] = k->p[i] - u * c.lr;
  }
}

void pk_momentum(float *p, const float *g, float *buf, int64_t n, const pk_momentum_coefs *c) {
  momentum_ctx k = {p, buf, g, *c};
  pk_parallel_for(n, PK_GRAIN_CHEAP, momentum_range, &k);
}
