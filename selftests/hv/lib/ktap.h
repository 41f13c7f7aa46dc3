/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP (v1) output for hv selftests.  One KTAP document per test
 * binary: a version line, a plan, then one result line per test point.
 * Exit status follows kselftest: 0 pass, 1 fail, 4 skip.
 */
#ifndef HV_SELFTEST_KTAP_H
#define HV_SELFTEST_KTAP_H

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Inside the testbed (its /init exports HV_TESTBED=1) everything a binary
 * needs is there by construction: hv.ko loaded, /dev/hv, the guest images.
 * A missing one means the testbed or hv is broken, so it must fail the run,
 * not turn every point into a skip that leaves `make check` green.
 */
static inline int ktap_in_testbed(void)
{
	const char *v = getenv("HV_TESTBED");

	return v && !strcmp(v, "1");
}

/*
 * Skip the whole binary because its environment is missing (no /dev/hv, no
 * kvm, no hv-run...): a skip on a developer's machine, a failure inside the
 * testbed (see ktap_in_testbed()).
 */
static inline void __attribute__((noreturn)) ktap_exit_skip_all(const char *why)
{
	if (ktap_in_testbed()) {
		printf("KTAP version 1\n1..0\nBail out! %s (HV_TESTBED=1: must not happen in the testbed)\n",
		       why);
		fflush(stdout);
		exit(KSFT_FAIL);
	}
	printf("KTAP version 1\n1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(KSFT_SKIP);
}

/*
 * Case selection: HV_TEST_CASES, when set, is a list of fnmatch(3) patterns
 * separated by spaces or commas; only the test points whose names match one
 * are run and reported (the plan counts only those). The VMX testbed uses it
 * to run the cases that prove VMX-specific paths (selftests/testbed/vmx.list).
 * Unset or empty: every case.
 */
static inline int ktap_case_selected(const char *name)
{
	const char *sel = getenv("HV_TEST_CASES");
	char pat[128];
	size_t n;

	if (!sel || !*sel)
		return 1;
	while (*sel) {
		n = strcspn(sel, " ,\t\n");
		if (n && n < sizeof(pat)) {
			memcpy(pat, sel, n);
			pat[n] = '\0';
			if (!fnmatch(pat, name, 0))
				return 1;
		}
		sel += n;
		sel += strspn(sel, " ,\t\n");
	}
	return 0;
}

/*
 * The number of selected cases among @n names at @names (a table of structs
 * whose first member is the name, @stride bytes apart). A pattern of
 * HV_TEST_CASES that selects nothing is a stale list (a case renamed or
 * deleted): bail out rather than quietly run less.
 */
static inline unsigned int ktap_count_selected(const void *names, size_t n, size_t stride)
{
	const char *sel = getenv("HV_TEST_CASES");
	unsigned int count = 0;
	char pat[128];
	size_t i, len;

	for (i = 0; i < n; i++)
		count += ktap_case_selected(*(const char *const *)((const char *)names + i * stride));
	if (!sel || !*sel)
		return count;
	while (*sel) {
		int hit = 0;

		len = strcspn(sel, " ,\t\n");
		if (len && len < sizeof(pat)) {
			memcpy(pat, sel, len);
			pat[len] = '\0';
			for (i = 0; i < n && !hit; i++)
				hit = !fnmatch(pat, *(const char *const *)((const char *)names +
									  i * stride), 0);
			if (!hit) {
				printf("KTAP version 1\n1..0\nBail out! HV_TEST_CASES pattern '%s' matches no case of this binary\n",
				       pat);
				fflush(stdout);
				exit(KSFT_FAIL);
			}
		}
		sel += len;
		sel += strspn(sel, " ,\t\n");
	}
	return count;
}

#define KTAP_COUNT_SELECTED(table) \
	ktap_count_selected(table, sizeof(table) / sizeof((table)[0]), sizeof((table)[0]))

/*
 * The kselftest exit status: 1 for a failure or a broken plan, 4 when every
 * point of the plan skipped (run_kselftest.sh then reports the binary as
 * "# SKIP", as for a 1..0 plan), else 0.
 */
static inline void __attribute__((noreturn)) ktap_finished(void)
{
	printf("# Totals: pass:%u fail:%u skip:%u\n",
	       ktap.passed, ktap.failed, ktap.skipped);
	fflush(stdout);
	if (ktap.failed || ktap.number != ktap.planned)
		exit(KSFT_FAIL);
	if (ktap.planned && ktap.skipped == ktap.planned)
		exit(KSFT_SKIP);
	exit(KSFT_PASS);
}

/* Define the state in exactly one translation unit per binary. */
#define KTAP_DEFINE_STATE struct ktap_state ktap

#endif /* HV_SELFTEST_KTAP_H */
