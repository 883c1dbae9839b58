/*
 * A small persistent thread pool for the elementwise, reduction and optimizer kernels, sized by the
 * same setting as the BLAS pool. Work is split into contiguous index ranges and every index is
 * computed by exactly one call of the same code, so results never depend on the thread count (the
 * reductions that cut one long row into pieces cut it at fixed, thread-independent boundaries).
 */
#ifndef PAPERKIT_POOL_H
#define PAPERKIT_POOL_H

#include <stdint.h>

/* fn(ctx, begin, end) processes indices [begin, end). */
typedef void (*pk_range_fn)(void *ctx, int64_t begin, int64_t end);

/*
 * Runs fn over [0, n) on up to the pool's thread count (the caller's thread included), in chunks of
 * at least `grain` indices; returns after every chunk is done. Work below 2·grain runs inline. Safe
 * to call from several threads at once (a caller that finds the pool busy runs its work inline).
 */
void pk_parallel_for(int64_t n, int64_t grain, pk_range_fn fn, void *ctx);

/* Sets the number of threads (1–1024; the caller counts as one). */
void pk_pool_set_threads(int n);

/* The current thread count. */
int pk_pool_threads(void);

/* Online processors, at least 1. */
int pk_pool_default_threads(void);

#endif
