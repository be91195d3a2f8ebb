// Counts heap allocations made by the calling thread, for tests that prove a
// call path allocates nothing. The test binary's malloc family forwards to
// glibc's and counts while counting is on for the thread.
#ifndef KILN_ALLOCATION_COUNTER_H
#define KILN_ALLOCATION_COUNTER_H

#include <stdint.h>

/// 1 when allocations are counted; 0 in sanitizer builds, whose runtime
/// owns the malloc family (interposing it there crashes at start-up).
int kiln_allocation_counting_available(void);

/// Starts counting this thread's allocations from zero.
void kiln_allocation_counting_begin(void);

/// Stops counting and returns how many allocations this thread made.
int64_t kiln_allocation_counting_end(void);

#endif
