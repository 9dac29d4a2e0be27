// Fixture for memhound's integration tests: small-object leaks through the C allocator, the way most native
// leaks happen (malloc's own code, without frame pointers, touches most of the fresh pages).
// Built with gcc -O2 (and -O2 -fno-omit-frame-pointer), -pthread; also linked with -ljemalloc or
// -ltcmalloc_minimal, which then serve malloc, calloc and realloc.
//
//   nativeleak [--thread] [--small-mib N] [--kib-mib N] [--zeroed-mib N] [--grow-mib N]
//
// Prints "ready <pid>" and "allocator glibc|jemalloc|tcmalloc", then handle_request runs, in main or (with
// --thread) in worker, a second thread whose mallocs come from a thread arena. handle_request calls, each
// a distinct function never inlined, each allocating until the process's RssAnon has grown by its target
// (rssmeter.h), each object written in full and kept:
//   keep_small   N MiB of malloc(64)
//   keep_kib     N MiB of malloc(1024)
//   keep_zeroed  N MiB of calloc(1, 512)
//   grow_buffer  one buffer realloc'd in steps of a quarter of its size (at most 256 KiB), each new part
//                written, until N MiB
// Each prints "phase NAME BYTES bytes COUNT objects" (what it made resident). Then prints "done" and exits 0.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rssmeter.h"

#define MIB (1024L * 1024L)
#define NOINLINE __attribute__((noinline, noclone))

struct plan {
    long small, kib, zeroed, grow;
    size_t objects;
};

// Kept objects are chained through their first word: no side table whose pages would grow too.
struct object {
    struct object *next;
};

static struct object *volatile kept_small, *volatile kept_kib, *volatile kept_zeroed;
static char *volatile kept_buffer;

static void die(const char *what) {
    perror(what);
    exit(2);
}

NOINLINE size_t keep_small(long target) {
    struct rss_meter m = rss_meter_start("keep_small", target);
    struct object *head = kept_small;
    size_t count = 0;
    do {
        struct object *o = malloc(64);
        if (!o) die("malloc");
        memset(o, 0x11, 64);
        o->next = head;
        head = o;
        count++;
    } while (!rss_meter_done(&m, 64));
    kept_small = head;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE size_t keep_kib(long target) {
    struct rss_meter m = rss_meter_start("keep_kib", target);
    struct object *head = kept_kib;
    size_t count = 0;
    do {
        struct object *o = malloc(1024);
        if (!o) die("malloc");
        memset(o, 0x22, 1024);
        o->next = head;
        head = o;
        count++;
    } while (!rss_meter_done(&m, 1024));
    kept_kib = head;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE size_t keep_zeroed(long target) {
    struct rss_meter m = rss_meter_start("keep_zeroed", target);
    struct object *head = kept_zeroed;
    size_t count = 0;
    do {
        struct object *o = calloc(1, 512);
        if (!o) die("calloc");
        // calloc clears what it takes from memory already in use; fresh memory it leaves to the kernel's
        // zero pages: writing every object makes every page resident whichever it was.
        memset((char *)o + sizeof *o, 0x33, 512 - sizeof *o);
        o->next = head;
        head = o;
        count++;
    } while (!rss_meter_done(&m, 512));
    kept_zeroed = head;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE size_t grow_buffer(long target) {
    struct rss_meter m = rss_meter_start("grow_buffer", target);
    char *buffer = NULL;
    size_t size = 0, steps = 0;
    while (rss_anon_bytes() - m.start < target) {
        size_t step = size / 4 < 4096 ? 4096 : size / 4 > 256 * 1024 ? 256 * 1024 : size / 4;
        char *grown = realloc(buffer, size + step);
        if (!grown) die("realloc");
        memset(grown + size, 0x44, step);
        buffer = grown;
        size += step;
        steps++;
    }
    kept_buffer = buffer;
    rss_meter_report(&m, steps);
    return steps;
}

NOINLINE size_t handle_request(const struct plan *plan) {
    size_t objects = 0;
    if (plan->small > 0) objects += keep_small(plan->small);
    if (plan->kib > 0) objects += keep_kib(plan->kib);
    if (plan->zeroed > 0) objects += keep_zeroed(plan->zeroed);
    if (plan->grow > 0) objects += grow_buffer(plan->grow);
    return objects;
}

NOINLINE void *worker(void *arg) {
    struct plan *plan = arg;
    plan->objects = handle_request(plan);
    return NULL;
}

int main(int argc, char **argv) {
    struct plan plan = {16 * MIB, 24 * MIB, 8 * MIB, 12 * MIB, 0};
    int thread = 0;
    for (int i = 1; i < argc; i++) {
        long *mib = !strcmp(argv[i], "--small-mib")    ? &plan.small
                    : !strcmp(argv[i], "--kib-mib")    ? &plan.kib
                    : !strcmp(argv[i], "--zeroed-mib") ? &plan.zeroed
                    : !strcmp(argv[i], "--grow-mib")   ? &plan.grow
                                                       : NULL;
        if (mib && i + 1 < argc) *mib = strtol(argv[++i], NULL, 10) * MIB;
        else if (!strcmp(argv[i], "--thread")) thread = 1;
        else { fprintf(stderr, "nativeleak: unknown argument %s\n", argv[i]); return 2; }
    }
    const char *allocator = dlsym(RTLD_DEFAULT, "mallctl")     ? "jemalloc"
                            : dlsym(RTLD_DEFAULT, "tc_malloc") ? "tcmalloc"
                                                               : "glibc";
    printf("ready %d\nallocator %s\n", (int)getpid(), allocator);
    fflush(stdout);
    if (thread) {
        pthread_t t;
        int err = pthread_create(&t, NULL, worker, &plan);
        if (err) { fprintf(stderr, "nativeleak: pthread_create: %s\n", strerror(err)); return 2; }
        pthread_join(t, NULL);
    } else {
        plan.objects = handle_request(&plan);
    }
    printf("done %zu\n", plan.objects);
    fflush(stdout);
    return 0;
}
