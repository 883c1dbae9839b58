/*
 * Checked size arithmetic. Every size, extent and offset the addon computes from caller-supplied
 * integers goes through these: signed overflow is undefined behaviour in C, and a wrapped product
 * (2^30 · 2^30 · 2^4 = 2^64 → 0) once let a geometry pass the bounds checks and write far outside
 * its arrays. Each helper refuses negative operands and any overflow of int64, so a caller can
 * chain them and test once.
 */
#ifndef PAPERKIT_CHECKED_H
#define PAPERKIT_CHECKED_H

#include <stdint.h>

/* Largest element count of one array the kernels accept: every BLAS dimension is a 32-bit int. */
#define PK_MAX_ELEMS ((int64_t)INT32_MAX)

/* *out = a * b; 0 when a or b is negative or the product overflows int64. */
static inline int pk_mul(int64_t a, int64_t b, int64_t *out) {
  if (a < 0 || b < 0) return 0;
  return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; 0 when a or b is negative or the sum overflows int64. */
static inline int pk_add(int64_t a, int64_t b, int64_t *out) {
  if (a < 0 || b < 0) return 0;
  return !__builtin_add_overflow(a, b, out);
}

/*
 * *out = f[0]·f[1]·…·f[n−1] when every factor is ≥ 0 and the product is ≤ limit; 0 otherwise. A zero
 * factor makes the product 0 whatever the others are (an empty tensor of a huge shape is empty), but
 * the others must still be non-negative.
 */
static inline int pk_product(const int64_t *f, int n, int64_t limit, int64_t *out) {
  int64_t p = 1;
  int zero = 0;
  for (int i = 0; i < n; i++) {
    if (f[i] < 0) return 0;
    if (f[i] == 0) zero = 1;
  }
  if (zero) {
    *out = 0;
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (!pk_mul(p, f[i], &p) || p > limit) return 0;
  *out = p;
  return 1;
}

#endif
