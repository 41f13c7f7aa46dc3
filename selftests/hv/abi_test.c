// SPDX-License-Identifier: GPL-2.0
/*
 * abi_test: negative and positive tests of every ioctl in uapi/linux/hv.h,
 * driven with raw ioctl(2) only (no guest library).  Each test point is one
 * function in tests[] below and reports exactly one KTAP result, so the plan
 * is the size of that table.  The expected errors are the ones docs/abi.md
 * documents; where the ABI leaves a choice the comment at the test says
 * which choice is tested.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/hv.h>
#include "ktap.h"

KTAP_DEFINE_STATE;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096UL

enum { PASS, FAIL, SKIP };

/* Reason of the last SKIP, printed after the test name. */
static char skip_why[200];

static int sys_fd = -1;
static long mmap_size;

/* fds and mappings a test opened; closed/unmapped after each test. */
static int fds[16];
static unsigned int nr_fds;
static struct { void *p; size_t len; } maps[8];
static unsigned int nr_maps;

#define msg(...)	ktap_print_msg(__VA_ARGS__)

#define fail(...) do { msg(__VA_ARGS__); return FAIL; } while (0)

#define skip(...) do { \
	snprintf(skip_why, sizeof(skip_why), __VA_ARGS__); \
	return SKIP; \
} while (0)

static int track_fd(int fd)
{
	if (fd >= 0 && nr_fds < ARRAY_SIZE(fds))
		fds[nr_fds++] = fd;
	return fd;
}

/* Forget @fd (the test closed it itself). */
static void untrack_fd(int fd)
{
	for (unsigned int i = 0; i < nr_fds; i++)
		if (fds[i] == fd)
			fds[i] = -1;
}

static void *track_map(void *p, size_t len)
{
	if (p != MAP_FAILED && nr_maps < ARRAY_SIZE(maps)) {
		maps[nr_maps].p = p;
		maps[nr_maps].len = len;
		nr_maps++;
	}
	return p;
}

static void cleanup(void)
{
	while (nr_maps)
		munmap(maps[nr_maps - 1].p, maps[nr_maps - 1].len), nr_maps--;
	while (nr_fds) {
		if (fds[nr_fds - 1] >= 0)
			close(fds[nr_fds - 1]);
		nr_fds--;
	}
}

/* ioctl() returning -1 with @err.  @what names the call in diagnostics. */
static int want_errno(const char *what, long ret, int err)
{
	int e = errno;

	if (ret == -1 && e == err)
		return PASS;
	if (ret == -1)
		msg("%s: expected errno %d (%s), got errno %d (%s)\n",
		    what, err, strerror(err), e, strerror(e));
	else
		msg("%s: expected errno %d (%s), got success (%ld)\n",
		    what, err, strerror(err), ret);
	return FAIL;
}

static int want_ok(const char *what, long ret)
{
	if (ret >= 0)
		return PASS;
	msg("%s: expected success, got errno %d (%s)\n", what, errno, strerror(errno));
	return FAIL;
}

#define CHECK(x) do { int __r = (x); if (__r != PASS) return __r; } while (0)

static int new_vm(void)
{
	int fd = ioctl(sys_fd, HV_CREATE_VM, 0UL);

	if (fd < 0)
		msg("HV_CREATE_VM: %s\n", strerror(errno));
	return track_fd(fd);
}

static int new_vcpu(int vm, unsigned long id)
{
	int fd = ioctl(vm, HV_CREATE_VCPU, id);

	if (fd < 0)
		msg("HV_CREATE_VCPU(%lu): %s\n", id, strerror(errno));
	return track_fd(fd);
}

/* A VM and its vCPU 0; returns FAIL if either cannot be created. */
static int vm_vcpu(int *vm, int *vcpu)
{
	*vm = new_vm();
	if (*vm < 0)
		return FAIL;
	*vcpu = new_vcpu(*vm, 0);
	return *vcpu < 0 ? FAIL : PASS;
}

static void *guest_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		msg("mmap(%zu): %s\n", len, strerror(errno));
		return NULL;
	}
	memset(p, 0, len);
	return track_map(p, len);
}

static int set_region(int vm, unsigned int slot, unsigned int flags,
		      uint64_t gpa, uint64_t size, const void *uaddr)
{
	struct hv_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)uaddr,
	};

	return ioctl(vm, HV_SET_MEMORY_REGION, &mr);
}

static long cap(unsigned long c)
{
	return ioctl(sys_fd, HV_CHECK_CAP, c);
}

/* A pointer no process has mapped: the kernel must copy nothing from it. */
#define BAD_PTR		((void *)1)
/* Kernel half of the address space: access_ok() refuses it. */
#define KERNEL_ADDR	0xffff888000000000ULL

/* ======================================================================== */
/* /dev/hv                                                                  */
/* ======================================================================== */

static int t_api_version(void)
{
	long v = ioctl(sys_fd, HV_GET_API_VERSION, 0UL);

	if (v != HV_API_VERSION)
		fail("HV_GET_API_VERSION = %ld (errno %d), header says %d\n",
		     v, v < 0 ? errno : 0, HV_API_VERSION);
	return PASS;
}

static int t_cap_vendor(void)
{
	long v = cap(HV_CAP_VENDOR);

	if (v != HV_VENDOR_SVM && v != HV_VENDOR_VMX)
		fail("HV_CAP_VENDOR = %ld, want HV_VENDOR_SVM or HV_VENDOR_VMX\n", v);
	msg("vendor: %s\n", v == HV_VENDOR_SVM ? "SVM" : "VMX");
	return PASS;
}

static int t_cap_max_vcpus(void)
{
	long v = cap(HV_CAP_MAX_VCPUS);

	if (v < 1 || v > HV_MAX_VCPUS)
		fail("HV_CAP_MAX_VCPUS = %ld, want 1..%d\n", v, HV_MAX_VCPUS);
	return PASS;
}

static int t_cap_nr_memslots(void)
{
	long v = cap(HV_CAP_NR_MEMSLOTS);

	if (v < 1 || v > HV_MAX_MEMSLOTS)
		fail("HV_CAP_NR_MEMSLOTS = %ld, want 1..%d\n", v, HV_MAX_MEMSLOTS);
	return PASS;
}

static int t_cap_max_cpuid(void)
{
	long v = cap(HV_CAP_MAX_CPUID);

	if (v < 1 || v > HV_MAX_CPUID_ENTRIES)
		fail("HV_CAP_MAX_CPUID = %ld, want 1..%d\n", v, HV_MAX_CPUID_ENTRIES);
	return PASS;
}

static int t_cap_stats(void)
{
	long v = cap(HV_CAP_STATS);

	if (v != HV_STATS_NR_REASONS)
		fail("HV_CAP_STATS = %ld, want HV_STATS_NR_REASONS (%d)\n",
		     v, HV_STATS_NR_REASONS);
	return PASS;
}

static int t_cap_booleans(void)
{
	static const struct { unsigned long cap; const char *name; } b[] = {
		{ HV_CAP_READONLY_MEM, "READONLY_MEM" },
		{ HV_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
		{ HV_CAP_HYPERCALL, "HYPERCALL" },
		{ HV_CAP_STRING_IO, "STRING_IO" },
		{ HV_CAP_NRIPS, "NRIPS" },
	};
	int ret = PASS;

	for (unsigned int i = 0; i < ARRAY_SIZE(b); i++) {
		long v = cap(b[i].cap);

		msg("HV_CAP_%s = %ld\n", b[i].name, v);
		if (v != 0 && v != 1) {
			msg("HV_CAP_%s: want 0 or 1\n", b[i].name);
			ret = FAIL;
		}
	}
	return ret;
}

/*
 * HV_CAP_HW_FEATURES: only bits of the module's own vendor, none the header
 * does not define, the features hv requires always there, and NRIPS the
 * same answer as HV_CAP_NRIPS.
 */
static int t_cap_hw_features(void)
{
	const unsigned long svm_known = HV_HW_SVM_NPT | HV_HW_SVM_NRIPS |
		HV_HW_SVM_DECODE_ASSISTS | HV_HW_SVM_PAUSE_FILTER |
		HV_HW_SVM_PAUSE_THRESHOLD | HV_HW_SVM_AVIC;
	const unsigned long vmx_known = HV_HW_VMX_EPT | HV_HW_VMX_UNRESTRICTED_GUEST |
		HV_HW_VMX_EPT_AD | HV_HW_VMX_VPID | HV_HW_VMX_TPR_SHADOW |
		HV_HW_VMX_VIRTUAL_NMIS | HV_HW_VMX_PREEMPTION_TIMER |
		HV_HW_VMX_PAUSE_LOOP | HV_HW_VMX_APICV | HV_HW_VMX_POSTED_INTR |
		HV_HW_VMX_PML;
	long vendor = cap(HV_CAP_VENDOR), v = cap(HV_CAP_HW_FEATURES);
	unsigned long known, required;

	if (v < 0)
		fail("HV_CAP_HW_FEATURES failed: errno %d\n", errno);
	msg("HV_CAP_HW_FEATURES = %#lx\n", v);
	known = vendor == HV_VENDOR_SVM ? svm_known : vmx_known;
	required = vendor == HV_VENDOR_SVM ? HV_HW_SVM_NPT :
		   HV_HW_VMX_EPT | HV_HW_VMX_UNRESTRICTED_GUEST;
	if ((unsigned long)v & ~known)
		fail("bits %#lx are not %s features of uapi/linux/hv.h\n",
		     (unsigned long)v & ~known, vendor == HV_VENDOR_SVM ? "SVM" : "VMX");
	if (((unsigned long)v & required) != required)
		fail("required features %#lx missing\n", required & ~(unsigned long)v);
	if (vendor == HV_VENDOR_SVM && !!(v & HV_HW_SVM_NRIPS) != cap(HV_CAP_NRIPS))
		fail("HV_HW_SVM_NRIPS is %d, HV_CAP_NRIPS %ld\n",
		     !!(v & HV_HW_SVM_NRIPS), cap(HV_CAP_NRIPS));
	return PASS;
}

static int t_cap_unknown(void)
{
	static const unsigned long unknown[] = {
		HV_CAP_DIRTY_LOG + 1, 31, 0x1000, 0xffffffffUL, ~0UL
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++) {
		long v = cap(unknown[i]);

		if (v != 0)
			fail("HV_CHECK_CAP(%#lx) = %ld (errno %d), want 0\n",
			     unknown[i], v, v < 0 ? errno : 0);
	}
	return PASS;
}

static int t_sys_nonzero_arg(void)
{
	CHECK(want_errno("HV_GET_API_VERSION(1)", ioctl(sys_fd, HV_GET_API_VERSION, 1UL), EINVAL));
	return want_errno("HV_GET_VCPU_MMAP_SIZE(1)",
			  ioctl(sys_fd, HV_GET_VCPU_MMAP_SIZE, 1UL), EINVAL);
}

static int t_create_vm_flags(void)
{
	CHECK(want_errno("HV_CREATE_VM(1)",
			 track_fd(ioctl(sys_fd, HV_CREATE_VM, 1UL)), EINVAL));
	return want_errno("HV_CREATE_VM(1<<63)",
			  track_fd(ioctl(sys_fd, HV_CREATE_VM, 1UL << 63)), EINVAL);
}

static int t_create_vm_ok(void)
{
	int a = new_vm(), b = new_vm();

	if (a < 0 || b < 0)
		return FAIL;
	if (a == b)
		fail("two VMs got the same fd\n");
	return PASS;
}

static int t_mmap_size(void)
{
	if (mmap_size < (long)(2 * PAGE) || mmap_size % PAGE)
		fail("HV_GET_VCPU_MMAP_SIZE = %ld, want a multiple of the page size >= 2 pages\n",
		     mmap_size);
	return PASS;
}

static int t_sys_vm_ioctl_enotty(void)
{
	struct hv_memory_region mr = { 0 };

	CHECK(want_errno("HV_SET_MEMORY_REGION on /dev/hv",
			 ioctl(sys_fd, HV_SET_MEMORY_REGION, &mr), ENOTTY));
	return want_errno("HV_CREATE_VCPU on /dev/hv",
			  track_fd(ioctl(sys_fd, HV_CREATE_VCPU, 0UL)), ENOTTY);
}

static int t_sys_vcpu_ioctl_enotty(void)
{
	struct hv_regs regs;

	CHECK(want_errno("HV_RUN on /dev/hv", ioctl(sys_fd, HV_RUN, 0UL), ENOTTY));
	return want_errno("HV_GET_REGS on /dev/hv", ioctl(sys_fd, HV_GET_REGS, &regs), ENOTTY);
}

static int t_sys_unknown_ioctl(void)
{
	CHECK(want_errno("_IO(HVIO, 0x7f) on /dev/hv",
			 ioctl(sys_fd, _IO(HVIO, 0x7f), 0UL), ENOTTY));
	/* The right number with the wrong size encoded is a different ioctl. */
	return want_errno("HV_GET_SUPPORTED_CPUID with size 4 on /dev/hv",
			  ioctl(sys_fd, _IOC(_IOC_READ | _IOC_WRITE, HVIO, 0x04, 4), BAD_PTR),
			  ENOTTY);
}

/* ---- HV_GET_SUPPORTED_CPUID ---- */

static struct hv_cpuid *cpuid_alloc(unsigned int nent)
{
	struct hv_cpuid *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	if (c)
		c->nent = nent;
	return c;
}

/* The supported CPUID table, or NULL (message printed). */
static struct hv_cpuid *supported_cpuid(void)
{
	struct hv_cpuid *c = cpuid_alloc(HV_MAX_CPUID_ENTRIES);

	if (!c)
		return NULL;
	if (ioctl(sys_fd, HV_GET_SUPPORTED_CPUID, c) < 0) {
		msg("HV_GET_SUPPORTED_CPUID(nent=%d): %s\n", HV_MAX_CPUID_ENTRIES,
		    strerror(errno));
		free(c);
		return NULL;
	}
	return c;
}

static int t_supported_cpuid_efault(void)
{
	return want_errno("HV_GET_SUPPORTED_CPUID((void *)1)",
			  ioctl(sys_fd, HV_GET_SUPPORTED_CPUID, BAD_PTR), EFAULT);
}

static int t_supported_cpuid_flags(void)
{
	struct hv_cpuid *c = cpuid_alloc(HV_MAX_CPUID_ENTRIES);
	int r;

	c->flags = 1;
	r = want_errno("HV_GET_SUPPORTED_CPUID flags=1",
		       ioctl(sys_fd, HV_GET_SUPPORTED_CPUID, c), EINVAL);
	free(c);
	return r;
}

static int t_supported_cpuid_e2big(void)
{
	struct hv_cpuid *full = supported_cpuid(), *c = cpuid_alloc(1);
	int r = FAIL;

	if (!full)
		goto out;
	if (full->nent < 2) {
		msg("supported CPUID has %u entries, want at least 2\n", full->nent);
		goto out;
	}
	c->nent = 1;
	if (want_errno("HV_GET_SUPPORTED_CPUID nent=1",
		       ioctl(sys_fd, HV_GET_SUPPORTED_CPUID, c), E2BIG) != PASS)
		goto out;
	if (c->nent != full->nent) {
		msg("after E2BIG nent = %u, want the needed count %u\n", c->nent, full->nent);
		goto out;
	}
	c->nent = 0;
	if (want_errno("HV_GET_SUPPORTED_CPUID nent=0",
		       ioctl(sys_fd, HV_GET_SUPPORTED_CPUID, c), E2BIG) != PASS)
		goto out;
	if (c->nent != full->nent) {
		msg("after E2BIG (nent=0) nent = %u, want %u\n", c->nent, full->nent);
		goto out;
	}
	r = PASS;
out:
	free(full);
	free(c);
	return r;
}

static int t_supported_cpuid_ok(void)
{
	struct hv_cpuid *c = supported_cpuid();
	bool leaf0 = false, leaf1 = false, ext = false;
	int r = FAIL;

	if (!c)
		return FAIL;
	if (c->nent == 0 || c->nent > HV_MAX_CPUID_ENTRIES) {
		msg("nent = %u\n", c->nent);
		goto out;
	}
	for (unsigned int i = 0; i < c->nent; i++) {
		struct hv_cpuid_entry *e = &c->entries[i];

		if (e->reserved[0] || e->reserved[1] || e->reserved[2] ||
		    (e->flags & ~HV_CPUID_FLAG_SIGNIFICANT_INDEX)) {
			msg("entry %u (%#x/%#x) has reserved bits or unknown flags set\n",
			    i, e->function, e->index);
			goto out;
		}
		leaf0 |= e->function == 0;
		leaf1 |= e->function == 1;
		ext |= e->function == 0x80000000;
	}
	if (!leaf0 || !leaf1 || !ext) {
		msg("leaf 0 %d, leaf 1 %d, leaf 0x80000000 %d: want all present\n",
		    leaf0, leaf1, ext);
		goto out;
	}
	r = PASS;
out:
	free(c);
	return r;
}

/* ======================================================================== */
/* VM fd                                                                    */
/* ======================================================================== */

static int t_vm_sys_ioctl_enotty(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	CHECK(want_errno("HV_CREATE_VM on a VM fd",
			 track_fd(ioctl(vm, HV_CREATE_VM, 0UL)), ENOTTY));
	return want_errno("HV_GET_SUPPORTED_CPUID on a VM fd",
			  ioctl(vm, HV_GET_SUPPORTED_CPUID, BAD_PTR), ENOTTY);
}

static int t_vm_vcpu_ioctl_enotty(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	CHECK(want_errno("HV_RUN on a VM fd", ioctl(vm, HV_RUN, 0UL), ENOTTY));
	return want_errno("HV_GET_REGS on a VM fd", ioctl(vm, HV_GET_REGS, BAD_PTR), ENOTTY);
}

static int t_vm_unknown_ioctl(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	CHECK(want_errno("_IO(HVIO, 0x1f) on a VM fd", ioctl(vm, _IO(HVIO, 0x1f), 0UL), ENOTTY));
	return want_errno("HV_SET_MEMORY_REGION with size 8 on a VM fd",
			  ioctl(vm, _IOW(HVIO, 0x10, __u64), BAD_PTR), ENOTTY);
}

static int t_mr_efault(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	return want_errno("HV_SET_MEMORY_REGION((void *)1)",
			  ioctl(vm, HV_SET_MEMORY_REGION, BAD_PTR), EFAULT);
}

static int t_mr_slot_range(void)
{
	int vm = new_vm();
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_errno("slot = HV_MAX_MEMSLOTS",
			 set_region(vm, HV_MAX_MEMSLOTS, 0, 0, PAGE, m), EINVAL));
	CHECK(want_errno("slot = 0xffffffff",
			 set_region(vm, 0xffffffffu, 0, 0, PAGE, m), EINVAL));
	return want_ok("slot = HV_CAP_NR_MEMSLOTS - 1",
		       set_region(vm, cap(HV_CAP_NR_MEMSLOTS) - 1, 0, 0, PAGE, m));
}

static int t_mr_flags(void)
{
	int vm = new_vm();
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_errno("flags = 1 << 2", set_region(vm, 0, 1u << 2, 0, PAGE, m), EINVAL));
	return want_errno("flags = 1 << 31", set_region(vm, 0, 1u << 31, 0, PAGE, m), EINVAL);
}

static int t_mr_readonly_flag(void)
{
	int vm = new_vm();
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	if (cap(HV_CAP_READONLY_MEM) != 1)
		return want_errno("HV_MEM_READONLY without HV_CAP_READONLY_MEM",
				  set_region(vm, 0, HV_MEM_READONLY, 0, PAGE, m), EINVAL);
	return want_ok("HV_MEM_READONLY", set_region(vm, 0, HV_MEM_READONLY, 0, PAGE, m));
}

static int t_mr_reserved(void)
{
	int vm = new_vm();
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	for (int i = 0; i < 2; i++) {
		struct hv_memory_region mr = {
			.slot = 0, .memory_size = PAGE, .userspace_addr = (uintptr_t)m,
		};
		char what[64];

		mr.reserved[i] = 1;
		snprintf(what, sizeof(what), "reserved[%d] = 1", i);
		CHECK(want_errno(what, ioctl(vm, HV_SET_MEMORY_REGION, &mr), EINVAL));
	}
	return PASS;
}

static int t_mr_unaligned(void)
{
	int vm = new_vm();
	char *m = guest_mem(2 * PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_errno("gpa 0x800", set_region(vm, 0, 0, 0x800, PAGE, m), EINVAL));
	CHECK(want_errno("size 0x800", set_region(vm, 0, 0, 0, 0x800, m), EINVAL));
	CHECK(want_errno("size 0x1001", set_region(vm, 0, 0, 0, PAGE + 1, m), EINVAL));
	return want_errno("uaddr + 8", set_region(vm, 0, 0, 0, PAGE, m + 8), EINVAL);
}

static int t_mr_wrap(void)
{
	int vm = new_vm();
	void *m = guest_mem(2 * PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_errno("gpa 2^64 - 4K, size 8K",
			 set_region(vm, 0, 0, -PAGE, 2 * PAGE, m), EINVAL));
	/* The userspace range wrapping must be refused as well. */
	return want_errno("uaddr 2^64 - 4K, size 8K",
			  set_region(vm, 0, 0, 0, 2 * PAGE, (void *)-PAGE), EINVAL);
}

static int t_mr_gpa_limit(void)
{
	int vm = new_vm();
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_errno("gpa 2^48", set_region(vm, 0, 0, 1ULL << 48, PAGE, m), EINVAL));
	CHECK(want_errno("gpa 2^48 - 4K, size 8K",
			 set_region(vm, 0, 0, (1ULL << 48) - PAGE, 2 * PAGE, m), EINVAL));
	return want_errno("gpa 2^63", set_region(vm, 0, 0, 1ULL << 63, PAGE, m), EINVAL);
}

/*
 * userspace_addr is a value to validate, not a pointer hv dereferences
 * during the ioctl: a range that fails access_ok() (kernel half,
 * non-canonical) is an invalid argument, -EINVAL, as in KVM.  Whether the
 * range is mapped is not checked here (mappings change at any time); a
 * guest access to an unmapped page fails HV_RUN with -EFAULT instead.
 */
static int t_mr_kernel_uaddr(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	CHECK(want_errno("uaddr in the kernel half",
			 set_region(vm, 0, 0, 0, PAGE, (void *)(uintptr_t)KERNEL_ADDR), EINVAL));
	return want_errno("uaddr non-canonical",
			  set_region(vm, 0, 0, 0, PAGE, (void *)0x0000800000000000ULL), EINVAL);
}

/* An overlap is a conflict with existing state: -EEXIST, as in KVM. */
static int t_mr_overlap(void)
{
	int vm = new_vm();
	void *m = guest_mem(16 * PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_ok("slot 0 at 0x100000 size 16K",
		      set_region(vm, 0, 0, 0x100000, 4 * PAGE, m)));
	CHECK(want_errno("slot 1 overlapping the end (partial)",
			 set_region(vm, 1, 0, 0x102000, 4 * PAGE, m), EEXIST));
	CHECK(want_errno("slot 1 overlapping the start (partial)",
			 set_region(vm, 1, 0, 0xfe000, 4 * PAGE, m), EEXIST));
	CHECK(want_errno("slot 1 with the same range (full)",
			 set_region(vm, 1, 0, 0x100000, 4 * PAGE, m), EEXIST));
	CHECK(want_errno("slot 1 inside slot 0",
			 set_region(vm, 1, 0, 0x101000, PAGE, m), EEXIST));
	CHECK(want_errno("slot 1 containing slot 0",
			 set_region(vm, 1, 0, 0xff000, 8 * PAGE, m), EEXIST));
	CHECK(want_ok("slot 1 adjacent above", set_region(vm, 1, 0, 0x104000, PAGE, m)));
	return want_ok("slot 2 adjacent below", set_region(vm, 2, 0, 0xff000, PAGE, m));
}

/* Deleting a slot that was never set is a successful no-op (as in KVM). */
static int t_mr_delete_empty(void)
{
	int vm = new_vm();

	if (vm < 0)
		return FAIL;
	CHECK(want_ok("delete never-set slot 3", set_region(vm, 3, 0, 0, 0, NULL)));
	/* Out of range stays out of range even for a delete. */
	return want_errno("delete slot HV_MAX_MEMSLOTS",
			  set_region(vm, HV_MAX_MEMSLOTS, 0, 0, 0, NULL), EINVAL);
}

static int t_mr_delete_frees_range(void)
{
	int vm = new_vm();
	void *m = guest_mem(4 * PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_ok("slot 0 at 0x200000", set_region(vm, 0, 0, 0x200000, 4 * PAGE, m)));
	CHECK(want_ok("delete slot 0", set_region(vm, 0, 0, 0x200000, 0, m)));
	CHECK(want_ok("delete slot 0 again", set_region(vm, 0, 0, 0, 0, NULL)));
	return want_ok("slot 1 in the freed range",
		       set_region(vm, 1, 0, 0x200000, 4 * PAGE, m));
}

/*
 * Replacing an installed slot (same slot id, size != 0) is allowed with any
 * new gpa, size, uaddr and flags, as long as the new range overlaps no
 * *other* slot; the old range is released (hv.h: "Installs, replaces or
 * deletes").  This is what we test; docs/abi.md states the same.
 */
static int t_mr_replace(void)
{
	int vm = new_vm();
	char *m = guest_mem(8 * PAGE);

	if (vm < 0 || !m)
		return FAIL;
	CHECK(want_ok("slot 0 at 0x300000", set_region(vm, 0, 0, 0x300000, 4 * PAGE, m)));
	CHECK(want_ok("slot 1 at 0x400000", set_region(vm, 1, 0, 0x400000, PAGE, m)));
	CHECK(want_ok("replace slot 0 overlapping its own old range",
		      set_region(vm, 0, 0, 0x302000, 4 * PAGE, m + 4 * PAGE)));
	CHECK(want_errno("replace slot 0 onto slot 1",
			 set_region(vm, 0, 0, 0x400000, PAGE, m), EEXIST));
	CHECK(want_ok("replace slot 0 with a different gpa",
		      set_region(vm, 0, 0, 0x500000, 2 * PAGE, m)));
	return want_ok("slot 2 in slot 0's old range",
		       set_region(vm, 2, 0, 0x300000, 4 * PAGE, m));
}

static int t_mr_all_slots(void)
{
	int vm = new_vm();
	long n = cap(HV_CAP_NR_MEMSLOTS);
	void *m = guest_mem(PAGE);

	if (vm < 0 || !m)
		return FAIL;
	for (long i = 0; i < n; i++) {
		if (set_region(vm, i, 0, (uint64_t)i * 0x100000, PAGE, m) < 0)
			fail("slot %ld of %ld: %s\n", i, n, strerror(errno));
	}
	return PASS;
}

/* ---- HV_CREATE_VCPU ---- */

static int t_vcpu_id_range(void)
{
	int vm = new_vm();
	long max = cap(HV_CAP_MAX_VCPUS);

	if (vm < 0)
		return FAIL;
	CHECK(want_errno("id HV_MAX_VCPUS",
			 track_fd(ioctl(vm, HV_CREATE_VCPU, (unsigned long)HV_MAX_VCPUS)), EINVAL));
	CHECK(want_errno("id HV_CAP_MAX_VCPUS",
			 track_fd(ioctl(vm, HV_CREATE_VCPU, (unsigned long)max)), EINVAL));
	/* The id must not be truncated to 32 bits. */
	return want_errno("id 1 << 32",
			  track_fd(ioctl(vm, HV_CREATE_VCPU, 1UL << 32)), EINVAL);
}

static int t_vcpu_duplicate(void)
{
	int vm = new_vm();

	if (vm < 0 || new_vcpu(vm, 0) < 0)
		return FAIL;
	return want_errno("second vCPU 0",
			  track_fd(ioctl(vm, HV_CREATE_VCPU, 0UL)), EEXIST);
}

static int t_vcpu_create_ok(void)
{
	int vm = new_vm();
	long max = cap(HV_CAP_MAX_VCPUS);
	int a, b;

	if (vm < 0)
		return FAIL;
	a = new_vcpu(vm, 0);
	b = new_vcpu(vm, max - 1);
	if (a < 0 || b < 0)
		return FAIL;
	return PASS;
}

static int t_vcpu_vm_ioctl_enotty(void)
{
	int vm, vcpu;
	struct hv_memory_region mr = { 0 };

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("HV_CREATE_VCPU on a vCPU fd",
			 track_fd(ioctl(vcpu, HV_CREATE_VCPU, 1UL)), ENOTTY));
	CHECK(want_errno("HV_SET_MEMORY_REGION on a vCPU fd",
			 ioctl(vcpu, HV_SET_MEMORY_REGION, &mr), ENOTTY));
	return want_errno("HV_CREATE_VM on a vCPU fd",
			  track_fd(ioctl(vcpu, HV_CREATE_VM, 0UL)), ENOTTY);
}

static int t_vcpu_unknown_ioctl(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("_IO(HVIO, 0x3f) on a vCPU fd",
			 ioctl(vcpu, _IO(HVIO, 0x3f), 0UL), ENOTTY));
	return want_errno("HV_GET_REGS with size 8 on a vCPU fd",
			  ioctl(vcpu, _IOR(HVIO, 0x21, __u64), BAD_PTR), ENOTTY);
}

/* ---- mmap of the vCPU fd ---- */

static int t_mmap_ok(void)
{
	int vm, vcpu;
	struct hv_run *run;

	CHECK(vm_vcpu(&vm, &vcpu));
	run = track_map(mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0),
			mmap_size);
	if (run == MAP_FAILED)
		fail("mmap(%ld) of a vCPU fd: %s\n", mmap_size, strerror(errno));
	/* Both pages are accessible; the second is the PIO data page. */
	run->request_interrupt_window = 0;
	run->immediate_exit = 0;
	((volatile char *)run)[PAGE] = ((volatile char *)run)[PAGE];
	return PASS;
}

static int t_mmap_too_large(void)
{
	int vm, vcpu;
	void *p;

	CHECK(vm_vcpu(&vm, &vcpu));
	p = track_map(mmap(NULL, mmap_size + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0),
		      mmap_size + PAGE);
	if (p != MAP_FAILED)
		fail("mmap of HV_GET_VCPU_MMAP_SIZE + 1 page succeeded\n");
	return want_errno("mmap of HV_GET_VCPU_MMAP_SIZE + 1 page", -1, EINVAL);
}

static int t_mmap_offset(void)
{
	int vm, vcpu;
	void *p;

	CHECK(vm_vcpu(&vm, &vcpu));
	p = track_map(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, mmap_size),
		      PAGE);
	if (p != MAP_FAILED)
		fail("mmap of one page at offset HV_GET_VCPU_MMAP_SIZE succeeded\n");
	CHECK(want_errno("mmap of one page at offset HV_GET_VCPU_MMAP_SIZE", -1, EINVAL));
	p = track_map(mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, PAGE),
		      mmap_size);
	if (p != MAP_FAILED)
		fail("mmap of the full size at offset 1 page succeeded\n");
	return want_errno("mmap of the full size at offset 1 page", -1, EINVAL);
}

/* struct hv_run is shared with the kernel: a private mapping is refused. */
static int t_mmap_private(void)
{
	int vm, vcpu;
	void *p;

	CHECK(vm_vcpu(&vm, &vcpu));
	p = track_map(mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, vcpu, 0),
		      mmap_size);
	if (p != MAP_FAILED)
		fail("MAP_PRIVATE mapping of a vCPU fd succeeded\n");
	CHECK(want_errno("mmap(MAP_PRIVATE) of a vCPU fd", -1, EINVAL));
	/* Read-only private mappings too: they would not follow the kernel's writes either. */
	p = track_map(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, vcpu, 0), PAGE);
	if (p != MAP_FAILED)
		fail("read-only MAP_PRIVATE mapping of a vCPU fd succeeded\n");
	return want_errno("mmap(PROT_READ, MAP_PRIVATE) of a vCPU fd", -1, EINVAL);
}

static int t_mmap_vm_fd(void)
{
	int vm = new_vm();
	void *p;

	if (vm < 0)
		return FAIL;
	p = track_map(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, vm, 0), PAGE);
	if (p != MAP_FAILED)
		fail("mmap of a VM fd succeeded\n");
	/* docs/abi.md: VM fds cannot be mapped (no mmap operation: ENODEV). */
	return want_errno("mmap of a VM fd", -1, ENODEV);
}

/* ---- registers ---- */

static int t_regs_efault(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("HV_GET_REGS((void *)1)", ioctl(vcpu, HV_GET_REGS, BAD_PTR), EFAULT));
	return want_errno("HV_SET_REGS((void *)1)", ioctl(vcpu, HV_SET_REGS, BAD_PTR), EFAULT);
}

static int t_regs_flags_reserved(void)
{
	int vm, vcpu;
	struct hv_regs r;

	CHECK(vm_vcpu(&vm, &vcpu));
	if (ioctl(vcpu, HV_GET_REGS, &r) < 0)
		fail("HV_GET_REGS: %s\n", strerror(errno));
	r.flags = 1;
	CHECK(want_errno("HV_SET_REGS flags=1", ioctl(vcpu, HV_SET_REGS, &r), EINVAL));
	r.flags = 0;
	r.reserved = 1;
	return want_errno("HV_SET_REGS reserved=1", ioctl(vcpu, HV_SET_REGS, &r), EINVAL);
}

/* A new vCPU is in the architectural reset state (docs/abi.md). */
static int t_regs_reset_state(void)
{
	int vm, vcpu;
	struct hv_regs r;
	struct hv_sregs s;

	CHECK(vm_vcpu(&vm, &vcpu));
	if (ioctl(vcpu, HV_GET_REGS, &r) < 0 || ioctl(vcpu, HV_GET_SREGS, &s) < 0)
		fail("HV_GET_REGS/SREGS: %s\n", strerror(errno));
	if (r.flags || r.reserved || s.flags || s.reserved)
		fail("flags/reserved not zero in GET output\n");
	if (r.rip != 0xfff0 || r.rflags != 0x2)
		fail("rip %#llx rflags %#llx, want 0xfff0 and 0x2\n",
		     (unsigned long long)r.rip, (unsigned long long)r.rflags);
	if (s.cs.selector != 0xf000 || s.cs.base != 0xffff0000)
		fail("cs %#x base %#llx, want 0xf000 base 0xffff0000\n",
		     s.cs.selector, (unsigned long long)s.cs.base);
	if (s.cr0 & 0x80000001)
		fail("cr0 %#llx has PE or PG set\n", (unsigned long long)s.cr0);
	if (s.efer)
		fail("efer %#llx: want 0 (the host's SVME must not be visible)\n",
		     (unsigned long long)s.efer);
	return PASS;
}

static int t_regs_roundtrip(void)
{
	int vm, vcpu;
	struct hv_regs in, out;
	__u64 *v = &in.rax;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&in, 0, sizeof(in));
	for (int i = 0; i < 16; i++)
		v[i] = 0x1111111111111111ULL * (i + 1) ^ 0x0123456789abcdefULL;
	in.rip = 0xffffffff81000000ULL;
	in.rflags = 0x246;
	if (ioctl(vcpu, HV_SET_REGS, &in) < 0)
		fail("HV_SET_REGS: %s\n", strerror(errno));
	memset(&out, 0xa5, sizeof(out));
	if (ioctl(vcpu, HV_GET_REGS, &out) < 0)
		fail("HV_GET_REGS: %s\n", strerror(errno));
	if (memcmp(&in, &out, sizeof(in))) {
		for (size_t off = 0; off < sizeof(in); off += 8)
			if (memcmp((char *)&in + off, (char *)&out + off, 8))
				msg("offset %zu: set %#llx got %#llx\n", off,
				    *(unsigned long long *)((char *)&in + off),
				    *(unsigned long long *)((char *)&out + off));
		fail("HV_GET_REGS differs from what HV_SET_REGS stored\n");
	}
	return PASS;
}

static int get_sregs(int vcpu, struct hv_sregs *s)
{
	if (ioctl(vcpu, HV_GET_SREGS, s) < 0) {
		msg("HV_GET_SREGS: %s\n", strerror(errno));
		return FAIL;
	}
	return PASS;
}

static int t_sregs_efault(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("HV_GET_SREGS((void *)1)", ioctl(vcpu, HV_GET_SREGS, BAD_PTR), EFAULT));
	return want_errno("HV_SET_SREGS((void *)1)", ioctl(vcpu, HV_SET_SREGS, BAD_PTR), EFAULT);
}

static int t_sregs_flags_reserved(void)
{
	int vm, vcpu;
	struct hv_sregs s, t;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &s));
	t = s;
	t.flags = 1;
	CHECK(want_errno("HV_SET_SREGS flags=1", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.reserved = 1;
	CHECK(want_errno("HV_SET_SREGS reserved=1", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	for (int i = 0; i < 4; i++) {
		char what[64];

		t = s;
		t.reserved2[i] = 1;
		snprintf(what, sizeof(what), "HV_SET_SREGS reserved2[%d]=1", i);
		CHECK(want_errno(what, ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	}
	t = s;
	t.ss.padding = 1;
	CHECK(want_errno("HV_SET_SREGS ss.padding=1", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.idt.padding[2] = 1;
	return want_errno("HV_SET_SREGS idt.padding[2]=1", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL);
}

static int t_sregs_roundtrip(void)
{
	int vm, vcpu;
	struct hv_sregs in, out;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &in));
	in.cr2 = 0xdead000;
	in.cr3 = 0x3000;
	in.cr8 = 3;
	in.gdt.base = 0x1000;
	in.gdt.limit = 0x27;
	in.idt.base = 0x2000;
	in.idt.limit = 0x3ff;
	in.es.base = 0x12340;
	in.es.selector = 0x1234;
	in.fs.base = 0x7f0000001000ULL;
	if (ioctl(vcpu, HV_SET_SREGS, &in) < 0)
		fail("HV_SET_SREGS: %s\n", strerror(errno));
	memset(&out, 0x5a, sizeof(out));
	CHECK(get_sregs(vcpu, &out));
	if (memcmp(&in, &out, sizeof(in))) {
		for (size_t off = 0; off < sizeof(in); off++)
			if (((unsigned char *)&in)[off] != ((unsigned char *)&out)[off]) {
				msg("first difference at byte offset %zu of struct hv_sregs (%zu bytes)\n",
				    off, sizeof(in));
				break;
			}
		fail("HV_GET_SREGS differs from what HV_SET_SREGS stored\n");
	}
	return PASS;
}

static int t_sregs_bad_cr0(void)
{
	int vm, vcpu;
	struct hv_sregs s, t;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &s));
	t = s;
	t.cr0 = (s.cr0 | 0x80000000ULL) & ~1ULL;	/* PG without PE */
	CHECK(want_errno("cr0 PG without PE", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.cr0 = (s.cr0 | (1ULL << 29)) & ~(1ULL << 30);	/* NW without CD */
	CHECK(want_errno("cr0 NW without CD", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.cr0 = s.cr0 | (1ULL << 32);
	return want_errno("cr0 bit 32", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL);
}

static int t_sregs_bad_cr4(void)
{
	int vm, vcpu;
	struct hv_sregs s, t;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &s));
	t = s;
	t.cr4 = s.cr4 | (1ULL << 63);
	CHECK(want_errno("cr4 bit 63", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.cr4 = s.cr4 | (1ULL << 15);			/* reserved on every CPU */
	return want_errno("cr4 bit 15", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL);
}

static int t_sregs_bad_efer(void)
{
	int vm, vcpu;
	struct hv_sregs s, t;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &s));
	t = s;
	t.efer = s.efer | (1ULL << 63);
	CHECK(want_errno("efer bit 63", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL));
	t = s;
	t.efer = s.efer | (1ULL << 9);			/* reserved */
	return want_errno("efer bit 9", ioctl(vcpu, HV_SET_SREGS, &t), EINVAL);
}

/*
 * HV_SET_SREGS consistency (docs/abi.md): each state below breaks one rule of
 * a state that is accepted, so each refusal is the rule's own.  The bits are
 * spelled out here rather than taken from kernel headers.
 */
#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_VMXE	(1ULL << 13)
#define CR4_PCIDE	(1ULL << 17)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* Flat 32-bit protected mode, paging off, from the vCPU's reset state @s. */
static void protected_mode(struct hv_sregs *s)
{
	s->cr0 = CR0_PE | CR0_ET | CR0_NE;
	s->cr4 = 0;
	s->efer = 0;
	s->cs.base = 0;
	s->cs.limit = 0xffffffff;
	s->cs.selector = 0x8;
	s->cs.type = 11;
	s->cs.s = 1;
	s->cs.present = 1;
	s->cs.db = 1;
	s->cs.l = 0;
	s->cs.g = 1;
	s->cs.unusable = 0;
}

/* 64-bit mode with 4-level paging (tables at 0x1000), as the selftests run. */
static void long_mode(struct hv_sregs *s)
{
	protected_mode(s);
	s->cr0 |= CR0_PG;
	s->cr3 = 0x1000;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->cs.db = 0;
	s->cs.l = 1;
}

/* SET @s, then GET it back unchanged; @what names the mode. */
static int sregs_accepted(int vcpu, const struct hv_sregs *s, const char *what)
{
	struct hv_sregs out;

	if (ioctl(vcpu, HV_SET_SREGS, s) < 0)
		fail("HV_SET_SREGS %s: %s\n", what, strerror(errno));
	CHECK(get_sregs(vcpu, &out));
	if (out.cr0 != s->cr0 || out.cr4 != s->cr4 || out.efer != s->efer || out.cr3 != s->cr3 ||
	    out.cs.l != s->cs.l || out.cs.db != s->cs.db)
		fail("%s: GET returned cr0 %#llx cr4 %#llx efer %#llx cs.l %u cs.db %u\n", what,
		     (unsigned long long)out.cr0, (unsigned long long)out.cr4,
		     (unsigned long long)out.efer, out.cs.l, out.cs.db);
	return PASS;
}

/*
 * Every mode the selftests and hv-run start guests in: real mode (reset
 * state; on VMX it runs as an unrestricted guest), real mode with CR0.CD and
 * NW clear, 32-bit protected mode without and with paging, PAE, LME set
 * before paging is switched on, long mode and compatibility mode.
 */
static int t_sregs_modes_ok(void)
{
	int vm, vcpu;
	struct hv_sregs reset, s;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &reset));
	CHECK(sregs_accepted(vcpu, &reset, "reset state (real mode)"));
	s = reset;
	s.cr0 = CR0_ET;
	CHECK(sregs_accepted(vcpu, &s, "real mode, caches on"));
	s = reset;
	protected_mode(&s);
	CHECK(sregs_accepted(vcpu, &s, "protected mode"));
	s.cr0 |= CR0_PG;
	s.cr3 = 0x2000;
	CHECK(sregs_accepted(vcpu, &s, "32-bit paging"));
	s.cr4 = CR4_PAE;
	CHECK(sregs_accepted(vcpu, &s, "PAE paging"));
	s.cr0 &= ~CR0_PG;
	s.efer = EFER_LME;
	CHECK(sregs_accepted(vcpu, &s, "EFER.LME before paging"));
	s = reset;
	long_mode(&s);
	CHECK(sregs_accepted(vcpu, &s, "long mode"));
	s.cs.l = 0;
	s.cs.db = 1;
	return sregs_accepted(vcpu, &s, "compatibility mode");
}

/* The examples and the other mode rules of the architecture. */
static int t_sregs_inconsistent_einval(void)
{
	int vm, vcpu;
	struct hv_sregs reset, s;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(get_sregs(vcpu, &reset));
	s = reset;
	long_mode(&s);
	s.cr0 &= ~CR0_PG;
	CHECK(want_errno("EFER.LMA with CR0.PG clear", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	long_mode(&s);
	s.efer &= ~EFER_LME;
	CHECK(want_errno("EFER.LMA without EFER.LME", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	long_mode(&s);
	s.efer &= ~EFER_LMA;
	CHECK(want_errno("EFER.LME and CR0.PG without EFER.LMA", ioctl(vcpu, HV_SET_SREGS, &s),
			 EINVAL));
	s = reset;
	long_mode(&s);
	s.cr4 &= ~CR4_PAE;
	CHECK(want_errno("long mode without CR4.PAE", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	long_mode(&s);
	s.cs.db = 1;
	CHECK(want_errno("long mode with CS.L and CS.D", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	protected_mode(&s);
	s.cs.l = 1;
	s.cs.db = 0;
	CHECK(want_errno("CS.L in protected mode", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	s.cs.l = 1;
	CHECK(want_errno("CS.L in real mode", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	protected_mode(&s);
	s.cr0 |= CR0_PG;
	s.cr4 = CR4_PAE | CR4_PCIDE;
	CHECK(want_errno("CR4.PCIDE outside long mode", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	protected_mode(&s);
	s.cr4 = CR4_VMXE;
	CHECK(want_errno("CR4.VMXE", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	s = reset;
	s.cr8 = 16;
	CHECK(want_errno("CR8 = 16", ioctl(vcpu, HV_SET_SREGS, &s), EINVAL));
	/* Nothing of a refused set was stored. */
	CHECK(get_sregs(vcpu, &s));
	if (memcmp(&s, &reset, sizeof(s)))
		fail("a refused HV_SET_SREGS changed the vCPU's state\n");
	return PASS;
}

/*
 * In long mode CR3 may not have bits at or above the guest's MAXPHYADDR, the
 * width its CPUID leaf 0x80000008 announces (36 without the leaf, as KVM).
 */
static int t_sregs_cr3_maxphyaddr(void)
{
	int vm, vcpu;
	struct hv_sregs s;
	struct hv_cpuid *c = cpuid_alloc(2);
	int r = PASS;

	if (!c)
		fail("out of memory\n");
	CHECK(vm_vcpu(&vm, &vcpu));
	c->entries[0].function = 0x80000008;
	c->entries[0].eax = 0x3028;		/* 40 physical, 48 linear address bits */
	/* Long mode (LM, EDX bit 29) must be offered for EFER.LME to be accepted. */
	c->entries[1].function = 0x80000001;
	c->entries[1].edx = 1u << 29;
	if (ioctl(vcpu, HV_SET_CPUID, c) < 0) {
		msg("HV_SET_CPUID: %s\n", strerror(errno));
		r = FAIL;
		goto out;
	}
	CHECK(get_sregs(vcpu, &s));
	long_mode(&s);
	s.cr3 = (1ULL << 40) - 4096;
	r = sregs_accepted(vcpu, &s, "long mode, CR3 at the top of 40 bits");
	if (r != PASS)
		goto out;
	s.cr3 = 1ULL << 40;
	r = want_errno("long mode, CR3 bit 40 with MAXPHYADDR 40",
		       ioctl(vcpu, HV_SET_SREGS, &s), EINVAL);
	if (r != PASS)
		goto out;
	/* Without leaf 0x80000008 the width is 36. */
	c->entries[0].function = 0;
	c->entries[0].eax = 1;
	if (ioctl(vcpu, HV_SET_CPUID, c) < 0) {
		msg("HV_SET_CPUID(leaves 0 and 0x80000001): %s\n", strerror(errno));
		r = FAIL;
		goto out;
	}
	s.cr3 = 1ULL << 36;
	r = want_errno("long mode, CR3 bit 36 without CPUID 0x80000008",
		       ioctl(vcpu, HV_SET_SREGS, &s), EINVAL);
out:
	free(c);
	return r;
}

/* ---- CPUID ---- */

static int t_set_cpuid_e2big(void)
{
	int vm, vcpu, r;
	struct hv_cpuid *c = cpuid_alloc(HV_MAX_CPUID_ENTRIES + 1);

	CHECK(vm_vcpu(&vm, &vcpu));
	r = want_errno("HV_SET_CPUID nent = HV_MAX_CPUID_ENTRIES + 1",
		       ioctl(vcpu, HV_SET_CPUID, c), E2BIG);
	free(c);
	return r;
}

static int t_set_cpuid_efault(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	return want_errno("HV_SET_CPUID((void *)1)", ioctl(vcpu, HV_SET_CPUID, BAD_PTR), EFAULT);
}

static int t_set_cpuid_einval(void)
{
	int vm, vcpu, r = FAIL;
	struct hv_cpuid *c = cpuid_alloc(1);

	if (vm_vcpu(&vm, &vcpu) != PASS)
		goto out;
	c->entries[0].function = 0;
	c->flags = 1;
	if (want_errno("HV_SET_CPUID flags=1", ioctl(vcpu, HV_SET_CPUID, c), EINVAL))
		goto out;
	c->flags = 0;
	c->entries[0].flags = 1u << 1;
	if (want_errno("HV_SET_CPUID entry flag bit 1", ioctl(vcpu, HV_SET_CPUID, c), EINVAL))
		goto out;
	c->entries[0].flags = 0;
	for (int i = 0; i < 3; i++) {
		char what[64];

		c->entries[0].reserved[i] = 1;
		snprintf(what, sizeof(what), "HV_SET_CPUID entry reserved[%d]=1", i);
		if (want_errno(what, ioctl(vcpu, HV_SET_CPUID, c), EINVAL))
			goto out;
		c->entries[0].reserved[i] = 0;
	}
	r = PASS;
out:
	free(c);
	return r;
}

/*
 * docs/abi.md: the supported table offers the local APIC's bits (leaf 1
 * EDX.APIC, ECX.x2APIC and TSC-deadline, AMD's 0x80000001 EDX.APIC); a VM
 * without HV_CAP_LAPIC has them cleared, from HV_SET_CPUID too.
 */
static void clear_lapic_bits(struct hv_cpuid *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 1) {
			c->entries[i].edx &= ~(1u << 9);
			c->entries[i].ecx &= ~((1u << 21) | (1u << 24));
		} else if (c->entries[i].function == 0x80000001) {
			c->entries[i].edx &= ~(1u << 9);
		}
	}
}

static int t_cpuid_roundtrip(void)
{
	int vm, vcpu, r = FAIL;
	struct hv_cpuid *sup = supported_cpuid(), *out = cpuid_alloc(HV_MAX_CPUID_ENTRIES);

	if (!sup || vm_vcpu(&vm, &vcpu) != PASS)
		goto out;
	if (ioctl(vcpu, HV_SET_CPUID, sup) < 0) {
		msg("HV_SET_CPUID of the supported table (%u entries): %s\n",
		    sup->nent, strerror(errno));
		goto out;
	}
	if (ioctl(vcpu, HV_GET_CPUID, out) < 0) {
		msg("HV_GET_CPUID: %s\n", strerror(errno));
		goto out;
	}
	clear_lapic_bits(sup);
	if (out->nent != sup->nent ||
	    memcmp(out->entries, sup->entries, sup->nent * sizeof(sup->entries[0]))) {
		msg("HV_GET_CPUID returned %u entries, set %u (or contents differ)\n",
		    out->nent, sup->nent);
		goto out;
	}
	r = PASS;
out:
	free(sup);
	free(out);
	return r;
}

static int t_get_cpuid_e2big(void)
{
	int vm, vcpu, r = FAIL;
	struct hv_cpuid *sup = supported_cpuid(), *c = cpuid_alloc(HV_MAX_CPUID_ENTRIES);

	if (!sup || vm_vcpu(&vm, &vcpu) != PASS)
		goto out;
	if (sup->nent < 3) {
		msg("supported table has %u entries\n", sup->nent);
		goto out;
	}
	sup->nent = 3;
	if (ioctl(vcpu, HV_SET_CPUID, sup) < 0) {
		msg("HV_SET_CPUID 3 entries: %s\n", strerror(errno));
		goto out;
	}
	c->nent = 2;
	if (want_errno("HV_GET_CPUID nent=2 with 3 set", ioctl(vcpu, HV_GET_CPUID, c), E2BIG))
		goto out;
	if (c->nent != 3) {
		msg("after E2BIG nent = %u, want 3\n", c->nent);
		goto out;
	}
	c->nent = HV_MAX_CPUID_ENTRIES;
	c->flags = 1;
	if (want_errno("HV_GET_CPUID flags=1", ioctl(vcpu, HV_GET_CPUID, c), EINVAL))
		goto out;
	r = want_errno("HV_GET_CPUID((void *)1)", ioctl(vcpu, HV_GET_CPUID, BAD_PTR), EFAULT);
out:
	free(sup);
	free(c);
	return r;
}

/* ---- MSRs ---- */

#define MSR_EFER		0xc0000080u
#define MSR_STAR		0xc0000081u
#define MSR_LSTAR		0xc0000082u
#define MSR_UNKNOWN		0x2fffffffu	/* in no vendor's MSR ranges */

struct msrs {
	struct hv_msrs h;
	struct hv_msr_entry e[HV_MAX_MSR_ENTRIES + 1];
};

static int t_msrs_e2big(void)
{
	int vm, vcpu;
	struct msrs m;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	for (int i = 0; i <= HV_MAX_MSR_ENTRIES; i++)
		m.e[i].index = MSR_STAR;
	m.h.nmsrs = HV_MAX_MSR_ENTRIES + 1;
	CHECK(want_errno("HV_GET_MSRS nmsrs = max + 1", ioctl(vcpu, HV_GET_MSRS, &m), E2BIG));
	m.h.nmsrs = HV_MAX_MSR_ENTRIES + 1;
	CHECK(want_errno("HV_SET_MSRS nmsrs = max + 1", ioctl(vcpu, HV_SET_MSRS, &m), E2BIG));
	m.h.nmsrs = 0xffffffffu;
	return want_errno("HV_GET_MSRS nmsrs = 2^32 - 1", ioctl(vcpu, HV_GET_MSRS, &m), E2BIG);
}

static int t_msrs_einval(void)
{
	int vm, vcpu;
	struct msrs m;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e[0].index = MSR_STAR;
	m.h.flags = 1;
	CHECK(want_errno("HV_GET_MSRS flags=1", ioctl(vcpu, HV_GET_MSRS, &m), EINVAL));
	CHECK(want_errno("HV_SET_MSRS flags=1", ioctl(vcpu, HV_SET_MSRS, &m), EINVAL));
	m.h.flags = 0;
	m.e[0].reserved = 1;
	CHECK(want_errno("HV_GET_MSRS entry reserved=1", ioctl(vcpu, HV_GET_MSRS, &m), EINVAL));
	return want_errno("HV_SET_MSRS entry reserved=1", ioctl(vcpu, HV_SET_MSRS, &m), EINVAL);
}

static int t_msrs_efault(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("HV_GET_MSRS((void *)1)", ioctl(vcpu, HV_GET_MSRS, BAD_PTR), EFAULT));
	return want_errno("HV_SET_MSRS((void *)1)", ioctl(vcpu, HV_SET_MSRS, BAD_PTR), EFAULT);
}

static int t_msrs_zero(void)
{
	int vm, vcpu;
	struct msrs m;
	long r;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	r = ioctl(vcpu, HV_GET_MSRS, &m);
	if (r != 0)
		fail("HV_GET_MSRS nmsrs=0 returned %ld (errno %d), want 0\n", r, r < 0 ? errno : 0);
	return PASS;
}

static int t_msrs_roundtrip(void)
{
	int vm, vcpu;
	struct msrs m;
	long r;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 2;
	m.e[0].index = MSR_STAR;
	m.e[0].data = 0x0023001000000000ULL;
	m.e[1].index = MSR_LSTAR;
	m.e[1].data = 0xffffffff81a00000ULL;
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 2)
		fail("HV_SET_MSRS STAR, LSTAR returned %ld (errno %d), want 2\n",
		     r, r < 0 ? errno : 0);
	m.e[0].data = m.e[1].data = 0;
	r = ioctl(vcpu, HV_GET_MSRS, &m);
	if (r != 2)
		fail("HV_GET_MSRS STAR, LSTAR returned %ld, want 2\n", r);
	if (m.e[0].data != 0x0023001000000000ULL || m.e[1].data != 0xffffffff81a00000ULL)
		fail("got STAR %#llx LSTAR %#llx back\n", (unsigned long long)m.e[0].data,
		     (unsigned long long)m.e[1].data);
	return PASS;
}

/*
 * HV_SET_MSRS cannot get around the sregs rules: EFER.LMA stays what it was
 * (only HV_SET_SREGS changes the mode) and EFER.LME cannot change while
 * paging is on.
 */
static int t_msrs_efer_keeps_mode(void)
{
	int vm, vcpu;
	struct hv_sregs s;
	struct msrs m;
	long r;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e[0].index = MSR_EFER;
	m.e[0].data = EFER_LME | EFER_LMA;	/* paging is off: LME may change */
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 1)
		fail("HV_SET_MSRS EFER=LME|LMA in real mode returned %ld, want 1\n", r);
	CHECK(get_sregs(vcpu, &s));
	if (s.efer != EFER_LME)
		fail("EFER %#llx after setting LME|LMA in real mode, want LME alone\n",
		     (unsigned long long)s.efer);
	long_mode(&s);
	if (ioctl(vcpu, HV_SET_SREGS, &s) < 0)
		fail("HV_SET_SREGS long mode: %s\n", strerror(errno));
	m.e[0].data = 0;
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 0)
		fail("HV_SET_MSRS EFER=0 with paging on returned %ld, want 0 (refused)\n", r);
	m.e[0].data = EFER_LME;
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 1)
		fail("HV_SET_MSRS EFER=LME in long mode returned %ld, want 1\n", r);
	CHECK(get_sregs(vcpu, &s));
	if (s.efer != (EFER_LME | EFER_LMA))
		fail("EFER %#llx after writing LME in long mode, want LME|LMA\n",
		     (unsigned long long)s.efer);
	return PASS;
}

static int t_msrs_unknown(void)
{
	int vm, vcpu;
	struct msrs m;
	long r;

	CHECK(vm_vcpu(&vm, &vcpu));
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 2;
	m.e[0].index = MSR_UNKNOWN;
	m.e[1].index = MSR_STAR;
	r = ioctl(vcpu, HV_GET_MSRS, &m);
	if (r != 0)
		fail("HV_GET_MSRS {unknown, STAR} returned %ld (errno %d), want 0\n",
		     r, r < 0 ? errno : 0);
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 0)
		fail("HV_SET_MSRS {unknown, STAR} returned %ld, want 0\n", r);
	m.h.nmsrs = 3;
	m.e[0].index = MSR_STAR;
	m.e[1].index = MSR_LSTAR;
	m.e[2].index = MSR_UNKNOWN;
	r = ioctl(vcpu, HV_GET_MSRS, &m);
	if (r != 2)
		fail("HV_GET_MSRS {STAR, LSTAR, unknown} returned %ld, want 2\n", r);
	r = ioctl(vcpu, HV_SET_MSRS, &m);
	if (r != 2)
		fail("HV_SET_MSRS {STAR, LSTAR, unknown} returned %ld, want 2\n", r);
	return PASS;
}

/* ---- HV_INTERRUPT ---- */

static int t_interrupt_einval(void)
{
	int vm, vcpu;
	struct hv_interrupt irq = { .vector = 31 };

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_errno("vector 31", ioctl(vcpu, HV_INTERRUPT, &irq), EINVAL));
	irq.vector = 0;
	CHECK(want_errno("vector 0", ioctl(vcpu, HV_INTERRUPT, &irq), EINVAL));
	irq.vector = 256;
	CHECK(want_errno("vector 256", ioctl(vcpu, HV_INTERRUPT, &irq), EINVAL));
	irq.vector = 32;
	irq.flags = 1;
	CHECK(want_errno("flags 1", ioctl(vcpu, HV_INTERRUPT, &irq), EINVAL));
	return want_errno("HV_INTERRUPT((void *)1)", ioctl(vcpu, HV_INTERRUPT, BAD_PTR), EFAULT);
}

static int t_interrupt_ebusy(void)
{
	int vm, vcpu;
	struct hv_interrupt irq = { .vector = 32 };

	CHECK(vm_vcpu(&vm, &vcpu));
	CHECK(want_ok("vector 32", ioctl(vcpu, HV_INTERRUPT, &irq)));
	irq.vector = 255;
	return want_errno("second vector while one is queued",
			  ioctl(vcpu, HV_INTERRUPT, &irq), EBUSY);
}

/* ---- HV_GET_STATS ---- */

static int t_stats(void)
{
	int vm, vcpu;
	struct hv_stats *st = malloc(sizeof(*st));
	int r = FAIL;

	if (vm_vcpu(&vm, &vcpu) != PASS)
		goto out;
	memset(st, 0xff, sizeof(*st));
	if (ioctl(vcpu, HV_GET_STATS, st) < 0) {
		msg("HV_GET_STATS: %s\n", strerror(errno));
		goto out;
	}
	if (st->nr_reasons != HV_STATS_NR_REASONS || st->nr_buckets != HV_STATS_NR_BUCKETS) {
		msg("nr_reasons %u nr_buckets %u, want %d and %d\n", st->nr_reasons,
		    st->nr_buckets, HV_STATS_NR_REASONS, HV_STATS_NR_BUCKETS);
		goto out;
	}
	if (st->flags || st->padding) {
		msg("flags %#x padding %#x, want 0\n", st->flags, st->padding);
		goto out;
	}
	for (int i = 0; i < HV_STATS_NR_REASONS; i++)
		if (st->exits[i] || st->latency_ns_total[i]) {
			msg("a new vCPU has %llu exits of reason %d\n",
			    (unsigned long long)st->exits[i], i);
			goto out;
		}
	r = want_errno("HV_GET_STATS((void *)1)", ioctl(vcpu, HV_GET_STATS, BAD_PTR), EFAULT);
out:
	free(st);
	return r;
}

/* ---- HV_RUN ---- */

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

/* HV_RUN with a watchdog: a run that never exits is ended by SIGALRM. */
static long run_timed(int vcpu, unsigned int seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	long r;
	int e;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART: HV_RUN gets -EINTR */
	alarm_fired = 0;
	alarm(seconds);
	r = ioctl(vcpu, HV_RUN, 0UL);
	e = errno;
	alarm(0);
	errno = e;
	return r;
}

static struct hv_run *map_run(int vcpu)
{
	struct hv_run *run = track_map(mmap(NULL, mmap_size, PROT_READ | PROT_WRITE,
					    MAP_SHARED, vcpu, 0), mmap_size);

	if (run == MAP_FAILED) {
		msg("mmap of the vCPU fd: %s\n", strerror(errno));
		return NULL;
	}
	return run;
}

/*
 * No memory at all: the reset-vector fetch at 0xfffffff0 (CS base 0xffff0000,
 * RIP 0xfff0) hits no slot. Both vendors take the same path: the nested fault
 * (SVM #NPF, VMX EPT violation) on a gpa without a slot is MMIO, the MMIO path
 * must fetch the instruction to emulate it, the fetch hits the same hole, so
 * HV_RUN returns HV_EXIT_INTERNAL_ERROR / HV_INTERNAL_ERROR_EMULATION in its one
 * layout (docs/abi.md): the RIP in data[0], no instruction bytes, the faulting
 * gpa in data[5], and nothing else.
 */
#define RESET_RIP	0xfff0ULL
#define RESET_FETCH_GPA	0xfffffff0ULL

static int t_run_no_memory(void)
{
	int vm, vcpu;
	struct hv_run *run;
	long r;

	CHECK(vm_vcpu(&vm, &vcpu));
	run = map_run(vcpu);
	if (!run)
		return FAIL;
	r = run_timed(vcpu, 20);
	if (r < 0 && alarm_fired)
		fail("HV_RUN did not return within 20 s\n");
	if (r < 0)
		fail("HV_RUN: %s (want an exit to userspace)\n", strerror(errno));
	if (run->exit_reason != HV_EXIT_INTERNAL_ERROR)
		fail("exit_reason %u, want HV_EXIT_INTERNAL_ERROR (%u)\n", run->exit_reason,
		     HV_EXIT_INTERNAL_ERROR);
	msg("suberror %u ndata %u rip %#llx code %#llx bytes %#llx %#llx address %#llx\n",
	    run->internal.suberror, run->internal.ndata,
	    (unsigned long long)run->internal.data[0], (unsigned long long)run->internal.data[1],
	    (unsigned long long)run->internal.data[3], (unsigned long long)run->internal.data[4],
	    (unsigned long long)run->internal.data[5]);
	if (run->internal.suberror != HV_INTERNAL_ERROR_EMULATION)
		fail("suberror %u, want HV_INTERNAL_ERROR_EMULATION (%u)\n",
		     run->internal.suberror, HV_INTERNAL_ERROR_EMULATION);
	/* docs/abi.md: [0] RIP, [3..4] the bytes at CS:RIP (none readable), [5] the GPA. */
	if (run->internal.ndata != HV_INTERNAL_ERROR_EMULATION_NDATA ||
	    run->internal.data[0] != RESET_RIP || run->internal.data[3] || run->internal.data[4] ||
	    run->internal.data[5] != RESET_FETCH_GPA)
		fail("want ndata %u, rip %#llx, no instruction bytes, address %#llx\n",
		     HV_INTERNAL_ERROR_EMULATION_NDATA, RESET_RIP, RESET_FETCH_GPA);
	return PASS;
}

/*
 * Real-mode guest at 0x1000:
 *	mov al, 0x42; out 0x10, al; in al, 0x11; out 0x12, al; hlt
 */
static const unsigned char rm_code[] = {
	0xb0, 0x42, 0xe6, 0x10, 0xe4, 0x11, 0xe6, 0x12, 0xf4,
};

static int rm_guest(int *vm, int *vcpu, struct hv_run **run)
{
	unsigned char *mem;
	struct hv_sregs s;
	struct hv_regs r = { .rip = 0x1000, .rflags = 0x2 };

	CHECK(vm_vcpu(vm, vcpu));
	mem = guest_mem(0x10000);
	*run = map_run(*vcpu);
	if (!mem || !*run)
		return FAIL;
	memcpy(mem + 0x1000, rm_code, sizeof(rm_code));
	if (set_region(*vm, 0, 0, 0, 0x10000, mem) < 0)
		fail("HV_SET_MEMORY_REGION 64K at 0: %s\n", strerror(errno));
	CHECK(get_sregs(*vcpu, &s));
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(*vcpu, HV_SET_SREGS, &s) < 0 || ioctl(*vcpu, HV_SET_REGS, &r) < 0)
		fail("HV_SET_SREGS/REGS: %s\n", strerror(errno));
	return PASS;
}

static int expect_io(struct hv_run *run, int dir, unsigned int port)
{
	if (run->exit_reason != HV_EXIT_IO)
		fail("exit_reason %u, want HV_EXIT_IO\n", run->exit_reason);
	if (run->io.direction != dir || run->io.port != port || run->io.size != 1 ||
	    run->io.count != 1)
		fail("io dir %u port %#x size %u count %u, want dir %d port %#x size 1 count 1\n",
		     run->io.direction, run->io.port, run->io.size, run->io.count, dir, port);
	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset + run->io.size * run->io.count > (unsigned long)mmap_size)
		fail("io.data_offset %llu outside the mapping\n",
		     (unsigned long long)run->io.data_offset);
	return PASS;
}

static int run_ok(int vcpu)
{
	long r = run_timed(vcpu, 20);

	if (r < 0)
		fail("HV_RUN: %s%s\n", strerror(errno), alarm_fired ? " (timed out)" : "");
	return PASS;
}

static int t_run_io_hlt(void)
{
	int vm, vcpu;
	struct hv_run *run;
	unsigned char *data;

	CHECK(rm_guest(&vm, &vcpu, &run));
	CHECK(run_ok(vcpu));
	CHECK(expect_io(run, HV_IO_DIR_OUT, 0x10));
	data = (unsigned char *)run + run->io.data_offset;
	if (*data != 0x42)
		fail("OUT data %#x, want 0x42\n", *data);
	CHECK(run_ok(vcpu));
	CHECK(expect_io(run, HV_IO_DIR_IN, 0x11));
	data = (unsigned char *)run + run->io.data_offset;
	*data = 0x99;				/* completes the IN */
	CHECK(run_ok(vcpu));
	CHECK(expect_io(run, HV_IO_DIR_OUT, 0x12));
	data = (unsigned char *)run + run->io.data_offset;
	if (*data != 0x99)
		fail("IN completion lost: OUT data %#x, want 0x99\n", *data);
	CHECK(run_ok(vcpu));
	if (run->exit_reason != HV_EXIT_HLT)
		fail("exit_reason %u, want HV_EXIT_HLT\n", run->exit_reason);
	return PASS;
}

static int t_run_stats_count(void)
{
	int vm, vcpu;
	struct hv_run *run;
	struct hv_stats *st = malloc(sizeof(*st));
	int r = FAIL;

	if (rm_guest(&vm, &vcpu, &run) != PASS)
		goto out;
	for (int i = 0; i < 4; i++)
		if (run_ok(vcpu) != PASS)
			goto out;
	if (run->exit_reason != HV_EXIT_HLT) {
		msg("exit_reason %u after 4 runs, want HV_EXIT_HLT\n", run->exit_reason);
		goto out;
	}
	if (ioctl(vcpu, HV_GET_STATS, st) < 0) {
		msg("HV_GET_STATS: %s\n", strerror(errno));
		goto out;
	}
	if (st->exits[HV_EXIT_IO] != 3 || st->exits[HV_EXIT_HLT] != 1) {
		msg("exits[IO] %llu exits[HLT] %llu, want 3 and 1\n",
		    (unsigned long long)st->exits[HV_EXIT_IO],
		    (unsigned long long)st->exits[HV_EXIT_HLT]);
		goto out;
	}
	for (int i = 0; i < HV_STATS_NR_REASONS; i++) {
		unsigned long long sum = 0;

		for (int b = 0; b < HV_STATS_NR_BUCKETS; b++)
			sum += st->latency_hist[i][b];
		/* The last exit (HLT) has not re-entered yet: no latency for it. */
		if (sum > st->exits[i]) {
			msg("reason %d: %llu latency samples for %llu exits\n", i, sum,
			    (unsigned long long)st->exits[i]);
			goto out;
		}
	}
	r = PASS;
out:
	free(st);
	return r;
}

static int t_run_nonzero_arg(void)
{
	int vm, vcpu;

	CHECK(vm_vcpu(&vm, &vcpu));
	return want_errno("HV_RUN(1)", ioctl(vcpu, HV_RUN, 1UL), EINVAL);
}

static int t_run_immediate_exit(void)
{
	int vm, vcpu;
	struct hv_run *run;

	if (cap(HV_CAP_IMMEDIATE_EXIT) != 1)
		skip("HV_CAP_IMMEDIATE_EXIT is 0");
	CHECK(rm_guest(&vm, &vcpu, &run));
	run->immediate_exit = 1;
	CHECK(want_errno("HV_RUN with immediate_exit=1", run_timed(vcpu, 20), EINTR));
	if (alarm_fired)
		fail("HV_RUN ran until the watchdog instead of exiting at once\n");
	run->immediate_exit = 0;
	CHECK(run_ok(vcpu));
	return expect_io(run, HV_IO_DIR_OUT, 0x10);
}

static int t_run_pending_signal(void)
{
	int vm, vcpu;
	struct hv_run *run;
	sigset_t set, old;
	long r;
	int e;

	CHECK(rm_guest(&vm, &vcpu, &run));
	/* A signal that is pending but blocked must not make HV_RUN return -EINTR. */
	signal(SIGUSR1, on_alarm);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	/* Blocked signals do not interrupt: HV_RUN must run normally. */
	r = run_timed(vcpu, 20);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	errno = e;
	if (r < 0)
		fail("HV_RUN with a blocked pending signal: %s\n", strerror(errno));
	return expect_io(run, HV_IO_DIR_OUT, 0x10);
}

/* ---- fd lifetime ---- */

/* The VM lives on while a vCPU fd refers to it. */
static int t_close_vm_first(void)
{
	int vm, vcpu;
	struct hv_run *run;
	struct hv_regs r;
	long ret;

	CHECK(rm_guest(&vm, &vcpu, &run));
	close(vm);
	untrack_fd(vm);
	if (ioctl(vcpu, HV_GET_REGS, &r) < 0)
		fail("HV_GET_REGS after closing the VM fd: %s\n", strerror(errno));
	ret = run_timed(vcpu, 20);
	if (ret < 0) {
		/* Failing cleanly is allowed; hanging is not. */
		if (alarm_fired)
			fail("HV_RUN after closing the VM fd hung\n");
		msg("HV_RUN after closing the VM fd: %s (clean failure)\n", strerror(errno));
		return PASS;
	}
	return expect_io(run, HV_IO_DIR_OUT, 0x10);
}

static int t_close_sys_first(void)
{
	int sys2 = track_fd(open("/dev/hv", O_RDWR | O_CLOEXEC)), vm, vcpu;

	if (sys2 < 0)
		fail("open /dev/hv: %s\n", strerror(errno));
	vm = track_fd(ioctl(sys2, HV_CREATE_VM, 0UL));
	if (vm < 0)
		fail("HV_CREATE_VM: %s\n", strerror(errno));
	close(sys2);
	untrack_fd(sys2);
	vcpu = new_vcpu(vm, 0);
	return vcpu < 0 ? FAIL : PASS;
}

/* The mapping of hv_run outlives both fds. */
static int t_mapping_outlives_fds(void)
{
	int vm, vcpu;
	struct hv_run *run;

	CHECK(vm_vcpu(&vm, &vcpu));
	run = map_run(vcpu);
	if (!run)
		return FAIL;
	close(vcpu);
	untrack_fd(vcpu);
	close(vm);
	untrack_fd(vm);
	run->immediate_exit = 1;
	if (run->immediate_exit != 1)
		fail("mapping not writable after the fds were closed\n");
	return PASS;
}

/*
 * A VM belongs to the process (mm) that created it: a forked child that
 * inherited the fds gets -EIO from VM and vCPU ioctls.
 */
static int t_other_process_eio(void)
{
	int vm, vcpu, status;
	pid_t pid;

	CHECK(vm_vcpu(&vm, &vcpu));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %s\n", strerror(errno));
	if (pid == 0) {
		struct hv_regs r;
		int code = 0;

		if (!(ioctl(vm, HV_CREATE_VCPU, 1UL) == -1 && errno == EIO))
			code |= 1;
		if (!(ioctl(vcpu, HV_GET_REGS, &r) == -1 && errno == EIO))
			code |= 2;
		if (!(ioctl(vcpu, HV_RUN, 0UL) == -1 && errno == EIO))
			code |= 4;
		_exit(code);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		fail("child did not exit normally (status %#x)\n", status);
	if (WEXITSTATUS(status))
		fail("in the child, not -EIO:%s%s%s\n",
		     WEXITSTATUS(status) & 1 ? " HV_CREATE_VCPU" : "",
		     WEXITSTATUS(status) & 2 ? " HV_GET_REGS" : "",
		     WEXITSTATUS(status) & 4 ? " HV_RUN" : "");
	/* The parent still owns the VM. */
	return new_vcpu(vm, 1) < 0 ? FAIL : PASS;
}

/* Many VMs with vCPUs and memory, dropped with everything still open. */
static int t_teardown_many(void)
{
	for (int i = 0; i < 8; i++) {
		int vm, vcpu;
		void *m;

		CHECK(vm_vcpu(&vm, &vcpu));
		m = guest_mem(PAGE);
		if (!m || set_region(vm, 0, 0, 0, PAGE, m) < 0)
			fail("set region: %s\n", strerror(errno));
		if (i & 1)
			close(vm), untrack_fd(vm);
		cleanup();
	}
	return PASS;
}

/* ======================================================================== */

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test tests[] = {
	{ "api_version_is_HV_API_VERSION", t_api_version },
	{ "check_cap_vendor_is_svm_or_vmx", t_cap_vendor },
	{ "check_cap_max_vcpus_in_range", t_cap_max_vcpus },
	{ "check_cap_nr_memslots_in_range", t_cap_nr_memslots },
	{ "check_cap_max_cpuid_in_range", t_cap_max_cpuid },
	{ "check_cap_stats_is_nr_reasons", t_cap_stats },
	{ "check_cap_boolean_caps_are_0_or_1", t_cap_booleans },
	{ "check_cap_hw_features_match_vendor", t_cap_hw_features },
	{ "check_cap_unknown_returns_0", t_cap_unknown },
	{ "system_ioctls_nonzero_arg_einval", t_sys_nonzero_arg },
	{ "create_vm_nonzero_flags_einval", t_create_vm_flags },
	{ "create_vm_returns_distinct_fds", t_create_vm_ok },
	{ "vcpu_mmap_size_at_least_2_pages", t_mmap_size },
	{ "vm_ioctl_on_dev_hv_enotty", t_sys_vm_ioctl_enotty },
	{ "vcpu_ioctl_on_dev_hv_enotty", t_sys_vcpu_ioctl_enotty },
	{ "unknown_ioctl_on_dev_hv_enotty", t_sys_unknown_ioctl },
	{ "get_supported_cpuid_bad_pointer_efault", t_supported_cpuid_efault },
	{ "get_supported_cpuid_nonzero_flags_einval", t_supported_cpuid_flags },
	{ "get_supported_cpuid_small_nent_e2big_sets_nent", t_supported_cpuid_e2big },
	{ "get_supported_cpuid_has_basic_leaves", t_supported_cpuid_ok },
	{ "system_ioctl_on_vm_fd_enotty", t_vm_sys_ioctl_enotty },
	{ "vcpu_ioctl_on_vm_fd_enotty", t_vm_vcpu_ioctl_enotty },
	{ "unknown_ioctl_on_vm_fd_enotty", t_vm_unknown_ioctl },
	{ "set_memory_region_bad_pointer_efault", t_mr_efault },
	{ "set_memory_region_slot_out_of_range_einval", t_mr_slot_range },
	{ "set_memory_region_unknown_flags_einval", t_mr_flags },
	{ "set_memory_region_readonly_matches_cap", t_mr_readonly_flag },
	{ "set_memory_region_reserved_nonzero_einval", t_mr_reserved },
	{ "set_memory_region_unaligned_einval", t_mr_unaligned },
	{ "set_memory_region_wrapping_range_einval", t_mr_wrap },
	{ "set_memory_region_gpa_beyond_2_48_einval", t_mr_gpa_limit },
	{ "set_memory_region_kernel_uaddr_einval", t_mr_kernel_uaddr },
	{ "set_memory_region_overlap_eexist", t_mr_overlap },
	{ "set_memory_region_delete_empty_slot_ok", t_mr_delete_empty },
	{ "set_memory_region_delete_frees_range", t_mr_delete_frees_range },
	{ "set_memory_region_replace_moves_slot", t_mr_replace },
	{ "set_memory_region_all_slots_usable", t_mr_all_slots },
	{ "create_vcpu_id_out_of_range_einval", t_vcpu_id_range },
	{ "create_vcpu_duplicate_id_eexist", t_vcpu_duplicate },
	{ "create_vcpu_first_and_last_id_ok", t_vcpu_create_ok },
	{ "vm_ioctl_on_vcpu_fd_enotty", t_vcpu_vm_ioctl_enotty },
	{ "unknown_ioctl_on_vcpu_fd_enotty", t_vcpu_unknown_ioctl },
	{ "mmap_vcpu_fd_full_size_ok", t_mmap_ok },
	{ "mmap_vcpu_fd_too_large_fails", t_mmap_too_large },
	{ "mmap_vcpu_fd_offset_beyond_size_fails", t_mmap_offset },
	{ "mmap_vcpu_fd_private_einval", t_mmap_private },
	{ "mmap_vm_fd_fails", t_mmap_vm_fd },
	{ "regs_bad_pointer_efault", t_regs_efault },
	{ "set_regs_flags_or_reserved_einval", t_regs_flags_reserved },
	{ "new_vcpu_is_in_reset_state", t_regs_reset_state },
	{ "set_regs_get_regs_round_trip", t_regs_roundtrip },
	{ "sregs_bad_pointer_efault", t_sregs_efault },
	{ "set_sregs_flags_or_reserved_einval", t_sregs_flags_reserved },
	{ "set_sregs_get_sregs_round_trip", t_sregs_roundtrip },
	{ "set_sregs_invalid_cr0_einval", t_sregs_bad_cr0 },
	{ "set_sregs_cr4_reserved_bits_einval", t_sregs_bad_cr4 },
	{ "set_sregs_efer_reserved_bits_einval", t_sregs_bad_efer },
	{ "set_sregs_every_mode_used_ok", t_sregs_modes_ok },
	{ "set_sregs_inconsistent_mode_einval", t_sregs_inconsistent_einval },
	{ "set_sregs_cr3_above_maxphyaddr_einval", t_sregs_cr3_maxphyaddr },
	{ "set_cpuid_nent_over_max_e2big", t_set_cpuid_e2big },
	{ "set_cpuid_bad_pointer_efault", t_set_cpuid_efault },
	{ "set_cpuid_flags_or_reserved_einval", t_set_cpuid_einval },
	{ "set_cpuid_get_cpuid_round_trip", t_cpuid_roundtrip },
	{ "get_cpuid_small_nent_e2big_sets_nent", t_get_cpuid_e2big },
	{ "msrs_nmsrs_over_max_e2big", t_msrs_e2big },
	{ "msrs_flags_or_reserved_einval", t_msrs_einval },
	{ "msrs_bad_pointer_efault", t_msrs_efault },
	{ "get_msrs_zero_entries_returns_0", t_msrs_zero },
	{ "set_msrs_get_msrs_round_trip", t_msrs_roundtrip },
	{ "msrs_stop_at_unknown_index", t_msrs_unknown },
	{ "set_msrs_efer_cannot_change_mode", t_msrs_efer_keeps_mode },
	{ "interrupt_bad_vector_or_flags_einval", t_interrupt_einval },
	{ "interrupt_second_queued_ebusy", t_interrupt_ebusy },
	{ "get_stats_layout_and_zero_counts", t_stats },
	{ "run_without_memory_exits_cleanly", t_run_no_memory },
	{ "run_real_mode_out_in_hlt", t_run_io_hlt },
	{ "run_exits_counted_in_stats", t_run_stats_count },
	{ "run_nonzero_arg_einval", t_run_nonzero_arg },
	{ "run_immediate_exit_eintr", t_run_immediate_exit },
	{ "run_with_blocked_signal_runs", t_run_pending_signal },
	{ "close_vm_fd_before_vcpu_fd", t_close_vm_first },
	{ "close_dev_hv_before_vm_fd", t_close_sys_first },
	{ "run_mapping_outlives_fds", t_mapping_outlives_fds },
	{ "vm_used_by_other_process_eio", t_other_process_eio },
	{ "teardown_with_everything_open", t_teardown_many },
};

int main(void)
{
	struct stat st;

	sys_fd = open("/dev/hv", O_RDWR | O_CLOEXEC);
	if (sys_fd < 0) {
		if (stat("/dev/hv", &st) < 0)
			ktap_exit_skip_all("/dev/hv does not exist (hv.ko not loaded)");
		ktap_print_msg("open /dev/hv: %s\n", strerror(errno));
		ktap_exit_skip_all("/dev/hv exists but cannot be opened");
	}
	mmap_size = ioctl(sys_fd, HV_GET_VCPU_MMAP_SIZE, 0UL);

	ktap_print_header(KTAP_COUNT_SELECTED(tests));
	for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++) {
		int r;

		if (!ktap_case_selected(tests[i].name))
			continue;
		skip_why[0] = '\0';
		r = tests[i].fn();
		cleanup();
		if (r == SKIP)
			ktap_skip(tests[i].name, skip_why);
		else
			ktap_result(r == PASS, tests[i].name);
	}
	close(sys_fd);
	ktap_finished();
}
