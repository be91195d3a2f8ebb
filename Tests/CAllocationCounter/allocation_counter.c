// Interposes the malloc family in the test process (glibc exports the real
// implementations as __libc_*), counting per thread so other test threads
// running in parallel do not disturb a measurement.
#include "allocation_counter.h"

#include <errno.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KILN_SANITIZER_OWNS_MALLOC 1
#endif
#endif

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static _Thread_local int counting;
static _Thread_local int64_t count;

static inline void note(void) {
  if (counting) count += 1;
}

#ifdef KILN_SANITIZER_OWNS_MALLOC
int kiln_allocation_counting_available(void) { return 0; }
#else
int kiln_allocation_counting_available(void) { return 1; }
#endif

void kiln_allocation_counting_begin(void) {
  count = 0;
  counting = 1;
}

int64_t kiln_allocation_counting_end(void) {
  counting = 0;
  return count;
}

#ifndef KILN_SANITIZER_OWNS_MALLOC
void *malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  note();
  return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
  note();
  return __libc_realloc(pointer, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  note();
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return ENOMEM;
  *result = pointer;
  return 0;
}

void free(void *pointer) { __libc_free(pointer); }
#endif
