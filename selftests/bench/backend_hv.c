// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench's /dev/hv backend: one VM with one vCPU, no in-kernel local
 * APIC (so HLT exits to userspace and HV_INTERRUPT is the interrupt line,
 * as KVM_INTERRUPT is without an in-kernel irqchip), through the ioctl
 * library hv-run and the selftests share (selftests/hv/lib/hv_ioctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_ioctl.h"
#include "bench.h"

struct bench_vm {
	int dev_fd, vm_fd, vcpu_fd;
	struct hv_run *run;
	size_t run_size;
};

static const char *hv_probe(void)
{
	static char why[120];
	int fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC), ver;

	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", HV_DEV_PATH, strerror(errno));
		return why;
	}
	ver = hv_ioctl_get_api_version(fd);
	close(fd);
	if (ver != HV_API_VERSION) {
		snprintf(why, sizeof(why), "HV_GET_API_VERSION %d, built for %d", ver, HV_API_VERSION);
		return why;
	}
	return NULL;
}

static void hv_destroy(struct bench_vm *b)
{
	if (b->run)
		munmap(b->run, b->run_size);
	if (b->vcpu_fd >= 0)
		close(b->vcpu_fd);
	if (b->vm_fd >= 0)
		close(b->vm_fd);
	if (b->dev_fd >= 0)
		close(b->dev_fd);
	free(b);
}

static struct bench_vm *hv_create(void)
{
	struct bench_vm *b = calloc(1, sizeof(*b));
	int size, err;
	void *run;

	if (!b)
		return NULL;
	b->vm_fd = b->vcpu_fd = -1;
	b->dev_fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (b->dev_fd < 0)
		goto fail;
	b->vm_fd = hv_ioctl_create_vm(b->dev_fd, 0);
	if (b->vm_fd < 0)
		goto fail;
	b->vcpu_fd = hv_ioctl_create_vcpu(b->vm_fd, 0);
	if (b->vcpu_fd < 0)
		goto fail;
	size = hv_ioctl_get_vcpu_mmap_size(b->dev_fd);
	if (size <= 0)
		goto fail;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->vcpu_fd, 0);
	if (run == MAP_FAILED)
		goto fail;
	b->run = run;
	b->run_size = size;
	return b;
fail:
	err = errno;
	hv_destroy(b);
	errno = err;
	return NULL;
}

static int hv_set_memory(struct bench_vm *b, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct hv_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return hv_ioctl_set_memory_region(b->vm_fd, &r) < 0 ? -1 : 0;
}

static int hv_set_state(struct bench_vm *b, const struct hv_sregs *sregs, const struct hv_regs *regs)
{
	struct hv_sregs s = *sregs, cur;

	/* The vCPU keeps its reset APIC base; its CPUID is the supported table already. */
	if (hv_ioctl_get_sregs(b->vcpu_fd, &cur) < 0)
		return -1;
	s.apic_base = cur.apic_base;
	if (hv_ioctl_set_sregs(b->vcpu_fd, &s) < 0 || hv_ioctl_set_regs(b->vcpu_fd, regs) < 0)
		return -1;
	return 0;
}

static const char *hv_user_hypercall(struct bench_vm *b)
{
	(void)b;
	/* Every CPL-0 VMMCALL/VMCALL is an HV_EXIT_HYPERCALL. */
	return NULL;
}

static const char *hv_kernel_hypercall(struct bench_vm *b)
{
	(void)b;
	return "hv answers no CPL-0 hypercall in the kernel: every number is the VMM's (docs/abi.md)";
}

static int hv_run_vcpu(struct bench_vm *b, struct bench_exit *ex)
{
	struct hv_run *run = b->run;

	if (hv_ioctl_run(b->vcpu_fd) < 0) {
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

	return hv_ioctl_interrupt(b->vcpu_fd, &irq) < 0 ? -1 : 0;
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
	.destroy = hv_destroy,
};
