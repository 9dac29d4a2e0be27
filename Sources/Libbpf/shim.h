#include <bpf/libbpf.h>
