#pragma once
/* glibc first: linux/libc-compat.h then skips its own in6_addr/sockaddr_in6 (no clash with Glibc). */
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>

/* Function-like macros do not import into Swift. */
static inline unsigned cmnl_nlmsg_align(unsigned len) { return NLMSG_ALIGN(len); }
