# Fixture for memhound's integration tests: CPython keeping small objects (pymalloc) and objects over 512
# bytes (glibc malloc), run with Debian's /usr/bin/python3 as it ships: stripped, so only the functions in
# its dynamic symbol table have names (the C-API, _PyEval_EvalFrameDefault; not static ones like bytes_new).
#
#   python3 pyleak.py [--tuples-mib N] [--bytes-mib N] [--arrays-mib N]
#
# Prints "ready <pid>", then each phase keeps objects until the process's RssAnon has grown by N MiB
# (/proc/self/statm, read every 250 objects) and prints "phase NAME BYTES bytes COUNT objects":
#   tuples  (x, x, x): 64-byte GC objects from pymalloc, made by PyTuple_New
#   bytes   x.to_bytes(1024, "little"): 1057-byte objects from malloc, made by PyBytes_FromStringAndSize
#   arrays  bytearray(1024): 1025-byte buffers from malloc, allocated by PyByteArray_Resize
# Each phase is one call of a Python function, so the eval loop (_PyEval_EvalFrameDefault) is on every
# stack. The slots that keep the objects are allocated before the phases, and the cyclic GC is off (it
# allocates nothing then), so a phase's growth is its objects. Prints "done", exits 0 at once (no
# finalization, which would free what was kept).
import gc
import os
import sys

PAGE = os.sysconf("SC_PAGESIZE")
STATM = os.open("/proc/self/statm", os.O_RDONLY)
kept = [None] * 600_000  # written in full here, before any phase
used = 0


def rss_anon():
    fields = os.pread(STATM, 128, 0).split()
    return (int(fields[1]) - int(fields[2])) * PAGE


def report(name, start, count):
    print(f"phase {name} {rss_anon() - start} bytes {count} objects", flush=True)


def keep_tuples(target):
    global used
    start, count, x = rss_anon(), 0, object()
    while rss_anon() - start < target:
        for _ in range(250):
            kept[used] = (x, x, x)
            used += 1
        count += 250
    report("tuples", start, count)


def keep_bytes(target):
    global used
    start, count, x = rss_anon(), 0, 0x1234567
    while rss_anon() - start < target:
        for _ in range(250):
            kept[used] = x.to_bytes(1024, "little")
            used += 1
        count += 250
    report("bytes", start, count)


def keep_arrays(target):
    global used
    start, count = rss_anon(), 0
    while rss_anon() - start < target:
        for _ in range(250):
            kept[used] = bytearray(1024)
            used += 1
        count += 250
    report("arrays", start, count)


def main():
    plan = {"--tuples-mib": 8, "--bytes-mib": 16, "--arrays-mib": 16}
    args = sys.argv[1:]
    while args:
        name = args.pop(0)
        if name not in plan or not args:
            print(f"pyleak: unknown argument {name}", file=sys.stderr)
            sys.exit(2)
        plan[name] = int(args.pop(0))
    gc.disable()
    print(f"ready {os.getpid()}", flush=True)
    for phase, name in ((keep_tuples, "--tuples-mib"), (keep_bytes, "--bytes-mib"), (keep_arrays, "--arrays-mib")):
        if plan[name] > 0:
            phase(plan[name] << 20)
    print(f"done {used}", flush=True)
    os._exit(0)  # no finalization: it would free every kept object before the process ends


main()
