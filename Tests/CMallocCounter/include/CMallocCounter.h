#ifndef C_MALLOC_COUNTER_H
#define C_MALLOC_COUNTER_H

/// Counts calls to malloc, calloc and realloc made by the calling thread, for tests that check
/// that a warmed-up training step allocates nothing. Linux (glibc) only: the test binary defines
/// malloc, calloc and realloc itself, counts, and forwards to glibc's __libc_* functions.
/// Returns -1 where counting is not available (other platforms).
long dni_test_thread_allocation_count(void);

#endif
