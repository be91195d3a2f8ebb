// A fixed pool of worker threads that runs one dispatch's tiles at a time,
// split statically: worker i of n always gets the same tiles of a dispatch,
// so results never depend on timing. Created at model load; a call neither
// allocates, locks nor makes a system call while the workers are awake
// (they spin briefly between dispatches, then park until the next call).
#ifndef KILN_POOL_H
#define KILN_POOL_H

#include "kiln_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KilnPool KilnPool;

/// The most threads a model may run on, the caller included (a config, the
/// CLI and the runtime all hold to it): more than any machine this targets.
#define KILN_MAX_THREADS 256u

/// Starts `workerCount - 1` threads; the calling thread is worker 0 of every
/// dispatch. Worker i gets a copy of `prototype` with `workerIndex` i,
/// `workerCount` and `scratch + i * scratchStride`. Returns null when memory
/// or threads cannot be had (the caller then runs inline).
KilnPool *kiln_pool_create(uint32_t workerCount, const KilnDispatchState *prototype, uint64_t scratchStride);

/// Runs `function` over tiles [0, tileCount) on up to `maxWorkers` workers
/// (at least 1), each taking one contiguous, equal share; returns when
/// every tile is done, with their writes visible to the caller.
void kiln_pool_run(KilnPool *pool, KilnCPUFunction function, uint32_t tileCount, uint32_t maxWorkers);

/// Runs `function` over the first `active` tiles of each of `runs` runs of
/// `period` tiles (tiles [r·period, r·period + active) for every r): the
/// tiles of a dispatch a bounded dim's extent keeps (kiln_abi.h). The kept
/// tiles are shared as evenly as by kiln_pool_run; a worker whose share
/// spans runs calls `function` once per run.
void kiln_pool_run_runs(
    KilnPool *pool, KilnCPUFunction function, uint32_t runs, uint32_t period, uint32_t active, uint32_t maxWorkers);

/// The number of workers, the caller included.
uint32_t kiln_pool_worker_count(const KilnPool *pool);

/// Stops and joins the threads and frees the pool. Not concurrently with a run.
void kiln_pool_destroy(KilnPool *pool);

#ifdef __cplusplus
}
#endif

#endif
