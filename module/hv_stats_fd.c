// SPDX-License-Identifier: GPL-2.0
/*
 * HV_GET_STATS_FD: a vCPU's statistics as a self-describing binary file
 * (uapi/linux/hv.h, "the binary stats file"; docs/abi.md).
 *
 * The header, the id and the descriptors are built once, when the fd is
 * made; a read of the data region takes a fresh snapshot of the vCPU's
 * counters.  Only the vCPU thread writes them (hv_stats.c), without a lock:
 * a snapshot taken while the vCPU runs may mix values of two consecutive
 * exits, as with KVM's stats fd, and each value is read whole (u64 loads).
 *
 * Lifetime: the file holds a reference on the VM, so the vCPU it reads
 * stays until the file is closed, whatever the VMM closes first.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"

/* What each descriptor of a reason reads, in file order. */
enum hv_stats_item {
	HV_ITEM_EXITS,		/* counter */
	HV_ITEM_KERNEL_HIST,	/* hv's time per exit */
	HV_ITEM_KERNEL_SUM,
	HV_ITEM_VMM_HIST,	/* the VMM's time per round trip (reasons userspace sees) */
	HV_ITEM_VMM_SUM,
	HV_NR_ITEMS,
};

static const struct {
	const char *prefix;
	u32 type;
	u32 unit;
	u32 count;
	bool user_only;
} hv_stats_items[HV_NR_ITEMS] = {
	[HV_ITEM_EXITS] = { "exits", HV_STATS_TYPE_COUNTER, HV_STATS_UNIT_NONE, 1, false },
	[HV_ITEM_KERNEL_HIST] = { "kernel_ns", HV_STATS_TYPE_LOG2_HIST, HV_STATS_UNIT_NS,
				  HV_STATS_NR_BUCKETS, false },
	[HV_ITEM_KERNEL_SUM] = { "kernel_ns_sum", HV_STATS_TYPE_COUNTER, HV_STATS_UNIT_NS, 1,
				 false },
	[HV_ITEM_VMM_HIST] = { "vmm_ns", HV_STATS_TYPE_LOG2_HIST, HV_STATS_UNIT_NS,
			       HV_STATS_NR_BUCKETS, true },
	[HV_ITEM_VMM_SUM] = { "vmm_ns_sum", HV_STATS_TYPE_COUNTER, HV_STATS_UNIT_NS, 1, true },
};

/* One descriptor's source: a reason and an item. */
struct hv_stats_src {
	u8 reason;
	u8 item;
};

struct hv_stats_file {
	struct hv_vcpu *vcpu;
	size_t meta_size;		/* header, id, descriptors: meta[] */
	size_t data_size;
	unsigned int nr;
	struct hv_stats_src *src;	/* nr entries */
	u8 *meta;
};

/* Reasons userspace can be given (the HV_EXIT_* values): only they have VMM time. */
static bool hv_stats_user_reason(unsigned int r)
{
	return r <= HV_EXIT_EOI;
}

static void hv_stats_copy_item(const struct hv_vcpu_stats *st, const struct hv_stats_src *s,
			       u64 *out)
{
	unsigned int r = s->reason;

	switch (s->item) {
	case HV_ITEM_EXITS:
		out[0] = READ_ONCE(st->exits[r]);
		break;
	case HV_ITEM_KERNEL_HIST:
		memcpy(out, st->kernel_hist[r], sizeof(st->kernel_hist[r]));
		break;
	case HV_ITEM_KERNEL_SUM:
		out[0] = READ_ONCE(st->kernel_ns_total[r]);
		break;
	case HV_ITEM_VMM_HIST:
		memcpy(out, st->vmm_hist[r], sizeof(st->vmm_hist[r]));
		break;
	default:
		out[0] = READ_ONCE(st->vmm_ns_total[r]);
		break;
	}
}

static ssize_t hv_stats_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct hv_stats_file *sf = file->private_data;
	size_t total = sf->meta_size + sf->data_size, done = 0;
	loff_t pos = *ppos;
	u64 *data, *p;
	unsigned int i;

	if (pos < 0)
		return -EINVAL;
	if (pos >= total || !len)
		return 0;
	len = min_t(size_t, len, total - pos);
	if (pos < sf->meta_size) {
		done = min_t(size_t, len, sf->meta_size - pos);
		if (copy_to_user(buf, sf->meta + pos, done))
			return -EFAULT;
	}
	if (done < len) {
		size_t off = pos + done - sf->meta_size, n = len - done;

		data = kvmalloc(sf->data_size, GFP_KERNEL);
		if (!data)
			return -ENOMEM;
		for (i = 0, p = data; i < sf->nr; i++) {
			hv_stats_copy_item(&sf->vcpu->stats, &sf->src[i], p);
			p += hv_stats_items[sf->src[i].item].count;
		}
		if (copy_to_user(buf + done, (u8 *)data + off, n)) {
			kvfree(data);
			return -EFAULT;
		}
		kvfree(data);
		done += n;
	}
	*ppos = pos + done;
	return done;
}

static int hv_stats_release(struct inode *inode, struct file *file)
{
	struct hv_stats_file *sf = file->private_data;

	hv_vm_put(sf->vcpu->vm);
	kfree(sf->src);
	kfree(sf->meta);
	kfree(sf);
	return 0;
}

static const struct file_operations hv_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= hv_stats_read,
	.release	= hv_stats_release,
	.llseek		= generic_file_llseek,
};

/* Does reason @r have item @it in the file? */
static bool hv_stats_has_item(unsigned int r, unsigned int it)
{
	return hv_stats_reason_name(r) &&
	       (!hv_stats_items[it].user_only || hv_stats_user_reason(r));
}

/* Header, id and descriptors into sf->meta; the descriptors' sources into sf->src. */
static int hv_stats_build(struct hv_stats_file *sf, u32 vcpu_id)
{
	struct hv_stats_header *h;
	struct hv_stats_desc *d;
	unsigned int r, it, n = 0;
	size_t id_size = 32, data_off = 0;

	for (r = 0; r < HV_STATS_NR_REASONS; r++)
		for (it = 0; it < HV_NR_ITEMS; it++)
			if (hv_stats_has_item(r, it))
				n++;
	sf->src = kcalloc(n, sizeof(*sf->src), GFP_KERNEL_ACCOUNT);
	sf->meta_size = sizeof(*h) + id_size + n * sizeof(*d);
	sf->meta = kzalloc(sf->meta_size, GFP_KERNEL_ACCOUNT);
	if (!sf->src || !sf->meta)
		return -ENOMEM;
	h = (struct hv_stats_header *)sf->meta;
	snprintf(sf->meta + sizeof(*h), id_size, "hv-vcpu-%u", vcpu_id);
	d = (struct hv_stats_desc *)(sf->meta + sizeof(*h) + id_size);
	for (r = 0; r < HV_STATS_NR_REASONS; r++) {
		for (it = 0; it < HV_NR_ITEMS; it++) {
			if (!hv_stats_has_item(r, it))
				continue;
			d->type = hv_stats_items[it].type;
			d->unit = hv_stats_items[it].unit;
			d->count = hv_stats_items[it].count;
			d->offset = data_off;
			snprintf(d->name, sizeof(d->name), "%s.%s", hv_stats_items[it].prefix,
				 hv_stats_reason_name(r));
			sf->src[sf->nr].reason = r;
			sf->src[sf->nr].item = it;
			sf->nr++;
			data_off += d->count * sizeof(u64);
			d++;
		}
	}
	sf->data_size = data_off;
	h->magic = HV_STATS_MAGIC;
	h->version = HV_STATS_VERSION;
	h->num_desc = sf->nr;
	h->desc_size = sizeof(*d);
	h->id_offset = sizeof(*h);
	h->id_size = id_size;
	h->desc_offset = sizeof(*h) + id_size;
	h->data_offset = sf->meta_size;
	h->data_size = sf->data_size;
	return 0;
}

int hv_stats_fd_create(struct hv_vcpu *vcpu)
{
	struct hv_stats_file *sf;
	struct file *file;
	int r, fd;

	BUILD_BUG_ON(sizeof(struct hv_stats_header) != 64);
	BUILD_BUG_ON(sizeof(struct hv_stats_desc) != 64);
	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	r = hv_stats_build(sf, vcpu->id);
	if (r)
		goto out_free;
	sf->vcpu = vcpu;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_free;
	}
	file = anon_inode_getfile("hv-stats", &hv_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto out_put_fd;
	}
	/* pread() is the way to read the data again: anon files do not get it by default. */
	file->f_mode |= FMODE_PREAD;
	hv_vm_get(vcpu->vm);
	fd_install(fd, file);
	return fd;

out_put_fd:
	put_unused_fd(fd);
out_free:
	kfree(sf->src);
	kfree(sf->meta);
	kfree(sf);
	return r;
}
