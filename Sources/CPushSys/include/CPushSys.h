// Linux system interfaces that Swift's Glibc module does not export.
#ifndef CPUSHSYS_H
#define CPUSHSYS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <errno.h>
#include <malloc.h>

// accept4 is a GNU extension: Swift's Glibc import hides it without _GNU_SOURCE.
int cpushsys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

// errno is a thread-local macro; a function reads it reliably from Swift.
static inline int cpushsys_errno(void) { return errno; }

#endif
