// A small Go service for footprint measurements: every 100 ms it allocates a
// few MiB of short-lived buffers, keeps a bounded cache, and sometimes maps
// memory off the Go heap, so memhound sees steady, varied traffic.
package main

import (
	"flag"
	"fmt"
	"syscall"
	"time"
)

var cache [][]byte

func handle(i int) {
	buf := make([]byte, 256<<10)
	for off := 0; off < len(buf); off += 4096 {
		buf[off] = byte(i)
	}
	cache = append(cache, buf)
	if len(cache) > 64 {
		cache = cache[1:]
	}
	if i%50 == 0 {
		m, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err == nil {
			m[0] = 1
			syscall.Munmap(m)
		}
	}
}

func main() {
	seconds := flag.Int("seconds", 600, "how long to run")
	flag.Parse()
	fmt.Println("ready")
	end := time.Now().Add(time.Duration(*seconds) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		for j := 0; j < 8; j++ {
			handle(i*8 + j)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
