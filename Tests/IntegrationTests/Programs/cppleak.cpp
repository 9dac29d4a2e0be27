// Fixture for memhound's integration tests: C++ growth in a method of a class in a namespace.
// Built with: g++ -O2 -g -o cppleak cppleak.cpp
//
//   cppleak [--mib N] [--then sleep|exit]
//
// Prints "ready <pid>", then cache::Store::fill(N) allocates N blocks of 1 MiB with new char[] (above
// malloc's mmap threshold: each is its own mapping made by malloc) and writes every page of each block in
// fill itself; the blocks are kept. Prints "grown", then exits 0 (or sleeps with --then sleep).
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace cache {

class Store {
public:
    __attribute__((noinline)) void fill(std::size_t mib);
    std::size_t blocks() const { return blocks_.size(); }

private:
    std::vector<char *> blocks_;
};

void Store::fill(std::size_t mib) {
    blocks_.reserve(mib);
    for (std::size_t i = 0; i < mib; i++) {
        char *block = new char[1 << 20];
        volatile char *v = block;
        for (std::size_t off = 0; off < (1 << 20); off += 4096) v[off] = static_cast<char>(i + 1);
        blocks_.push_back(block);
    }
}

}  // namespace cache

static cache::Store *volatile store;

int main(int argc, char **argv) {
    long mib = 24;
    bool thenSleep = false;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--mib") && i + 1 < argc) mib = std::strtol(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--then") && i + 1 < argc) thenSleep = !std::strcmp(argv[++i], "sleep");
        else { std::fprintf(stderr, "cppleak: unknown argument %s\n", argv[i]); return 2; }
    }
    std::printf("ready %d\n", static_cast<int>(getpid()));
    std::fflush(stdout);
    store = new cache::Store();
    store->fill(static_cast<std::size_t>(mib));
    std::printf("grown %zu\n", store->blocks());
    std::fflush(stdout);
    if (thenSleep) for (;;) pause();
    return 0;
}
