#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include "csupport.h"

int csupport_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int csupport_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* True when `path` already has a network namespace bind-mounted on it. */
static int is_netns_mount(const char *path) {
    struct statfs fs;
    return statfs(path, &fs) == 0 && (fs.f_type == NSFS_MAGIC || fs.f_type == PROC_SUPER_MAGIC);
}

struct netns_job { const char *path; int result; };

/* Runs on its own thread: unshare only changes this thread's namespace, then the thread ends. */
static void *netns_create_thread(void *arg) {
    struct netns_job *job = arg;
    char self[64];
    if (unshare(CLONE_NEWNET) != 0) { job->result = -errno; return NULL; }
    snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
    job->result = mount(self, job->path, "none", MS_BIND, NULL) == 0 ? 0 : -errno;
    return NULL;
}

int csupport_netns_create(const char *directory, const char *path) {
    if (mkdir(directory, 0755) != 0 && errno != EEXIST) return -errno;
    /* Make the directory a shared mount point so namespaces propagate to other mount namespaces. */
    if (mount("", directory, "none", MS_SHARED | MS_REC, NULL) != 0) {
        if (errno != EINVAL) return -errno;
        if (mount(directory, directory, "none", MS_BIND | MS_REC, NULL) != 0) return -errno;
        if (mount("", directory, "none", MS_SHARED | MS_REC, NULL) != 0) return -errno;
    }
    if (is_netns_mount(path)) return 0;
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0 && errno != EEXIST) return -errno;
    if (fd >= 0) close(fd);
    struct netns_job job = { path, 0 };
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, netns_create_thread, &job);
    if (rc != 0) return -rc;
    pthread_join(thread, NULL);
    if (job.result != 0) unlink(path);
    return job.result;
}

int csupport_attach_learned_fdb_filter(int fd) {
    // Each RTM_NEWNEIGH/RTM_DELNEIGH notification is one skb: struct nlmsghdr, then struct ndmsg.
    enum {
        family_offset = NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_family),
        flags_offset = NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_flags),
    };
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, family_offset),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_BRIDGE, 0, 3),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, flags_offset),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NTF_SELF | NTF_EXT_LEARNED, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog program = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
}
