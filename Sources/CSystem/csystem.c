#include "csystem.h"

#if defined(__linux__)
#include <sys/prctl.h>

int repaird_die_with_parent(int signal) {
    return prctl(PR_SET_PDEATHSIG, signal);
}
#else
int repaird_die_with_parent(int signal) {
    (void)signal;
    return -1;
}
#endif
