/*
 * The kernels' thread pool (see pool.h). Workers sleep on a condition variable (no spinning: this
 * code shares its cores with OpenBLAS's threads and, often, with other processes) and take chunk
 * numbers from an atomic counter. The caller returns only after every chunk is done and every
 * worker that joined the job has left it, so the job description is never touched concurrently.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

/* Threads actually started at most (a larger setting still runs on this many). */
#define PK_POOL_MAX_WORKERS 63

typedef struct {
  pk_range_fn fn;
  void *ctx;
  int64_t n, chunk;
  int nchunks;
} pk_job;

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER; /* one job in the pool at a time */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;        /* guards everything below */
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static atomic_int threads = 1;
static int workers = 0;
static uint64_t generation = 0;
static int job_open = 0;  /* workers may join the current job */
static int job_helpers = 0; /* how many workers may join it (threads − 1) */
static int active = 0;    /* workers inside the current job */
static int remaining = 0; /* chunks not finished */
static pk_job job;
static atomic_int next_chunk;

static void run_chunks(const pk_job *j) {
  for (;;) {
    const int c = atomic_fetch_add(&next_chunk, 1);
    if (c >= j->nchunks) return;
    const int64_t begin = (int64_t)c * j->chunk;
    const int64_t end = begin + j->chunk < j->n ? begin + j->chunk : j->n;
    j->fn(j->ctx, begin, end);
    pthread_mutex_lock(&mu);
    if (--remaining == 0) pthread_cond_broadcast(&done_cv);
    pthread_mutex_unlock(&mu);
  }
}

static void *worker_main(void *arg) {
  (void)arg;
  uint64_t seen = 0;
  pthread_mutex_lock(&mu);
  seen = generation;
  for (;;) {
    while (generation == seen) pthread_cond_wait(&work_cv, &mu);
    seen = generation;
    /* Only threads − 1 workers help, even when more were started for an earlier, larger setting. */
    if (!job_open || active >= job_helpers) continue;
    active++;
    const pk_job j = job;
    pthread_mutex_unlock(&mu);
    run_chunks(&j);
    pthread_mutex_lock(&mu);
    if (--active == 0) pthread_cond_broadcast(&done_cv);
  }
  return NULL;
}

/* Starts workers up to threads − 1; called with call_lock held. */
static void ensure_workers(void) {
  int want = atomic_load(&threads) - 1;
  if (want > PK_POOL_MAX_WORKERS) want = PK_POOL_MAX_WORKERS;
  while (workers < want) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    const int rc = pthread_create(&t, &attr, worker_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) break; /* fewer threads: still correct, only slower */
    pthread_mutex_lock(&mu);
    workers++;
    pthread_mutex_unlock(&mu);
  }
}

void pk_parallel_for(int64_t n, int64_t grain, pk_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int t = atomic_load(&threads);
  if (n < 2 * grain || t <= 1 || pthread_mutex_trylock(&call_lock) != 0) {
    fn(ctx, 0, n);
    return;
  }
  ensure_workers();
  const int parts = t < workers + 1 ? t : workers + 1;
  /* Up to four chunks per thread: a thread the OS schedules late (a busy machine) leaves its share
   * to the others instead of holding everyone up; chunking never changes results (see pool.h). */
  int64_t nchunks = (n + grain - 1) / grain;
  if (nchunks > 4 * (int64_t)parts) nchunks = 4 * (int64_t)parts;
  if (nchunks < 2) {
    pthread_mutex_unlock(&call_lock);
    fn(ctx, 0, n);
    return;
  }
  const int64_t chunk = (n + nchunks - 1) / nchunks;
  pthread_mutex_lock(&mu);
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.chunk = chunk;
  job.nchunks = (int)((n + chunk - 1) / chunk);
  remaining = job.nchunks;
  atomic_store(&next_chunk, 0);
  job_helpers = parts - 1;
  job_open = 1;
  generation++;
  pthread_cond_broadcast(&work_cv);
  const pk_job j = job;
  pthread_mutex_unlock(&mu);
  run_chunks(&j);
  pthread_mutex_lock(&mu);
  job_open = 0;
  while (remaining > 0 || active > 0) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&call_lock);
}

void pk_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > 1024) n = 1024;
  pthread_mutex_lock(&call_lock);
  atomic_store(&threads, n);
  pthread_mutex_unlock(&call_lock);
}

int pk_pool_threads(void) { return atomic_load(&threads); }

int pk_pool_default_threads(void) {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n >= 1 ? (int)(n > 1024 ? 1024 : n) : 1;
}
