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

// deepStack recurses with a 1 KiB frame until depth reaches 0, then parks: the
// goroutine's stack has grown (and stays grown) by about depth KiB.
//
//go:noinline
func deepStack(depth int, parked chan struct{}) byte {
	var frame [1024]byte
	frame[0] = byte(depth)
	if depth > 0 {
		return deepStack(depth-1, parked) + frame[0]
	}
	<-parked
	return frame[0]
}

// parkGoroutines starts n goroutines whose stacks grow to about kib KiB each and park.
func parkGoroutines(n, kib int) {
	parked := make(chan struct{})
	done := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		go func() {
			done <- struct{}{}
			deepStack(kib, parked)
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
	time.Sleep(200 * time.Millisecond) // let them reach full depth
}

func main() {
	mmapMiB := flag.Int("mmap-mib", 32, "MiB grown by growMmap")
	goroutines := flag.Int("goroutines", 0, "goroutines to park with grown stacks")
	stackKiB := flag.Int("stack-kib", 512, "KiB each parked goroutine's stack grows to")
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
	if *goroutines > 0 {
		parkGoroutines(*goroutines, *stackKiB)
	}
	fmt.Println("grown")
	if *then == "sleep" {
		for {
			time.Sleep(time.Hour)
		}
	}
}
