/* libFuzzer target for the configuration parser (conf.c): any bytes must give either a configuration
 * that prints and parses back to the same text, or a "name:line: message" error; never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* Print c into a malloc'd string. */
static char *fuzz_print(const struct conf *c)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		abort();
	conf_print(f, c);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c, again;
	char err[256], *text = malloc(size + 1), *one, *two;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!conf_parse("fuzz.conf", text, &c, err, sizeof(err))) {
		/* Every error carries the file name and a line number. */
		if (strncmp(err, "fuzz.conf:", 10))
			abort();
		free(text);
		return 0;
	}
	/* The round trip conf_print() promises. */
	one = fuzz_print(&c);
	if (!conf_parse("printed", one, &again, err, sizeof(err)))
		abort();
	two = fuzz_print(&again);
	if (strcmp(one, two))
		abort();
	free(one);
	free(two);
	free(text);
	return 0;
}
