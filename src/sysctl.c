/* Kernel settings under /proc/sys (sysctl.h). */
#include <errno.h>
#include <stdio.h>

#include "sysctl.h"

int sysctl_get(const char *path)
{
	int v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

bool sysctl_put(const char *path, int v)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) == 0 && ok;
}

/* False (ENAMETOOLONG) when the names do not fit: a cut path could name another file. */
static bool path6(char *path, size_t n, const char *dev, const char *knob)
{
	int len = snprintf(path, n, "/proc/sys/net/ipv6/conf/%s/%s", dev, knob);

	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return false;
	}
	return true;
}

int sysctl_get6(const char *dev, const char *knob)
{
	char path[128];

	return path6(path, sizeof(path), dev, knob) ? sysctl_get(path) : -1;
}

bool sysctl_put6(const char *dev, const char *knob, int v)
{
	char path[128];

	return path6(path, sizeof(path), dev, knob) && sysctl_put(path, v);
}
