// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench's /dev/hv backend: one VM with one vCPU, no in-kernel local
 * APIC (so HLT exits to userspace and HV_INTERRUPT is the interrupt line,
 * as KVM_INTERRUPT is without an in-kernel irqchip), through the ioctl
 * library hv-run and the selftests share (selftests/hv/lib/hv_ioctl.h).
 * The irqfd operation's VM alone has the local APIC (HV_CAP_LAPIC), which
 * HV_IRQFD needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hv_ioctl.h"
#include "bench.h"

struct bench_vm {
	struct bench_fds f;
};

static const struct bench_dev hv_dev = {
	.path = HV_DEV_PATH,
	.get_api_version = HV_GET_API_VERSION,
	.api_version = HV_API_VERSION,
	.create_vm = HV_CREATE_VM,
	.create_vcpu = HV_CREATE_VCPU,
	.get_vcpu_mmap_size = HV_GET_VCPU_MMAP_SIZE,
};

static const char *hv_probe(void)
{
	return bench_dev_probe(&hv_dev);
}

static void hv_destroy(struct bench_vm *b)
{
	bench_fds_close(&b->f);
	free(b);
}

/* Before the first vCPU: hv creates each vCPU's local APIC with the vCPU. */
static int hv_enable_lapic(int vm_fd)
{
	struct hv_enable_cap c = { .cap = HV_CAP_LAPIC };

	return hv_ioctl_enable_cap(vm_fd, &c) < 0 ? -1 : 0;
}

static struct bench_vm *hv_create(bool lapic)
{
	struct bench_vm *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (bench_fds_open(&b->f, &hv_dev, lapic ? hv_enable_lapic : NULL)) {
		free(b);
		return NULL;
	}
	return b;
}

static int hv_set_memory(struct bench_vm *b, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct hv_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return hv_ioctl_set_memory_region(b->f.vm_fd, &r) < 0 ? -1 : 0;
}

static int hv_set_state(struct bench_vm *b, const struct hv_sregs *sregs, const struct hv_regs *regs)
{
	struct hv_sregs s = *sregs, cur;

	/* The vCPU keeps its reset APIC base; its CPUID is the supported table already. */
	if (hv_ioctl_get_sregs(b->f.vcpu_fd, &cur) < 0)
		return -1;
	s.apic_base = cur.apic_base;
	if (hv_ioctl_set_sregs(b->f.vcpu_fd, &s) < 0 || hv_ioctl_set_regs(b->f.vcpu_fd, regs) < 0)
		return -1;
	return 0;
}

static const char *hv_user_hypercall(struct bench_vm *b)
{
	(void)b;
	/* Every CPL-0 VMMCALL/VMCALL is an HV_EXIT_HYPERCALL. */
	return NULL;
}

/* The sample experiment (samples/hv_hypercall_sample.c) answers BENCH_HC_KERNEL as KVM does. */
#define HV_HC_SAMPLE	"/sys/module/hv_hypercall_sample"

static const char *hv_kernel_hypercall(struct bench_vm *b)
{
	(void)b;
	if (!access(HV_HC_SAMPLE, F_OK))
		return NULL;
	return "hv answers no CPL-0 hypercall in the kernel: every number is the VMM's (docs/abi.md); "
	       "with samples/hv_hypercall_sample.ko loaded it does";
}

static int hv_run_vcpu(struct bench_vm *b, struct bench_exit *ex)
{
	struct hv_run *run = b->f.run;

	if (hv_ioctl_run(b->f.vcpu_fd) < 0) {
		if (errno != EINTR)
			return -1;
		ex->kind = BX_INTR;
		return 0;
	}
	switch (run->exit_reason) {
	case HV_EXIT_IO:
		ex->kind = BX_IO;
		ex->io_out = run->io.direction == HV_IO_DIR_OUT;
		ex->port = run->io.port;
		ex->size = run->io.size;
		ex->io_data = (uint8_t *)run + run->io.data_offset;
		if (run->io.count != 1)
			ex->kind = BX_OTHER;
		break;
	case HV_EXIT_MMIO:
		ex->kind = BX_MMIO;
		ex->gpa = run->mmio.phys_addr;
		ex->len = run->mmio.len;
		ex->is_write = run->mmio.is_write;
		ex->mmio_data = run->mmio.data;
		break;
	case HV_EXIT_HLT:
		ex->kind = BX_HLT;
		break;
	case HV_EXIT_HYPERCALL:
		ex->kind = BX_HYPERCALL;
		ex->hc_nr = run->hypercall.nr;
		ex->hc_ret = (uint64_t *)&run->hypercall.ret;
		break;
	case HV_EXIT_INTR:
		ex->kind = BX_INTR;
		break;
	default:
		ex->kind = BX_OTHER;
		break;
	}
	snprintf(ex->desc, sizeof(ex->desc), "hv exit %s (%u), io port %#x, mmio gpa %#llx",
		 hv_exit_name(run->exit_reason), run->exit_reason, run->io.port,
		 (unsigned long long)run->mmio.phys_addr);
	return 0;
}

static int hv_interrupt(struct bench_vm *b, uint8_t vector)
{
	struct hv_interrupt irq = { .vector = vector };

	return hv_ioctl_interrupt(b->f.vcpu_fd, &irq) < 0 ? -1 : 0;
}

static const char *hv_coalesced_port(struct bench_vm *b, uint16_t port, struct bench_ring **ring,
				     uint32_t *entries)
{
	struct hv_coalesced_zone z = { .addr = port, .len = 1, .flags = HV_COALESCED_FLAG_PIO };
	long off = ioctl(b->f.dev_fd, HV_CHECK_CAP, HV_CAP_COALESCED_IO);

	_Static_assert(sizeof(struct hv_coalesced_entry) == sizeof(struct bench_ring_entry),
		       "the ring's entries");
	if (off <= 0)
		return "this hv.ko has no coalesced ring (HV_CAP_COALESCED_IO)";
	if ((size_t)(off + 1) * 4096 > b->f.run_size)
		return "the coalesced ring's page is outside the vCPU mapping";
	if (ioctl(b->f.vm_fd, HV_REGISTER_COALESCED, &z) < 0)
		return "HV_REGISTER_COALESCED failed";
	*ring = (struct bench_ring *)((char *)b->f.run + off * 4096);
	*entries = HV_COALESCED_RING_ENTRIES;
	return NULL;
}

static int hv_ioeventfd_port(struct bench_vm *b, uint16_t port, int efd)
{
	struct hv_ioeventfd a = {
		.addr = port, .len = 1, .fd = efd, .flags = HV_IOEVENTFD_FLAG_PIO,
	};

	return hv_ioctl_ioeventfd(b->f.vm_fd, &a) < 0 ? -1 : 0;
}

static int hv_irqfd_msi(struct bench_vm *b, int efd, uint64_t msi_address, uint32_t msi_data)
{
	struct hv_irqfd a = { .fd = efd, .msi_address = msi_address, .msi_data = msi_data };

	return hv_ioctl_irqfd(b->f.vm_fd, &a) < 0 ? -1 : 0;
}

static const char *hv_stats_untimed(struct bench_vm *b)
{
	struct hv_enable_cap c = { .cap = HV_CAP_STATS, .args = { 0 } };

	if (hv_ioctl_enable_cap(b->f.vm_fd, &c) < 0)
		return "this hv.ko cannot switch its exit timing off (HV_ENABLE_CAP(HV_CAP_STATS))";
	return NULL;
}

static const char *hv_dirty_log_slot(struct bench_vm *b, uint32_t slot, uint64_t gpa,
				     uint64_t size, void *hva)
{
	struct hv_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva, .flags = HV_MEM_LOG_DIRTY,
	};

	if (ioctl(b->f.dev_fd, HV_CHECK_CAP, HV_CAP_DIRTY_LOG) != 1)
		return "this hv.ko has no dirty logging (HV_CAP_DIRTY_LOG)";
	if (hv_ioctl_set_memory_region(b->f.vm_fd, &r) < 0)
		return "HV_SET_MEMORY_REGION with HV_MEM_LOG_DIRTY failed";
	return NULL;
}

static int hv_get_dirty_log(struct bench_vm *b, uint32_t slot, uint64_t *bitmap)
{
	struct hv_dirty_log log = { .slot = slot, .bitmap = (uint64_t)(uintptr_t)bitmap };

	return ioctl(b->f.vm_fd, HV_GET_DIRTY_LOG, &log) < 0 ? -1 : 0;
}

const struct bench_backend bench_backend_hv = {
	.name = "hv",
	.probe = hv_probe,
	.create = hv_create,
	.set_memory = hv_set_memory,
	.set_state = hv_set_state,
	.user_hypercall = hv_user_hypercall,
	.kernel_hypercall = hv_kernel_hypercall,
	.run = hv_run_vcpu,
	.interrupt = hv_interrupt,
	.ioeventfd = hv_ioeventfd_port,
	.coalesced = hv_coalesced_port,
	.irqfd = hv_irqfd_msi,
	.stats_untimed = hv_stats_untimed,
	.dirty_log_slot = hv_dirty_log_slot,
	.get_dirty_log = hv_get_dirty_log,
	.destroy = hv_destroy,
};
