// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench's /dev/kvm backend: the smallest KVM VMM that runs the bench's
 * guest.  One VM, one vCPU, no in-kernel irqchip (KVM_CREATE_IRQCHIP is
 * never called): HLT then exits to userspace (KVM_EXIT_HLT) and
 * KVM_INTERRUPT is the interrupt line, as HV_INTERRUPT is for a VM without
 * HV_CAP_LAPIC, and every port and unbacked GPA goes to userspace.  The
 * vCPU gets KVM_GET_SUPPORTED_CPUID as its CPUID, as hv gives its vCPUs
 * hv's supported table.
 *
 * The irqfd operation's VM alone has an in-kernel local APIC, as hv's
 * HV_CAP_LAPIC: KVM's split irqchip (KVM_CAP_SPLIT_IRQCHIP), the local
 * APICs in the kernel, the I/O APIC and the 8259s left to the VMM.  A full
 * KVM_CREATE_IRQCHIP would add an in-kernel I/O APIC and PIC that neither
 * the operation nor hv has; the irqfd path (an MSI route, delivered from
 * the eventfd's wake function) is the same in both.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "bench.h"

#define KVM_DEV_PATH	"/dev/kvm"

struct bench_vm {
	struct bench_fds f;
};

static const struct bench_dev kvm_dev = {
	.path = KVM_DEV_PATH,
	.get_api_version = KVM_GET_API_VERSION,
	.api_version = KVM_API_VERSION,
	.create_vm = KVM_CREATE_VM,
	.create_vcpu = KVM_CREATE_VCPU,
	.get_vcpu_mmap_size = KVM_GET_VCPU_MMAP_SIZE,
	.set_tss_addr = KVM_SET_TSS_ADDR,
};

static const char *kvm_probe(void)
{
	return bench_dev_probe(&kvm_dev);
}

static void kvm_destroy(struct bench_vm *b)
{
	bench_fds_close(&b->f);
	free(b);
}

static int kvm_set_supported_cpuid(struct bench_vm *b)
{
	unsigned int n = 256;
	struct kvm_cpuid2 *c;
	int r;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = n;
		r = ioctl(b->f.dev_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r == 0 || errno != E2BIG || n >= 4096)
			break;
		free(c);
		n *= 2;
	}
	if (r == 0)
		r = ioctl(b->f.vcpu_fd, KVM_SET_CPUID2, c);
	free(c);
	return r < 0 ? -1 : 0;
}

/*
 * The I/O APIC pins the VMM would own (GSIs 0-23, whose MSI routes KVM
 * scans for level-triggered EOIs); the irqfd's route is the first GSI
 * after them.
 */
#define KVM_SPLIT_IOAPIC_PINS	24
#define KVM_BENCH_MSI_GSI	KVM_SPLIT_IOAPIC_PINS

/* Before the first vCPU, as KVM requires: its local APIC comes with it. */
static int kvm_split_irqchip(int vm_fd)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP,
				      .args = { KVM_SPLIT_IOAPIC_PINS } };

	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -1 : 0;
}

static struct bench_vm *kvm_create(bool lapic)
{
	struct bench_vm *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return NULL;
	if (bench_fds_open(&b->f, &kvm_dev, lapic ? kvm_split_irqchip : NULL))
		goto fail;
	if (kvm_set_supported_cpuid(b)) {
		err = errno;
		bench_fds_close(&b->f);
		errno = err;
		goto fail;
	}
	return b;
fail:
	free(b);
	return NULL;
}

static int kvm_set_memory(struct bench_vm *b, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(b->f.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -1 : 0;
}

static void seg_to_kvm(struct kvm_segment *k, const struct hv_segment *s)
{
	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->selector;
	k->type = s->type;
	k->present = s->present;
	k->dpl = s->dpl;
	k->db = s->db;
	k->s = s->s;
	k->l = s->l;
	k->g = s->g;
	k->avl = s->avl;
	k->unusable = s->unusable;
}

static int kvm_set_state(struct bench_vm *b, const struct hv_sregs *s, const struct hv_regs *r)
{
	struct kvm_sregs ks;
	struct kvm_regs kr;

	if (ioctl(b->f.vcpu_fd, KVM_GET_SREGS, &ks) < 0)
		return -1;
	seg_to_kvm(&ks.cs, &s->cs);
	seg_to_kvm(&ks.ds, &s->ds);
	seg_to_kvm(&ks.es, &s->es);
	seg_to_kvm(&ks.fs, &s->fs);
	seg_to_kvm(&ks.gs, &s->gs);
	seg_to_kvm(&ks.ss, &s->ss);
	seg_to_kvm(&ks.tr, &s->tr);
	seg_to_kvm(&ks.ldt, &s->ldt);
	ks.gdt.base = s->gdt.base;
	ks.gdt.limit = s->gdt.limit;
	ks.idt.base = s->idt.base;
	ks.idt.limit = s->idt.limit;
	ks.cr0 = s->cr0;
	ks.cr2 = s->cr2;
	ks.cr3 = s->cr3;
	ks.cr4 = s->cr4;
	ks.cr8 = s->cr8;
	ks.efer = s->efer;
	/* apic_base stays KVM's reset value; no interrupt is pending. */
	memset(ks.interrupt_bitmap, 0, sizeof(ks.interrupt_bitmap));
	if (ioctl(b->f.vcpu_fd, KVM_SET_SREGS, &ks) < 0)
		return -1;

	/* struct hv_regs from rax on is struct kvm_regs, field for field. */
	_Static_assert(sizeof(kr) == sizeof(*r) - offsetof(struct hv_regs, rax) &&
		       offsetof(struct kvm_regs, rflags) ==
		       offsetof(struct hv_regs, rflags) - offsetof(struct hv_regs, rax),
		       "hv_regs and kvm_regs differ");
	memcpy(&kr, &r->rax, sizeof(kr));
	return ioctl(b->f.vcpu_fd, KVM_SET_REGS, &kr) < 0 ? -1 : 0;
}

/*
 * KVM sends VMMCALL/VMCALL to userspace only for KVM_HC_MAP_GPA_RANGE, and
 * only with KVM_CAP_EXIT_HYPERCALL enabled for it.
 */
static const char *kvm_user_hypercall(struct bench_vm *b)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_HYPERCALL };
	int mask = ioctl(b->f.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL);

	if (mask <= 0 || !(mask & (1 << KVM_HC_MAP_GPA_RANGE)))
		return "KVM lacks KVM_CAP_EXIT_HYPERCALL for KVM_HC_MAP_GPA_RANGE: not comparable";
	cap.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE;
	if (ioctl(b->f.vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return "KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) failed: not comparable";
	return NULL;
}

static const char *kvm_kernel_hypercall(struct bench_vm *b)
{
	(void)b;
	/* An unknown number: KVM answers -KVM_ENOSYS in the kernel (the guest checks it). */
	return NULL;
}

static int kvm_run_vcpu(struct bench_vm *b, struct bench_exit *ex)
{
	struct kvm_run *run = b->f.run;

	if (ioctl(b->f.vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno != EINTR)
			return -1;
		ex->kind = BX_INTR;
		return 0;
	}
	snprintf(ex->desc, sizeof(ex->desc), "kvm exit %u", run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		ex->kind = run->io.count == 1 ? BX_IO : BX_OTHER;
		ex->io_out = run->io.direction == KVM_EXIT_IO_OUT;
		ex->port = run->io.port;
		ex->size = run->io.size;
		ex->io_data = (uint8_t *)run + run->io.data_offset;
		snprintf(ex->desc, sizeof(ex->desc), "kvm exit io, port %#x", run->io.port);
		break;
	case KVM_EXIT_MMIO:
		ex->kind = BX_MMIO;
		ex->gpa = run->mmio.phys_addr;
		ex->len = run->mmio.len;
		ex->is_write = run->mmio.is_write;
		ex->mmio_data = run->mmio.data;
		snprintf(ex->desc, sizeof(ex->desc), "kvm exit mmio, gpa %#llx",
			 (unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_HLT:
		ex->kind = BX_HLT;
		break;
	case KVM_EXIT_HYPERCALL:
		ex->kind = BX_HYPERCALL;
		ex->hc_nr = run->hypercall.nr;
		ex->hc_ret = (uint64_t *)&run->hypercall.ret;
		break;
	case KVM_EXIT_INTR:
		ex->kind = BX_INTR;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ex->kind = BX_OTHER;
		snprintf(ex->desc, sizeof(ex->desc), "kvm internal error, suberror %u",
			 run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ex->kind = BX_OTHER;
		snprintf(ex->desc, sizeof(ex->desc), "kvm failed entry, reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		ex->kind = BX_OTHER;
		break;
	}
	return 0;
}

static int kvm_interrupt(struct bench_vm *b, uint8_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return ioctl(b->f.vcpu_fd, KVM_INTERRUPT, &irq) < 0 ? -1 : 0;
}

static const char *kvm_coalesced_port(struct bench_vm *b, uint16_t port, struct bench_ring **ring,
				      uint32_t *entries)
{
	struct kvm_coalesced_mmio_zone z = { .addr = port, .size = 1, .pio = 1 };
	long off = ioctl(b->f.dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);

	_Static_assert(sizeof(struct kvm_coalesced_mmio) == sizeof(struct bench_ring_entry),
		       "the ring's entries");
	if (off <= 0 || ioctl(b->f.dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0)
		return "this KVM has no coalesced PIO (KVM_CAP_COALESCED_PIO)";
	if ((size_t)(off + 1) * 4096 > b->f.run_size)
		return "the coalesced ring's page is outside the vCPU mapping";
	if (ioctl(b->f.vm_fd, KVM_REGISTER_COALESCED_MMIO, &z) < 0)
		return "KVM_REGISTER_COALESCED_MMIO failed";
	*ring = (struct bench_ring *)((char *)b->f.run + off * 4096);
	*entries = (4096 - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio);
	return NULL;
}

static int kvm_ioeventfd_port(struct bench_vm *b, uint16_t port, int efd)
{
	struct kvm_ioeventfd a = {
		.addr = port, .len = 1, .fd = efd, .flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	return ioctl(b->f.vm_fd, KVM_IOEVENTFD, &a) < 0 ? -1 : 0;
}

/* KVM's irqfd signals a GSI: route one to the MSI first (the VM's only route). */
static int kvm_irqfd_msi(struct bench_vm *b, int efd, uint64_t msi_address, uint32_t msi_data)
{
	struct kvm_irqfd a = { .fd = efd, .gsi = KVM_BENCH_MSI_GSI };
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + sizeof(rt->entries[0]));
	int r;

	if (!rt)
		return -1;
	rt->nr = 1;
	rt->entries[0].gsi = KVM_BENCH_MSI_GSI;
	rt->entries[0].type = KVM_IRQ_ROUTING_MSI;
	rt->entries[0].u.msi.address_lo = (uint32_t)msi_address;
	rt->entries[0].u.msi.address_hi = (uint32_t)(msi_address >> 32);
	rt->entries[0].u.msi.data = msi_data;
	r = ioctl(b->f.vm_fd, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	if (r < 0)
		return -1;
	return ioctl(b->f.vm_fd, KVM_IRQFD, &a) < 0 ? -1 : 0;
}

static const char *kvm_stats_untimed(struct bench_vm *b)
{
	(void)b;
	return "KVM does not time each exit (its stats count them): nothing to switch off";
}

/*
 * KVM without KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (not enabled here), as hv:
 * KVM_GET_DIRTY_LOG write-protects the pages it reports before it returns.
 */
static const char *kvm_dirty_log_slot(struct bench_vm *b, uint32_t slot, uint64_t gpa,
				      uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = KVM_MEM_LOG_DIRTY_PAGES, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(b->f.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return "KVM_SET_USER_MEMORY_REGION with KVM_MEM_LOG_DIRTY_PAGES failed";
	return NULL;
}

static int kvm_get_dirty_log(struct bench_vm *b, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(b->f.vm_fd, KVM_GET_DIRTY_LOG, &log) < 0 ? -1 : 0;
}

const struct bench_backend bench_backend_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.create = kvm_create,
	.set_memory = kvm_set_memory,
	.set_state = kvm_set_state,
	.user_hypercall = kvm_user_hypercall,
	.kernel_hypercall = kvm_kernel_hypercall,
	.run = kvm_run_vcpu,
	.interrupt = kvm_interrupt,
	.ioeventfd = kvm_ioeventfd_port,
	.coalesced = kvm_coalesced_port,
	.irqfd = kvm_irqfd_msi,
	.stats_untimed = kvm_stats_untimed,
	.dirty_log_slot = kvm_dirty_log_slot,
	.get_dirty_log = kvm_get_dirty_log,
	.destroy = kvm_destroy,
};
