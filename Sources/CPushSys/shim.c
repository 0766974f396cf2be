#define _GNU_SOURCE
#include "CPushSys.h"

int cpushsys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
