/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the subset of <kunit/test.h> the hv suites use, so
 * the pure-logic suites also run on kernels built without CONFIG_KUNIT.
 * Suites register themselves from constructors; runner.c runs them.
 */
#ifndef HV_HOST_KUNIT_TEST_H
#define HV_HOST_KUNIT_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct kunit {
	const char *name;
	int failed;
	void *priv;		/* for the suite's init/exit, as in the kernel */
	jmp_buf abort;		/* KUNIT_ASSERT_* failures end the case here */
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char name[256];
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn) { .run_case = (fn), .name = #fn }

void hv_kunit_register(struct kunit_suite *suite);
void hv_kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define kunit_test_suite(s)						\
	static void __attribute__((constructor)) hv_kunit_reg_##s(void) \
	{								\
		hv_kunit_register(&(s));				\
	}

#define HV_KUNIT_BINOP(test, assert, l, op, r, fmt, ...)		\
	do {								\
		__typeof__(l) __l = (l);				\
		__typeof__(r) __r = (r);				\
		/* the kernel builds without -Wsign-compare */		\
		_Pragma("GCC diagnostic push")				\
		_Pragma("GCC diagnostic ignored \"-Wsign-compare\"")	\
		bool __ok = __l op __r;					\
		_Pragma("GCC diagnostic pop")				\
		if (!__ok)						\
			hv_kunit_fail(test, assert, __FILE__, __LINE__,	\
				      "Expected %s %s %s, but %s == %lld "	\
				      "(0x%llx), %s == %lld (0x%llx)" fmt,	\
				      #l, #op, #r, #l, (long long)__l,	\
				      (unsigned long long)__l, #r,	\
				      (long long)__r,			\
				      (unsigned long long)__r, ##__VA_ARGS__); \
	} while (0)

#define HV_KUNIT_BOOL(test, assert, c, want, fmt, ...)			\
	do {								\
		if (!!(c) != (want))					\
			hv_kunit_fail(test, assert, __FILE__, __LINE__,	\
				      "Expected %s to be %s" fmt, #c,	\
				      (want) ? "true" : "false",	\
				      ##__VA_ARGS__);			\
	} while (0)

#define KUNIT_EXPECT_EQ(t, l, r)	HV_KUNIT_BINOP(t, false, l, ==, r, "")
#define KUNIT_EXPECT_NE(t, l, r)	HV_KUNIT_BINOP(t, false, l, !=, r, "")
#define KUNIT_EXPECT_LT(t, l, r)	HV_KUNIT_BINOP(t, false, l, <, r, "")
#define KUNIT_EXPECT_LE(t, l, r)	HV_KUNIT_BINOP(t, false, l, <=, r, "")
#define KUNIT_EXPECT_GT(t, l, r)	HV_KUNIT_BINOP(t, false, l, >, r, "")
#define KUNIT_EXPECT_GE(t, l, r)	HV_KUNIT_BINOP(t, false, l, >=, r, "")
#define KUNIT_EXPECT_TRUE(t, c)		HV_KUNIT_BOOL(t, false, c, true, "")
#define KUNIT_EXPECT_FALSE(t, c)	HV_KUNIT_BOOL(t, false, c, false, "")
#define KUNIT_ASSERT_EQ(t, l, r)	HV_KUNIT_BINOP(t, true, l, ==, r, "")
#define KUNIT_ASSERT_NE(t, l, r)	HV_KUNIT_BINOP(t, true, l, !=, r, "")
#define KUNIT_ASSERT_TRUE(t, c)		HV_KUNIT_BOOL(t, true, c, true, "")
#define KUNIT_ASSERT_FALSE(t, c)	HV_KUNIT_BOOL(t, true, c, false, "")

#define KUNIT_EXPECT_EQ_MSG(t, l, r, fmt, ...)				\
	HV_KUNIT_BINOP(t, false, l, ==, r, ": " fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_EQ_MSG(t, l, r, fmt, ...)				\
	HV_KUNIT_BINOP(t, true, l, ==, r, ": " fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt, ...)				\
	HV_KUNIT_BOOL(t, false, c, true, ": " fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, fmt, ...)				\
	HV_KUNIT_BOOL(t, false, c, false, ": " fmt, ##__VA_ARGS__)

#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)

#endif
