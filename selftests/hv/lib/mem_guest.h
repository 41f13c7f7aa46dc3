/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest program of the memory tests (mem_backing_test, mem_hugetlb_test):
 * a command loop over @npages pages from guest-virtual @base, which the
 * host drives one command at a time, and the host's side of it.  A test
 * includes this once; the guest code lives in its binary, as all guest code
 * does (lib/processor.h).
 */
#ifndef HV_SELFTEST_MEM_GUEST_H
#define HV_SELFTEST_MEM_GUEST_H

#include <stdint.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

#define QWORDS_PER_PAGE	(PAGE_SIZE / 8)

enum {
	OP_FILL = 1,	/* qword 0 of every page = g_tag ^ page (g_tag alone with g_same) */
	OP_COPY,	/* qword 1 of every page = qword 0 (what the guest read, for the host) */
	OP_WRITE_ONE,	/* qword 2 of page g_page = g_tag */
	OP_SUM,		/* report the sum of qword 0 of every page */
	OP_END,
};

static volatile uint32_t g_op, g_page, g_same;
static volatile uint64_t g_tag;

static void guest_cmds(uint64_t base, uint64_t npages)
{
	for (;;) {
		volatile uint64_t *p;
		uint64_t i, sum = 0;

		GUEST_SYNC(0);
		switch (g_op) {
		case OP_FILL:
			for (i = 0; i < npages; i++)
				*(volatile uint64_t *)(base + i * PAGE_SIZE) = g_same ? g_tag : g_tag ^ i;
			break;
		case OP_COPY:
			for (i = 0; i < npages; i++) {
				p = (volatile uint64_t *)(base + i * PAGE_SIZE);
				p[1] = p[0];
			}
			break;
		case OP_WRITE_ONE:
			((volatile uint64_t *)(base + g_page * PAGE_SIZE))[2] = g_tag;
			break;
		case OP_SUM:
			for (i = 0; i < npages; i++)
				sum += *(volatile uint64_t *)(base + i * PAGE_SIZE);
			GUEST_SYNC_ARGS(1, sum, 0, 0);
			break;
		default:
			GUEST_DONE();
		}
	}
}

/* A vCPU of a new VM running guest_cmds(@gva, @npages), waiting for its first command. */
static inline struct vcpu *mem_guest_start(struct vm *vm, uint64_t gva, uint64_t npages)
{
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cmds);

	vcpu_args_set(vcpu, gva, npages);
	vcpu_expect_sync(vcpu, 0);
	return vcpu;
}

/* The guest runs one command; it is waiting in GUEST_SYNC(0) before and after. */
static inline void guest_op(struct vcpu *vcpu, uint32_t op)
{
	struct ucall uc;

	*guest_global_ptr(vcpu->vm, g_op) = op;
	if (op == OP_SUM)
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
			    "no report of the sum");
	vcpu_expect_sync(vcpu, 0);
}

static inline void guest_fill(struct vcpu *vcpu, uint64_t tag, bool same)
{
	*guest_global_ptr(vcpu->vm, g_tag) = tag;
	*guest_global_ptr(vcpu->vm, g_same) = same;
	guest_op(vcpu, OP_FILL);
}

static inline void guest_write_one(struct vcpu *vcpu, uint32_t page, uint64_t tag)
{
	*guest_global_ptr(vcpu->vm, g_page) = page;
	*guest_global_ptr(vcpu->vm, g_tag) = tag;
	guest_op(vcpu, OP_WRITE_ONE);
}

static inline void guest_end(struct vcpu *vcpu)
{
	*guest_global_ptr(vcpu->vm, g_op) = OP_END;
	vcpu_expect_done(vcpu);
}

/* Qword @q of page @page of the host's mapping @h of the guest's pages. */
static inline uint64_t *qw(uint64_t *h, unsigned int page, unsigned int q)
{
	return &h[page * QWORDS_PER_PAGE + q];
}

/* Nested page faults of @vcpu so far. */
static inline uint64_t npf_count(struct vcpu *vcpu)
{
	struct hv_stats st;

	vcpu_get_stats(vcpu, &st);
	return st.exits[HV_STAT_NPF];
}

#endif /* HV_SELFTEST_MEM_GUEST_H */
