#pragma once
#include <sys/socket.h>

/// setns(fd, CLONE_NEWNET) for the calling thread; -1 with errno on failure.
int csupport_setns_net(int fd);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; -1 with errno on failure.
int csupport_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);
/// Creates a persistent network namespace bound at `path` (e.g. /var/run/netns/NAME), as
/// `ip netns add` does: the directory is made a shared mount point, an empty file is created and a
/// fresh namespace (made on a short-lived thread) is bind-mounted onto it. 0 on success, or
/// -errno. An existing namespace at `path` is left alone and counts as success.
int csupport_netns_create(const char *directory, const char *path);
/// Attaches a classic BPF filter to a NETLINK_ROUTE socket subscribed to RTNLGRP_NEIGH so that
/// only bridge FDB notifications (ndm_family AF_BRIDGE) without NTF_SELF or NTF_EXT_LEARNED reach
/// it: the entries a bridge learns or ages on its ports. Our own remote entries (on the vxlan device,
/// or extern_learn on the bridge) and IP neighbours are dropped in the kernel instead of being
/// copied to user space. 0 on success, -1 with errno on failure.
int csupport_attach_learned_fdb_filter(int fd);
