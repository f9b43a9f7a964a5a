#include "CSignals.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

// The first stop signal received (0: none). Process-wide by nature: a signal is delivered to the
// process, and its handler can reach nothing but static storage. Lock-free, so safe to write
// from the handler; the Swift side only reads it.
static atomic_int received_signal = 0;

static void handle_stop_signal(int signal_number) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&received_signal, &expected, signal_number)) {
        // The second Ctrl-C: the user does not want to wait for the step to finish.
        _exit(128 + signal_number);
    }
}

int csignals_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handle_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    // A parent may have started us with these signals blocked (test harnesses and some process
    // launchers do); a blocked signal stays pending and the run could not be stopped.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL) != 0) return -1;
    return 0;
}

int csignals_received(void) {
    return atomic_load(&received_signal);
}
