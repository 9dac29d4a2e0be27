// Fixture for memhound's integration tests: a Go program growing anonymous memory at two known call sites.
// Built with: go build -o goleak goleak.go
//
//	goleak [-mmap-mib N] [-heap-mib N] [-wait-stdin] [-then sleep|exit]
//
// Prints "ready <pid>", optionally waits for a line on stdin, then main.growMmap maps N MiB in 4 MiB
// chunks and writes every page; main.growHeap allocates N 1 MiB []byte slices and writes every page
// (fresh OS memory is not zeroed by the runtime, so the first touch is in growHeap's loop). Both keep
// what they grew in globals.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"
)

const page = 4096
const mib = 1 << 20

var keptMaps [][]byte
var keptHeap [][]byte

//go:noinline
func growMmap(total int) {
	for done := 0; done < total; done += 4 * mib {
		b, err := syscall.Mmap(-1, 0, 4*mib, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mmap:", err)
			os.Exit(2)
		}
		for off := 0; off < len(b); off += page {
			b[off] = 1
		}
		keptMaps = append(keptMaps, b)
	}
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
	mmapMiB := flag.Int("mmap-mib", 32, "MiB grown by growMmap")
	heapMiB := flag.Int("heap-mib", 32, "MiB grown by growHeap")
	waitStdin := flag.Bool("wait-stdin", false, "wait for a line on stdin before growing")
	then := flag.String("then", "exit", "sleep or exit after growing")
	flag.Parse()

	fmt.Printf("ready %d\n", os.Getpid())
	if *waitStdin {
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			os.Exit(2)
		}
	}
	growMmap(*mmapMiB * mib)
	growHeap(*heapMiB * mib)
	fmt.Println("grown")
	if *then == "sleep" {
		for {
			time.Sleep(time.Hour)
		}
	}
}
