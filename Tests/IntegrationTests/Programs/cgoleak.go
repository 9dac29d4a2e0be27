// Fixture for memhound's integration tests: a Go program whose C code, called through cgo, keeps small
// mallocs, next to Go heap growth. The C code is built as cgo builds it (gcc -g -O2, no frame pointers).
// Built with: go build -o cgoleak cgoleak.go
//
//	cgoleak [-c-mib N] [-heap-mib N]
//
// Prints "ready <pid>", then main.leakC calls C keep_c, which mallocs 512-byte objects, writes each in full
// and keeps them, until the process's RssAnon has grown by N MiB (rssmeter.h); then main.growHeap allocates
// N 1 MiB []byte slices and writes every page (fresh OS memory is not zeroed by the runtime, so the first
// touch is in growHeap's loop). Both keep what they grew. Prints "phase NAME BYTES ..." for each (what it
// made resident), then "done".
package main

/*
#cgo CFLAGS: -I${SRCDIR}
#include <stdlib.h>
#include <string.h>
#include "rssmeter.h"

struct object { struct object *next; };
static struct object *volatile kept_c;

__attribute__((noinline, noclone)) static size_t keep_c(long target) {
	struct rss_meter m = rss_meter_start("keep_c", target);
	struct object *head = kept_c;
	size_t count = 0;
	do {
		struct object *o = malloc(512);
		if (!o) { perror("malloc"); exit(2); }
		memset(o, 0x55, 512);
		o->next = head;
		head = o;
		count++;
	} while (!rss_meter_done(&m, 512));
	kept_c = head;
	rss_meter_report(&m, count);
	return count;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
)

const page = 4096
const mib = 1 << 20

var keptHeap [][]byte

//go:noinline
func leakC(total int) int {
	return int(C.keep_c(C.long(total)))
}

//go:noinline
func growHeap(total int) {
	for done := 0; done < total; done += mib {
		b := make([]byte, mib)
		for off := 0; off < len(b); off += page {
			b[off] = 2
		}
		keptHeap = append(keptHeap, b)
	}
}

func main() {
	cMiB := flag.Int("c-mib", 16, "MiB grown by C keep_c, called from main.leakC")
	heapMiB := flag.Int("heap-mib", 16, "MiB grown by main.growHeap")
	flag.Parse()

	fmt.Printf("ready %d\n", os.Getpid())
	objects := leakC(*cMiB * mib)
	start := C.rss_anon_bytes()
	growHeap(*heapMiB * mib)
	fmt.Printf("phase main.growHeap %d bytes %d objects\n", C.rss_anon_bytes()-start, len(keptHeap))
	fmt.Printf("done %d\n", objects)
}
