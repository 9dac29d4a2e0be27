// Fixture for memhound's integration tests: the code touching the pages is inlined into its caller.
// Built with: gcc -O2 -g -o inlineleak inlineleak.c
//
//   inlineleak [--mib N] [--then sleep|exit]
//
// Prints "ready <pid>", then load_table(N MiB) (never inlined) maps N MiB and fill_pages (always inlined
// into load_table) writes every page; the mapping is kept. Prints "grown", then exits 0 (or sleeps).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define MIB (1024L * 1024L)

static void *volatile table;

static inline __attribute__((always_inline)) void fill_pages(char *p, size_t n) {
    volatile char *v = p;
    for (size_t off = 0; off < n; off += PAGE) v[off] = (char)(off >> 12);
}

__attribute__((noinline)) void load_table(size_t size) {
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    fill_pages(p, size);
    table = p;
}

int main(int argc, char **argv) {
    long mib = 24;
    int then_sleep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mib") && i + 1 < argc) mib = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--then") && i + 1 < argc) then_sleep = !strcmp(argv[++i], "sleep");
        else { fprintf(stderr, "inlineleak: unknown argument %s\n", argv[i]); return 2; }
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    load_table((size_t)mib * MIB);
    printf("grown\n");
    fflush(stdout);
    if (then_sleep) for (;;) pause();
    return 0;
}
