// Linux system interfaces that Swift's Glibc module does not export.
#ifndef CPUSHSYS_H
#define CPUSHSYS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <errno.h>
#include <malloc.h>
#include <sys/syscall.h>
#include <unistd.h>

// accept4 is a GNU extension: Swift's Glibc import hides it without _GNU_SOURCE.
int cpushsys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

// Names the calling thread, for `top -H`, perf and debuggers (pthread_setname_np, also GNU).
int cpushsys_name_thread(const char *name);

// errno is a thread-local macro; a function reads it reliably from Swift.
static inline int cpushsys_errno(void) { return errno; }

// A connection's reads and sends, without the thread-cancellation bookkeeping glibc wraps
// around them in a threaded process (two calls per read or send): no pushd thread is ever
// cancelled. Same results and errno as recv, send and sendmsg. recv rather than read: read
// goes through the file layer (vfs_read, sock_read_iter) before the socket's own receive.
static inline ssize_t cpushsys_recv(int fd, void *buffer, size_t length) {
    return syscall(SYS_recvfrom, fd, buffer, length, 0, (void *)0, (void *)0);
}
static inline ssize_t cpushsys_send(int fd, const void *buffer, size_t length, int flags) {
    return syscall(SYS_sendto, fd, buffer, length, flags, (void *)0, 0);
}
static inline ssize_t cpushsys_sendmsg(int fd, const struct msghdr *message, int flags) {
    return syscall(SYS_sendmsg, fd, message, flags);
}

// The loop's wait, likewise without the cancellation bookkeeping (epoll_pwait with no signal
// mask is epoll_wait, and is what every architecture has).
static inline int cpushsys_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout) {
    return (int)syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout, (void *)0, 8);
}

// Bytes from the kernel's CSPRNG (getrandom(2)), which the Glibc module does not export.
static inline ssize_t cpushsys_getrandom(void *buffer, size_t length) {
    return syscall(SYS_getrandom, buffer, length, 0);
}

#endif
