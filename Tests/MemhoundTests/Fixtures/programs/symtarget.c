/* Prints addresses for the symbolizer tests, then waits to be killed. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *return_address;

__attribute__((noinline)) int leak_here(int x)
{
	return_address = __builtin_return_address(0);
	return x * 3 + 1;
}

int main(void)
{
	int v = leak_here(2);

	printf("%lx %lx %lx %d\n", (unsigned long)&leak_here, (unsigned long)&malloc,
	       (unsigned long)return_address, v);
	fflush(stdout);
	pause();
	return 0;
}
