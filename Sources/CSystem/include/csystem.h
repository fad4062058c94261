#ifndef REPAIRD_CSYSTEM_H
#define REPAIRD_CSYSTEM_H

/// Asks the kernel to send `signal` to this process when its parent dies (Linux
/// PR_SET_PDEATHSIG; prctl is variadic, so Swift cannot call it). Returns 0, or -1 where the
/// system has no such request.
int repaird_die_with_parent(int signal);

#endif
