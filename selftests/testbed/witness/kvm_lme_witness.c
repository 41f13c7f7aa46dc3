// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_lme_witness: the QEMU bug of docs/testing.md ("A QEMU bug the
 * selftests must not reach"), shown with KVM as the hypervisor.
 *
 * A real-mode guest sets EFER.LME (CR0.PG=0, CR4.PAE=0) and exits with OUT.
 * That is a legal state and an ordinary exit on real hardware; under QEMU
 * 7.2's TCG nested SVM the #VMEXIT leaves the host CPU with the guest's CR0
 * and the testbed hangs.  hv_lme_witness.c is the same guest under /dev/hv.
 *
 * NOT part of the selftests: it wedges the testbed on purpose.  Recipe
 * (the testbed runs a binary named kvm_coexist after loading kvm_amd):
 *
 *   mkdir -p /tmp/w && cc -O2 -static -o /tmp/w/kvm_coexist kvm_lme_witness.c
 *   HV_SKIP_DEPS=1 HV_QEMU_TIMEOUT=200 HV_TEST_BINARIES=/tmp/w/kvm_coexist \
 *       bash selftests/testbed/check.sh 6.12
 *
 * Expected: the log stops after "running a real-mode guest", QEMU TIMEOUT.
 * Booting the same initramfs by hand with -monitor and "info registers -a"
 * shows that CPU in host code with host CS/CR3/CR4/EFER and CR0=0x10.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

static const uint8_t code[] = {
	0x66, 0xb9, 0x80, 0x00, 0x00, 0xc0,	/* mov ecx, 0xc0000080 (EFER) */
	0x0f, 0x32,				/* rdmsr */
	0x66, 0x0d, 0x00, 0x01, 0x00, 0x00,	/* or eax, 0x100 (LME) */
	0x0f, 0x30,				/* wrmsr */
	0xe6, 0x80,				/* out 0x80, al: an exit with LME=1, PG=0, PAE=0 */
	0xf4,					/* hlt */
};

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR), vm, vcpu, sz;
	struct kvm_userspace_memory_region mr = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t *mem;

	printf("TAP version 13\n1..1\n");
	setvbuf(stdout, NULL, _IONBF, 0);
	if (kvm < 0) {
		printf("# no /dev/kvm: %s\n", strerror(errno));
		printf("ok 1 # SKIP no kvm\n");
		return 4;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy(mem + 0x1000, code, sizeof(code));
	mr.slot = 0;
	mr.guest_phys_addr = 0;
	mr.memory_size = 0x10000;
	mr.userspace_addr = (uintptr_t)mem;
	if (vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr)) {
		printf("# KVM VM setup: %s\n", strerror(errno));
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	{
		/* Without long mode in the guest's CPUID, KVM answers the WRMSR with #GP. */
		struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 100 * sizeof(struct kvm_cpuid_entry2));

		cpuid->nent = 100;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) || ioctl(vcpu, KVM_SET_CPUID2, cpuid)) {
			printf("# KVM cpuid: %s\n", strerror(errno));
			return 1;
		}
	}
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 2;
	ioctl(vcpu, KVM_SET_REGS, &regs);
	printf("# KVM: running a real-mode guest that sets EFER.LME and exits with OUT\n");
	fflush(stdout);
	if (ioctl(vcpu, KVM_RUN, 0)) {
		printf("# KVM_RUN: %s\n", strerror(errno));
		return 1;
	}
	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	printf("# KVM exit %u (io port %#x), guest efer %#llx cr0 %#llx cr4 %#llx\n", run->exit_reason,
	       run->io.port, (unsigned long long)sregs.efer, (unsigned long long)sregs.cr0,
	       (unsigned long long)sregs.cr4);
	printf("ok 1 kvm_lme_without_pae_exit\n");
	return 0;
}
