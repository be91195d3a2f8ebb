// The worker pool (see kiln_pool.h). One job at a time: the caller writes
// the job, publishes it by bumping `generation` (release), runs its own
// share, and waits for `pending` to count every other worker's
// acknowledgement (acquire). Every worker acknowledges every job, even one
// it has no tiles of, so no worker can still be reading a job while the
// caller writes the next.
#define _GNU_SOURCE
#include "kiln_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KILN_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define KILN_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define KILN_CPU_RELAX() ((void)0)
#endif

/// Spins before a worker parks: about a quarter of a millisecond, so the
/// dispatches of one call (microseconds apart) and calls in a tight loop
/// never pay a wake-up, while an idle model costs no CPU.
enum { KILN_SPINS_BEFORE_PARKING = 1 << 14 };

typedef struct KilnWorker {
  KilnPool *pool;
  uint32_t index;
  pthread_t thread;
} KilnWorker;

struct KilnPool {
  uint32_t workerCount;
  uint32_t startedThreads;
  KilnDispatchState *states;  // one per worker
  KilnWorker *workers;        // by worker index; [0] unused (worker 0 is the caller)

  // The current job: written by the caller before `generation` is bumped.
  KilnCPUFunction function;
  uint32_t tileCount;       // tiles kept: runs × active (runs 1 and period 0 for a plain job)
  uint32_t period;
  uint32_t activePerRun;
  uint32_t activeWorkers;
  bool stopping;

  _Atomic uint32_t generation;
  _Atomic uint32_t pending;
  _Atomic uint32_t sleepers;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
};

/// Calls `function` on kept tiles [begin, end) (numbered over the kept
/// tiles only), one call per run they span.
static void run_kept(KilnCPUFunction function, KilnDispatchState *state, uint64_t begin, uint64_t end,
                     uint32_t period, uint32_t perRun) {
  if (period == 0) {
    state->tileBegin = (uint32_t)begin;
    state->tileEnd = (uint32_t)end;
    if (begin < end) function(state);
    return;
  }
  while (begin < end) {
    uint64_t run = begin / perRun, first = begin % perRun;
    uint64_t last = end - run * perRun < perRun ? end - run * perRun : perRun;
    state->tileBegin = (uint32_t)(run * period + first);
    state->tileEnd = (uint32_t)(run * period + last);
    function(state);
    begin = run * perRun + last;
  }
}

static void run_share(KilnPool *pool, uint32_t index) {
  if (index >= pool->activeWorkers) return;
  uint64_t tiles = pool->tileCount, active = pool->activeWorkers;
  run_kept(pool->function, &pool->states[index], tiles * index / active, tiles * (index + 1) / active, pool->period,
           pool->activePerRun);
}

/// Waits until `generation` differs from `seen`: spinning first, then parked
/// on the condition variable. Returns the new generation.
static uint32_t await_job(KilnPool *pool, uint32_t seen) {
  for (int spin = 0; spin < KILN_SPINS_BEFORE_PARKING; spin++) {
    uint32_t now = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (now != seen) return now;
    KILN_CPU_RELAX();
  }
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->sleepers, 1);
  uint32_t now;
  // seq_cst against the caller's bump-then-read-sleepers: either it sees
  // this sleeper and broadcasts under the mutex, or this load sees its bump.
  while ((now = atomic_load(&pool->generation)) == seen) pthread_cond_wait(&pool->wake, &pool->mutex);
  atomic_fetch_sub(&pool->sleepers, 1);
  pthread_mutex_unlock(&pool->mutex);
  return now;
}

static void *worker_main(void *argument) {
  KilnWorker *worker = argument;
  KilnPool *pool = worker->pool;
  uint32_t seen = 0;
  for (;;) {
    seen = await_job(pool, seen);
    if (pool->stopping) return NULL;
    run_share(pool, worker->index);
    atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
  }
}

/// Publishes the job written into `pool` and wakes parked workers.
static void publish(KilnPool *pool) {
  atomic_store_explicit(&pool->pending, pool->startedThreads, memory_order_relaxed);
  atomic_fetch_add(&pool->generation, 1);
  if (atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
}

static void await_workers(KilnPool *pool) {
  unsigned spins = 0;
  while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0) {
    KILN_CPU_RELAX();
    // A worker descheduled by the OS: let it have the core.
    if (++spins % 4096 == 0) sched_yield();
  }
}

KilnPool *kiln_pool_create(uint32_t workerCount, const KilnDispatchState *prototype, uint64_t scratchStride) {
  if (workerCount < 1 || prototype == NULL) return NULL;
  KilnPool *pool = calloc(1, sizeof(KilnPool));
  if (pool == NULL) return NULL;
  pool->workerCount = workerCount;
  pool->states = calloc(workerCount, sizeof(KilnDispatchState));
  pool->workers = calloc(workerCount, sizeof(KilnWorker));
  if (pool->states == NULL || pool->workers == NULL) {
    free(pool->states);
    free(pool->workers);
    free(pool);
    return NULL;
  }
  for (uint32_t index = 0; index < workerCount; index++) {
    pool->states[index] = *prototype;
    pool->states[index].workerIndex = index;
    pool->states[index].workerCount = workerCount;
    pool->states[index].scratch = prototype->scratch + (uint64_t)index * scratchStride;
  }
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->pending, 0);
  atomic_init(&pool->sleepers, 0);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  for (uint32_t index = 1; index < workerCount; index++) {
    KilnWorker *worker = &pool->workers[index];
    worker->pool = pool;
    worker->index = index;
    if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) {
      kiln_pool_destroy(pool);
      return NULL;
    }
    pool->startedThreads++;
  }
  return pool;
}

static void run_job(KilnPool *pool, KilnCPUFunction function, uint32_t tileCount, uint32_t period, uint32_t perRun,
                    uint32_t maxWorkers) {
  uint32_t active = maxWorkers < pool->workerCount ? maxWorkers : pool->workerCount;
  if (active > tileCount) active = tileCount;
  if (active <= 1) {
    run_kept(function, &pool->states[0], 0, tileCount, period, perRun);
    return;
  }
  pool->function = function;
  pool->tileCount = tileCount;
  pool->period = period;
  pool->activePerRun = perRun;
  pool->activeWorkers = active;
  publish(pool);
  run_share(pool, 0);
  await_workers(pool);
}

void kiln_pool_run(KilnPool *pool, KilnCPUFunction function, uint32_t tileCount, uint32_t maxWorkers) {
  run_job(pool, function, tileCount, 0, tileCount, maxWorkers);
}

void kiln_pool_run_runs(
    KilnPool *pool, KilnCPUFunction function, uint32_t runs, uint32_t period, uint32_t active, uint32_t maxWorkers) {
  if (active == 0 || runs == 0) return;
  run_job(pool, function, runs * active, period, active, maxWorkers);
}

uint32_t kiln_pool_worker_count(const KilnPool *pool) { return pool->workerCount; }

void kiln_pool_destroy(KilnPool *pool) {
  if (pool == NULL) return;
  pool->stopping = true;
  publish(pool);
  for (uint32_t index = 1; index <= pool->startedThreads; index++) pthread_join(pool->workers[index].thread, NULL);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  free(pool->states);
  free(pool->workers);
  free(pool);
}
