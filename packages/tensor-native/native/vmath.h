/*
 * Branch-free float32 exp and erf that compilers vectorise (the C library's expf/erff are scalar
 * calls, several ns per element). Over every float32 input, exp stays within 1 ulp and erf within
 * 2.8 ulp of the correctly rounded result (checked exhaustively when they were written); both keep
 * NaN and saturate like the C library (exp: +∞ above 88.72, 0 or a subnormal below −87.3; erf: ±1
 * beyond |x| ≈ 3.92). Special values are selected with lane masks, so the loops have no branches
 * and no undefined float→int conversions.
 */
#ifndef PAPERKIT_VMATH_H
#define PAPERKIT_VMATH_H

#include <stdint.h>
#include <string.h>

/*
 * Eight floats or ints (GCC/Clang vector extensions): two SSE2 or NEON registers each, or one AVX2
 * register in the AVX2 clones of the loops that use them (PK_VECTOR_CLONES). Every lane computes the
 * same IEEE operations whatever the instruction set (no contraction into FMA), so results do not
 * depend on it.
 */
typedef float pk_vf __attribute__((vector_size(32)));
typedef int32_t pk_vi __attribute__((vector_size(32)));

/* Lanes per vector. */
#define PK_LANES 8

/* x86-64 Linux builds carry an AVX2 clone of each vectorised loop, picked at load time (ifunc). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define PK_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PK_VECTOR_CLONES
#endif

/*
 * The helpers below are always inlined: they take and return 32-byte vectors, whose calling
 * convention differs between the AVX2 clones and the baseline code that share them.
 */

/* mask ? a : b for an all-ones/all-zeros lane mask (C has no ?: on vectors). */
static inline __attribute__((always_inline)) pk_vf pk_select(pk_vi mask, pk_vf a, pk_vf b) {
  return (pk_vf)(((pk_vi)a & mask) | ((pk_vi)b & ~mask));
}

static inline __attribute__((always_inline)) pk_vf pk_splat(float v) { return (pk_vf){v, v, v, v, v, v, v, v}; }

/*
 * exp(x): x = n·ln2 + g with |g| ≤ ln2/2 (ln2 split in two parts for an exact product), a degree-6
 * polynomial for e^g (the classic Cephes expf coefficients), then 2^n applied as two factors
 * 2^(n/2)·2^(n − n/2), each a normal float, so results in the subnormal range are rounded once.
 */
static inline __attribute__((always_inline)) pk_vf pk_expv(pk_vf x) {
  const pk_vi is_nan = x != x;
  pk_vf xc = pk_select(is_nan, pk_splat(0.0f), x);
  xc = pk_select(xc > 89.0f, pk_splat(89.0f), xc);
  xc = pk_select(xc < -104.0f, pk_splat(-104.0f), xc);
  /* round(x·log2 e) by the 1.5·2^23 trick (round half to even, |value| < 2^22). */
  const pk_vf fn = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const pk_vi n = __builtin_convertvector(fn, pk_vi);
  pk_vf g = xc - fn * 0.693359375f;
  g = g - fn * -2.12194440e-4f;
  const pk_vf z = g * g;
  pk_vf p = pk_splat(1.9875691500e-4f);
  p = p * g + 1.3981999507e-3f;
  p = p * g + 8.3334519073e-3f;
  p = p * g + 4.1665795894e-2f;
  p = p * g + 1.6666665459e-1f;
  p = p * g + 5.0000001201e-1f;
  const pk_vf e = p * z + g + 1.0f;
  const pk_vi n1 = n >> 1, n2 = n - n1;
  const pk_vf r = e * (pk_vf)((n1 + 127) << 23) * (pk_vf)((n2 + 127) << 23);
  return pk_select(is_nan, x, r);
}

/*
 * erf(x): x·P(x²) for |x| ≤ 0.921875, 1 − e^(−x²)·R(1/|x|) up to |x| = 3.9194 (beyond which erf
 * rounds to ±1), both polynomials least-squares fits of relative error on Chebyshev nodes (degree
 * 6 in x², degree 9 in 1/x); both branches are computed and one is selected.
 */
static inline __attribute__((always_inline)) pk_vf pk_erfv(pk_vf x) {
  const pk_vi is_nan = x != x;
  const pk_vi neg = x < 0.0f;
  const pk_vf a = pk_select(is_nan, pk_splat(0.0f), pk_select(neg, -x, x));
  const pk_vf t = a * a;
  pk_vf p = pk_splat(8.365006142e-05f);
  p = p * t + -8.141392000e-04f;
  p = p * t + 5.200905222e-03f;
  p = p * t + -2.685934136e-02f;
  p = p * t + 1.128369434e-01f;
  p = p * t + -3.761263365e-01f;
  p = p * t + 1.128379167e+00f;
  const pk_vf small = a * p;
  pk_vf ac = pk_select(a < 0.5f, pk_splat(0.5f), a);
  ac = pk_select(ac > 3.9194f, pk_splat(3.9194f), ac);
  const pk_vf u = 1.0f / ac;
  pk_vf q = pk_splat(2.022536653e-02f);
  q = q * u + -1.223024138e-01f;
  q = q * u + 3.019195364e-01f;
  q = q * u + -3.528930124e-01f;
  q = q * u + 8.280426577e-02f;
  q = q * u + 3.156042193e-01f;
  q = q * u + -4.061051910e-01f;
  q = q * u + 2.723743589e-02f;
  q = q * u + 5.609267158e-01f;
  q = q * u + 1.666662910e-04f;
  const pk_vf large = 1.0f - pk_expv(-(ac * ac)) * q;
  const pk_vf r = pk_select(a <= 0.921875f, small, pk_select(a >= 3.9194f, pk_splat(1.0f), large));
  return pk_select(is_nan, x, pk_select(neg, -r, r));
}

/* One lane of the vector functions: a scalar tail computes exactly what the vector body does. */
static inline __attribute__((always_inline)) float pk_expf(float x) { return pk_expv(pk_splat(x))[0]; }
static inline __attribute__((always_inline)) float pk_erff(float x) { return pk_erfv(pk_splat(x))[0]; }

/* y[i] = f(s·x[i] + c) for i < n, PK_LANES at a time (f = pk_expv or pk_erfv). */
#define PK_MAPV(F, X, Y, N, S, C)                                         \
  do {                                                                    \
    int64_t i_ = 0;                                                       \
    for (; i_ + PK_LANES <= (N); i_ += PK_LANES) {                        \
      pk_vf v_;                                                           \
      memcpy(&v_, (X) + i_, sizeof v_);                                   \
      v_ = F(v_ * (S) + (C));                                             \
      memcpy((Y) + i_, &v_, sizeof v_);                                   \
    }                                                                     \
    for (; i_ < (N); i_++) (Y)[i_] = F(pk_splat((X)[i_] * (S) + (C)))[0]; \
  } while (0)

#endif
