// Fixture for memhound's integration tests: two call paths that differ only above the code that touches
// the pages. alpha() and beta() have identical frames and call the same helper at the same depth, so at
// each fault the instruction, stack pointer, frame pointer and even the caller's return address are the
// same; only the frame above tells them apart.
// Built with: gcc -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o siblings siblings.c
//
//   siblings [--mib N] [--then sleep|exit]
//
// Prints "ready <pid>", then maps 3 x N MiB: in the first third alpha and beta take turns page by page (each
// fault continues the last one's run of pages), in the second alpha fills one half and beta the other in
// lockstep, in the last they take turns by blocks of 64 pages (within a block the stack stays the same, so
// the kernel side proves it unchanged instead of walking it; at each turn the proof must fail). Each ends up
// with 1.5 x N MiB. Prints "grown", then exits 0 (or sleeps).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096L
#define MIB (1024L * 1024L)
#define KEEP() __asm__ volatile("" ::: "memory")

__attribute__((noinline)) void fill_page(char *p) { *(volatile char *)p = 1; KEEP(); }
__attribute__((noinline)) void helper(char *p) { fill_page(p); KEEP(); }
__attribute__((noinline)) void alpha(char *p) { helper(p); KEEP(); }
__attribute__((noinline)) void beta(char *p) { helper(p); KEEP(); }

int main(int argc, char **argv) {
    long mib = 16;
    int then_sleep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mib") && i + 1 < argc) mib = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--then") && i + 1 < argc) then_sleep = !strcmp(argv[++i], "sleep");
        else { fprintf(stderr, "siblings: unknown argument %s\n", argv[i]); return 2; }
    }
    long pages = mib * MIB / PAGE;  /* per third of the mapping */
    char *p = mmap(NULL, 3 * pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 2; }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (long i = 0; i < pages; i++) (i % 2 ? beta : alpha)(p + i * PAGE);
    char *second = p + pages * PAGE;
    for (long i = 0; i < pages / 2; i++) {
        alpha(second + i * PAGE);
        beta(second + (pages / 2 + i) * PAGE);
    }
    char *third = p + 2 * pages * PAGE;
    for (long i = 0; i < pages; i++) ((i / 64) % 2 ? beta : alpha)(third + i * PAGE);
    printf("grown\n");
    fflush(stdout);
    if (then_sleep) for (;;) pause();
    return 0;
}
