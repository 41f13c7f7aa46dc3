/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: the one struct vm, its vCPUs, and ending the VM from any thread.
 * Owner: core.  Part of the VMM team's contract: change only by agreement,
 * keeping old names working until users have moved.
 *
 * Exit statuses of hv-run (documented in docs/vmm.md and hv-run --help):
 *   0 guest powered off            1 VMM/hypervisor error
 *   2 bad usage or input           3 guest reboot (i8042 or ACPI reset)
 *   4 triple fault                 5 every vCPU halted with IF=0
 *   exit device: a write of V to port 0xf4 (1, 2 or 4 bytes) ends hv-run
 *   with status V & 0xff.
 */
#ifndef HV_RUN_VM_H
#define HV_RUN_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>

#include "coalesced.h"
#include "iobus.h"
#include "irq.h"
#include "mem.h"

#define VM_EXIT_POWEROFF	0
#define VM_EXIT_ERROR		1
#define VM_EXIT_USAGE		2
#define VM_EXIT_RESET		3
#define VM_EXIT_TRIPLE_FAULT	4
#define VM_EXIT_HALTED		5

#define VM_EXIT_PORT		0xf4	/* exit device */
#define VM_POST_PORT		0x80	/* POST codes: accepted, logged with --debug */
#define VM_SYSCTL_A_PORT	0x92	/* fast A20 and reset */

struct hv_run;
struct acpi_pm;
struct pic;
struct ioapic;
struct vm_devices;	/* every device but the PIC, private to vm.c */
struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	int stats_fd;			/* HV_GET_STATS_FD, for hv-stat; -1 without */
	struct hv_run *run;		/* mmap'd HV_GET_VCPU_MMAP_SIZE bytes */
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* guarded by vm->lock */
	bool halted;			/* sleeping in HLT until INTR rises */
	bool in_run;			/* inside HV_RUN: kick with a signal */
	bool halted_if_clear;		/* halted with IF=0: only a stop wakes it */
	uint32_t *port_exits;		/* --stats: I/O exits per port (65536 entries) */
	int host_cpu;			/* --cpu-affinity: the host CPU its thread runs on, or -1 */
};

/* --cpus: hv.ko's HV_CAP_MAX_VCPUS, and what the MADT and the APIC IDs are laid out for. */
#define VM_MAX_CPUS		64

#define VM_MAX_DISKS		8	/* --disk, each a virtio-blk PCI function */

struct vm_disk {
	const char *path;
	bool ro;
	bool direct;			/* cache=none (O_DIRECT); else cache=writeback */
	bool aio_threads;		/* aio=threads; else aio=io_uring (virtio/blk.c) */
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;		/* NULL: none given (boot loaders pick a default) */
	uint64_t mem_size;
	bool hugepages;			/* --hugepages: RAM on transparent huge pages */
	const char *mem_path;		/* --mem-path DIR: RAM a file in DIR; NULL: anonymous */
	bool mem_hugetlbfs;		/* DIR is on hugetlbfs (checked while parsing)... */
	uint64_t mem_page_size;		/* ...of these pages (4096 elsewhere) */
	unsigned int nr_cpus;
	bool no_lapic;			/* --no-lapic: the 8259-only, single-vCPU platform */
	bool no_ioeventfd;		/* --no-ioeventfd: virtio notifications exit to hv-run */
	bool no_coalesced;		/* --no-coalesced: every write to a port exits to hv-run */
	int cpu_affinity[VM_MAX_CPUS];	/* --cpu-affinity: host CPU of vCPU i's thread */
	unsigned int nr_affinity;	/* entries in cpu_affinity; 0: no pinning */
	bool console;			/* --console stdio (default) or virtio rather than none */
	bool virtio_console;		/* --console virtio: stdin/stdout on hvc0, the UART output only */
	struct vm_disk disks[VM_MAX_DISKS];	/* --disk, in the order given: vda, vdb... */
	unsigned int nr_disks;
	bool rng;			/* --rng: virtio-rng */
	bool net;			/* --net: virtio-net on net_tap_fd */
	const char *net_tap;		/* its tap's name, for messages */
	int net_tap_fd;			/* opened while parsing (a bad tap is a usage error) */
	uint8_t net_mac[6];
	const char *balloon;		/* --balloon FILE: virtio-balloon, its target in FILE */
	bool balloon_report;		/* --balloon FILE,report: free page reporting */
	bool mem_merge;			/* --mem-merge: guest RAM MADV_MERGEABLE (KSM) */
	bool stats;
	bool debug;
};

struct vm {
	struct vm_config cfg;
	int sys_fd;			/* /dev/hv */
	int fd;				/* VM fd */
	struct guest_mem mem;
	struct iobus pio;
	struct iobus mmio;
	/*
	 * hv's coalesced ring (coalesced.h): writes to its zones wait there for
	 * the next exit; every vCPU thread drains it before handling an exit.
	 * No ring (ring NULL) with --no-coalesced or a hv.ko without one.
	 */
	struct coalesced coalesced;
	struct pic *pic;
	/*
	 * With in-kernel local APICs (HV_CAP_LAPIC enabled, not --no-lapic):
	 * the I/O APIC, the MADT, and HLT/IPIs/timers in the kernel.  Set by
	 * vm_create() before anything reads it; constant afterwards.
	 */
	bool lapic;
	struct ioapic *ioapic;		/* NULL without the local APIC */
	struct vm_devices *dev;
	struct acpi_pm *acpi_pm;	/* boot/acpi.c: the PM1 register block */
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	int kick_signal;		/* sent to a vCPU thread to leave HV_RUN */
	struct timespec start;		/* CLOCK_MONOTONIC when hv-run started */
	struct termios saved_termios;	/* restored at exit when termios_saved */
	bool termios_saved;

	pthread_mutex_t lock;		/* guards the fields below and vcpu->halted/in_run */
	pthread_cond_t wake;		/* halted vCPUs and the main thread wait here */
	bool stopping;
	int exit_status;
	const char *stopped_by;		/* a signal's name when one stopped the VM (SIGTERM) */
	unsigned int nr_halted_if_clear;
};

struct boot_file;

/*
 * Life of a VM (main.c calls these in order; each returns 0 or an exit
 * status after printing one "hv-run: ..." line):
 * vm_create() opens /dev/hv, maps RAM, wires the devices and creates the
 * vCPUs; vm_load() runs the boot loader for @kind (boot/boot.h) and sets the
 * boot vCPU's registers; vm_run() starts devices and vCPUs and returns the
 * exit status once the VM stopped; vm_destroy() releases everything.
 */
int vm_create(struct vm *vm);
int vm_load(struct vm *vm, int kind, const struct boot_file *kernel, const struct boot_file *initrd);
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* First caller wins; wakes halted vCPUs and kicks running ones.  Any thread. */
void vm_request_stop(struct vm *vm, int exit_status);
/* The same, from outside the guest (@by: "SIGTERM"): vm_run() then reports every vCPU's state. */
void vm_request_stop_by(struct vm *vm, int exit_status, const char *by);

/* True once vm_request_stop() was called.  Any thread. */
bool vm_stopping(struct vm *vm);

/*
 * Interrupt wiring (vm_irq.c).  vm_irq_init() sets up the 8259 pair and,
 * with the local APIC, the I/O APIC (storage from vm.c); then:
 *   ISA IRQ n  -> 8259 input n and I/O APIC pin n (IRQ 0: pin 2, the MADT's
 *                 interrupt source override), active high;
 *   PCI INTx   -> 8259 input pci_intx_irq() (PIC mode of the DSDT's _PRT) and
 *                 I/O APIC pin pci_intx_gsi() (APIC mode), active low.
 */
int vm_irq_init(struct vm *vm, struct pic *pic, struct ioapic *ioapic);
struct irq_line vm_isa_irq_line(struct vm *vm, unsigned int irq);
struct irq_line vm_pci_intx_pic_line(struct vm *vm);
struct irq_line vm_pci_intx_gsi_line(struct vm *vm);
/*
 * With the local APIC: send the message (@address 0xFEExxxxx, @data) with
 * HV_SIGNAL_MSI; @opaque is the vm.  How many local APICs took it.  Any thread.
 */
unsigned int vm_signal_msi(void *opaque, uint64_t address, uint32_t data);
/* HV_EXIT_EOI: the guest ended level-triggered @vector.  vCPU threads. */
void vm_irq_eoi(struct vm *vm, uint8_t vector);
/* Turn on the in-kernel local APICs if hv.ko has them and --no-lapic was not given (vm.c). */
int vm_irq_enable_lapic(struct vm *vm);
/* What a PC BIOS leaves the boot CPU's local APIC in: virtual wire mode (LINT0 ExtINT, LINT1 NMI). */
int vm_irq_virtual_wire(struct vm *vm);

/*
 * --balloon: read the target file (a size as for --mem: the guest RAM the
 * balloon should hold) and give it to the device, then ask for statistics
 * (one line on stderr).  main.c's signal thread, at SIGUSR2; a no-op before
 * the device exists and once vm_destroy() began.
 */
void vm_balloon_control(struct vm *vm);
/* --mem, --balloon's file: "256M", "1G", "512" (MiB), "65536K"; false if malformed (main.c). */
bool parse_size(const char *s, uint64_t *bytes);

/* Debug log line on stderr when --debug is given (printf format). */
void vm_debug(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* HV_RUN_VM_H */
