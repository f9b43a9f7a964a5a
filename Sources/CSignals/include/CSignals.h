// Signal handling for clean interrupts of `dni` (SIGINT, SIGTERM): the handler may only touch
// lock-free atomics, so it lives in C and the Swift side polls it between training steps.
#ifndef CSIGNALS_H
#define CSIGNALS_H

/// Installs the handler for SIGINT and SIGTERM. The first signal is recorded (see
/// csignals_received); a second one ends the process at once with status 128 + its number
/// (130 for SIGINT). Also unblocks both signals for the calling thread. Returns 0, or -1 with errno set when sigaction fails.
int csignals_install(void);

/// The number of the first signal received since csignals_install, or 0.
int csignals_received(void);

#endif
