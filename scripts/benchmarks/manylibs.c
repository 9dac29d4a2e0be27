/*
 * A process with many shared libraries mapped, for memhound's footprint with
 * per-library state (symbols, unwind tables). dlopen()s the Debian libraries
 * listed below that are present (those of a Debian 12 base system and of the
 * packages scripts/setup installs, with their dependencies), then leaks a little
 * through malloc (16 KiB every 20 ms, in 1 KiB objects) for SECONDS and exits.
 * Built with plain -O2.
 *
 *   manylibs SECONDS all|none     prints "ready PID loaded N of M", then "leaked BYTES"
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* No sanitizer runtimes (they must come first) and nothing that needs a display to load. */
static const char *const libraries[] = {
	/* Debian 12 base system, apt, util-linux, systemd's libraries */
	"libz.so.1", "libzstd.so.1", "liblzma.so.5", "libbz2.so.1.0", "liblz4.so.1", "libxxhash.so.0",
	"libcrypto.so.3", "libssl.so.3", "libgnutls.so.30", "libnettle.so.8", "libhogweed.so.6",
	"libgmp.so.10", "libidn2.so.0", "libunistring.so.2", "libtasn1.so.6", "libp11-kit.so.0",
	"libgcrypt.so.20", "libgpg-error.so.0", "libsystemd.so.0", "libudev.so.1", "libblkid.so.1",
	"libmount.so.1", "libuuid.so.1", "libsmartcols.so.1", "libselinux.so.1", "libsepol.so.2",
	"libsemanage.so.2", "libpcre2-8.so.0", "libacl.so.1", "libattr.so.1", "libaudit.so.1",
	"libcap-ng.so.0", "libcap.so.2", "libpam.so.0", "libcrypt.so.1", "libseccomp.so.2",
	"libkmod.so.2", "libapt-pkg.so.6.0", "libdebconfclient.so.0", "libext2fs.so.2", "libe2p.so.2",
	"libcom_err.so.2", "libss.so.2", "libproc2.so.0", "libtinfo.so.6", "libncursesw.so.6",
	"libbsd.so.0", "libmd.so.0", "libstdc++.so.6", "libgcc_s.so.1", "libresolv.so.2",
	/* scripts/setup: libbpf, elfutils, gcc, python3, nftables, iproute2 */
	"libbpf.so.1", "libelf.so.1", "libdw.so.1", "libmpfr.so.6", "libmpc.so.3", "libisl.so.23",
	"libatomic.so.1", "libgomp.so.1", "libitm.so.1", "libquadmath.so.0", "libffi.so.8",
	"libexpat.so.1", "libsqlite3.so.0", "libreadline.so.8", "libgdbm.so.6", "libgdbm_compat.so.4",
	"libdb-5.3.so", "libmpdec.so.3", "libmnl.so.0", "libnftnl.so.11", "libnftables.so.1",
	"libjansson.so.4", "libxtables.so.12", "libtirpc.so.3", "libyaml-0.so.2",
	/* chromium's dependencies (scripts/setup installs chromium) */
	"libglib-2.0.so.0", "libgobject-2.0.so.0", "libgio-2.0.so.0", "libxml2.so.2", "libfreetype.so.6",
	"libpng16.so.16", "libfontconfig.so.1", "libharfbuzz.so.0", "libjpeg.so.62", "libX11.so.6",
	"libxcb.so.1", "libnss3.so", "libnspr4.so", "libdbus-1.so.3", "libdrm.so.2", "libasound.so.2",
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile void *sink;

__attribute__((noinline)) static void *keep(size_t size)
{
	char *p = malloc(size);

	if (!p)
		exit(1);
	memset(p, 1, size);
	return p;
}

__attribute__((noinline)) static unsigned long leak_tick(void)
{
	for (int i = 0; i < 16; i++)
		sink = keep(1024);
	return 16 * 1024;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	int all = argc > 2 && !strcmp(argv[2], "all");
	size_t wanted = all ? sizeof libraries / sizeof libraries[0] : 0, loaded = 0;
	unsigned long leaked = 0;
	double end;

	for (size_t i = 0; i < wanted; i++)
		if (dlopen(libraries[i], RTLD_NOW | RTLD_LOCAL))
			loaded++;
	printf("ready %d loaded %zu of %zu\n", getpid(), loaded, wanted);
	fflush(stdout);
	end = now() + seconds;
	while (now() < end) {
		leaked += leak_tick();
		usleep(20000);
	}
	printf("leaked %lu\n", leaked);
	fflush(stdout);
	return 0;
}
