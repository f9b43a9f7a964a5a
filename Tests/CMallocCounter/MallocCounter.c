// Test support: per-thread allocation counts (see CMallocCounter.h).
//
// Defining malloc in the test executable interposes it for the whole process (the dynamic
// linker finds the executable's definition first; glibc documents replacing malloc this way).
// Each replacement forwards to glibc's own allocator, so memory from either side can be freed
// by free(). The counter is thread-local (initial-exec TLS, which never allocates), so tests
// running in parallel on other threads do not disturb a measurement. posix_memalign and
// aligned_alloc are not counted: Swift arrays of Float come from malloc.
#include "CMallocCounter.h"
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define DNI_SANITIZED 1
#endif
#endif

// Under a sanitizer, whose runtime owns malloc, nothing is replaced (the count reads -1).
#if defined(__linux__) && defined(__GLIBC__) && !defined(DNI_SANITIZED)
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);

static __thread long allocationCount __attribute__((tls_model("initial-exec")));

void *malloc(size_t size) {
    allocationCount += 1;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocationCount += 1;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocationCount += 1;
    return __libc_realloc(pointer, size);
}

long dni_test_thread_allocation_count(void) { return allocationCount; }
#else
long dni_test_thread_allocation_count(void) { return -1; }
#endif
