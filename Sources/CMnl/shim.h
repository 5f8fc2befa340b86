#pragma once
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>

/* Function-like macros do not import into Swift. */
static inline unsigned cmnl_nlmsg_align(unsigned len) { return NLMSG_ALIGN(len); }
