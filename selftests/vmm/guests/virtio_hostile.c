// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile virtio rings (issue 12): a driver that breaks the split
 * virtqueue's rules on purpose, on every virtio-pci function hv-run gives
 * it (virtio-blk, virtio-rng, virtio-console, virtio-net; others are
 * listed and left alone).  The functions are found through PCI configuration mechanism 1
 * (0xcf8/0xcfc) and driven through their modern capabilities in BAR 0,
 * polled: no interrupt is enabled (the config interrupt a broken device
 * sends raises INTx or ISR bit 1, which is only read).
 *
 * For each function, each case: reset the device, negotiate VERSION_1 and
 * INDIRECT_DESC, set up one queue of QSZ entries in this kernel's memory,
 * post the hostile ring, notify, then DEVICE_NEEDS_RESET (0x40) must show
 * in device_status with ISR bit 1 (configuration change), and the used ring
 * must not have moved.  The cases (one "hv-run: <dev>: ...; device needs
 * reset" line each on hv-run's stderr, which vmm_test counts):
 *   outside_ram      a buffer straddling the end of RAM (mem_mib=)
 *   in_mmio_bar      a buffer on the device's own BAR (not RAM)
 *   wraps            a buffer whose address + length wraps 64 bits
 *   next_loop        descriptor 0 -> 1 -> 0 -> ...
 *   longer_than_queue  an indirect chain of 2 * QSZ descriptors (a direct
 *                    one that long must loop, which next_loop covers)
 *   nested_indirect  an indirect descriptor inside an indirect table
 *   avail_far_ahead  avail->idx 0x8000 ahead of what the device took
 * Before the cases and after a reset following the last one, a good
 * request must complete: blk reads sector 0 (it must start with DISK_MAGIC,
 * which vmm_test wrote), rng fills 64 bytes, the console writes HVC_LINE on
 * transmitq0 (vmm_test finds it on hv-run's stdout), net sends a 60-byte
 * frame on transmitq1 (vmm_test finds it in hv-run's --stats).  Each check prints an
 * "ok"/"not ok" line on COM1, which goes on working throughout.
 * Command line: "mem_mib=<--mem in MiB>" (required).  Exits with the
 * number of failed checks; 0xe4 if no virtio function was found.
 */
#include "rt.h"

#define PCI_ADDR		0xcf8
#define PCI_DATA		0xcfc
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_BAR0		0x10
#define PCI_CAP_PTR		0x34
#define PCI_CAP_ID_VNDR		0x09

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEVICE_BASE	0x1040
#define ID_NET			1
#define ID_BLOCK		2
#define ID_CONSOLE		3
#define ID_RNG			4

#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3

/* Common configuration (virtio 1.x, 4.1.4.3). */
#define C_DFSELECT		0x00
#define C_DF			0x04
#define C_GFSELECT		0x08
#define C_GF			0x0c
#define C_STATUS		0x14
#define C_QSEL			0x16
#define C_QSIZE			0x18
#define C_QENABLE		0x1c
#define C_QNOTIFYOFF		0x1e
#define C_QDESC			0x20
#define C_QDRIVER		0x28
#define C_QDEVICE		0x30

#define S_ACKNOWLEDGE		1
#define S_DRIVER		2
#define S_DRIVER_OK		4
#define S_FEATURES_OK		8
#define S_NEEDS_RESET		0x40

#define F_INDIRECT_DESC		(1u << 28)	/* feature word 0 */
#define F_VERSION_1		(1u << 0)	/* feature word 1 (bit 32) */

#define D_NEXT			1
#define D_WRITE			2
#define D_INDIRECT		4

#define QSZ			8		/* our queue size (the device offers 256) */
#define IND_N			(2 * QSZ)	/* entries of an indirect table */
#define WATCHDOG_S		5		/* RTC seconds to wait for the device */
#define EXIT_NO_DEVICE		0xe4

#define DISK_MAGIC		"hv hostile rings"
#define HVC_LINE		"# hvc0: virtio-console works after a reset\n"
#define NET_HDR_LEN		12	/* struct virtio_net_hdr_v1: VERSION_1, no MRG_RXBUF */
#define NET_FRAME_LEN		60	/* the shortest Ethernet frame without its FCS */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

struct avail {
	uint16_t flags, idx, ring[QSZ];
};

struct used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSZ];
};

/* The queue's memory and the buffers, one set: one device at a time. */
static struct desc dtab[QSZ] __attribute__((aligned(4096)));
static struct avail avail __attribute__((aligned(4096)));
static struct used used __attribute__((aligned(4096)));
static struct desc ind[IND_N] __attribute__((aligned(16)));
static struct desc ind2[2] __attribute__((aligned(16)));
static uint8_t buf[1024] __attribute__((aligned(16)));
static uint8_t status_byte;

struct vdev {
	const char *name;	/* hv-run's name for it, as in its log line */
	unsigned int slot, type, queue;
	volatile uint8_t *common, *isr, *notify_base;
	uint32_t notify_mult;
	volatile uint16_t *notify;	/* the queue's notify address, after setup */
};

static uint32_t failed, ram_end;

/* ---- PCI configuration mechanism 1 ---- */

static uint32_t cfg_addr(unsigned int slot, unsigned int off)
{
	return 0x80000000u | slot << 11 | (off & 0xfc);
}

static uint32_t cfg_read32(unsigned int slot, unsigned int off)
{
	outl(PCI_ADDR, cfg_addr(slot, off));
	return inl(PCI_DATA);
}

static uint8_t cfg_read8(unsigned int slot, unsigned int off)
{
	return (uint8_t)(cfg_read32(slot, off) >> (8 * (off & 3)));
}

static void cfg_write16(unsigned int slot, unsigned int off, uint16_t v)
{
	outl(PCI_ADDR, cfg_addr(slot, off));
	outw(PCI_DATA + (off & 2), v);
}

/* ---- MMIO: flat 32-bit segments, no paging, so a physical address is a pointer ---- */

static uint8_t rd8(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint8_t *)(base + off);
}

static uint16_t rd16(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t rd32(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr8(volatile uint8_t *base, unsigned int off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static void wr16(volatile uint8_t *base, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void wr32(volatile uint8_t *base, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* Linux's way too: the 64-bit queue addresses as two 32-bit halves. */
static void wr64(volatile uint8_t *base, unsigned int off, uint64_t v)
{
	wr32(base, off, (uint32_t)v);
	wr32(base, off + 4, (uint32_t)(v >> 32));
}

static void barrier(void)
{
	__asm__ volatile("lock; addl $0, (%%esp)" ::: "memory");
}

/*
 * The address of the memory BAR @bar, 0 if it is not one below 4 GiB.
 * hv-run's structures are all in BAR 0 (32-bit); QEMU's in a 64-bit BAR 4.
 * (Under QEMU this kernel finds and drives its devices, but QEMU's rng and
 * console accept some of these rings: no reference-qemu.sh entry.)
 */
static uint32_t bar_address(unsigned int slot, unsigned int bar)
{
	uint32_t lo = bar < 6 ? cfg_read32(slot, PCI_BAR0 + 4 * bar) : 1;

	if (lo & 1)
		return 0;		/* I/O */
	if ((lo & 6) == 4 && (bar == 5 || cfg_read32(slot, PCI_BAR0 + 4 * bar + 4)))
		return 0;		/* 64-bit, above 4 GiB */
	return lo & ~0xfu;
}

/* Find the function's capabilities and turn memory decoding on. */
static bool probe(struct vdev *d)
{
	unsigned int at = cfg_read8(d->slot, PCI_CAP_PTR) & 0xfc, n;
	uint16_t cmd = (uint16_t)cfg_read32(d->slot, PCI_COMMAND);
	uint32_t bar = 0;

	cfg_write16(d->slot, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	for (n = 0; at && n < 48; n++, at = cfg_read8(d->slot, at + 1) & 0xfc) {
		uint8_t type = cfg_read8(d->slot, at + 3);
		volatile uint8_t *p;

		if (cfg_read8(d->slot, at) != PCI_CAP_ID_VNDR || type < CAP_COMMON ||
		    type > CAP_ISR)
			continue;
		bar = bar_address(d->slot, cfg_read8(d->slot, at + 4));
		if (!bar)
			continue;
		p = (volatile uint8_t *)(uintptr_t)(bar + cfg_read32(d->slot, at + 8));
		if (type == CAP_COMMON) {
			d->common = p;
		} else if (type == CAP_ISR) {
			d->isr = p;
		} else {
			d->notify_base = p;
			d->notify_mult = cfg_read32(d->slot, at + 16);
		}
	}
	printf_serial("# %s at 00:%02x.0, capabilities in the BAR at 0x%08x\n", d->name, d->slot,
		      bar);
	return check(d->common && d->isr && d->notify_base, d->name, "BAR 0x%x, capabilities %s",
		     bar, "missing");
}

/*
 * Wait for @cond (the used index at @want, or NEEDS_RESET when @want is
 * negative), at most WATCHDOG_S seconds by the RTC.
 */
static bool wait_for(struct vdev *d, int want)
{
	unsigned int spins = 0, ticks = 0;
	uint8_t sec = cmos_read(0);

	for (;;) {
		if (want < 0 && (rd8(d->common, C_STATUS) & S_NEEDS_RESET))
			return true;
		if (want >= 0 && *(volatile uint16_t *)&used.idx == (uint16_t)want)
			return true;
		if (++spins % 64 == 0 && cmos_read(0) != sec) {
			sec = cmos_read(0);
			if (++ticks > WATCHDOG_S)
				return false;
		}
		__asm__ volatile("pause");
	}
}

/* Reset, negotiate, set up the queue with empty rings, DRIVER_OK. Whether it all stuck. */
static bool setup(struct vdev *d)
{
	volatile uint8_t *c = d->common;
	uint8_t st;

	wr8(c, C_STATUS, 0);
	if (rd8(c, C_STATUS) != 0)
		return false;
	memset(dtab, 0, sizeof(dtab));
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	wr8(c, C_STATUS, S_ACKNOWLEDGE);
	wr8(c, C_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	wr32(c, C_DFSELECT, 1);
	if (!(rd32(c, C_DF) & F_VERSION_1))
		return false;
	wr32(c, C_GFSELECT, 0);
	wr32(c, C_GF, F_INDIRECT_DESC);
	wr32(c, C_GFSELECT, 1);
	wr32(c, C_GF, F_VERSION_1);
	wr8(c, C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	if (!(rd8(c, C_STATUS) & S_FEATURES_OK))
		return false;
	wr16(c, C_QSEL, (uint16_t)d->queue);
	if (rd16(c, C_QSIZE) < QSZ)
		return false;
	wr16(c, C_QSIZE, QSZ);
	wr64(c, C_QDESC, (uintptr_t)dtab);
	wr64(c, C_QDRIVER, (uintptr_t)&avail);
	wr64(c, C_QDEVICE, (uintptr_t)&used);
	d->notify = (volatile uint16_t *)(d->notify_base + rd16(c, C_QNOTIFYOFF) * d->notify_mult);
	wr16(c, C_QENABLE, 1);
	if (rd16(c, C_QENABLE) != 1)
		return false;
	(void)rd8(d->isr, 0);		/* clear */
	wr8(c, C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	st = rd8(c, C_STATUS);
	return st == (S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* Make chain @head available (avail->idx += 1, or set to @idx when nonzero) and notify. */
static void post(struct vdev *d, uint16_t head, uint16_t idx)
{
	avail.ring[avail.idx % QSZ] = head;
	barrier();
	avail.idx = idx ? idx : (uint16_t)(avail.idx + 1);
	barrier();
	*d->notify = (uint16_t)d->queue;
}

static void set_desc(struct desc *t, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

/* ---- the hostile rings: each fills the tables and posts ---- */

static void outside_ram(struct vdev *d)
{
	set_desc(dtab, 0, ram_end - 8, 16, D_WRITE, 0);
	post(d, 0, 0);
}

static void in_mmio_bar(struct vdev *d)
{
	set_desc(dtab, 0, (uintptr_t)d->common, 16, D_WRITE, 0);
	post(d, 0, 0);
}

static void wraps(struct vdev *d)
{
	set_desc(dtab, 0, 0xfffffffffffff000ull, 0x2000, D_WRITE, 0);
	post(d, 0, 0);
}

static void next_loop(struct vdev *d)
{
	set_desc(dtab, 0, (uintptr_t)buf, 16, D_NEXT, 1);
	set_desc(dtab, 1, (uintptr_t)buf + 16, 16, D_NEXT, 0);
	post(d, 0, 0);
}

static void longer_than_queue(struct vdev *d)
{
	unsigned int i;

	for (i = 0; i < IND_N; i++)
		set_desc(ind, i, (uintptr_t)buf + 16 * i, 16, i + 1 < IND_N ? D_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(dtab, 0, (uintptr_t)ind, sizeof(ind), D_INDIRECT, 0);
	post(d, 0, 0);
}

static void nested_indirect(struct vdev *d)
{
	set_desc(ind2, 0, (uintptr_t)buf, 16, D_WRITE, 0);
	set_desc(ind2, 1, 0, 0, 0, 0);
	set_desc(ind, 0, (uintptr_t)ind2, sizeof(ind2), D_INDIRECT, 0);
	set_desc(dtab, 0, (uintptr_t)ind, sizeof(ind[0]), D_INDIRECT, 0);
	post(d, 0, 0);
}

static void avail_far_ahead(struct vdev *d)
{
	set_desc(dtab, 0, (uintptr_t)buf, 16, D_WRITE, 0);
	post(d, 0, 0x8000);
}

static const struct {
	const char *name;
	void (*post)(struct vdev *d);
} cases[] = {
	{ "outside_ram", outside_ram },
	{ "in_mmio_bar", in_mmio_bar },
	{ "wraps", wraps },
	{ "next_loop", next_loop },
	{ "longer_than_queue", longer_than_queue },
	{ "nested_indirect", nested_indirect },
	{ "avail_far_ahead", avail_far_ahead },
};

static void expect(bool pass, const char *dev, const char *what, const char *fmt, uint32_t a,
		   uint32_t b)
{
	char name[64];
	unsigned int n = 0;
	const char *s;

	for (s = dev; *s && n < sizeof(name) - 1; s++)
		name[n++] = *s == '-' ? '_' : *s;
	for (s = "_"; *s && n < sizeof(name) - 1; s++)
		name[n++] = *s;
	for (s = what; *s && n < sizeof(name) - 1; s++)
		name[n++] = *s;
	name[n] = '\0';
	if (!check(pass, name, fmt, a, b))
		failed++;
}

static void hostile(struct vdev *d, unsigned int i)
{
	uint8_t st, isr;

	if (!setup(d)) {
		expect(false, d->name, cases[i].name, "set-up refused, status 0x%x (%u)",
		       rd8(d->common, C_STATUS), 0);
		return;
	}
	cases[i].post(d);
	if (!wait_for(d, -1)) {
		expect(false, d->name, cases[i].name, "status 0x%x after %u s, no NEEDS_RESET",
		       rd8(d->common, C_STATUS), WATCHDOG_S);
		return;
	}
	st = rd8(d->common, C_STATUS);
	isr = rd8(d->isr, 0);
	expect((isr & 2) && used.idx == 0, d->name, cases[i].name,
	       "ISR 0x%x (want bit 1, configuration change), used index %u (want 0)", isr,
	       used.idx);
	printf_serial("# %s %s: status 0x%02x\n", d->name, cases[i].name, st);
}

/* A request the device must complete: @when is "before" or "after_reset". */
static void good(struct vdev *d, const char *when)
{
	char what[32] = "good_";
	uint32_t len, want = 0;
	bool ok = true;
	unsigned int i;

	memcpy(what + 5, when, strlen(when) + 1);
	if (!setup(d)) {
		expect(false, d->name, what, "set-up refused, status 0x%x (%u)",
		       rd8(d->common, C_STATUS), 0);
		return;
	}
	memset(buf, 0, sizeof(buf));
	switch (d->type) {
	case ID_BLOCK:
		/* IN, sector 0: header (readable), 512 bytes and the status byte (writable). */
		memset(buf, 0, 16);
		status_byte = 0xff;
		set_desc(dtab, 0, (uintptr_t)buf, 16, D_NEXT, 1);
		set_desc(dtab, 1, (uintptr_t)buf + 512, 512, D_WRITE | D_NEXT, 2);
		set_desc(dtab, 2, (uintptr_t)&status_byte, 1, D_WRITE, 0);
		want = 513;
		break;
	case ID_RNG:
		set_desc(dtab, 0, (uintptr_t)buf, 64, D_WRITE, 0);
		want = 64;
		break;
	case ID_CONSOLE:
		memcpy(buf, HVC_LINE, strlen(HVC_LINE));
		set_desc(dtab, 0, (uintptr_t)buf, strlen(HVC_LINE), 0, 0);
		want = 0;
		break;
	case ID_NET:
		/*
		 * A zero header (no offload) and a broadcast frame of a local
		 * experimental EtherType, 0x88b5: vmm_test counts it in --stats.
		 */
		memset(buf + NET_HDR_LEN, 0xff, 6);
		memcpy(buf + NET_HDR_LEN + 6, "\x52\x54\x00\x68\x76\x01\x88\xb5", 8);
		memcpy(buf + NET_HDR_LEN + 14, DISK_MAGIC, strlen(DISK_MAGIC));
		set_desc(dtab, 0, (uintptr_t)buf, NET_HDR_LEN + NET_FRAME_LEN, 0, 0);
		want = 0;
		break;
	}
	post(d, 0, 0);
	if (!wait_for(d, 1)) {
		expect(false, d->name, what, "used index %u after %u s", used.idx, WATCHDOG_S);
		return;
	}
	len = used.ring[0].len;
	if (used.ring[0].id != 0 || len != want) {
		expect(false, d->name, what, "used element length %u (want %u)", len, want);
		return;
	}
	if (d->type == ID_BLOCK)
		for (i = 0; i < strlen(DISK_MAGIC); i++)
			ok &= status_byte == 0 && buf[512 + i] == (uint8_t)DISK_MAGIC[i];
	if (d->type == ID_RNG)
		for (i = 0, ok = false; i < 64; i++)
			ok |= buf[i] != 0;
	expect(ok, d->name, what, "status 0x%x, first byte 0x%x (wrong data)", status_byte,
	       d->type == ID_BLOCK ? buf[512] : buf[0]);
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	static struct vdev devs[8];
	unsigned int slot, n = 0, i, j;

	(void)mbi;
	ram_end = cmdline_uint(cmdline, "mem_mib", 0) << 20;
	if (!check(ram_end, "mem_mib_given", "no mem_mib= on the command line%s", ""))
		return 1;
	for (slot = 1; slot < 32 && n < sizeof(devs) / sizeof(devs[0]); slot++) {
		uint32_t id = cfg_read32(slot, 0);
		struct vdev *d = &devs[n];

		if ((id & 0xffff) != VIRTIO_VENDOR)
			continue;
		d->slot = slot;
		d->type = (id >> 16) - VIRTIO_DEVICE_BASE;
		if (d->type == ID_BLOCK) {
			d->name = "virtio-blk0";
		} else if (d->type == ID_RNG) {
			d->name = "virtio-rng";
		} else if (d->type == ID_CONSOLE) {
			d->name = "virtio-console";
			d->queue = 1;		/* transmitq0 */
		} else if (d->type == ID_NET) {
			d->name = "virtio-net";
			d->queue = 1;		/* transmitq1 */
		} else {
			printf_serial("# 00:%02x.0 virtio type %u left alone\n", slot, d->type);
			continue;
		}
		if (probe(d))
			n++;
		else
			failed++;
	}
	if (!n) {
		puts_serial("not ok virtio_devices_found\n");
		return EXIT_NO_DEVICE;
	}
	for (i = 0; i < n; i++) {
		good(&devs[i], "before");
		for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
			hostile(&devs[i], j);
		good(&devs[i], "after_reset");
		wr8(devs[i].common, C_STATUS, 0);
	}
	printf_serial("# %u devices, %u hostile rings each, %u failed checks\n", n,
		      (unsigned int)(sizeof(cases) / sizeof(cases[0])), failed);
	return (int)failed;
}
