#define _GNU_SOURCE
#include "CPushSys.h"
#include <pthread.h>
#include <string.h>

int cpushsys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

// pthread_setname_np is a GNU extension too. Names the calling thread (at most 15 bytes kept).
int cpushsys_name_thread(const char *name) {
    char kept[16];
    strncpy(kept, name, sizeof kept - 1);
    kept[sizeof kept - 1] = 0;
    return pthread_setname_np(pthread_self(), kept);
}
