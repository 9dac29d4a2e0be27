// Prints, on stderr, pcs of its own code with what the Go runtime says about
// them; the GoSymbols tests resolve the same pcs from the binary's .gopclntab
// and compare. Only the runtime package is used, so it builds quickly.
package main

import "runtime"

// leaf and middle are small enough for the compiler to inline: leaf into
// middle, middle into outer. Callers records the return pc in outer.
func leaf(pcs []uintptr) int { return runtime.Callers(1, pcs) }

func middle(pcs []uintptr) int { return leaf(pcs) }

//go:noinline
func outer(pcs []uintptr) int { return middle(pcs) }

//go:noinline
func physical() (uintptr, string, int) {
	pc, file, line, _ := runtime.Caller(0)
	return pc, file, line
}

func main() {
	// A PIE runs at a random base: main's entry lets the test find it.
	here, _, _, _ := runtime.Caller(0)
	println("main", runtime.FuncForPC(here).Entry())

	pc, file, line := physical()
	println("physical", runtime.FuncForPC(pc).Entry(), pc, line)
	println("file", file)

	pcs := make([]uintptr, 8)
	n := outer(pcs)
	// Since Go 1.12, Callers gives one pc per logical frame, inlined ones included.
	for _, p := range pcs[:n] {
		println("pc", p)
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		println("frame", f.PC, f.Function, f.Line, f.File)
		if !more || f.Function == "main.main" {
			break
		}
	}
}
