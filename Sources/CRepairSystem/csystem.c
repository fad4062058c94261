#include "csystem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int repaird_listen_unix(const char *folder, const char *name, int backlog) {
    int directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) return -1;
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    int length = snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d/%s", directory, name);
    if (length < 0 || (size_t)length >= sizeof address.sun_path) {
        close(directory);
        errno = ENAMETOOLONG;
        return -1;
    }
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        int saved = errno;
        close(directory);
        errno = saved;
        return -1;
    }
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, backlog) != 0) {
        int saved = errno;
        close(listener);
        close(directory);
        errno = saved;
        return -1;
    }
    close(directory);
    return listener;
}

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
