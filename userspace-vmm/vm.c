// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: assembling the VM from an explicit list of devices, running it,
 * and stopping it from any thread.
 *
 * The platform is a PC with hv's in-kernel local APICs (one per vCPU, up to
 * VM_MAX_CPUS), an I/O APIC and the 8259 pair, or with --no-lapic (or a
 * hv.ko without them) one vCPU and the 8259 pair alone; vm_irq.c wires
 * the interrupts for both.  Devices and their wiring (the contract in
 * docs/vmm.md):
 *   UART 0x3f8 IRQ 4, PIT 0x40-0x43 + 0x61 IRQ 0, CMOS/RTC 0x70-0x71 IRQ 8,
 *   i8042 0x60/0x64, PCI host bridge 0xcf8-0xcff, POST port 0x80, exit
 *   device 0xf4, PIC 0x20/0xa0 + ELCR 0x4d0, ACPI PM block 0x600 (boot/acpi.c),
 *   fw_cfg 0x510-0x511 + DMA 0x514 (its items: vm_add_fw_cfg()),
 *   I/O APIC 0xfec00000 (with the local APIC; ISA IRQ 0 on its pin 2).
 * Coalesced (hv's ring, not --no-coalesced): byte writes to the CMOS index
 *   port 0x70, applied before the next exit is handled (vm_add_coalesced()).
 * Virtio (virtio-pci, modern): --disk N at PCI 00:(1+N).0, --rng after the
 *   disks, then --console virtio, then --net, then --balloon; MSI-X with the local APIC (vm_signal_msi()); BAR 0 of slot S at PCI_BAR_BASE + S * VIRTIO_BAR_SIZE (a firmware's
 *   choice: the guest may move it anywhere in the window), INTA of slot S on
 *   ISA IRQ pci_intx_irq(S) (10, 11, 5, ...) and I/O APIC pin pci_intx_gsi(S)
 *   (16-23), as the DSDT's _PRT says for PIC and APIC mode.  Memory BARs
 *   decode in the 32-bit hole, the window the DSDT gives the root bridge.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/boot.h"
#include "devices/fw_cfg.h"
#include "devices/i8042.h"
#include "devices/ioapic.h"
#include "devices/misc.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "hv_ioctl.h"
#include "le.h"
#include "vcpu.h"
#include "virtio/balloon.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "vm.h"

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_COM1_IRQ		4
#define PIT_IRQ			0
#define RTC_IRQ			8
#define RTC_INDEX_PORT		0x70
#define POST_PORT		0x80
#define PCI_BAR_BASE		0xfe000000u	/* inside every 32-bit hole: below 0xfec00000 */
#define PCI_HOLE_END		0xfec00000ull	/* the I/O APIC's page and up: not PCI's */

/*
 * --balloon: the signal thread's vm_balloon_control() may run at any time;
 * balloon_live (guarded by balloon_ctl) says the device exists and is not
 * being freed.  Static: struct vm_devices goes away under it.
 */
static pthread_mutex_t balloon_ctl = PTHREAD_MUTEX_INITIALIZER;
static bool balloon_live;

struct vm_devices {
	struct pic pic;
	struct ioapic ioapic;		/* with the local APIC (vm->ioapic) */
	struct serial serial;
	struct pit pit;
	struct rtc rtc;
	struct i8042 i8042;
	struct pci pci;
	struct post_port post;
	struct exit_port exit;
	struct sysctl_port_a sysctl_a;
	struct fw_cfg fw_cfg;
	struct virtio_blk blk[VM_MAX_DISKS];
	struct virtio_rng rng;
	struct virtio_console console;
	struct virtio_net net;
	struct virtio_balloon balloon;
	unsigned int nr_blk;		/* initialized (their files are open) */
	unsigned int nr_blk_started;
	bool serial_started, pit_started, rtc_started, console_started;
	bool net_ready;			/* initialized: it owns the tap fd */
	struct doorbells doorbells;	/* virtio notifications by ioeventfd */
	bool doorbells_ready;		/* initialized: not --no-ioeventfd, hv has them */
};

void vm_debug(struct vm *vm, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!vm->cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hv-run: debug: %s\n", buf);
}

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

void vm_request_stop(struct vm *vm, int exit_status)
{
	vm_request_stop_by(vm, exit_status, NULL);
}

void vm_request_stop_by(struct vm *vm, int exit_status, const char *by)
{
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	if (vm->stopping) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	vm->exit_status = exit_status;
	vm->stopped_by = by;
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->wake);
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

/* doorbell.h's assign callback: hv's ioeventfd for a virtio queue's notify address. */
static int vm_ioeventfd(void *opaque, uint64_t gpa, unsigned int len, int efd, bool assign)
{
	struct vm *vm = opaque;
	struct hv_ioeventfd a = {
		.addr = gpa, .len = len, .fd = efd,
		.flags = assign ? 0 : HV_IOEVENTFD_FLAG_DEASSIGN,
	};

	return hv_ioctl_ioeventfd(vm->fd, &a) < 0 ? -errno : 0;
}

static int vm_fail(const char *what, int err)
{
	fprintf(stderr, "hv-run: %s: %s\n", what, strerror(err));
	return VM_EXIT_ERROR;
}

/*
 * Put an initialized virtio function at 00:@slot.0 with its BAR where a
 * firmware would, offering MSI-X when there are local APICs to send to.
 */
static int vm_plug_virtio(struct vm *vm, struct virtio_dev *vd, unsigned int slot)
{
	int r = vm->lapic ? virtio_dev_use_msix(vd, vm_signal_msi, vm) : 0;

	/* Without a doorbell (none left, no eventfd) a queue's notifications exit as before. */
	if (!r && vm->dev->doorbells_ready)
		virtio_dev_use_doorbells(vd, &vm->dev->doorbells);

	return r ? r : virtio_dev_plug(vd, &vm->dev->pci, slot, PCI_BAR_BASE + slot * VIRTIO_BAR_SIZE);
}

static int vm_add_virtio(struct vm *vm)
{
	struct vm_devices *d = vm->dev;
	/* The 32-bit hole as boot/dsdt.c computes it: the next 256 MiB boundary above RAM. */
	uint64_t hole = (vm->mem.low_end + 0xfffffff) & ~0xfffffffull;
	unsigned int slot = 1, i;
	char what[64];
	int r;

	if (!vm->cfg.nr_disks && !vm->cfg.rng && !vm->cfg.virtio_console && !vm->cfg.net &&
	    !vm->cfg.balloon)
		return 0;
	if (!vm->cfg.no_ioeventfd && hv_ioctl_check_cap(vm->sys_fd, HV_CAP_IOEVENTFD) > 0) {
		r = doorbells_init(&d->doorbells, vm_ioeventfd, vm);
		if (r)
			return vm_fail("virtio doorbells", -r);
		d->doorbells_ready = true;
	}
	pci_connect_intx(&d->pci, vm_pci_intx_pic_line(vm));
	if (vm->ioapic)
		pci_connect_intx_gsi(&d->pci, vm_pci_intx_gsi_line(vm));
	r = pci_map_mmio(&d->pci, &vm->mmio, hole, PCI_HOLE_END - hole);
	if (r)
		return vm_fail("PCI memory window", -r);
	for (i = 0; i < vm->cfg.nr_disks; i++, slot++) {
		const struct vm_disk *disk = &vm->cfg.disks[i];
		/* One request queue per vCPU: each vCPU submits on its own (VIRTIO_BLK_F_MQ). */
		struct virtio_blk_options o = {
			disk->ro, disk->direct, vm->cfg.nr_cpus,
			disk->aio_threads ? VIRTIO_BLK_AIO_THREADS : VIRTIO_BLK_AIO_IO_URING,
		};

		r = virtio_blk_init(&d->blk[i], i, disk->path, &o, &vm->mem);
		if (r == -EINVAL && disk->direct) {
			fprintf(stderr, "hv-run: --disk %s,cache=none: the host file system cannot do O_DIRECT; use cache=writeback\n",
				disk->path);
			return VM_EXIT_USAGE;
		}
		if (r) {
			snprintf(what, sizeof(what), "--disk %s", disk->path);
			return vm_fail(what, -r);
		}
		d->nr_blk++;
		r = vm_plug_virtio(vm, &d->blk[i].vd, slot);
		if (r)
			return vm_fail("virtio-blk", -r);
	}
	if (vm->cfg.rng) {
		r = virtio_rng_init(&d->rng, &vm->mem);
		if (!r)
			r = vm_plug_virtio(vm, &d->rng.vd, slot++);
		if (r)
			return vm_fail("virtio-rng", -r);
	}
	if (vm->cfg.virtio_console) {
		r = virtio_console_init(&d->console, STDIN_FILENO, STDOUT_FILENO, &vm->mem);
		if (!r)
			r = vm_plug_virtio(vm, &d->console.vd, slot++);
		if (r)
			return vm_fail("virtio-console", -r);
	}
	if (vm->cfg.net) {
		r = virtio_net_init(&d->net, vm->cfg.net_tap_fd, vm->cfg.net_mac, &vm->mem);
		if (!r) {
			vm->cfg.net_tap_fd = -1;	/* the device's now */
			d->net_ready = true;
			r = vm_plug_virtio(vm, &d->net.vd, slot++);
		}
		if (r)
			return vm_fail("virtio-net", -r);
	}
	if (vm->cfg.balloon) {
		r = virtio_balloon_init(&d->balloon, &vm->mem, vm->cfg.balloon_report);
		if (!r)
			r = vm_plug_virtio(vm, &d->balloon.vd, slot);
		if (r)
			return vm_fail("virtio-balloon", -r);
		pthread_mutex_lock(&balloon_ctl);
		balloon_live = true;
		pthread_mutex_unlock(&balloon_ctl);
	}
	return 0;
}

/* Read the target file: the balloon's size in 4 KiB pages, or false after one line on stderr. */
static bool balloon_read_target(struct vm *vm, uint32_t *pages)
{
	char buf[64];
	uint64_t bytes;
	ssize_t n;
	int fd = open(vm->cfg.balloon, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "hv-run: --balloon %s: %s; target unchanged\n", vm->cfg.balloon,
			strerror(errno));
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "hv-run: --balloon %s: %s; target unchanged\n", vm->cfg.balloon,
			strerror(errno));
		return false;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = 0;
	if (!parse_size(buf, &bytes) || (bytes & (VIRTIO_BALLOON_PAGE - 1)) || bytes > vm->mem.size) {
		fprintf(stderr, "hv-run: --balloon %s: '%.32s' is not a size like 64M, a multiple of 4K and at most --mem; target unchanged\n",
			vm->cfg.balloon, buf);
		return false;
	}
	*pages = (uint32_t)(bytes >> VIRTIO_BALLOON_PFN_SHIFT);
	return true;
}

void vm_balloon_control(struct vm *vm)
{
	uint32_t pages;

	/* balloon_ctl keeps vm_destroy() from freeing the device under us. */
	pthread_mutex_lock(&balloon_ctl);
	if (balloon_live) {
		if (balloon_read_target(vm, &pages))
			virtio_balloon_set_target(&vm->dev->balloon, pages);
		virtio_balloon_request_stats(&vm->dev->balloon);
	}
	pthread_mutex_unlock(&balloon_ctl);
}

/*
 * fw_cfg and the items a QEMU guest expects: the machine as hv-run built it
 * (one source of truth: the e820 map is boot_e820()'s, the one the boot
 * loaders hand over).  MAX_CPUS = NB_CPUS: there is no CPU hotplug.
 */
static int vm_add_fw_cfg(struct vm *vm)
{
	static const uint8_t uuid[16];		/* no UUID: all zeros */
	struct fw_cfg *fw = &vm->dev->fw_cfg;
	struct e820_entry e820[E820_MAX];
	uint8_t e820_file[E820_MAX * 20];
	unsigned int n, i;
	int r;

	r = fw_cfg_init(fw, &vm->pio, &vm->mem);
	if (!r)
		r = fw_cfg_add_item(fw, FW_CFG_UUID, uuid, sizeof(uuid));
	if (!r)
		r = fw_cfg_add_le64(fw, FW_CFG_RAM_SIZE, vm->mem.size);
	if (!r)
		r = fw_cfg_add_le16(fw, FW_CFG_NOGRAPHIC, 1);
	if (!r)
		r = fw_cfg_add_le16(fw, FW_CFG_NB_CPUS, (uint16_t)vm->cfg.nr_cpus);
	if (!r)
		r = fw_cfg_add_le16(fw, FW_CFG_MAX_CPUS, (uint16_t)vm->cfg.nr_cpus);
	if (!r && vm->cfg.cmdline) {
		size_t len = strlen(vm->cfg.cmdline) + 1;	/* with its NUL, as QEMU gives it */

		r = fw_cfg_add_le32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)len);
		if (!r)
			r = fw_cfg_add_item(fw, FW_CFG_CMDLINE_DATA, vm->cfg.cmdline, (uint32_t)len);
	}
	/* etc/e820: packed { le64 address, le64 length, le32 type } entries. */
	n = boot_e820(&vm->mem, e820, E820_MAX);
	for (i = 0; i < n; i++) {
		put_le(e820_file + i * 20, 8, e820[i].addr);
		put_le(e820_file + i * 20 + 8, 8, e820[i].size);
		put_le(e820_file + i * 20 + 16, 4, e820[i].type);
	}
	if (!r) {
		r = fw_cfg_add_file(fw, "etc/e820", e820_file, n * 20);
		r = r < 0 ? r : 0;
	}
	return r;
}

static int vm_add_devices(struct vm *vm)
{
	struct vm_devices *d = vm->dev;
	int r;

	/* The interrupt controllers first: pit_init() already drives its line. */
	r = vm_irq_init(vm, &d->pic, &d->ioapic);
	if (r)
		return vm_fail(vm->pic ? "I/O APIC" : "PIC", -r);
	/* With --console virtio stdin is hvc0's: the UART keeps its output, for early boot. */
	r = serial_init(&d->serial, &vm->pio, SERIAL_COM1_BASE,
			vm->cfg.console && !vm->cfg.virtio_console ? STDIN_FILENO : -1,
			vm->cfg.console ? STDOUT_FILENO : -1, vm_isa_irq_line(vm, SERIAL_COM1_IRQ));
	if (r)
		return vm_fail("serial port", -r);
	r = pit_init(&d->pit, &vm->pio, vm_isa_irq_line(vm, PIT_IRQ));
	if (r)
		return vm_fail("PIT", -r);
	r = rtc_init(&d->rtc, &vm->pio, vm->mem.low_end, vm->mem.high_size, vm_isa_irq_line(vm, RTC_IRQ));
	if (r)
		return vm_fail("RTC", -r);
	r = i8042_init(&d->i8042, &vm->pio, vm);
	if (r)
		return vm_fail("i8042", -r);
	r = pci_init(&d->pci, &vm->pio, vm);
	if (r)
		return vm_fail("PCI host bridge", -r);
	r = vm_add_virtio(vm);
	if (r)
		return r;
	r = post_init(&d->post, &vm->pio, vm);
	if (r)
		return vm_fail("POST port", -r);
	r = exit_init(&d->exit, &vm->pio, vm);
	if (r)
		return vm_fail("exit device", -r);
	r = sysctl_port_a_init(&d->sysctl_a, &vm->pio, vm);
	if (r)
		return vm_fail("port 0x92", -r);
	r = vm_add_fw_cfg(vm);
	if (r)
		return vm_fail("fw_cfg", -r);
	return 0;
}

static int vm_start_devices(struct vm *vm)
{
	struct vm_devices *d = vm->dev;
	int r;

	r = serial_start(&d->serial);
	if (r)
		return vm_fail("serial port thread", -r);
	d->serial_started = true;
	r = pit_start(&d->pit);
	if (r)
		return vm_fail("PIT thread", -r);
	d->pit_started = true;
	r = rtc_start(&d->rtc);
	if (r)
		return vm_fail("RTC thread", -r);
	d->rtc_started = true;
	if (vm->cfg.virtio_console) {
		r = virtio_console_start(&d->console);
		if (r)
			return vm_fail("virtio-console thread", -r);
		d->console_started = true;
	}
	if (d->net_ready && !d->net.rx_started) {
		r = virtio_net_start(&d->net);
		if (r)
			return vm_fail("virtio-net thread", -r);
	}
	for (; d->nr_blk_started < d->nr_blk; d->nr_blk_started++) {
		r = virtio_blk_start(&d->blk[d->nr_blk_started]);
		if (r)
			return vm_fail("virtio-blk thread", -r);
	}
	if (d->doorbells_ready) {
		r = doorbells_start(&d->doorbells);
		if (r)
			return vm_fail("virtio doorbell thread", -r);
	}
	return 0;
}

static void vm_stop_devices(struct vm *vm)
{
	struct vm_devices *d = vm->dev;
	unsigned int i;

	/*
	 * The vCPUs are gone.  First the notifications hv signalled that the
	 * doorbell thread has not rung yet (a console line, a request), then
	 * each disk's requests in flight, then fdatasync.
	 */
	if (d->doorbells_ready)
		doorbells_stop(&d->doorbells);
	for (i = 0; i < d->nr_blk; i++)
		virtio_blk_stop(&d->blk[i]);
	d->nr_blk = d->nr_blk_started = 0;
	if (d->net_ready)
		virtio_net_stop(&d->net);
	if (d->rtc_started)
		rtc_stop(&d->rtc);
	if (d->pit_started)
		pit_stop(&d->pit);
	if (d->serial_started)
		serial_stop(&d->serial);
	if (d->console_started)
		virtio_console_stop(&d->console);
	d->rtc_started = d->pit_started = d->serial_started = d->console_started = false;
}

/*
 * Every vCPU gets hv's supported CPUID table (XSAVE... already masked by hv)
 * with the VM's topology, not the host CPU's that answered
 * HV_GET_SUPPORTED_CPUID: initial APIC ID = vCPU id, one package of
 * nr_cpus single-thread cores (boot/cpuid.c).  (Linux otherwise logs
 * "[Firmware Bug]: CPU 0: APIC ID mismatch" when the host CPU was not CPU 0.)
 */
static int vm_setup_cpuid(struct vm *vm, struct vcpu *vcpu)
{
	size_t sz = sizeof(struct hv_cpuid) + HV_MAX_CPUID_ENTRIES * sizeof(struct hv_cpuid_entry);
	struct hv_cpuid *c = calloc(1, sz);
	int r = 0;

	if (!c)
		return vm_fail("CPUID table", ENOMEM);
	c->nent = HV_MAX_CPUID_ENTRIES;
	if (hv_ioctl_get_supported_cpuid(vm->sys_fd, c) < 0) {
		r = vm_fail("HV_GET_SUPPORTED_CPUID", errno);
	} else {
		cpuid_set_topology(c, vcpu->id, vm->cfg.nr_cpus, vm->lapic);
		if (hv_ioctl_set_cpuid(vcpu->fd, c) < 0)
			r = vm_fail("HV_SET_CPUID", errno);
	}
	free(c);
	return r;
}

static int vm_create_vcpus(struct vm *vm)
{
	int mmap_size = hv_ioctl_get_vcpu_mmap_size(vm->sys_fd);
	unsigned int i;

	if (mmap_size < (int)sizeof(struct hv_run))
		return vm_fail("HV_GET_VCPU_MMAP_SIZE", mmap_size < 0 ? errno : EINVAL);
	vm->vcpus = calloc(vm->cfg.nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return vm_fail("vCPUs", ENOMEM);
	for (i = 0; i < vm->cfg.nr_cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		void *run;
		int r;

		v->vm = vm;
		v->id = i;
		v->host_cpu = i < vm->cfg.nr_affinity ? vm->cfg.cpu_affinity[i] : -1;
		v->fd = hv_ioctl_create_vcpu(vm->fd, i);
		if (v->fd < 0)
			return vm_fail("HV_CREATE_VCPU", errno);
		vm->nr_vcpus++;
		/* Held open for hv-stat --pid, which takes it with pidfd_getfd(); -1 on an older hv. */
		v->stats_fd = hv_ioctl_check_cap(vm->sys_fd, HV_CAP_STATS_FD) > 0 ?
			      ioctl(v->fd, HV_GET_STATS_FD, 0) : -1;
		run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (run == MAP_FAILED)
			return vm_fail("mmap of the vCPU", errno);
		v->run = run;
		v->run_size = mmap_size;
		/* Sparse: only the pages of ports the guest uses become resident. */
		if (vm->cfg.stats && !(v->port_exits = calloc(65536, sizeof(*v->port_exits))))
			return vm_fail("port statistics", ENOMEM);
		r = vm_setup_cpuid(vm, v);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Ports whose writes may wait in hv's ring until the next exit: only what
 * the guest cannot observe before an exit anyway.  The CMOS index port
 * 0x70 (as QEMU coalesces it) is write-only; it selects what the next
 * access to 0x71 reaches, and that access exits, so hv-run drains the ring
 * and applies the index first.  A word write at 0x70 (which carries the
 * data byte) is not inside the one-byte zone and exits as before.  The
 * POST port 0x80 reads as all ones whatever was written: Linux's outb_p()
 * writes it after every slow port access (the CMOS index among them), and
 * those writes need no exit either; the POST code is logged at the drain.
 */
static int vm_add_coalesced(struct vm *vm)
{
	long off;
	int r;

	if (vm->cfg.no_coalesced)
		return 0;
	off = hv_ioctl_check_cap(vm->sys_fd, HV_CAP_COALESCED_IO);
	if (off <= 0)
		return 0;
	r = coalesced_init(&vm->coalesced, vm->vcpus[0].fd, off, &vm->pio, &vm->mmio);
	if (r)
		return vm_fail("mmap of hv's coalesced ring", -r);
	r = coalesced_add_zone(&vm->coalesced, vm->fd, RTC_INDEX_PORT, 1, true);
	if (r)
		return vm_fail("HV_REGISTER_COALESCED (port 0x70)", -r);
	r = coalesced_add_zone(&vm->coalesced, vm->fd, POST_PORT, 1, true);
	if (r)
		return vm_fail("HV_REGISTER_COALESCED (port 0x80)", -r);
	vm_debug(vm, "coalesced ring at page %ld: ports 0x%x, 0x%x", off, RTC_INDEX_PORT,
		 POST_PORT);
	return 0;
}

static void vm_noop_signal(int sig)
{
	(void)sig;
}

int vm_create(struct vm *vm)
{
	struct sigaction sa;
	sigset_t set;
	int r, version;

	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->wake, NULL);
	iobus_init(&vm->pio, "pio");
	iobus_init(&vm->mmio, "mmio");
	vm->sys_fd = vm->fd = -1;

	/*
	 * The kick signal interrupts HV_RUN: a handler that does nothing, no
	 * SA_RESTART, and blocked everywhere but in the vCPU threads.
	 */
	vm->kick_signal = SIGUSR1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm_noop_signal;
	sigaction(vm->kick_signal, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, vm->kick_signal);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	vm->sys_fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0)
		return vm_fail("/dev/hv", errno);
	version = hv_ioctl_get_api_version(vm->sys_fd);
	if (version != HV_API_VERSION) {
		fprintf(stderr, "hv-run: /dev/hv speaks API version %d, hv-run needs %d\n", version,
			HV_API_VERSION);
		return VM_EXIT_ERROR;
	}
	if (hv_ioctl_check_cap(vm->sys_fd, HV_CAP_IMMEDIATE_EXIT) != 1 || hv_ioctl_check_cap(vm->sys_fd, HV_CAP_STRING_IO) != 1) {
		fprintf(stderr, "hv-run: hv.ko lacks immediate_exit or string I/O, both of which hv-run needs\n");
		return VM_EXIT_ERROR;
	}
	r = hv_ioctl_check_cap(vm->sys_fd, HV_CAP_MAX_VCPUS);
	if (r > 0 && vm->cfg.nr_cpus > (unsigned int)r) {
		fprintf(stderr, "hv-run: --cpus %u: this hv.ko runs at most %d vCPUs a VM\n", vm->cfg.nr_cpus, r);
		return VM_EXIT_ERROR;
	}
	vm->fd = hv_ioctl_create_vm(vm->sys_fd, 0);
	if (vm->fd < 0 && errno == EBUSY) {
		fprintf(stderr, "hv-run: HV_CREATE_VM: another hypervisor holds SVM/VMX (unload kvm_amd/kvm_intel, or load kvm with enable_virt_at_load=0; see the kernel log)\n");
		return VM_EXIT_ERROR;
	}
	if (vm->fd < 0)
		return vm_fail("HV_CREATE_VM", errno);
	if (vm->cfg.mem_path)
		r = mem_init_file(&vm->mem, vm->cfg.mem_size, vm->cfg.mem_path);
	else
		r = mem_init_huge(&vm->mem, vm->cfg.mem_size, vm->cfg.hugepages);
	if (r == -ENOMEM && vm->cfg.mem_path && vm->cfg.mem_hugetlbfs) {
		uint64_t ps = vm->cfg.mem_page_size;

		fprintf(stderr, "hv-run: --mem-path %s: %" PRIu64 " free %" PRIu64 "K huge pages needed for --mem, the pool has fewer (see /sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/)\n",
			vm->cfg.mem_path, (vm->cfg.mem_size + ps - 1) / ps, ps >> 10, ps >> 10);
		return VM_EXIT_USAGE;
	}
	if (r && vm->cfg.mem_path) {
		fprintf(stderr, "hv-run: --mem-path %s: guest memory: %s\n", vm->cfg.mem_path,
			strerror(-r));
		return VM_EXIT_ERROR;
	}
	if (r == -EINVAL && vm->cfg.hugepages) {
		fprintf(stderr, "hv-run: --hugepages: this host's kernel has no transparent huge pages (madvise(MADV_HUGEPAGE) refused)\n");
		return VM_EXIT_ERROR;
	}
	if (r)
		return vm_fail("guest memory", -r);
	/*
	 * --mem-merge: KSM may merge identical guest pages.  Today hv pins the
	 * pages it maps, and KSM skips pinned pages: only what hv has not
	 * mapped (yet) can be merged until hv uses MMU notifiers (issue 13).
	 */
	if (vm->cfg.mem_merge && madvise(vm->mem.host, vm->mem.size, MADV_MERGEABLE)) {
		int err = errno;

		fprintf(stderr, "hv-run: --mem-merge: %s%s\n", strerror(err),
			err == EINVAL ? " (a host kernel without CONFIG_KSM)" :
			err == ENOSYS ? " (a host kernel without madvise(): CONFIG_ADVISE_SYSCALLS)" : "");
		return VM_EXIT_ERROR;
	}
	r = mem_register(&vm->mem, vm->fd);
	if (r)
		return vm_fail("HV_SET_MEMORY_REGION", -r);
	/* Before the first vCPU: the local APICs come with them. */
	r = vm_irq_enable_lapic(vm);
	if (r)
		return r;
	r = vm_create_vcpus(vm);
	if (r)
		return r;
	vm->dev = calloc(1, sizeof(*vm->dev));
	if (!vm->dev)
		return vm_fail("devices", ENOMEM);
	r = vm_add_devices(vm);
	if (r)
		return r;
	return vm_add_coalesced(vm);
}

int vm_load(struct vm *vm, int kind, const struct boot_file *kernel, const struct boot_file *initrd)
{
	struct vcpu *bsp = &vm->vcpus[0];
	struct boot_state st;
	int r;

	memset(&st, 0, sizeof(st));
	if (hv_ioctl_get_sregs(bsp->fd, &st.sregs) < 0)
		return vm_fail("HV_GET_SREGS", errno);
	if (kind == BOOT_LINUX)
		r = linux_load(vm, kernel, initrd, vm->cfg.cmdline, &st);
	else
		r = multiboot_load(vm, kernel, initrd, vm->cfg.cmdline, &st);
	if (r)
		return r;
	if (hv_ioctl_set_sregs(bsp->fd, &st.sregs) < 0)
		return vm_fail("HV_SET_SREGS", errno);
	if (hv_ioctl_set_regs(bsp->fd, &st.regs) < 0)
		return vm_fail("HV_SET_REGS", errno);
	return vm_irq_virtual_wire(vm);
}

/* Guest RAM the host actually backs (what the guest touched), for the RSS figure of --stats. */
static uint64_t vm_guest_resident(struct vm *vm)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = vm->mem.size / page, i;
	unsigned char *vec = malloc(pages);
	uint64_t n = 0;

	if (!vec)
		return 0;
	if (!mincore(vm->mem.host, vm->mem.size, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * page;
}

static uint64_t vm_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void vm_print_stats(struct vm *vm)
{
	static const char *const why[] = {
		"guest powered off", "VMM/hypervisor error", "bad usage", "guest reset",
		"triple fault", "all vCPUs halted with interrupts disabled",
	};
	struct timespec now;
	uint64_t rss = vm_rss(), guest = vm_guest_resident(vm);
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "hv-run: exit status %d (%s) after %.3f s\n", vm->exit_status,
		vm->exit_status >= 0 && vm->exit_status < 6 ? why[vm->exit_status] : "exit device",
		(now.tv_sec - vm->start.tv_sec) + (now.tv_nsec - vm->start.tv_nsec) / 1e9);
	fprintf(stderr, "hv-run: memory: RSS %" PRIu64 " KiB, guest RAM touched %" PRIu64
		" KiB, VMM overhead %" PRId64 " KiB\n", rss >> 10, guest >> 10,
		((int64_t)rss - (int64_t)guest) / 1024);
	if (vm->ioapic)
		fprintf(stderr, "hv-run: I/O APIC: %" PRIu64 " messages to the local APICs\n",
			ioapic_messages(vm->ioapic));
	if (vm->coalesced.ring)
		fprintf(stderr, "hv-run: coalesced ring: %" PRIu64 " writes applied without an exit\n",
			coalesced_writes(&vm->coalesced));
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_print_stats(&vm->vcpus[i], stderr);
	for (i = 0; i < vm->cfg.nr_disks; i++)
		virtio_print_stats(&vm->dev->blk[i].vd, stderr);
	if (vm->cfg.rng)
		virtio_print_stats(&vm->dev->rng.vd, stderr);
	if (vm->cfg.virtio_console)
		virtio_print_stats(&vm->dev->console.vd, stderr);
	if (vm->dev->net_ready)
		virtio_net_print_stats(&vm->dev->net, stderr);
	if (vm->cfg.balloon) {
		virtio_print_stats(&vm->dev->balloon.vd, stderr);
		virtio_balloon_print(&vm->dev->balloon, stderr);
	}
}

int vm_run(struct vm *vm)
{
	unsigned int i;
	int r;

	r = vm_start_devices(vm);
	for (i = 0; !r && i < vm->nr_vcpus; i++) {
		r = vcpu_start(&vm->vcpus[i]);
		if (r)
			r = vm_fail("vCPU thread", -r);
	}
	if (r)
		vm_request_stop(vm, r);

	pthread_mutex_lock(&vm->lock);
	while (!vm->stopping)
		pthread_cond_wait(&vm->wake, &vm->lock);
	pthread_mutex_unlock(&vm->lock);

	/*
	 * Once more, now that every thread is started: a stop that came while
	 * a thread was being created skipped it, and an AP may wait in HV_RUN
	 * for a SIPI that never comes.
	 */
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
	/* The writes the vCPUs made after their last exit. */
	coalesced_drain(&vm->coalesced);
	/* Stopped from outside (a hung guest, a test's timeout): say where each vCPU was. */
	for (i = 0; vm->stopped_by && i < vm->nr_vcpus; i++) {
		char what[64];

		snprintf(what, sizeof(what), "stopped by %s", vm->stopped_by);
		vcpu_report(&vm->vcpus[i], what);
	}
	vm_stop_devices(vm);
	if (vm->cfg.stats)
		vm_print_stats(vm);
	return vm->exit_status;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->vcpus[i].run_size);
		free(vm->vcpus[i].port_exits);
		if (vm->vcpus[i].stats_fd >= 0)
			close(vm->vcpus[i].stats_fd);
		close(vm->vcpus[i].fd);
	}
	coalesced_destroy(&vm->coalesced);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	pthread_mutex_lock(&balloon_ctl);
	balloon_live = false;
	pthread_mutex_unlock(&balloon_ctl);
	if (vm->dev) {
		vm_stop_devices(vm);	/* closes the disks a failed vm_create() opened */
		fw_cfg_destroy(&vm->dev->fw_cfg);
		if (vm->dev->net_ready)
			virtio_net_destroy(&vm->dev->net);
		vm->dev->net_ready = false;
		if (vm->dev->doorbells_ready)
			doorbells_destroy(&vm->dev->doorbells);
	}
	free(vm->dev);
	vm->dev = NULL;
	vm->pic = NULL;
	acpi_destroy(vm);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->fd = vm->sys_fd = -1;
	if (vm->cfg.net_tap_fd >= 0)
		close(vm->cfg.net_tap_fd);	/* opened by main.c, never handed to the device */
	vm->cfg.net_tap_fd = -1;
	mem_destroy(&vm->mem);
	iobus_destroy(&vm->pio);
	iobus_destroy(&vm->mmio);
}
