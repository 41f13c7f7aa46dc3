// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-balloon (virtio 1.x, 5.5), see balloon.h.
 *
 * Queues, in the order the driver finds them (it skips the ones whose
 * feature it did not accept, and so does the numbering: Linux's
 * vp_find_vqs() and QEMU agree): 0 inflateq, 1 deflateq, then statsq if
 * STATS_VQ was accepted, then reporting_vq if REPORTING was.  Everything in
 * them is hostile: a PFN or a reported range outside the guest's usable RAM
 * is counted and ignored, never given to madvise().
 *
 * The work runs on the thread that took the notification (a vCPU, or the
 * doorbell thread), under the device lock: an inflate buffer holds at most
 * 256 PFNs in Linux (one madvise() per run of adjacent pages), a report at
 * most 32 ranges.
 *
 * hv keeps no pin on guest pages: MADV_DONTNEED goes through hv's MMU
 * notifier, which drops the guest's mapping, so the page really goes back
 * to the host and the guest's next touch maps a fresh zero page, the one
 * hv-run sees too.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "../le.h"
#include "balloon.h"

#define Q_INFLATE	0
#define Q_DEFLATE	1
#define PFN_BATCH	256	/* PFNs read from a buffer at a time */
/*
 * PFNs taken from one chain at most (Linux sends 256): a chain of large
 * buffers must not keep the notifying thread (maybe the doorbell thread,
 * which rings every device) busy for long.
 */
#define PFN_MAX_PER_CHAIN	16384
#define STAT_BYTES	10	/* le16 tag, le64 value, packed */
#define USABLE_LOW_END	0x9f000ull	/* the last page below has the EBDA */
#define PAGE		VIRTIO_BALLOON_PAGE

enum queue_role { ROLE_NONE, ROLE_INFLATE, ROLE_DEFLATE, ROLE_STATS, ROLE_REPORT };

static const char *const stat_names[] = {
	"swap_in", "swap_out", "major_faults", "minor_faults", "free", "total", "available",
	"caches", "hugetlb_allocs", "hugetlb_failures",
};

static bool within(uint64_t gpa, uint64_t len, uint64_t start, uint64_t end)
{
	return gpa >= start && gpa <= end && len <= end - gpa;
}

bool balloon_range_ok(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (!len || (gpa | len) & (VIRTIO_BALLOON_PAGE - 1))
		return false;
	return within(gpa, len, 0, USABLE_LOW_END) ||
	       within(gpa, len, MEM_HIGH_BASE, mem->low_end) ||
	       (mem->high_size && within(gpa, len, MEM_4G, MEM_4G + mem->high_size));
}

unsigned int balloon_coalesce(const struct guest_mem *mem, const uint32_t *pfns, unsigned int n,
			      struct balloon_range *out, uint64_t *bad)
{
	unsigned int i, runs = 0;

	for (i = 0; i < n; i++) {
		uint64_t gpa = (uint64_t)pfns[i] << VIRTIO_BALLOON_PFN_SHIFT;

		if (!balloon_range_ok(mem, gpa, VIRTIO_BALLOON_PAGE)) {
			(*bad)++;
			continue;
		}
		/* A run stays inside one usable range (checked again: the holes separate them). */
		if (runs && out[runs - 1].gpa + out[runs - 1].len == gpa &&
		    balloon_range_ok(mem, out[runs - 1].gpa, out[runs - 1].len + PAGE)) {
			out[runs - 1].len += PAGE;
		} else {
			out[runs].gpa = gpa;
			out[runs].len = PAGE;
			runs++;
		}
	}
	return runs;
}

static bool negotiated(const struct virtio_dev *vd, unsigned int bit)
{
	return vd->guest_features >> bit & 1;
}

static enum queue_role role_of(const struct virtio_dev *vd, unsigned int qi)
{
	unsigned int next = 2;

	if (qi == Q_INFLATE)
		return ROLE_INFLATE;
	if (qi == Q_DEFLATE)
		return ROLE_DEFLATE;
	if (negotiated(vd, VIRTIO_BALLOON_F_STATS_VQ) && qi == next++)
		return ROLE_STATS;
	if (negotiated(vd, VIRTIO_BALLOON_F_REPORTING) && qi == next)
		return ROLE_REPORT;
	return ROLE_NONE;
}

/*
 * A hole in the file of --mem-path's RAM (mem_punch()); else madvise(),
 * or where the host kernel has none (CONFIG_ADVISE_SYSCALLS off,
 * as in the testbed's debug kernel: ENOSYS) a fresh private anonymous
 * mapping over the range, which frees the old pages as MADV_DONTNEED does
 * (the kernel merges it back into its neighbours).  0 or -1 with errno.
 */
static int give_back(struct virtio_balloon *b, void *hva, uint64_t len)
{
	/* --mem-path: a shared file's pages outlive MADV_DONTNEED; a hole frees them. */
	if (b->mem->file)
		return mem_punch(b->mem, hva, len);
	if (!b->no_madvise) {
		if (!madvise(hva, len, b->discard_advice))
			return 0;
		if (errno != ENOSYS)
			return -1;
		b->no_madvise = true;
		fprintf(stderr, "hv-run: %s: this host kernel has no madvise(): pages go back by mapping fresh memory over them\n",
			b->vd.name);
	}
	hva = mmap(hva, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	return hva == MAP_FAILED ? -1 : 0;
}

/* Give [gpa, gpa + len) back to the host; the range was checked. */
static void discard(struct virtio_balloon *b, uint64_t gpa, uint64_t len)
{
	void *hva = mem_gpa_to_hva(b->mem, gpa, len);

	if (!hva || give_back(b, hva, len)) {
		if (!b->discard_failed++)
			fprintf(stderr, "hv-run: %s: madvise of %#" PRIx64 "+%#" PRIx64 ": %s\n",
				b->vd.name, gpa, len, hva ? strerror(errno) : "not guest RAM");
		return;
	}
	b->discarded += len >> VIRTIO_BALLOON_PFN_SHIFT;
}

static void log_bad(struct virtio_balloon *b, uint64_t before, const char *what)
{
	/* One line for the first: a hostile guest must not flood the log. */
	if (!before && b->bad_pfns)
		fprintf(stderr, "hv-run: %s: the guest gave %s outside its RAM; ignored\n",
			b->vd.name, what);
}

/* An inflate or deflate buffer: le32 PFNs in the readable buffers. */
static void take_pfns(struct virtio_balloon *b, const struct virtq_chain *c, bool inflate)
{
	uint32_t raw[PFN_BATCH], pfns[PFN_BATCH];
	struct balloon_range runs[PFN_BATCH];
	uint64_t off = 0, before = b->bad_pfns;
	size_t got;

	while (off < PFN_MAX_PER_CHAIN * 4 &&
	       (got = virtq_chain_read(c, off, raw, sizeof(raw))) >= 4) {
		unsigned int n = (unsigned int)(got / 4), i, nr;

		for (i = 0; i < n; i++)
			pfns[i] = (uint32_t)get_le((uint8_t *)&raw[i], 4);
		nr = balloon_coalesce(b->mem, pfns, n, runs, &b->bad_pfns);
		for (i = 0; i < nr; i++) {
			uint64_t pages = runs[i].len >> VIRTIO_BALLOON_PFN_SHIFT;

			if (inflate) {
				discard(b, runs[i].gpa, runs[i].len);
				b->inflated += pages;
			} else {
				b->deflated += pages;	/* the guest's again: nothing to do */
			}
		}
		off += n * 4;
	}
	log_bad(b, before, "PFNs");
}

/* The guest's address of a buffer the queue translated (it lies in guest RAM). */
static uint64_t buf_gpa(const struct guest_mem *mem, const uint8_t *hva)
{
	uint64_t off = (uint64_t)(hva - mem->host);

	return off < mem->low_end ? off : MEM_4G + (off - mem->low_end);
}

/* A free page report: each buffer is a free range of guest RAM itself. */
static void take_report(struct virtio_balloon *b, const struct virtq_chain *c)
{
	uint64_t before = b->bad_pfns;
	unsigned int i;

	for (i = 0; i < c->n_out + c->n_in; i++) {
		const struct virtq_buf *buf = i < c->n_out ? &c->out[i] : &c->in[i - c->n_out];
		uint64_t gpa = buf_gpa(b->mem, buf->hva);

		if (!balloon_range_ok(b->mem, gpa, buf->len)) {
			b->bad_pfns++;
			continue;
		}
		discard(b, gpa, buf->len);
		b->reported += buf->len >> VIRTIO_BALLOON_PFN_SHIFT;
	}
	log_bad(b, before, "a free range");
}

static void print_locked(struct virtio_balloon *b, FILE *out)
{
	char st[512];
	size_t len = 0;
	unsigned int i;

	st[0] = 0;
	for (i = 0; b->stats_seen && i < VIRTIO_BALLOON_NR_STATS && len < sizeof(st) - 48; i++) {
		if (b->stats[i] == UINT64_MAX)
			continue;	/* not sent */
		if (i < sizeof(stat_names) / sizeof(stat_names[0]))
			len += (size_t)snprintf(st + len, sizeof(st) - len, " %s=%" PRIu64,
						stat_names[i], b->stats[i]);
		else
			len += (size_t)snprintf(st + len, sizeof(st) - len, " tag%u=%" PRIu64, i,
						b->stats[i]);
	}
	fprintf(out, "hv-run: %s: target %" PRIu64 " pages, actual %" PRIu64 ", inflated %" PRIu64
		", deflated %" PRIu64 ", reported %" PRIu64 ", given back %" PRIu64 ", bad %" PRIu64
		"; guest stats:%s\n", b->vd.name,
		get_le(b->vd.config + VIRTIO_BALLOON_CFG_NUM_PAGES, 4),
		get_le(b->vd.config + VIRTIO_BALLOON_CFG_ACTUAL, 4), b->inflated, b->deflated,
		b->reported, b->discarded, b->bad_pfns, b->stats_seen ? st : " none");
	fflush(out);
}

/* The driver's statistics buffer: keep it until we want fresh numbers. */
static void take_stats(struct virtio_balloon *b, const struct virtq_chain *c)
{
	uint8_t e[STAT_BYTES];
	uint64_t off;
	unsigned int i;

	for (i = 0; i < VIRTIO_BALLOON_NR_STATS; i++)
		b->stats[i] = UINT64_MAX;
	for (off = 0; virtq_chain_read(c, off, e, sizeof(e)) == sizeof(e); off += sizeof(e)) {
		unsigned int tag = (unsigned int)get_le(e, 2);

		if (tag < VIRTIO_BALLOON_NR_STATS)
			b->stats[tag] = get_le(e + 2, 8);
	}
	b->stats_seen = true;
	b->stats_held = true;
	b->stats_head = c->head;
	if (b->stats_wanted) {
		b->stats_wanted = false;
		print_locked(b, stderr);
	}
}

static void balloon_notify(struct virtio_dev *vd, unsigned int qi)
{
	struct virtio_balloon *b = vd->opaque;
	struct virtq *q = &vd->vq[qi];
	struct virtq_chain *c = &b->chain;
	enum queue_role role = role_of(vd, qi);
	bool irq = false;
	int r;

	if (role == ROLE_NONE)
		return;
	while ((r = virtq_pop(q, c)) > 0) {
		switch (role) {
		case ROLE_INFLATE:
		case ROLE_DEFLATE:
			take_pfns(b, c, role == ROLE_INFLATE);
			break;
		case ROLE_REPORT:
			take_report(b, c);
			break;
		case ROLE_STATS:
			if (b->stats_held)	/* only one may be out: the old one back, empty */
				irq |= virtq_push(q, b->stats_head, 0);
			b->stats_held = false;
			take_stats(b, c);
			continue;	/* held: used when we want new numbers */
		default:
			break;
		}
		irq |= virtq_push(q, c->head, 0);
	}
	if (r < 0)
		virtio_dev_broken(vd, q->error);
	if (irq)
		virtio_queue_interrupt(vd, qi);
}

/* The driver writes 'actual'; num_pages is ours. */
static void balloon_config_write(struct virtio_dev *vd, unsigned int off, unsigned int size,
				 uint64_t value)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		if (off + i >= VIRTIO_BALLOON_CFG_ACTUAL && off + i < VIRTIO_BALLOON_CFG_ACTUAL + 4)
			vd->config[off + i] = (uint8_t)(value >> (8 * i));
}

static void balloon_reset(struct virtio_dev *vd)
{
	struct virtio_balloon *b = vd->opaque;

	/* The queues are reset: the stats buffer is no longer ours.  The target stays. */
	b->stats_held = false;
	put_le(vd->config + VIRTIO_BALLOON_CFG_ACTUAL, 4, 0);
}

static const struct virtio_dev_ops balloon_ops = {
	.notify = balloon_notify,
	.reset = balloon_reset,
	.config_write = balloon_config_write,
};

int virtio_balloon_init(struct virtio_balloon *b, const struct guest_mem *mem, bool report)
{
	uint64_t features = 1ull << VIRTIO_BALLOON_F_STATS_VQ;
	int r;

	memset(b, 0, sizeof(*b));
	b->mem = mem;
	b->report = report;
	b->discard_advice = MADV_DONTNEED;
	if (report)
		features |= 1ull << VIRTIO_BALLOON_F_REPORTING;
	/* class: unclassified device (0xff), as QEMU presents virtio-balloon */
	r = virtio_dev_init(&b->vd, "virtio-balloon", VIRTIO_ID_BALLOON, 0xff0000, report ? 4 : 3,
			    features, mem, &balloon_ops, b);
	if (r)
		return r;
	/* num_pages and actual: the hint and poison fields belong to features not offered. */
	b->vd.config_len = 8;
	return 0;
}

void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages)
{
	pthread_mutex_lock(&b->vd.lock);
	put_le(b->vd.config + VIRTIO_BALLOON_CFG_NUM_PAGES, 4, pages);
	virtio_config_changed(&b->vd);
	pthread_mutex_unlock(&b->vd.lock);
}

void virtio_balloon_request_stats(struct virtio_balloon *b)
{
	struct virtio_dev *vd = &b->vd;
	unsigned int qi = 2;		/* statsq, when accepted */

	pthread_mutex_lock(&vd->lock);
	/* A buffer posted with a notification before DRIVER_OK (the transport drops those). */
	if (virtio_dev_live(vd) && negotiated(vd, VIRTIO_BALLOON_F_STATS_VQ) && !b->stats_held &&
	    vd->vq[qi].enabled)
		balloon_notify(vd, qi);
	if (virtio_dev_live(vd) && negotiated(vd, VIRTIO_BALLOON_F_STATS_VQ) && b->stats_held &&
	    vd->vq[qi].enabled) {
		b->stats_held = false;
		b->stats_wanted = true;
		if (virtq_push(&vd->vq[qi], b->stats_head, 0))
			virtio_queue_interrupt(vd, qi);
	} else {
		print_locked(b, stderr);
	}
	pthread_mutex_unlock(&vd->lock);
}

void virtio_balloon_print(struct virtio_balloon *b, FILE *out)
{
	pthread_mutex_lock(&b->vd.lock);
	print_locked(b, out);
	pthread_mutex_unlock(&b->vd.lock);
}
