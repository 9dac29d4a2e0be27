// Shared by the native-heap fixtures (nativeleak.c, cppnative.cpp, cgoleak.go): how much anonymous memory
// the process made resident since a function began, from the kernel's own counter (/proc/self/statm:
// resident minus shared pages is RssAnon). A leaking function allocates until it has grown by its target,
// so its known amount is what it made resident, whatever the allocator's headers, size classes or
// metadata cost. Reading the counter allocates nothing (open/read/close into a stack buffer).
#ifndef RSSMETER_H
#define RSSMETER_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline long rss_anon_bytes(void) {
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) { perror("open /proc/self/statm"); exit(2); }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) { perror("read /proc/self/statm"); exit(2); }
    buf[n] = 0;
    char *end;
    strtol(buf, &end, 10);                       // size
    long resident = strtol(end, &end, 10);
    long shared = strtol(end, &end, 10);         // RssFile + RssShmem
    return (resident - shared) * sysconf(_SC_PAGESIZE);
}

// A function's growth so far; `done` reads the counter once per 64 KiB allocated.
struct rss_meter {
    const char *name;
    long start, target;
    size_t unchecked;
};

static inline struct rss_meter rss_meter_start(const char *name, long target) {
    struct rss_meter m = {name, rss_anon_bytes(), target, 0};
    return m;
}

static inline int rss_meter_done(struct rss_meter *m, size_t allocated) {
    m->unchecked += allocated;
    if (m->unchecked < 64 * 1024) return 0;
    m->unchecked = 0;
    return rss_anon_bytes() - m->start >= m->target;
}

// "phase NAME BYTES": what the function made resident, for the test's failure messages.
static inline void rss_meter_report(const struct rss_meter *m, size_t objects) {
    printf("phase %s %ld bytes %zu objects\n", m->name, rss_anon_bytes() - m->start, objects);
    fflush(stdout);
}

#endif
