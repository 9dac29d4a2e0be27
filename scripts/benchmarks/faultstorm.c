/* mmap 1 GiB, touch every 4 KiB page, munmap; N rounds; prints ns per fault. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
__attribute__((noinline)) void touch(char *p, size_t n) { for (size_t i = 0; i < n; i += 4096) p[i] = 1; }
int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    size_t n = (size_t)1 << 30;
    double t0 = now();
    for (int r = 0; r < rounds; r++) {
        char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        touch(p, n);
        munmap(p, n);
    }
    double t = now() - t0;
    printf("%.1f ns/fault\n", t * 1e9 / (rounds * (n / 4096)));
    return 0;
}
