/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_bench: the same guest code on /dev/hv and /dev/kvm.
 *
 * The guest environment (page tables mapping the binary, GDT, IDT, long
 * mode) is built once per VM by selftests/hv/lib (processor.c) in plain
 * memory; a backend only hands that memory and the register state to its
 * hypervisor, runs the vCPU and translates each exit into a struct
 * bench_exit.  Everything the guest does and everything the host answers
 * is the same code for both backends.
 */
#ifndef HV_BENCH_H
#define HV_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/hv.h>

/* Guest physical layout (slot 0 is the selftest library's RAM at GPA 0). */
#define BENCH_RAM_SIZE		(64UL << 20)
#define BENCH_FRESH_SLOT	1
#define BENCH_FRESH_GPA		(1UL << 30)	/* never touched before the op */
#define BENCH_FRESH_GVA		0x100000000000ULL
#define BENCH_FRESH_PAGES	8192		/* 32 MiB */
#define BENCH_MMIO_GPA		0xc0000000UL	/* in no slot: MMIO on both */
#define BENCH_MMIO_GVA		0x200000000000ULL

/* Ports: the op's unclaimed port, and the guest's end-of-run report. */
#define BENCH_PIO_PORT		0xe0
#define BENCH_DONE_PORT		0xe4
#define BENCH_EVENTFD_PORT	0xe8	/* registered as an ioeventfd (OP_PIO_IOEVENTFD) */
#define BENCH_IRQFD_PORT	0xec	/* an ioeventfd whose eventfd is an irqfd (OP_IRQFD) */
#define BENCH_COALESCED_PORT	0xf0	/* a one-byte coalesced PIO zone (OP_PIO_COALESCED) */
#define BENCH_DIRTY_PORT	0xf4	/* OP_DIRTY_*: "harvest the log now" */
/*
 * OP_DIRTY_HARVEST: each round the guest dirties this many pages of the
 * fresh slot, and the host times one get-and-clear of all of them; one
 * warm-up round, then BENCH_HARVEST_ROUNDS samples per batch.
 */
#define BENCH_HARVEST_PAGES	1024
#define BENCH_HARVEST_ROUNDS	4

/* What the host answers an MMIO read with; the guest checks it. */
#define BENCH_MMIO_PATTERN	0x5a5aa5a5U
/* KVM_HC_MAP_GPA_RANGE: the one hypercall number KVM can send to userspace. */
#define BENCH_HC_USER		12
/* A number KVM answers in the kernel with -KVM_ENOSYS. */
#define BENCH_HC_KERNEL		0x7ffe
#define BENCH_KVM_ENOSYS	((uint64_t)-1000)
#define BENCH_IRQ_VECTOR	0x40
/* OP_IRQFD: the MSI's vector (its own IDT gate, guest.c), to the APIC with ID 0. */
#define BENCH_IRQFD_VECTOR	0x41
#define BENCH_MSI_ADDRESS	0xfee00000ULL	/* fixed delivery, physical destination 0 */
#define BENCH_APIC_GVA		0xfee00000UL	/* the xAPIC page, identity-mapped */
#define MSR_IA32_MISC_ENABLE	0x1a0

enum bench_exit_kind {
	BX_IO,
	BX_MMIO,
	BX_HLT,
	BX_HYPERCALL,
	BX_INTR,	/* the run was interrupted (EINTR): run again */
	BX_OTHER,	/* anything else: the op fails, with @desc */
};

struct bench_exit {
	enum bench_exit_kind kind;
	/* BX_IO */
	bool io_out;
	uint16_t port;
	uint8_t size;
	uint8_t *io_data;	/* the backend's data buffer (IN: fill it) */
	/* BX_MMIO */
	uint64_t gpa;
	uint32_t len;
	bool is_write;
	uint8_t *mmio_data;	/* 8 bytes (read: fill them) */
	/* BX_HYPERCALL */
	uint64_t hc_nr;
	uint64_t *hc_ret;	/* what the guest gets in RAX */
	char desc[160];
};

struct bench_vm;

/*
 * The coalesced ring as both hypervisors lay it out (hv's struct
 * hv_coalesced_ring, KVM's struct kvm_coalesced_mmio_ring: the same page,
 * the same 24-byte entries): the kernel appends at @last, the VMM
 * consumes from @first.
 */
struct bench_ring_entry {
	uint64_t addr;
	uint32_t len;
	uint32_t pio;
	uint8_t data[8];
};

struct bench_ring {
	uint32_t first;
	uint32_t last;
	struct bench_ring_entry e[];
};

/* backend_dev.c: the part of both ABIs that differs only in ioctl numbers. */
struct bench_dev {
	const char *path;
	unsigned long get_api_version;
	int api_version;
	unsigned long create_vm, create_vcpu, get_vcpu_mmap_size;
	unsigned long set_tss_addr;	/* 0: none */
};

struct bench_fds {
	int dev_fd, vm_fd, vcpu_fd;
	void *run;		/* the vCPU's mapped run structure */
	size_t run_size;
};

/* NULL if @d can be opened and has its API version, else why not. */
const char *bench_dev_probe(const struct bench_dev *d);
/*
 * A VM with vCPU 0 and its run structure mapped; -1 with errno (nothing left
 * open).  @vm_setup (may be NULL) runs on the VM fd before the vCPU exists.
 */
int bench_fds_open(struct bench_fds *f, const struct bench_dev *d, int (*vm_setup)(int vm_fd));
void bench_fds_close(struct bench_fds *f);

struct bench_backend {
	const char *name;	/* "hv", "kvm" */
	/* NULL if usable, else why not (the whole backend is then n/a). */
	const char *(*probe)(void);
	/*
	 * Creates the VM (on error: returns NULL with errno).  With @lapic, vCPU 0
	 * has an in-kernel local APIC (hv's HV_CAP_LAPIC, KVM's split irqchip:
	 * both leave the I/O APIC and the 8259s to the VMM), so irqfd() works,
	 * HLT no longer exits and interrupt() is not the interrupt line; only
	 * OP_IRQFD asks for it.
	 */
	struct bench_vm *(*create)(bool lapic);
	int (*set_memory)(struct bench_vm *bvm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva);
	/* One vCPU with this state (long mode, supported CPUID). */
	int (*set_state)(struct bench_vm *bvm, const struct hv_sregs *sregs, const struct hv_regs *regs);
	/* Can a VMMCALL/VMCALL reach userspace, and can one be answered in the kernel? NULL: yes. */
	const char *(*user_hypercall)(struct bench_vm *bvm);
	const char *(*kernel_hypercall)(struct bench_vm *bvm);
	int (*run)(struct bench_vm *bvm, struct bench_exit *ex);
	/* Queue external interrupt @vector (no in-kernel interrupt controller). */
	int (*interrupt)(struct bench_vm *bvm, uint8_t vector);
	/* 1-byte OUTs to @port signal eventfd @efd in the kernel (ioeventfd, no data match). */
	int (*ioeventfd)(struct bench_vm *bvm, uint16_t port, int efd);
	/* Each signal of eventfd @efd delivers this MSI in the kernel (a @lapic VM). */
	int (*irqfd)(struct bench_vm *bvm, int efd, uint64_t msi_address, uint32_t msi_data);
	/*
	 * 1-byte OUTs to @port go to the VM's coalesced ring (hv's
	 * HV_REGISTER_COALESCED, KVM's KVM_REGISTER_COALESCED_MMIO with pio):
	 * sets *@ring (in the vCPU's mapping) and *@entries; NULL if done, else
	 * why it cannot be (then n/a).
	 */
	const char *(*coalesced)(struct bench_vm *bvm, uint16_t port, struct bench_ring **ring,
				 uint32_t *entries);
	/* Stop timing exits (hv's HV_CAP_STATS 0); NULL if done, else why it cannot be. */
	const char *(*stats_untimed)(struct bench_vm *bvm);
	/*
	 * Install slot @slot with dirty logging on (hv's HV_MEM_LOG_DIRTY,
	 * KVM's KVM_MEM_LOG_DIRTY_PAGES); NULL if done, else why it cannot be.
	 */
	const char *(*dirty_log_slot)(struct bench_vm *bvm, uint32_t slot, uint64_t gpa,
				      uint64_t size, void *hva);
	/* Get and clear slot @slot's log into @bitmap (one bit per 4 KiB page); -1 with errno. */
	int (*get_dirty_log)(struct bench_vm *bvm, uint32_t slot, uint64_t *bitmap);
	void (*destroy)(struct bench_vm *bvm);
};

extern const struct bench_backend bench_backend_hv;
extern const struct bench_backend bench_backend_kvm;

/* ---- the operations ------------------------------------------------------------- */

enum bench_op {
	OP_CONTROL,
	OP_CPUID,
	OP_CPUID_UNTIMED,
	OP_HC_KERNEL,
	OP_HC_USER,
	OP_RDMSR,
	OP_WRMSR,
	OP_PIO_OUT,
	OP_PIO_IOEVENTFD,
	OP_PIO_COALESCED,
	OP_MMIO_READ,
	OP_MMIO_WRITE,
	OP_HLT_IRQ,
	OP_IRQFD,
	OP_FIRST_TOUCH,
	OP_DIRTY_WRITE,
	OP_DIRTY_HARVEST,
	OP_NR,
};

struct bench_op_info {
	const char *name;
	/* The userspace exit each iteration must give (BX_OTHER: none). */
	enum bench_exit_kind exit;
	const char *what;
};

extern const struct bench_op_info bench_ops[OP_NR];

/* Guest side (guest.c): limits of one batch. */
#define BENCH_MAX_ITERS		4096
#define BENCH_MAX_WARMUP	256

struct bench_guest_result {
	uint64_t status;	/* 1 ok; 2 + line of a failed check */
	uint64_t check;		/* the value that failed a check */
	uint64_t irqs;		/* interrupts taken (OP_HLT_IRQ, OP_IRQFD) */
	uint64_t cycles[BENCH_MAX_ITERS];
};

extern struct bench_guest_result bench_result;
/* Runs @op: @warmup iterations untimed, then @iters timed; reports through the done port. */
void bench_guest_main(uint64_t op, uint64_t iters_warmup);
#define BENCH_ARGS(iters, warmup)	((uint64_t)(iters) | ((uint64_t)(warmup) << 32))

/* report.c: reads "BENCH ..." lines, writes the table, CSV and SVG. */
int bench_report(int argc, char **argv);
/* report_virtio.c: the VBENCH lines of bench-init.sh's virtio figures. */
#include <stdio.h>
void virtio_parse_line(const char *line);
void virtio_write_table(FILE *out);
void virtio_write_csv(FILE *out);
unsigned int virtio_figures(void);

#endif /* HV_BENCH_H */
