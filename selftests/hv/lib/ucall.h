/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ucall: messages from guest code to the host test.
 *
 * Protocol: the guest fills a struct ucall (on its stack) and executes
 * "outb %al, %dx" with DX = UCALL_PORT and RDI = the struct's guest virtual
 * address.  The host sees HV_EXIT_IO (OUT, port UCALL_PORT), reads RDI with
 * HV_GET_REGS, walks the guest page tables the library built to find the
 * struct and copies it out.  String pointers in it (file, expression, text)
 * point into the test binary's image, which the guest sees at the same
 * addresses; the host reads them through the guest's copy.
 */
#ifndef HV_SELFTEST_UCALL_H
#define HV_SELFTEST_UCALL_H

#include <stdint.h>

#include "hv_util.h"

#define UCALL_PORT	0x5c5c

enum {
	UCALL_NONE,		/* host: the exit was not a ucall */
	UCALL_DONE,		/* guest finished */
	UCALL_SYNC,		/* args[0..3]: test defined */
	UCALL_ASSERT,		/* GUEST_ASSERT failed: file, line, text, args[0..1] */
	UCALL_PRINT,		/* text, args[0..3] */
	UCALL_UNHANDLED,	/* exception without handler: vector, error code, rip, cr2 */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[4];
	const char *file;
	const char *text;
	uint64_t line;
};

/* ---- guest side ---------------------------------------------------------- */

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
void guest_ucall_text(uint64_t cmd, const char *file, uint64_t line, const char *text,
		      uint64_t a0, uint64_t a1);
/* Reports UCALL_DONE and halts forever (the host must not resume it). */
void __attribute__((noreturn)) guest_done(void);

#define GUEST_SYNC(arg)			guest_ucall(UCALL_SYNC, (arg), 0, 0, 0)
#define GUEST_SYNC_ARGS(a, b, c, d)	guest_ucall(UCALL_SYNC, (a), (b), (c), (d))
#define GUEST_DONE()			guest_done()
/* @text must be a string literal or other constant of the image. */
#define GUEST_PRINT(text, a, b)		guest_ucall_text(UCALL_PRINT, __FILE__, __LINE__, text, a, b)

#define GUEST_ASSERT(cond)							\
	do {									\
		if (!(cond)) {							\
			guest_ucall_text(UCALL_ASSERT, __FILE__, __LINE__,	\
					 #cond, 0, 0);				\
			for (;;)						\
				__asm__ volatile("hlt");			\
		}								\
	} while (0)

/* Reports both values on failure. */
#define GUEST_ASSERT_EQ(a, b)							\
	do {									\
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
		if (__a != __b) {						\
			guest_ucall_text(UCALL_ASSERT, __FILE__, __LINE__,	\
					 #a " == " #b, __a, __b);		\
			for (;;)						\
				__asm__ volatile("hlt");			\
		}								\
	} while (0)

/* ---- host side ------------------------------------------------------------ */

/*
 * If the last exit was a ucall, copies it to @uc and returns its cmd;
 * otherwise UCALL_NONE.
 */
uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc);
/*
 * Runs the vCPU once and returns the ucall it made.  Anything else fails
 * the test point with a diagnostic: an exit that is not a ucall (its
 * reason name and payload), a failed HV_RUN, UCALL_ASSERT (file, line,
 * expression, values) and UCALL_UNHANDLED (vector, error code, RIP).
 */
uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc);
/* vcpu_run_ucall() and asserts the command (and for SYNC, args[0]). */
void __vcpu_expect(struct vcpu *vcpu, uint64_t cmd, uint64_t arg0, const char *file, int line);
#define vcpu_expect_sync(vcpu, arg)	__vcpu_expect(vcpu, UCALL_SYNC, arg, __FILE__, __LINE__)
#define vcpu_expect_done(vcpu)		__vcpu_expect(vcpu, UCALL_DONE, 0, __FILE__, __LINE__)
/* Prints a UCALL_ASSERT / UCALL_UNHANDLED / UCALL_PRINT report as "# " lines. */
void ucall_print(struct vcpu *vcpu, const struct ucall *uc);
const char *ucall_name(uint64_t cmd);

#endif /* HV_SELFTEST_UCALL_H */
