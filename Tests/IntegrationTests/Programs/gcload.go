// Fixture for memhound's integration tests: a Go program that keeps the garbage collector busy.
// Built with: go build -o gcload gcload.go
//
//	gcload [-seconds S] [-garbage-mib-per-s G] [-live-mib-per-s L] [-max-live-mib M]
//
// Prints "ready <pid>", then for S seconds allocates G MiB of short-lived garbage a second (freed by
// every GC cycle: a sawtooth heap with no leak) and, in main.growLive, keeps L MiB a second more live
// data, up to M MiB. With GOMEMLIMIT set just above M, the GC runs ever more often as the live heap
// approaches the limit while RSS stays flat near it. Prints "done" at the end, then exits.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

const mib = 1 << 20

var live [][]byte
var sink []byte

//go:noinline
func growLive(n int) {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	live = append(live, b)
}

//go:noinline
func churn(n int) {
	for done := 0; done < n; done += 64 << 10 {
		b := make([]byte, 64<<10)
		b[0] = 1
		sink = b
	}
}

func main() {
	seconds := flag.Float64("seconds", 60, "how long to run")
	garbage := flag.Int("garbage-mib-per-s", 64, "MiB of garbage a second")
	liveRate := flag.Int("live-mib-per-s", 0, "MiB kept live a second")
	maxLive := flag.Int("max-live-mib", 0, "live MiB at most")
	flag.Parse()
	fmt.Printf("ready %d\n", os.Getpid())
	const tick = 50 * time.Millisecond
	perTick := float64(tick) / float64(time.Second)
	kept := 0.0
	end := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	for time.Now().Before(end) {
		churn(int(float64(*garbage*mib) * perTick))
		kept += float64(*liveRate*mib) * perTick
		for kept >= mib && len(live) < *maxLive {
			growLive(mib)
			kept -= mib
		}
		time.Sleep(tick)
	}
	fmt.Println("done")
}
