// SPDX-License-Identifier: GPL-2.0
/*
 * hv_lme_witness: kvm_lme_witness.c's guest under /dev/hv (see there and
 * docs/testing.md).  NOT part of the selftests: it wedges the SVM testbed.
 *
 *   S=selftests/hv; make -C $S OUTPUT=/tmp/st
 *   cc -std=gnu11 -O2 -Wall -I$S/../../uapi -I$S/lib -mgeneral-regs-only \
 *      -mno-red-zone -fno-stack-protector -fno-pie -static -no-pie \
 *      -o /tmp/w/hv_lme_witness selftests/testbed/witness/hv_lme_witness.c \
 *      /tmp/st/.obj/libhv.a -lpthread
 *   HV_SKIP_DEPS=1 HV_QEMU_TIMEOUT=200 HV_TEST_BINARIES=/tmp/w/hv_lme_witness \
 *       bash selftests/testbed/check.sh 6.12
 */
#include <string.h>
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

static const uint8_t code[] = {
	0x66, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x66, 0x0d, 0x00, 0x01, 0x00, 0x00,
	0x0f, 0x30, 0xe6, 0x80, 0xf4,
};

static void rm_seg(struct hv_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

static void test_lme(void)
{
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = vm_vcpu_add_bare(vm, 0);
	struct hv_sregs sregs;
	struct hv_regs regs;

	memcpy(addr_gpa2hva(vm, 0x1000), code, sizeof(code));
	vcpu_sregs_get(vcpu, &sregs);
	rm_seg(&sregs.cs, 0x100, 0xb);
	rm_seg(&sregs.ds, 0, 3);
	rm_seg(&sregs.ss, 0, 3);
	sregs.cr0 = 0x10;
	sregs.cr4 = 0;
	sregs.efer = 0;
	vcpu_sregs_set(vcpu, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rsp = 0x8000;
	vcpu_regs_set(vcpu, &regs);
	ktap_print_msg("hv: running a real-mode guest that sets EFER.LME and exits with OUT\n");
	fflush(stdout);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	vcpu_sregs_get(vcpu, &sregs);
	ktap_print_msg("guest efer %#llx cr0 %#llx cr4 %#llx\n", (unsigned long long)sregs.efer,
		       (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr4);
	vm_destroy(vm);
}

static const struct hv_test tests[] = { { "lme_without_pae_exit", test_lme, 60 } };

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
