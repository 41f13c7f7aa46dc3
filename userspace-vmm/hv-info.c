// SPDX-License-Identifier: GPL-2.0
/*
 * hv-info: does hv work on this host?  In the style of kvm-ok and
 * virt-host-validate: the vendor, each hardware feature hv's backend found
 * (HV_CAP_HW_FEATURES: what the module detected, not /proc/cpuinfo) with
 * what hv does with it or without it, then a tiny real-mode guest (an OUT
 * and a HLT) that must exit exactly as written.
 *
 * Exit status: 0 PASS, 1 FAIL (a capability or the guest misbehaved),
 * 2 hv is not usable here (no /dev/hv, no permission, another API version).
 * Each feature line starts with the name /proc/cpuinfo gives the feature,
 * then yes or no: the testbed compares the two (selftests/testbed/init.sh).
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

#include <cpuid.h>

#include "hv_ioctl.h"

struct feature {
	uint32_t bit;		/* HV_HW_* */
	const char *key;	/* the /proc/cpuinfo flag */
	const char *name;
	const char *with;	/* what hv does with it */
	const char *without;	/* and without it */
};

static const struct feature svm_features[] = {
	{ HV_HW_SVM_NPT, "npt", "nested paging",
	  "used: guest memory is mapped by nested page tables",
	  "required: hv cannot run here" },
	{ HV_HW_SVM_NRIPS, "nrip_save", "next-RIP save",
	  "used: the CPU gives the next RIP of every exit",
	  "worked around: hv decodes each instruction it skips for its length" },
	{ HV_HW_SVM_DECODE_ASSISTS, "decodeassists", "decode assists",
	  "not used: hv decodes MMIO and I/O instructions itself",
	  "not needed: hv decodes MMIO and I/O instructions itself" },
	{ HV_HW_SVM_PAUSE_FILTER, "pausefilter", "pause filter",
	  "used: a spinning vCPU exits and yields to a preempted one",
	  "worked around: PAUSE is not intercepted (no directed yield)" },
	{ HV_HW_SVM_PAUSE_THRESHOLD, "pfthreshold", "pause filter threshold",
	  "used: only PAUSEs of one tight loop count",
	  "worked around: a pause filter counts every PAUSE" },
	{ HV_HW_SVM_AVIC, "avic", "AVIC",
	  "not used: hv emulates the local APIC, injects through V_IRQ",
	  "not needed: hv emulates the local APIC, injects through V_IRQ" },
};

static const struct feature vmx_features[] = {
	{ HV_HW_VMX_EPT, "ept", "extended page tables",
	  "used: guest memory is mapped by EPT",
	  "required: hv cannot run here" },
	{ HV_HW_VMX_UNRESTRICTED_GUEST, "unrestricted_guest", "unrestricted guest",
	  "used: real mode and unpaged guests run natively",
	  "required: hv cannot run here" },
	{ HV_HW_VMX_EPT_AD, "ept_ad", "EPT accessed/dirty flags",
	  "used: EPT leaves are made with A/D preset",
	  "worked around: EPT runs without A/D flags" },
	{ HV_HW_VMX_VPID, "vpid", "VPID (with INVVPID)",
	  "used: TLB entries are tagged per vCPU",
	  "worked around: every VM entry and exit flushes the TLB" },
	{ HV_HW_VMX_TPR_SHADOW, "tpr_shadow", "TPR shadow",
	  "used (local APIC vCPUs): CR8 accesses without exits",
	  "worked around: every CR8 access exits" },
	{ HV_HW_VMX_VIRTUAL_NMIS, "vnmi", "virtual NMIs",
	  "used: NMI injection with NMI-window exits",
	  "worked around: hv injects no NMI" },
	{ HV_HW_VMX_PREEMPTION_TIMER, "preemption_timer", "preemption timer",
	  "used: a guest with interrupts masked still exits every ~1 ms",
	  "worked around: such a guest exits on host interrupts only" },
	{ HV_HW_VMX_PAUSE_LOOP, "ple", "PAUSE-loop exiting",
	  "used: a spinning vCPU exits and yields to a preempted one",
	  "worked around: PAUSE is not intercepted (no directed yield)" },
	{ HV_HW_VMX_APICV, "apicv", "APIC virtualization",
	  "not used: hv emulates the local APIC",
	  "not needed: hv emulates the local APIC" },
	{ HV_HW_VMX_POSTED_INTR, "posted_intr", "posted interrupts",
	  "not used: interrupts are injected at entry",
	  "not needed: interrupts are injected at entry" },
	{ HV_HW_VMX_PML, "pml", "page-modification logging",
	  "not used: hv tracks no dirty pages",
	  "not needed: hv tracks no dirty pages" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The guest: real mode at 0x1000, "mov al, 0x42; out 0x80, al; hlt". */
#define GUEST_RIP	0x1000
#define GUEST_MEM	0x10000
#define GUEST_PORT	0x80
#define GUEST_BYTE	0x42
static const uint8_t guest_code[] = { 0xb0, GUEST_BYTE, 0xe6, GUEST_PORT, 0xf4 };

/* The fds and mappings of the tiny guest, freed by guest_free(). */
struct guest {
	int vm, vcpu;
	void *mem, *run;
	size_t run_size;
};

static void guest_free(struct guest *g)
{
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->mem)
		munmap(g->mem, GUEST_MEM);
}

/* The VM, its memory with the code in it, and a vCPU in real mode at GUEST_RIP. */
static const char *guest_setup(int dev, struct guest *g)
{
	struct hv_memory_region region = { .slot = 0, .memory_size = GUEST_MEM };
	struct hv_regs regs;
	struct hv_sregs sregs;
	int size;

	g->vm = hv_ioctl_create_vm(dev, 0);
	if (g->vm < 0)
		return "HV_CREATE_VM";
	g->mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return "mmap of guest memory";
	}
	memcpy((uint8_t *)g->mem + GUEST_RIP, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)g->mem;
	if (hv_ioctl_set_memory_region(g->vm, &region) < 0)
		return "HV_SET_MEMORY_REGION";
	g->vcpu = hv_ioctl_create_vcpu(g->vm, 0);
	if (g->vcpu < 0)
		return "HV_CREATE_VCPU";
	size = hv_ioctl_get_vcpu_mmap_size(dev);
	if (size <= 0)
		return "HV_GET_VCPU_MMAP_SIZE";
	g->run_size = size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		return "mmap of the vCPU's hv_run";
	}
	if (hv_ioctl_get_sregs(g->vcpu, &sregs) < 0)
		return "HV_GET_SREGS";
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	if (hv_ioctl_set_sregs(g->vcpu, &sregs) < 0)
		return "HV_SET_SREGS";
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_RIP;
	regs.rflags = 0x2;
	if (hv_ioctl_set_regs(g->vcpu, &regs) < 0)
		return "HV_SET_REGS";
	return NULL;
}

/* Runs the guest: its OUT, then its HLT. Prints why it failed; 0 on success. */
static int guest_run(struct guest *g)
{
	struct hv_run *run = g->run;
	struct hv_regs regs;
	uint8_t byte;

	if (hv_ioctl_run(g->vcpu) < 0 || run->exit_reason != HV_EXIT_IO) {
		printf("  first exit: %s (errno %d), want io\n",
		       hv_exit_name(run->exit_reason), errno);
		return 1;
	}
	byte = *((uint8_t *)run + run->io.data_offset);
	if (run->io.direction != HV_IO_DIR_OUT || run->io.port != GUEST_PORT ||
	    run->io.size != 1 || run->io.count != 1 || byte != GUEST_BYTE) {
		printf("  OUT: dir %u port %#x size %u count %u byte %#x, want out %#x 1 1 %#x\n",
		       run->io.direction, run->io.port, run->io.size, run->io.count, byte,
		       GUEST_PORT, GUEST_BYTE);
		return 1;
	}
	if (hv_ioctl_run(g->vcpu) < 0 || run->exit_reason != HV_EXIT_HLT) {
		printf("  second exit: %s (errno %d), want hlt\n",
		       hv_exit_name(run->exit_reason), errno);
		return 1;
	}
	if (hv_ioctl_get_regs(g->vcpu, &regs) < 0 ||
	    regs.rip != GUEST_RIP + sizeof(guest_code)) {
		printf("  RIP after HLT: %#llx, want %#zx\n", (unsigned long long)regs.rip,
		       GUEST_RIP + sizeof(guest_code));
		return 1;
	}
	return 0;
}

static int tiny_guest(int dev)
{
	struct guest g = { .vm = -1, .vcpu = -1 };
	const char *what;
	int r = 1;

	printf("tiny guest: real mode, OUT %#x to port %#x, HLT\n", GUEST_BYTE, GUEST_PORT);
	what = guest_setup(dev, &g);
	if (what)
		printf("  %s failed: %s\n", what, strerror(errno));
	else
		r = guest_run(&g);
	guest_free(&g);
	printf("  %s\n", r ? "FAIL" : "PASS");
	return r;
}

static void print_features(long vendor, unsigned long hw)
{
	const struct feature *f = vendor == HV_VENDOR_SVM ? svm_features : vmx_features;
	size_t i, n = vendor == HV_VENDOR_SVM ? ARRAY_SIZE(svm_features) : ARRAY_SIZE(vmx_features);
	unsigned int eax, ebx, ecx, edx;

	printf("hardware features hv found (HV_CAP_HW_FEATURES %#lx):\n", hw);
	for (i = 0; i < n; i++) {
		int has = !!(hw & f[i].bit);

		printf("  %-19s %-3s  %-26s %s\n", f[i].key, has ? "yes" : "no", f[i].name,
		       has ? f[i].with : f[i].without);
	}
	if (vendor == HV_VENDOR_SVM) {
		printf("  %-19s %-3s  %-26s %s\n", "v_tpr", "yes", "virtual TPR, V_IRQ",
		       "used: architectural on SVM");
		/* The ASID count is a CPUID number, not a feature: read from CPUID directly. */
		if (__get_cpuid(0x8000000a, &eax, &ebx, &ecx, &edx))
			printf("  %-19s %-3u  %-26s %s\n", "asids", ebx, "address space IDs",
			       "used: one per vCPU per CPU, all flushed when they run out");
	}
}

int main(void)
{
	long version, vendor, hw;
	int dev, bad = 0;

	dev = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("hv-info: cannot open %s: %s (%s)\n", HV_DEV_PATH, strerror(errno),
		       errno == ENOENT ? "hv.ko is not loaded" :
		       errno == EACCES ? "not root and not in group hv" : "see dmesg");
		return 2;
	}
	version = hv_ioctl_get_api_version(dev);
	if (version != HV_API_VERSION) {
		printf("hv-info: hv.ko speaks API version %ld, this hv-info %d: rebuild one of them\n",
		       version, HV_API_VERSION);
		return 2;
	}
	vendor = hv_ioctl_check_cap(dev, HV_CAP_VENDOR);
	hw = hv_ioctl_check_cap(dev, HV_CAP_HW_FEATURES);
	printf("hv: %s, API version %ld\n", HV_DEV_PATH, version);
	if (vendor != HV_VENDOR_SVM && vendor != HV_VENDOR_VMX) {
		printf("vendor: unknown (HV_CAP_VENDOR %ld)\n", vendor);
		return 1;
	}
	printf("vendor: %s\n", vendor == HV_VENDOR_SVM ? "AMD SVM (svm)" : "Intel VMX (vmx)");
	if (hw < 0) {
		printf("HV_CAP_HW_FEATURES failed: %s\n", strerror(errno));
		bad = 1;
	} else {
		print_features(vendor, hw);
	}
	bad |= tiny_guest(dev);
	close(dev);
	printf("hv-info: %s\n", bad ? "FAIL" : "PASS: hv can run guests on this host");
	return bad;
}
