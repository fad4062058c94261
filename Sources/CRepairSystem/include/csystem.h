#ifndef REPAIRD_CSYSTEM_H
#define REPAIRD_CSYSTEM_H

/// Asks the kernel to send `signal` to this process when its parent dies (Linux
/// PR_SET_PDEATHSIG; prctl is variadic, so Swift cannot call it). Returns 0, or -1 where the
/// system has no such request.
int repaird_die_with_parent(int signal);

/// A listening Unix stream socket named `name` inside `folder`, bound through the folder's
/// descriptor so a long folder path does not meet the 108-byte limit of a socket address.
/// Close-on-exec; returns the descriptor, or -1 with errno set.
int repaird_listen_unix(const char *folder, const char *name, int backlog);

#endif
