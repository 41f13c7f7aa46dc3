// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's hostile ring case (issue 12, "hostile rings"): the test kernel
 * guests/virtio_hostile.c drives virtio-blk, virtio-rng and virtio-console
 * (virtio_hostile_rings), or virtio-net on a tap in a network namespace of
 * the test's own, as virtio_net_tap makes it (virtio_hostile_rings_net), as
 * a driver that breaks the split virtqueue's rules on purpose: a buffer
 * straddling the end of RAM, one on the device's own BAR, one whose address
 * wraps, a descriptor loop, an indirect chain longer than the queue, an
 * indirect table inside an indirect table, an avail index far ahead; each
 * on a freshly reset device, each followed by polling for
 * DEVICE_NEEDS_RESET.  A good request before the cases and one after the
 * last reset must complete (the disk's first sector, random bytes, a line
 * on hvc0, a frame on the tap that --stats counts).
 *
 * What hv-run owes, checked here: it survives all of it (the guest's exit
 * status, 0 when every check passed, is hv-run's), it logs exactly one
 * "device needs reset" line per hostile ring, on the right device, saying
 * what was wrong, in the order the guest posted them, and the guest's
 * COM1 keeps working (every check's "ok" line arrives, and the console's
 * line after its reset).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm_test.h"

#define HOSTILE_IMG	"/tmp/hv-hostile.img"
#define HOSTILE_IMG_SIZE	65536
#define DISK_MAGIC	"hv hostile rings"	/* guests/virtio_hostile.c reads it back */
#define HVC_LINE	"# hvc0: virtio-console works after a reset"
#define NEEDS_RESET	"; device needs reset"

/* The guest's cases, in its order, and what hv-run's line must say for each. */
static const struct {
	const char *name, *why;
} hostile_cases[] = {
	{ "outside_ram", "buffer 0x3fffff8+0x10 outside guest RAM" },	/* --mem 64M */
	{ "in_mmio_bar", "buffer 0xfe0" },
	{ "wraps", "buffer 0xfffffffffffff000+0x2000 outside guest RAM" },
	{ "next_loop", "chain 0 longer than the queue (a loop?)" },
	{ "longer_than_queue", "indirect chain 0 longer than its table or the queue" },
	{ "nested_indirect", "indirect table inside an indirect table in chain 0" },
	{ "avail_far_ahead", "avail index 32768 is 32768 ahead of 0, queue size 8" },
};

#define NR_CASES	(sizeof(hostile_cases) / sizeof(hostile_cases[0]))
#define MAX_DEV		3

/* One run: hv-run's devices, in the order the guest finds them (their slots). */
struct hostile_run {
	const char *devices[MAX_DEV];
	bool net;
};

static const struct hostile_run blk_rng_console = {
	{ "virtio-blk0", "virtio-rng", "virtio-console" }, false };
const struct hostile_run hostile_net = { { "virtio-net" }, true };

static bool make_image(void)
{
	static char img[HOSTILE_IMG_SIZE];
	int fd = open(HOSTILE_IMG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok;

	if (fd < 0) {
		ktap_print_msg("%s: %s\n", HOSTILE_IMG, strerror(errno));
		return false;
	}
	memcpy(img, DISK_MAGIC, strlen(DISK_MAGIC));
	ok = write(fd, img, sizeof(img)) == (ssize_t)sizeof(img);
	if (!ok)
		ktap_print_msg("writing %s: %s\n", HOSTILE_IMG, strerror(errno));
	close(fd);
	return ok;
}

/* "ok <name>" on a line of the guest's own (not "not ok <name>"). */
static bool guest_ok(const struct run *r, const char *name)
{
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), "\nok %s\r", name);
	p = find(r->out, r->out_len, want);
	if (!p)
		ktap_print_msg("the guest did not print \"ok %s\"\n", name);
	return p;
}

/* "virtio-blk0" and "outside_ram" -> "virtio_blk0_outside_ram", the guest's check name. */
static void check_name(char *out, size_t size, const char *dev, const char *what)
{
	size_t i;

	snprintf(out, size, "%s_%s", dev, what);
	for (i = 0; out[i]; i++)
		if (out[i] == '-')
			out[i] = '_';
}

/* hv-run's "needs reset" lines: exactly one per case, on the right device, in order. */
static bool reset_lines_ok(const struct run *r, const char *const *devices, unsigned int nr_dev)
{
	const char *p = r->err, *end = r->err + r->err_len;
	unsigned int n = 0;
	bool ok = true;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;
		char line[512], prefix[64];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + 1;
		if (!strstr(line, NEEDS_RESET))
			continue;
		if (n < nr_dev * NR_CASES) {
			const char *dev = devices[n / NR_CASES];
			const char *why = hostile_cases[n % NR_CASES].why;

			snprintf(prefix, sizeof(prefix), "hv-run: %s: ", dev);
			if (strncmp(line, prefix, strlen(prefix)) || !strstr(line, why)) {
				ktap_print_msg("line %u: \"%s\", want \"%s... %s ...%s\" (%s)\n",
					       n + 1, line, prefix, why, NEEDS_RESET,
					       hostile_cases[n % NR_CASES].name);
				ok = false;
			}
		}
		n++;
	}
	if (n != nr_dev * NR_CASES) {
		ktap_print_msg("%u \"needs reset\" lines on stderr, want %zu (one per ring)\n",
			       n, nr_dev * NR_CASES);
		ok = false;
	}
	return ok;
}

/* hv-run's --stats line of virtio-net must count both good frames (before and after the reset). */
static bool net_frames_ok(const struct run *r)
{
	static const char want[] = "hv-run: virtio-net: sent 2 frames (120 bytes, 0 TSO, 0 dropped)";

	if (find(r->err, r->err_len, want))
		return true;
	ktap_print_msg("no \"%s\" on stderr (--stats)\n", want);
	return false;
}

static enum verdict hostile_run(const struct env *e, const struct hostile_run *h)
{
	static const char *const good[] = { "good_before", "good_after_reset" };
	unsigned int d, i, nr_dev = 0;
	char path[512], name[96];
	enum verdict v = PASS;
	struct run *r;

	while (nr_dev < MAX_DEV && h->devices[nr_dev])
		nr_dev++;
	snprintf(path, sizeof(path), "%s/virtio_hostile.elf", e->guests);
	r = run_new(e, 60);
	arg(r, "--kernel");
	arg(r, path);
	arg(r, "--mem");
	arg(r, "64M");
	arg(r, "--cmdline");
	arg(r, "mem_mib=64");
	if (h->net) {
		arg(r, "--net");
		arg(r, "tap=" NET_TAP);
		arg(r, "--stats");
	} else {
		arg(r, "--disk");
		arg(r, HOSTILE_IMG);
		arg(r, "--rng");
		arg(r, "--console");
		arg(r, "virtio");
	}
	if (!run_expect(r, 0)) {
		free(r);
		return FAIL;
	}
	for (d = 0; d < nr_dev; d++) {
		for (i = 0; i < NR_CASES; i++) {
			check_name(name, sizeof(name), h->devices[d], hostile_cases[i].name);
			if (!guest_ok(r, name))
				v = FAIL;
		}
		for (i = 0; i < 2; i++) {
			check_name(name, sizeof(name), h->devices[d], good[i]);
			if (!guest_ok(r, name))
				v = FAIL;
		}
	}
	if (find(r->out, r->out_len, "not ok")) {
		ktap_print_msg("the guest reported a failed check\n");
		v = FAIL;
	}
	/* virtio-console's good requests: twice on hv-run's stdout, through transmitq0. */
	if (!h->net && !find(r->out, r->out_len, HVC_LINE)) {
		ktap_print_msg("\"%s\" (written to hvc0) is not on hv-run's stdout\n", HVC_LINE);
		v = FAIL;
	}
	if (h->net && !net_frames_ok(r))
		v = FAIL;
	if (!reset_lines_ok(r, h->devices, nr_dev))
		v = FAIL;
	if (v == FAIL) {
		show_run(r);
	} else {
		show_lines("stderr", r->err, r->err_len);
		ktap_print_msg("%zu hostile rings on %u devices: a line each, all work after reset\n",
			       NR_CASES, nr_dev);
	}
	free(r);
	return v;
}

/* @p: NULL for virtio-blk, -rng and -console; &hostile_net for virtio-net on a tap. */
enum verdict virtio_hostile_rings(const struct env *e, const void *p, const char **skip_why)
{
	const struct hostile_run *h = p ? p : &blk_rng_console;
	struct net_host nh;
	char path[512];
	enum verdict v;

	snprintf(path, sizeof(path), "%s/virtio_hostile.elf", e->guests);
	if (access(path, R_OK)) {
		ktap_print_msg("%s is missing\n", path);
		*skip_why = "test kernel missing";
		return missing_file();
	}
	if (h->net) {
		if (access("/dev/net/tun", R_OK | W_OK)) {
			ktap_print_msg("/dev/net/tun: %s\n", strerror(errno));
			*skip_why = "no /dev/net/tun";
			return missing_file();
		}
		if (!net_host_up(&nh))
			return FAIL;
		v = hostile_run(e, h);
		net_host_down(&nh);
		return v;
	}
	if (!make_image())
		return FAIL;
	v = hostile_run(e, h);
	unlink(HOSTILE_IMG);
	return v;
}
