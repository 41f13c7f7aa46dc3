// SPDX-License-Identifier: GPL-2.0
/*
 * hv selftest library, host side: test runner, VMs, vCPUs and guest
 * memory translation.  The ioctls themselves go through hv_ioctl.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"
#include "apic.h"

/*
 * What a test point's child tells the runner, in a shared anonymous page:
 * the reason of a TEST_SKIP, and whether a vCPU of the point stopped with
 * the signature of QEMU's nested-SVM defect (vcpu_dump_exit()).
 */
#define SKIP_REASON_LEN	256
struct case_report {
	char skip_reason[SKIP_REASON_LEN];
	bool emulator_defect;
};
static struct case_report *report;

/* ---- failing, skipping, running ----------------------------------------- */

void __test_assert_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	printf("# %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(" (errno %d: %s)", err, strerror(err));
	printf("\n");
	fflush(stdout);
	exit(KSFT_FAIL);
}

void TEST_SKIP(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (report)
		vsnprintf(report->skip_reason, SKIP_REASON_LEN, fmt, ap);
	else
		vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(KSFT_SKIP);
}

/*
 * One run of test point @t in a child; the child's exit status, or -1 when
 * the runner could not run it or had to kill it (already reported).
 */
static int run_child(const struct hv_test *t)
{
	unsigned int timeout_ms = (t->timeout_s ? t->timeout_s : 120) * 1000;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned int waited = 0;
	int status;
	pid_t pid, r;

	memset(report, 0, sizeof(*report));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ktap_print_msg("fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		errno = 0;
		t->fn();
		fflush(stdout);
		exit(KSFT_PASS);
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			ktap_print_msg("waitpid: %s\n", strerror(errno));
			return -1;
		}
		if (waited >= timeout_ms) {
			ktap_print_msg("%s: timed out after %u s, killing it\n",
				       t->name, timeout_ms / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
	if (WIFSIGNALED(status)) {
		ktap_print_msg("%s: killed by signal %d (%s)\n", t->name,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	return WEXITSTATUS(status);
}

/*
 * Run test point @t and report it.  A point that failed on a vCPU stopped
 * with the signature of QEMU's nested-SVM defect (a guest running with the
 * host's state: docs/testing.md, "stress_test") runs once more, saying so,
 * on QEMU only; any other failure, and a second such one, stands.
 */
static void run_one(const struct hv_test *t)
{
	int status = run_child(t);

	if (status == KSFT_FAIL && report->emulator_defect) {
		ktap_print_msg("this failure has the signature of QEMU TCG's nested SVM defect, not of hv (docs/testing.md, \"stress_test\"): %s once more\n",
			       t->name);
		status = run_child(t);
	}
	if (status == KSFT_SKIP)
		ktap_skip(t->name, report->skip_reason[0] ? report->skip_reason : "no reason given");
	else
		ktap_result(status == KSFT_PASS, t->name);
}

int hv_test_main(const struct hv_test *tests, size_t n)
{
	char why[160];
	int fd, ver;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* A skip outside the testbed, a failure inside it (ktap.h). */
		snprintf(why, sizeof(why), "cannot open %s: %s (hv.ko not loaded?)",
			 HV_DEV_PATH, strerror(errno));
		ktap_exit_skip_all(why);
	}
	ver = ioctl(fd, HV_GET_API_VERSION, 0);
	close(fd);
	if (ver != HV_API_VERSION) {
		printf("KTAP version 1\n1..0\nBail out! HV_GET_API_VERSION returned %d, expected %d\n",
		       ver, HV_API_VERSION);
		exit(KSFT_FAIL);
	}
	report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (report == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		exit(KSFT_FAIL);
	}
	ktap_print_header(ktap_count_selected(tests, n, sizeof(*tests)));
	for (i = 0; i < n; i++)
		if (ktap_case_selected(tests[i].name))
			run_one(&tests[i]);
	ktap_finished();
}

/* ---- /dev/hv ------------------------------------------------------------- */

int hv_open_dev(void)
{
	int fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);

	TEST_ASSERT(fd >= 0, "open %s", HV_DEV_PATH);
	return fd;
}

long hv_check_cap(unsigned int cap)
{
	int fd = hv_open_dev();
	long r = hv_ioctl_check_cap(fd, cap);

	TEST_ASSERT(r >= 0, "HV_CHECK_CAP %u", cap);
	close(fd);
	return r;
}

struct hv_cpuid *hv_get_supported_cpuid(void)
{
	unsigned int nent = HV_MAX_CPUID_ENTRIES;
	struct hv_cpuid *c;
	int fd = hv_open_dev();

	c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
	TEST_ASSERT(c, "calloc");
	c->nent = nent;
	TEST_ASSERT(hv_ioctl_get_supported_cpuid(fd, c) == 0, "HV_GET_SUPPORTED_CPUID");
	TEST_ASSERT(c->nent <= nent, "HV_GET_SUPPORTED_CPUID nent %u > room %u", c->nent, nent);
	close(fd);
	return c;
}

struct hv_cpuid_entry *hv_cpuid_find(struct hv_cpuid *cpuid, uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct hv_cpuid_entry *e = &cpuid->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & HV_CPUID_FLAG_SIGNIFICANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

const char *exit_reason_str(uint32_t reason)
{
	return hv_exit_name(reason);
}

long meminfo_available_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	TEST_ASSERT(f, "fopen /proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	TEST_ASSERT(kb >= 0, "no MemAvailable in /proc/meminfo");
	return kb;
}

/* ---- VMs -------------------------------------------------------------------- */

struct vm *vm_create_bare(uint64_t ram_size)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	long vendor;

	TEST_ASSERT(vm, "calloc");
	if (!ram_size)
		ram_size = VM_DEFAULT_RAM;
	TEST_ASSERT(ram_size % SZ_2M == 0 && ram_size > GUEST_ALLOC_BASE,
		    "bad guest RAM size %#lx", (unsigned long)ram_size);
	vm->dev_fd = hv_open_dev();
	vm->fd = hv_ioctl_create_vm(vm->dev_fd, 0);
	TEST_ASSERT(vm->fd >= 0, "HV_CREATE_VM");
	vendor = hv_ioctl_check_cap(vm->dev_fd, HV_CAP_VENDOR);
	TEST_ASSERT(vendor == HV_VENDOR_SVM || vendor == HV_VENDOR_VMX,
		    "HV_CHECK_CAP(HV_CAP_VENDOR) = %ld", vendor);
	vm->vendor = vendor;
	vm->ram_size = ram_size;
	vm_add_slot(vm, 0, 0, 0, ram_size);
	vm->alloc_next = GUEST_ALLOC_BASE;
	vm->alloc_end = ram_size;
	return vm;
}

struct vm *vm_create(uint64_t ram_size)
{
	struct vm *vm = vm_create_bare(ram_size);

	vm_setup_long_mode(vm);
	vm_load_image(vm);
	return vm;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		munmap(v->run, v->run_size);
		close(v->fd);
		free(v);
	}
	close(vm->fd);
	close(vm->dev_fd);
	for (i = 0; i < HV_MAX_MEMSLOTS; i++)
		if (vm->slots[i].owned)
			munmap(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

int __vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void *hva)
{
	struct hv_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return hv_ioctl_set_memory_region(vm->fd, &r);
}

void vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			  uint64_t gpa, uint64_t size, void *hva)
{
	struct vm_slot *s;

	TEST_ASSERT(slot < HV_MAX_MEMSLOTS, "slot %u", slot);
	TEST_ASSERT(__vm_set_memory_region(vm, slot, flags, gpa, size, hva) == 0,
		    "HV_SET_MEMORY_REGION slot %u gpa %#lx size %#lx", slot,
		    (unsigned long)gpa, (unsigned long)size);
	s = &vm->slots[slot];
	if (!size) {
		s->used = false;
		return;
	}
	if (s->owned && s->hva != hva) {
		munmap(s->hva, s->size);
		s->owned = false;
	}
	s->used = true;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
}

void *vm_add_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_ASSERT(hva != MAP_FAILED, "mmap %#lx bytes", (unsigned long)size);
	vm_set_memory_region(vm, slot, flags, gpa, size, hva);
	vm->slots[slot].owned = true;
	return hva;
}

void vm_delete_slot(struct vm *vm, uint32_t slot)
{
	struct vm_slot *s = &vm->slots[slot];

	TEST_ASSERT(__vm_set_memory_region(vm, slot, 0, s->gpa, 0, s->hva) == 0,
		    "HV_SET_MEMORY_REGION delete slot %u", slot);
	s->used = false;	/* the mapping stays owned until vm_destroy() */
}

void *addr_gpa2hva(struct vm *vm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return (uint8_t *)s->hva + (gpa - s->gpa);
	}
	return NULL;
}

uint64_t addr_gva2gpa(struct vm *vm, uint64_t gva)
{
	uint64_t table = vm->pml4_gpa, *pte;
	int level;

	if (!vm->long_mode)
		return ~0ULL;
	for (level = 3; level >= 0; level--) {
		unsigned int idx = (gva >> (12 + 9 * level)) & 511;

		pte = addr_gpa2hva(vm, table + idx * 8);
		if (!pte || !(*pte & PTE_P))
			return ~0ULL;
		if (level > 0 && level < 3 && (*pte & PTE_PS)) {
			uint64_t mask = (1ULL << (12 + 9 * level)) - 1;

			return ((*pte & PTE_ADDR_MASK) & ~mask) | (gva & mask);
		}
		table = *pte & PTE_ADDR_MASK;
	}
	return table | (gva & ~PAGE_MASK);
}

void *addr_gva2hva(struct vm *vm, uint64_t gva)
{
	uint64_t gpa = addr_gva2gpa(vm, gva);

	return gpa == ~0ULL ? NULL : addr_gpa2hva(vm, gpa);
}

bool vm_read_guest(struct vm *vm, uint64_t gva, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t chunk = PAGE_SIZE - (gva & ~PAGE_MASK);
		void *src = addr_gva2hva(vm, gva);

		if (chunk > len)
			chunk = len;
		if (!src)
			return false;
		memcpy(out, src, chunk);
		out += chunk;
		gva += chunk;
		len -= chunk;
	}
	return true;
}

uint64_t vm_alloc_pages(struct vm *vm, unsigned int n)
{
	uint64_t gpa = vm->alloc_next;

	TEST_ASSERT(n && vm->alloc_end - gpa >= n * PAGE_SIZE,
		    "guest RAM exhausted (%u pages wanted)", n);
	vm->alloc_next += n * PAGE_SIZE;
	memset(addr_gpa2hva(vm, gpa), 0, n * PAGE_SIZE);
	return gpa;
}

/* ---- vCPUs ------------------------------------------------------------------ */

struct vcpu *vm_vcpu_add_bare(struct vm *vm, uint32_t id)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	long size;

	TEST_ASSERT(v, "calloc");
	TEST_ASSERT(id < HV_MAX_VCPUS && !vm->vcpus[id], "vCPU id %u", id);
	v->vm = vm;
	v->id = id;
	v->fd = hv_ioctl_create_vcpu(vm->fd, id);
	TEST_ASSERT(v->fd >= 0, "HV_CREATE_VCPU %u", id);
	size = hv_ioctl_get_vcpu_mmap_size(vm->dev_fd);
	TEST_ASSERT(size >= (long)sizeof(struct hv_run), "HV_GET_VCPU_MMAP_SIZE = %ld", size);
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	TEST_ASSERT(v->run != MAP_FAILED, "mmap vCPU fd (%ld bytes)", size);
	vm->vcpus[id] = v;
	vm->nr_vcpus++;
	return v;
}

struct vcpu *vm_vcpu_add(struct vm *vm, uint32_t id, void *guest_fn)
{
	struct vcpu *v = vm_vcpu_add_bare(vm, id);

	TEST_ASSERT(vm->long_mode, "vm_vcpu_add() needs vm_create()");
	vcpu_setup_long_mode(v, guest_fn);
	return v;
}

void vcpu_args_set(struct vcpu *vcpu, uint64_t arg0, uint64_t arg1)
{
	struct hv_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rdi = arg0;
	regs.rsi = arg1;
	vcpu_regs_set(vcpu, &regs);
}

int __vcpu_run(struct vcpu *vcpu)
{
	return hv_ioctl_run(vcpu->fd);
}

void vcpu_run(struct vcpu *vcpu)
{
	int r = __vcpu_run(vcpu);

	if (r) {
		int err = errno;

		vcpu_dump_exit(vcpu);
		errno = err;
	}
	TEST_ASSERT(r == 0, "HV_RUN returned %d", r);
}

void vcpu_regs_get(struct vcpu *vcpu, struct hv_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	TEST_ASSERT(hv_ioctl_get_regs(vcpu->fd, regs) == 0, "HV_GET_REGS");
}

void vcpu_regs_set(struct vcpu *vcpu, const struct hv_regs *regs)
{
	TEST_ASSERT(hv_ioctl_set_regs(vcpu->fd, regs) == 0, "HV_SET_REGS");
}

void vcpu_sregs_get(struct vcpu *vcpu, struct hv_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	TEST_ASSERT(hv_ioctl_get_sregs(vcpu->fd, sregs) == 0, "HV_GET_SREGS");
}

int __vcpu_sregs_set(struct vcpu *vcpu, const struct hv_sregs *sregs)
{
	return hv_ioctl_set_sregs(vcpu->fd, sregs);
}

void vcpu_sregs_set(struct vcpu *vcpu, const struct hv_sregs *sregs)
{
	TEST_ASSERT(__vcpu_sregs_set(vcpu, sregs) == 0, "HV_SET_SREGS");
}

struct one_msr {
	struct hv_msrs hdr;
	struct hv_msr_entry e;
};

int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *data)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index };
	int r = hv_ioctl_get_msrs(vcpu->fd, &m.hdr);

	if (r == 1)
		*data = m.e.data;
	return r;
}

int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t data)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index, .e.data = data };

	return hv_ioctl_set_msrs(vcpu->fd, &m.hdr);
}

void vcpu_get_stats(struct vcpu *vcpu, struct hv_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	TEST_ASSERT(hv_ioctl_get_stats(vcpu->fd, stats) == 0, "HV_GET_STATS");
}

void vcpu_dump_exit(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	struct hv_regs regs;
	uint32_t i;

	ktap_print_msg("vCPU %u exit_reason %u (%s)\n", vcpu->id, run->exit_reason,
		       exit_reason_str(run->exit_reason));
	/* Told to the runner, which runs a point that fails on it once more (run_one()). */
	if (report && host_is_qemu_tcg() && vcpu_exit_is_emulator_defect(vcpu)) {
		report->emulator_defect = true;
		ktap_print_msg("vCPU %u stopped with the signature of QEMU's nested-SVM defect\n",
			       vcpu->id);
	}
	switch (run->exit_reason) {
	case HV_EXIT_IO:
		ktap_print_msg("  io: %s port %#x size %u count %u\n",
			       run->io.direction == HV_IO_DIR_OUT ? "out" : "in",
			       run->io.port, run->io.size, run->io.count);
		break;
	case HV_EXIT_MMIO:
		ktap_print_msg("  mmio: %s gpa %#llx len %u data %#llx\n",
			       run->mmio.is_write ? "write" : "read",
			       (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			       (unsigned long long)*(uint64_t *)run->mmio.data);
		break;
	case HV_EXIT_HYPERCALL:
		ktap_print_msg("  hypercall nr %#llx\n", (unsigned long long)run->hypercall.nr);
		break;
	case HV_EXIT_FAIL_ENTRY:
		ktap_print_msg("  hardware_entry_failure_reason %#llx cpu %u\n",
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			       run->fail_entry.cpu);
		break;
	case HV_EXIT_INTERNAL_ERROR:
		ktap_print_msg("  suberror %u ndata %u\n", run->internal.suberror,
			       run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			ktap_print_msg("  data[%u] = %#llx\n", i,
				       (unsigned long long)run->internal.data[i]);
		break;
	default:
		break;
	}
	if (hv_ioctl_get_regs(vcpu->fd, &regs) == 0)
		ktap_print_msg("  rip %#llx rsp %#llx rflags %#llx rax %#llx rdi %#llx\n",
			       (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			       (unsigned long long)regs.rflags, (unsigned long long)regs.rax,
			       (unsigned long long)regs.rdi);
}

void __vcpu_assert_exit(struct vcpu *vcpu, uint32_t reason, const char *file, int line)
{
	struct ucall uc;

	if (vcpu->run->exit_reason == reason)
		return;
	if (vcpu->vm->long_mode && vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
		ucall_print(vcpu, &uc);
	else
		vcpu_dump_exit(vcpu);
	errno = 0;
	__test_assert_fail(file, line, "exit reason", "expected %s, got %s",
			   exit_reason_str(reason), exit_reason_str(vcpu->run->exit_reason));
}

/* ---- the in-kernel local APIC ---------------------------------------------------- */

int __vm_enable_cap(struct vm *vm, uint32_t cap, uint32_t flags, uint64_t arg0)
{
	struct hv_enable_cap c = { .cap = cap, .flags = flags, .args = { arg0 } };

	return hv_ioctl_enable_cap(vm->fd, &c);
}

void vm_enable_lapic(struct vm *vm)
{
	static uint64_t khz;

	TEST_ASSERT(__vm_enable_cap(vm, HV_CAP_LAPIC, 0, 0) == 0, "HV_ENABLE_CAP(HV_CAP_LAPIC)");
	if (!vm->long_mode)
		return;
	virt_map(vm, APIC_DEFAULT_GPA, APIC_DEFAULT_GPA, PAGE_SIZE);
	if (!khz)
		khz = host_tsc_khz(20);
	*guest_global_ptr(vm, guest_tsc_khz) = khz;
}

struct vm *vm_create_lapic(uint64_t ram_size)
{
	struct vm *vm = vm_create(ram_size);

	vm_enable_lapic(vm);
	return vm;
}

int __vm_signal_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	struct hv_msi msi = { .address = address, .data = data };

	return hv_ioctl_signal_msi(vm->fd, &msi);
}

int vm_signal_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	int r = __vm_signal_msi(vm, address, data);

	TEST_ASSERT(r >= 0, "HV_SIGNAL_MSI address %#llx data %#x",
		    (unsigned long long)address, data);
	return r;
}

void vcpu_get_lapic(struct vcpu *vcpu, struct hv_lapic_state *s)
{
	memset(s, 0, sizeof(*s));
	TEST_ASSERT(hv_ioctl_get_lapic(vcpu->fd, s) == 0, "HV_GET_LAPIC vCPU %u", vcpu->id);
}

void vcpu_set_lapic(struct vcpu *vcpu, const struct hv_lapic_state *s)
{
	TEST_ASSERT(hv_ioctl_set_lapic(vcpu->fd, s) == 0, "HV_SET_LAPIC vCPU %u", vcpu->id);
}

uint32_t vcpu_get_mp_state(struct vcpu *vcpu)
{
	struct hv_mp_state mp = { .state = ~0u };

	TEST_ASSERT(hv_ioctl_get_mp_state(vcpu->fd, &mp) == 0, "HV_GET_MP_STATE vCPU %u",
		    vcpu->id);
	return mp.state;
}

void vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state)
{
	struct hv_mp_state mp = { .state = state };

	TEST_ASSERT(hv_ioctl_set_mp_state(vcpu->fd, &mp) == 0, "HV_SET_MP_STATE vCPU %u state %u",
		    vcpu->id, state);
}

const char *mp_state_str(uint32_t state)
{
	switch (state) {
	case HV_MP_STATE_RUNNABLE: return "RUNNABLE";
	case HV_MP_STATE_HALTED: return "HALTED";
	case HV_MP_STATE_INIT_RECEIVED: return "INIT_RECEIVED";
	default: return "(invalid)";
	}
}

uint64_t host_tsc_khz(unsigned int ms)
{
	struct timespec t0, t1, ts = { ms / 1000, (ms % 1000) * 1000000L };
	uint64_t c0, c1, ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = rdtsc();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c1 = rdtsc();
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	TEST_ASSERT(ns && c1 > c0, "TSC calibration: %llu ns, %llu ticks",
		    (unsigned long long)ns, (unsigned long long)(c1 - c0));
	return (c1 - c0) * 1000000ULL / ns;
}

/* ---- a vCPU in a thread of its own ---------------------------------------------- */

static void vcpu_thread_sig(int sig)
{
	(void)sig;
}

static void vcpu_thread_finish(struct vcpu_thread *t, bool by_signal)
{
	pthread_mutex_lock(&t->lock);
	t->finished = true;
	t->stopped_by_signal = by_signal;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct vcpu *vcpu = t->vcpu;
	struct ucall uc;
	uint64_t cmd;
	int r;

	for (;;) {
		r = __vcpu_run(vcpu);
		if (r < 0 && errno == EINTR) {
			bool stop;

			TEST_ASSERT(vcpu->run->exit_reason == HV_EXIT_INTR,
				    "vCPU %u: HV_RUN returned EINTR with exit %s", vcpu->id,
				    exit_reason_str(vcpu->run->exit_reason));
			pthread_mutex_lock(&t->lock);
			t->eintr++;
			stop = t->stop;
			pthread_mutex_unlock(&t->lock);
			if (stop) {
				vcpu_thread_finish(t, true);
				return NULL;
			}
			continue;
		}
		if (r) {
			int err = errno;

			vcpu_dump_exit(vcpu);
			errno = err;
			TEST_FAIL("vCPU %u: HV_RUN returned %d", vcpu->id, r);
		}
		cmd = vcpu_get_ucall(vcpu, &uc);
		if (cmd == UCALL_NONE) {
			vcpu_dump_exit(vcpu);
			errno = 0;
			TEST_FAIL("vCPU %u: expected a ucall, got exit %s", vcpu->id,
				  exit_reason_str(vcpu->run->exit_reason));
		}
		if (cmd == UCALL_ASSERT || cmd == UCALL_UNHANDLED) {
			ucall_print(vcpu, &uc);
			errno = 0;
			TEST_FAIL("vCPU %u: guest reported %s", vcpu->id, ucall_name(cmd));
		}
		if (cmd == UCALL_PRINT) {
			ucall_print(vcpu, &uc);
			continue;
		}
		pthread_mutex_lock(&t->lock);
		TEST_ASSERT(t->queued - t->taken < VCPU_THREAD_QUEUE,
			    "vCPU %u: more than %u ucalls not taken by the test", vcpu->id,
			    VCPU_THREAD_QUEUE);
		t->queue[t->queued++ % VCPU_THREAD_QUEUE] = uc;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		if (cmd == UCALL_DONE) {
			vcpu_thread_finish(t, false);
			return NULL;
		}
	}
}

void vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu)
{
	pthread_condattr_t ca;
	struct sigaction sa;
	int e;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_thread_sig;	/* no SA_RESTART: HV_RUN returns EINTR */
	TEST_ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->queue = calloc(VCPU_THREAD_QUEUE, sizeof(*t->queue));
	TEST_ASSERT(t->queue, "calloc");
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	e = pthread_create(&t->thread, NULL, vcpu_thread_fn, t);
	errno = e;
	TEST_ASSERT(!e, "pthread_create for vCPU %u", vcpu->id);
}

static void deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

uint64_t vcpu_thread_next(struct vcpu_thread *t, struct ucall *uc, unsigned int timeout_ms)
{
	struct timespec dl;
	int r = 0;

	deadline_in(&dl, timeout_ms);
	pthread_mutex_lock(&t->lock);
	while (t->queued == t->taken && !t->finished && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&t->cond, &t->lock, &dl);
	if (t->queued == t->taken) {
		bool finished = t->finished;

		pthread_mutex_unlock(&t->lock);
		errno = 0;
		TEST_FAIL("vCPU %u: no ucall within %u ms%s", t->vcpu->id, timeout_ms,
			  finished ? " (its thread stopped)" : " (still in HV_RUN)");
	}
	*uc = t->queue[t->taken++ % VCPU_THREAD_QUEUE];
	pthread_mutex_unlock(&t->lock);
	return uc->cmd;
}

void __vcpu_thread_expect_sync(struct vcpu_thread *t, uint64_t arg0, struct ucall *uc,
			       unsigned int timeout_ms, const char *file, int line)
{
	struct ucall u;
	uint64_t cmd = vcpu_thread_next(t, &u, timeout_ms);

	errno = 0;
	if (cmd != UCALL_SYNC || u.args[0] != arg0) {
		ucall_print(t->vcpu, &u);
		__test_assert_fail(file, line, "ucall", "vCPU %u: expected SYNC %#llx, got %s %#llx",
				   t->vcpu->id, (unsigned long long)arg0, ucall_name(cmd),
				   (unsigned long long)u.args[0]);
	}
	if (uc)
		*uc = u;
}

void __vcpu_thread_expect_done(struct vcpu_thread *t, unsigned int timeout_ms,
			       const char *file, int line)
{
	struct ucall u;
	uint64_t cmd = vcpu_thread_next(t, &u, timeout_ms);

	errno = 0;
	if (cmd != UCALL_DONE) {
		ucall_print(t->vcpu, &u);
		__test_assert_fail(file, line, "ucall", "vCPU %u: expected DONE, got %s",
				   t->vcpu->id, ucall_name(cmd));
	}
	pthread_join(t->thread, NULL);
	free(t->queue);
	t->queue = NULL;
}

bool vcpu_thread_has_news(struct vcpu_thread *t)
{
	bool news;

	pthread_mutex_lock(&t->lock);
	news = t->queued != t->taken || t->finished;
	pthread_mutex_unlock(&t->lock);
	return news;
}

bool vcpu_thread_stop(struct vcpu_thread *t, unsigned int timeout_ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	unsigned int waited = 0;
	bool finished, by_signal;

	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_mutex_unlock(&t->lock);
	for (;;) {
		pthread_mutex_lock(&t->lock);
		finished = t->finished;
		by_signal = t->stopped_by_signal;
		pthread_mutex_unlock(&t->lock);
		if (finished)
			break;
		errno = 0;
		TEST_ASSERT(waited < timeout_ms, "vCPU %u: HV_RUN did not return on signals for %u ms",
			    t->vcpu->id, timeout_ms);
		pthread_kill(t->thread, SIGUSR1);
		nanosleep(&ts, NULL);
		waited += 2;
	}
	pthread_join(t->thread, NULL);
	free(t->queue);
	t->queue = NULL;
	return by_signal;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(sched_setaffinity(0, sizeof(set), &set) == 0, "sched_setaffinity to CPU %d: %s",
		    cpu, strerror(errno));
}

bool host_is_qemu_tcg(void)
{
	uint32_t sig[4] = { 0 };

	cpuid_count(0x40000000, 0, &sig[3], &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

bool vcpu_exit_is_emulator_defect(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	struct hv_sregs sregs;
	struct hv_regs regs;

	if (run->exit_reason == HV_EXIT_SHUTDOWN)
		return !ioctl(vcpu->fd, HV_GET_SREGS, &sregs) &&
		       sregs.cr2 == sregs.idt.base + 8 * 16;
	if (run->exit_reason == HV_EXIT_INTERNAL_ERROR)
		return !ioctl(vcpu->fd, HV_GET_REGS, &regs) && regs.rip >= 0xffff800000000000ULL;
	return false;
}
