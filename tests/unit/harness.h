/* A small unit-test harness: each TEST prints "PASS name" or "FAIL name: file:line: expr"; tests/run.sh
 * counts those lines across all suites. */
#ifndef XLAT64_HARNESS_H
#define XLAT64_HARNESS_H

#include <stdio.h>
#include <string.h>

struct harness_test {
	const char *name;
	void (*fn)(int *failed);
};

#define HARNESS_MAX 256
static struct harness_test harness_tests[HARNESS_MAX];
static int harness_n;
static const char *harness_current;	/* lets CHECK work in helpers called by a test */

#define TEST(name)                                                                     \
	static void test_##name(int *failed);                                          \
	__attribute__((constructor)) static void register_##name(void)                 \
	{                                                                              \
		harness_tests[harness_n++] = (struct harness_test){ #name, test_##name }; \
	}                                                                              \
	static void test_##name(int *failed)

/* Record the first failure of a test and return from the function it is in (a test, or a helper that
 * takes `int *failed`: the caller then checks CHECK(!*failed)). */
#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			printf("FAIL %s: %s:%d: %s\n", harness_current, __FILE__, __LINE__, #cond); \
			*failed = 1;                                                        \
			return;                                                             \
		}                                                                           \
	} while (0)
/* The test cannot run here (say why); neither passed nor failed. */
#define SKIP(why)                                                       \
	do {                                                            \
		printf("SKIP %s: %s\n", harness_current, (why));         \
		*failed = -1;                                           \
		return;                                                 \
	} while (0)
#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

int main(void)
{
	int bad = 0;
	for (int i = 0; i < harness_n; i++) {
		int failed = 0;
		harness_current = harness_tests[i].name;
		harness_tests[i].fn(&failed);
		if (!failed)
			printf("PASS %s\n", harness_tests[i].name);
		bad += failed > 0;
	}
	return bad ? 1 : 0;
}

#endif
