/* Per-interface IPv6 sysctls (sysctl6.h). */
#include <errno.h>
#include <stdio.h>

#include "sysctl6.h"

/* False (ENAMETOOLONG) when the names do not fit: a cut path could name another file. */
static bool path_of(char *path, size_t n, const char *dev, const char *knob)
{
	int len = snprintf(path, n, "/proc/sys/net/ipv6/conf/%s/%s", dev, knob);

	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return false;
	}
	return true;
}

int sysctl6_get(const char *dev, const char *knob)
{
	char path[128];
	int v = -1;
	FILE *f;

	if (!path_of(path, sizeof(path), dev, knob) || !(f = fopen(path, "re")))
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

bool sysctl6_put(const char *dev, const char *knob, int v)
{
	char path[128];
	FILE *f;
	bool ok;

	if (!path_of(path, sizeof(path), dev, knob) || !(f = fopen(path, "we")))
		return false;
	ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) == 0 && ok;
}
