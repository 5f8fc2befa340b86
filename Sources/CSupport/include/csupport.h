#pragma once
#include <sys/socket.h>

/// setns(fd, CLONE_NEWNET) for the calling thread; -1 with errno on failure.
int csupport_setns_net(int fd);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; -1 with errno on failure.
int csupport_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);
