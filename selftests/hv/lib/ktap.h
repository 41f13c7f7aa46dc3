/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP (v1) output for hv selftests.  One KTAP document per test
 * binary: a version line, a plan, then one result line per test point.
 * Exit status follows kselftest: 0 pass, 1 fail, 4 skip.
 */
#ifndef HV_SELFTEST_KTAP_H
#define HV_SELFTEST_KTAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

struct ktap_state {
	unsigned int planned, number, passed, failed, skipped;
};

/* The one instance per test binary; only ktap_* below touch it. */
extern struct ktap_state ktap;

static inline void ktap_print_header(unsigned int planned)
{
	ktap.planned = planned;
	printf("KTAP version 1\n1..%u\n", planned);
	fflush(stdout);
}

static inline void ktap_print_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static inline void ktap_result(int pass, const char *name)
{
	ktap.number++;
	if (pass)
		ktap.passed++;
	else
		ktap.failed++;
	printf("%s %u %s\n", pass ? "ok" : "not ok", ktap.number, name);
	fflush(stdout);
}

static inline void ktap_skip(const char *name, const char *why)
{
	ktap.number++;
	ktap.skipped++;
	printf("ok %u %s # SKIP %s\n", ktap.number, name, why);
	fflush(stdout);
}

/* Skip the whole binary (no /dev/hv, missing CPU feature...). */
static inline void __attribute__((noreturn)) ktap_exit_skip_all(const char *why)
{
	printf("KTAP version 1\n1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(KSFT_SKIP);
}

static inline void __attribute__((noreturn)) ktap_finished(void)
{
	printf("# Totals: pass:%u fail:%u skip:%u\n",
	       ktap.passed, ktap.failed, ktap.skipped);
	fflush(stdout);
	if (ktap.failed || ktap.number != ktap.planned)
		exit(KSFT_FAIL);
	exit(KSFT_PASS);
}

/* Define the state in exactly one translation unit per binary. */
#define KTAP_DEFINE_STATE struct ktap_state ktap

#endif /* HV_SELFTEST_KTAP_H */
