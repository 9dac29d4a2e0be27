#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) static void *grow(size_t n) { void *p = malloc(n); memset(p, 1, n); return p; }
__attribute__((noinline)) void *outer(int k) { return k ? grow((size_t)k * 64) : 0; }
int main(int argc, char **argv) { (void)argv; return outer(argc) != 0; }
