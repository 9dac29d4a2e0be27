// Fixture for memhound's integration tests: C++ growth through operator new and the standard containers,
// with libstdc++ and glibc as Debian ships them (no frame pointers) and the program built with plain g++ -O2.
//
//   cppnative [--nodes-mib N] [--names-mib N] [--log-mib N] [--samples-mib N]
//
// Prints "ready <pid>", then app::handle_request calls, each never inlined, each growing until the
// process's RssAnon has grown by its target (rssmeter.h), everything written and kept:
//   app::index_insert   N MiB of new Node (64 bytes), linked
//   app::record_name    N MiB of 100-character std::string pushed into a std::vector<std::string>
//   app::append_log     one std::string appended to 1 KiB at a time
//   app::grow_samples   one std::vector<uint64_t> grown by push_back
// Each prints "phase NAME BYTES bytes COUNT objects". Then prints "done" and exits 0 (the containers are
// never destroyed: what they hold stays resident to the end).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "rssmeter.h"

#define NOINLINE __attribute__((noinline, noclone))

namespace app {

struct Node {
    Node *next;
    char payload[56];
};
static_assert(sizeof(Node) == 64, "a Node is 64 bytes");

struct Plan {
    long nodes, names, log, samples;
};

static Node *volatile index_head;
static std::vector<std::string> *volatile names;
static std::string *volatile log_text;
static std::vector<std::uint64_t> *volatile samples;

NOINLINE std::size_t index_insert(long target) {
    rss_meter m = rss_meter_start("app::index_insert", target);
    Node *head = index_head;
    std::size_t count = 0;
    do {
        Node *node = new Node;
        std::memset(node->payload, 'n', sizeof node->payload);
        node->next = head;
        head = node;
        count++;
    } while (!rss_meter_done(&m, sizeof(Node)));
    index_head = head;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE std::size_t record_name(long target) {
    rss_meter m = rss_meter_start("app::record_name", target);
    std::vector<std::string> *list = new std::vector<std::string>();
    std::size_t count = 0;
    do {
        std::string name(100, static_cast<char>('a' + count % 26));
        list->push_back(std::move(name));
        count++;
    } while (!rss_meter_done(&m, 100 + sizeof(std::string)));
    names = list;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE std::size_t append_log(long target) {
    rss_meter m = rss_meter_start("app::append_log", target);
    std::string *text = new std::string();
    char line[1024];
    std::memset(line, 'l', sizeof line);
    std::size_t count = 0;
    do {
        text->append(line, sizeof line);
        count++;
    } while (!rss_meter_done(&m, sizeof line));
    log_text = text;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE std::size_t grow_samples(long target) {
    rss_meter m = rss_meter_start("app::grow_samples", target);
    std::vector<std::uint64_t> *values = new std::vector<std::uint64_t>();
    std::size_t count = 0;
    do {
        values->push_back(count * 2654435761u);
        count++;
    } while (!rss_meter_done(&m, sizeof(std::uint64_t)));
    samples = values;
    rss_meter_report(&m, count);
    return count;
}

NOINLINE std::size_t handle_request(const Plan &plan) {
    std::size_t objects = 0;
    if (plan.nodes > 0) objects += index_insert(plan.nodes);
    if (plan.names > 0) objects += record_name(plan.names);
    if (plan.log > 0) objects += append_log(plan.log);
    if (plan.samples > 0) objects += grow_samples(plan.samples);
    return objects;
}

}  // namespace app

int main(int argc, char **argv) {
    const long mib = 1024L * 1024L;
    app::Plan plan = {12 * mib, 24 * mib, 8 * mib, 8 * mib};
    for (int i = 1; i < argc; i++) {
        long *value = !std::strcmp(argv[i], "--nodes-mib")     ? &plan.nodes
                      : !std::strcmp(argv[i], "--names-mib")   ? &plan.names
                      : !std::strcmp(argv[i], "--log-mib")     ? &plan.log
                      : !std::strcmp(argv[i], "--samples-mib") ? &plan.samples
                                                               : nullptr;
        if (!value || i + 1 >= argc) { std::fprintf(stderr, "cppnative: unknown argument %s\n", argv[i]); return 2; }
        *value = std::strtol(argv[++i], nullptr, 10) * mib;
    }
    std::printf("ready %d\n", static_cast<int>(getpid()));
    std::fflush(stdout);
    std::size_t objects = app::handle_request(plan);
    std::printf("done %zu\n", objects);
    std::fflush(stdout);
    return 0;
}
