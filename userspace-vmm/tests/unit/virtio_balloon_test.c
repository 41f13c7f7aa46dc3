// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of virtio-balloon (virtio/balloon.c): which PFNs and ranges a
 * guest may give back (usable RAM only: not the EBDA page, the VGA window,
 * the ROM and BIOS areas, the 32-bit hole, nor past the end), how PFNs are
 * coalesced into runs, and, through the rings, that inflated and reported
 * pages really go back (they read as zero afterwards) while hostile PFNs
 * and ranges are counted and left alone; the target and 'actual' in the
 * config space, the configuration interrupt, and the statistics buffer the
 * device keeps until it wants fresh numbers.
 */
#include <string.h>
#include <sys/stat.h>

#include "../../le.h"
#include "../../virtio/balloon.h"
#include "unit.h"
#include "virtio_driver.h"

#define QBASE(q)	VDRV_QBASE(q)
#define Q_STATS		2
#define Q_REPORT	3

struct bal_env {
	struct guest_mem mem;
	struct virtio_balloon b;
	uint16_t avail_idx[4];
};

static void put(struct bal_env *e, uint64_t gpa, const void *p, size_t n)
{
	vdrv_put(&e->mem, gpa, p, n);
}

static void desc(struct bal_env *e, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	vdrv_desc(&e->mem, q, i, addr, len, flags, next);
}

static void offer(struct bal_env *e, unsigned int q, uint16_t head)
{
	vdrv_offer(&e->b.vd, &e->mem, q, 8, &e->avail_idx[q], head);
}

static uint16_t used_idx(struct bal_env *e, unsigned int q)
{
	uint16_t v;

	memcpy(&v, e->mem.host + QBASE(q) + 0x2000 + 2, 2);
	return v;
}

/* Non-NULL: the next env_queues() puts guest RAM in a file there (--mem-path). */
static const char *env_mem_dir;

/* A 32 MiB guest, the balloon with reporting; the driver takes STATS_VQ and REPORTING. */
static bool env_queues(struct bal_env *e)
{
	struct virtio_dev *vd = &e->b.vd;
	unsigned int q;

	memset(e, 0, sizeof(*e));
	if ((env_mem_dir ? mem_init_file(&e->mem, 32ull << 20, env_mem_dir) :
			   mem_init(&e->mem, 32ull << 20)) ||
	    virtio_balloon_init(&e->b, &e->mem, true))
		return false;
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x03);
	virtio_bar_write(vd, VDRV_FEATURE_SELECT, 4, 0);
	virtio_bar_write(vd, VDRV_FEATURE, 4, 1u << VIRTIO_BALLOON_F_STATS_VQ |
			 1u << VIRTIO_BALLOON_F_REPORTING);
	virtio_bar_write(vd, VDRV_FEATURE_SELECT, 4, 1);
	virtio_bar_write(vd, VDRV_FEATURE, 4, 1);
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x0b);
	for (q = 0; q < 4; q++)
		vdrv_queue(vd, (uint16_t)q, 8, QBASE(q), QBASE(q) + 0x1000, QBASE(q) + 0x2000);
	return true;
}

static bool env_up(struct bal_env *e)
{
	return env_queues(e) && vdrv_driver_ok(&e->b.vd);
}

static bool balloon_range_validation(void)
{
	struct guest_mem m;
	const uint64_t P = VIRTIO_BALLOON_PAGE;

	CHECK_EQ(mem_init(&m, 32ull << 20), 0);
	CHECK(balloon_range_ok(&m, 0, P));
	CHECK(balloon_range_ok(&m, 0x9e000, P));
	CHECK(!balloon_range_ok(&m, 0x9f000, P));		/* the EBDA's page */
	CHECK(!balloon_range_ok(&m, 0xa0000, P));		/* VGA window */
	CHECK(!balloon_range_ok(&m, 0xc0000, P));		/* option ROMs */
	CHECK(!balloon_range_ok(&m, 0xff000, P));		/* BIOS */
	CHECK(balloon_range_ok(&m, 0x100000, P));
	CHECK(balloon_range_ok(&m, (32ull << 20) - P, P));
	CHECK(!balloon_range_ok(&m, 32ull << 20, P));		/* past the end */
	CHECK(!balloon_range_ok(&m, (32ull << 20) - P, 2 * P));	/* runs past it */
	CHECK(!balloon_range_ok(&m, 0x9e000, 0x3000));		/* into the EBDA */
	CHECK(!balloon_range_ok(&m, 0x100800, P));		/* unaligned */
	CHECK(!balloon_range_ok(&m, 0x100000, 0x800));
	CHECK(!balloon_range_ok(&m, 0x100000, 0));
	CHECK(!balloon_range_ok(&m, UINT64_MAX & ~(P - 1), P));	/* would wrap */
	CHECK(!balloon_range_ok(&m, 0x100000, UINT64_MAX & ~(P - 1)));
	CHECK(!balloon_range_ok(&m, 0xffffffffull << 12, P));	/* the largest PFN */
	mem_destroy(&m);
	/* RAM above 4 GiB: the 32-bit hole between is not RAM (mapped NORESERVE: costs nothing). */
	CHECK_EQ(mem_init(&m, MEM_LOW_MAX + (64ull << 20)), 0);
	CHECK(balloon_range_ok(&m, MEM_LOW_MAX - P, P));
	CHECK(!balloon_range_ok(&m, MEM_LOW_MAX, P));
	CHECK(!balloon_range_ok(&m, MEM_4G - P, 2 * P));
	CHECK(balloon_range_ok(&m, MEM_4G, P));
	CHECK(balloon_range_ok(&m, MEM_4G + (64ull << 20) - P, P));
	CHECK(!balloon_range_ok(&m, MEM_4G + (64ull << 20), P));
	mem_destroy(&m);
	return true;
}

static bool balloon_coalescing(void)
{
	static const uint32_t pfns[] = {
		0x100, 0x101, 0x102, 0x200, 0x9f, 0x201, 0x103, 0x9e, 0xffffffff, 0x1fff, 0x2000,
		0x1ffe,
	};
	struct balloon_range out[sizeof(pfns) / sizeof(pfns[0])];
	struct guest_mem m;
	uint64_t bad = 0;
	unsigned int n;

	CHECK_EQ(mem_init(&m, 32ull << 20), 0);
	n = balloon_coalesce(&m, pfns, sizeof(pfns) / sizeof(pfns[0]), out, &bad);
	CHECK_EQ(bad, 3);			/* 0x9f (EBDA), 0xffffffff, 0x2000 (past 32 MiB) */
	CHECK_EQ(n, 6);
	CHECK_EQ(out[0].gpa, 0x100000);
	CHECK_EQ(out[0].len, 0x3000);
	CHECK_EQ(out[1].gpa, 0x200000);		/* a bad PFN between does not split a run */
	CHECK_EQ(out[1].len, 0x2000);
	CHECK_EQ(out[2].gpa, 0x103000);		/* not after the previous run: a new one */
	CHECK_EQ(out[2].len, 0x1000);
	CHECK_EQ(out[3].gpa, 0x9e000);
	CHECK_EQ(out[4].gpa, 0x1fff000);
	CHECK_EQ(out[4].len, 0x1000);
	CHECK_EQ(out[5].gpa, 0x1ffe000);	/* descending: not merged backwards */
	n = balloon_coalesce(&m, pfns, 0, out, &bad);
	CHECK_EQ(n, 0);
	mem_destroy(&m);
	return true;
}

/* Inflate: the pages read as zero afterwards; a ROM PFN and one past RAM are ignored. */
static bool balloon_inflate_gives_pages_back(void)
{
	uint32_t pfns[5] = { 0x300, 0x301, 0xc0, 0x302, 0x7fffffff };
	struct bal_env e;
	uint8_t zero[4096] = { 0 };

	CHECK(env_up(&e));
	memset(e.mem.host + 0x300000, 0xaa, 0x4000);
	memset(e.mem.host + 0xc0000, 0x55, 16);
	put(&e, 0x40000, pfns, sizeof(pfns));
	desc(&e, 0, 0, 0x40000, sizeof(pfns), 0, 0);
	offer(&e, 0, 0);
	CHECK_EQ(used_idx(&e, 0), 1);
	CHECK(!memcmp(e.mem.host + 0x300000, zero, 4096));
	CHECK(!memcmp(e.mem.host + 0x302000, zero, 4096));
	CHECK_EQ(e.mem.host[0x303000], 0xaa);		/* not in the balloon */
	CHECK_EQ(e.mem.host[0xc0000], 0x55);		/* the ROM area stays */
	CHECK_EQ(e.b.inflated, 3);
	CHECK_EQ(e.b.discarded, 3);
	CHECK_EQ(e.b.bad_pfns, 2);
	/* Deflate: counted, nothing given back, nothing else touched. */
	desc(&e, 1, 0, 0x40000, 8, 0, 0);
	offer(&e, 1, 0);
	CHECK_EQ(used_idx(&e, 1), 1);
	CHECK_EQ(e.b.deflated, 2);
	CHECK_EQ(e.b.discarded, 3);
	/* A host kernel without madvise() (ENOSYS): a fresh mapping over the run instead. */
	e.b.no_madvise = true;
	memset(e.mem.host + 0x310000, 0xbb, 0x3000);
	pfns[0] = 0x310;
	pfns[1] = 0x311;
	put(&e, 0x40000, pfns, 8);
	desc(&e, 0, 2, 0x40000, 8, 0, 0);
	offer(&e, 0, 2);
	CHECK(!memcmp(e.mem.host + 0x310000, zero, 4096));
	CHECK(!memcmp(e.mem.host + 0x311000, zero, 4096));
	CHECK_EQ(e.mem.host[0x312000], 0xbb);
	CHECK_EQ(e.b.discarded, 5);
	e.b.no_madvise = false;
	/* A short buffer (not a whole PFN) is no PFN at all. */
	desc(&e, 0, 1, 0x40000, 3, 0, 0);
	offer(&e, 0, 1);
	CHECK_EQ(used_idx(&e, 0), 3);
	CHECK_EQ(e.b.inflated, 5);
	mem_destroy(&e.mem);
	return true;
}

/* The file's allocated bytes (--mem-path), or -1. */
static long long file_bytes(const struct guest_mem *m)
{
	struct stat st;

	return fstat(m->fd, &st) ? -1 : (long long)st.st_blocks * 512;
}

/*
 * RAM in a file (--mem-path, here in /dev/shm): inflated pages are
 * punched out of the file, so its blocks really go (MADV_DONTNEED would
 * leave a shared file's pages where they are) and they read as zero.
 */
static bool balloon_inflate_file_backed(void)
{
	uint32_t pfns[3] = { 0x300, 0x301, 0x302 };
	uint8_t zero[4096] = { 0 };
	struct bal_env e;
	long long before;

	/* tmpfs: blocks are allocated at the first write, not at writeback (ext4's delalloc). */
	env_mem_dir = "/dev/shm";
	CHECK(env_up(&e));
	env_mem_dir = NULL;
	CHECK(e.mem.file);
	memset(e.mem.host + 0x300000, 0xaa, 0x4000);
	put(&e, 0x40000, pfns, sizeof(pfns));
	desc(&e, 0, 0, 0x40000, sizeof(pfns), 0, 0);
	/* The used ring's page allocated now: the device's write must not count below. */
	e.mem.host[QBASE(0) + 0x2000 + 0x800] = 0;
	before = file_bytes(&e.mem);
	CHECK(before >= 0x4000);
	offer(&e, 0, 0);
	/* Measured first: a read of a hole through a shared mapping allocates a page again. */
	CHECK_EQ(file_bytes(&e.mem), before - 0x3000);
	CHECK_EQ(used_idx(&e, 0), 1);
	CHECK_EQ(e.b.discarded, 3);
	CHECK_EQ(e.b.discard_failed, 0);
	CHECK(!memcmp(e.mem.host + 0x300000, zero, 4096));
	CHECK(!memcmp(e.mem.host + 0x302000, zero, 4096));
	CHECK_EQ(e.mem.host[0x303000], 0xaa);
	mem_destroy(&e.mem);
	return true;
}

/* Free page reporting: each buffer is a free range; one in the BIOS area is refused. */
static bool balloon_reporting(void)
{
	struct bal_env e;
	uint8_t zero[4096] = { 0 };

	CHECK(env_up(&e));
	memset(e.mem.host + 0x400000, 0xaa, 0x200000);
	memset(e.mem.host + 0xe0000, 0x77, 0x1000);
	desc(&e, Q_REPORT, 0, 0x400000, 0x200000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(&e, Q_REPORT, 1, 0xe0000, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	offer(&e, Q_REPORT, 0);
	CHECK_EQ(used_idx(&e, Q_REPORT), 1);
	CHECK(!memcmp(e.mem.host + 0x400000, zero, 4096));
	CHECK(!memcmp(e.mem.host + 0x5ff000, zero, 4096));
	CHECK_EQ(e.mem.host[0x600000], 0);		/* never written: zero anyway */
	CHECK_EQ(e.mem.host[0xe0000], 0x77);
	CHECK_EQ(e.b.reported, 512);
	CHECK_EQ(e.b.bad_pfns, 1);
	mem_destroy(&e.mem);
	return true;
}

/* The target, 'actual', the configuration interrupt (INTx: ISR bit 1), the stats buffer. */
static bool balloon_config_and_stats(void)
{
	uint8_t st[20];
	struct bal_env e;

	CHECK(env_up(&e));
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF, 4), 0);
	virtio_balloon_set_target(&e.b, 4096);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_NUM_PAGES, 4), 4096);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_ISR_OFF, 1), 2);
	/* The driver may write 'actual' only. */
	virtio_bar_write(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_ACTUAL, 4, 1000);
	virtio_bar_write(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_NUM_PAGES, 4, 7);
	virtio_bar_write(&e.b.vd, VIRTIO_DEVCFG_OFF + 8, 4, 7);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_ACTUAL, 4), 1000);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_NUM_PAGES, 4), 4096);
	/* Stats: free (tag 4) and total (tag 5); the device keeps the buffer... */
	put_le(st, 2, 4);
	put_le(st + 2, 8, 123456);
	put_le(st + 10, 2, 5);
	put_le(st + 12, 8, 999999);
	put(&e, 0x50000, st, sizeof(st));
	desc(&e, Q_STATS, 0, 0x50000, sizeof(st), 0, 0);
	offer(&e, Q_STATS, 0);
	CHECK_EQ(used_idx(&e, Q_STATS), 0);
	CHECK(e.b.stats_held);
	CHECK_EQ(e.b.stats[4], 123456);
	CHECK_EQ(e.b.stats[5], 999999);
	CHECK_EQ(e.b.stats[0], UINT64_MAX);		/* not sent */
	/* ...until it wants fresh numbers. */
	virtio_balloon_request_stats(&e.b);
	CHECK_EQ(used_idx(&e, Q_STATS), 1);
	CHECK(!e.b.stats_held);
	/* A reset: the buffer is gone, the target stays, 'actual' is 0. */
	virtio_bar_write(&e.b.vd, VDRV_STATUS, 1, 0);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_ACTUAL, 4), 0);
	CHECK_EQ(virtio_bar_read(&e.b.vd, VIRTIO_DEVCFG_OFF + VIRTIO_BALLOON_CFG_NUM_PAGES, 4), 4096);
	mem_destroy(&e.mem);
	return true;
}

/*
 * The driver primes the stats queue before DRIVER_OK (Linux's init_vqs()):
 * that notification is dropped, and the device must still find the buffer
 * when it wants statistics.
 */
static bool balloon_stats_primed_before_driver_ok(void)
{
	uint8_t st[10];
	struct bal_env e;

	CHECK(env_queues(&e));
	put_le(st, 2, 4);
	put_le(st + 2, 8, 4242);
	put(&e, 0x50000, st, sizeof(st));
	desc(&e, Q_STATS, 0, 0x50000, sizeof(st), 0, 0);
	offer(&e, Q_STATS, 0);
	CHECK(!e.b.stats_held);
	CHECK(vdrv_driver_ok(&e.b.vd));
	virtio_balloon_request_stats(&e.b);
	CHECK_EQ(e.b.stats[4], 4242);
	CHECK_EQ(used_idx(&e, Q_STATS), 1);		/* taken, and given back for fresh numbers */
	CHECK(e.b.stats_wanted);
	mem_destroy(&e.mem);
	return true;
}

const struct unit_case virtio_balloon_cases[] = {
	{ "balloon_stats_primed_before_driver_ok", balloon_stats_primed_before_driver_ok },
	{ "balloon_range_validation", balloon_range_validation },
	{ "balloon_coalescing", balloon_coalescing },
	{ "balloon_inflate_gives_pages_back", balloon_inflate_gives_pages_back },
	{ "balloon_inflate_file_backed", balloon_inflate_file_backed },
	{ "balloon_reporting", balloon_reporting },
	{ "balloon_config_and_stats", balloon_config_and_stats },
	{ NULL, NULL },
};
