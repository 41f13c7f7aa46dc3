// SPDX-License-Identifier: GPL-2.0
/*
 * Host runner for the hv KUnit suites: runs every registered case and
 * prints flat KTAP ("ok N suite.case"), then "host-kunit: N passed, N
 * failed".  Exits 1 if any case failed.
 */
#include <kunit/test.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_SUITES 64

static struct kunit_suite *suites[MAX_SUITES];
static unsigned int nr_suites;

void hv_kunit_register(struct kunit_suite *suite)
{
	if (nr_suites == MAX_SUITES) {
		fprintf(stderr, "host-kunit: too many suites\n");
		exit(2);
	}
	suites[nr_suites++] = suite;
}

void hv_kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		   const char *fmt, ...)
{
	va_list ap;

	printf("# %s: %s:%d: ", test->name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	test->failed = 1;
	if (assert)
		longjmp(test->abort, 1);
}

static int run_case(struct kunit_suite *suite, struct kunit_case *c)
{
	/* static: its fields stay valid after a longjmp from an assertion */
	static struct kunit test;

	memset(&test, 0, sizeof(test));
	test.name = c->name;
	if (setjmp(test.abort) == 0) {
		if (suite->init && suite->init(&test)) {
			printf("# %s: init failed\n", c->name);
			return 1;
		}
		c->run_case(&test);
	}
	if (suite->exit)
		suite->exit(&test);
	return test.failed;
}

int main(void)
{
	unsigned int s, n = 0, total = 0, passed = 0, failed = 0;
	struct kunit_case *c;

	for (s = 0; s < nr_suites; s++)
		for (c = suites[s]->test_cases; c->run_case; c++)
			total++;

	printf("KTAP version 1\n1..%u\n", total);
	for (s = 0; s < nr_suites; s++) {
		for (c = suites[s]->test_cases; c->run_case; c++) {
			n++;
			if (run_case(suites[s], c)) {
				failed++;
				printf("not ok %u %s.%s\n", n, suites[s]->name,
				       c->name);
			} else {
				passed++;
				printf("ok %u %s.%s\n", n, suites[s]->name,
				       c->name);
			}
			fflush(stdout);
		}
	}
	printf("host-kunit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
