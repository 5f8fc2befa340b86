#define _GNU_SOURCE
#include <sched.h>
#include <sys/socket.h>
#include "csupport.h"

int csupport_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int csupport_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
