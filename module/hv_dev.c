// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv: the system-level ioctls.  VM and vCPU file descriptors have
 * their own file operations in hv_vm.c and hv_vcpu.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_arch.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"

static long hv_check_cap(unsigned long cap)
{
	switch (cap) {
	case HV_CAP_VENDOR:
		return hv_ops->vendor;
	case HV_CAP_MAX_VCPUS:
		return HV_MAX_VCPUS;
	case HV_CAP_NR_MEMSLOTS:
		return HV_MAX_MEMSLOTS;
	case HV_CAP_READONLY_MEM:
	case HV_CAP_IMMEDIATE_EXIT:
	case HV_CAP_HYPERCALL:
	case HV_CAP_STRING_IO:
	case HV_CAP_LAPIC:
		return 1;
	case HV_CAP_STATS:
		return HV_STATS_NR_REASONS;
	case HV_CAP_MAX_CPUID:
		return HV_MAX_CPUID_ENTRIES;
	case HV_CAP_NRIPS:
		return hv_ops->has_next_rip();
	case HV_CAP_HALT_POLL:
		return hv_halt_poll_ns;
	case HV_CAP_HW_FEATURES:
		return hv_ops->hw_features();
	case HV_CAP_IOEVENTFD:
		return HV_MAX_IOEVENTFDS;
	case HV_CAP_IRQFD:
		return HV_MAX_IRQFDS;
	case HV_CAP_STATS_FD:
		return HV_STATS_VERSION;
	case HV_CAP_COALESCED_IO:
		return HV_VCPU_PAGE_RING;
	case HV_CAP_DIRTY_LOG:
		return 1;
	default:
		return 0;
	}
}

void hv_cpuid_mask_vendor(struct hv_cpuid_entry *entries, u32 nent)
{
	u32 i;

	if (!hv_ops->cpuid_mask)
		return;
	for (i = 0; i < nent; i++)
		hv_ops->cpuid_mask(&entries[i]);
}

/*
 * Copy a CPUID table out to a user struct hv_cpuid whose nent says how much
 * room there is; -E2BIG with nent set to what is needed when it is too small.
 */
int hv_cpuid_copy_out(struct hv_cpuid __user *ucpuid,
		      const struct hv_cpuid_entry *entries, u32 nent)
{
	struct hv_cpuid hdr;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	if (hdr.nent < nent) {
		hdr.nent = nent;
		if (copy_to_user(ucpuid, &hdr, sizeof(hdr)))
			return -EFAULT;
		return -E2BIG;
	}
	hdr.nent = nent;
	if (copy_to_user(ucpuid, &hdr, sizeof(hdr)) ||
	    copy_to_user(ucpuid->entries, entries, nent * sizeof(*entries)))
		return -EFAULT;
	return 0;
}

static long hv_get_supported_cpuid(struct hv_cpuid __user *ucpuid)
{
	struct hv_cpuid_entry *entries;
	int nent, r;

	entries = kvcalloc(HV_MAX_CPUID_ENTRIES, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	nent = hv_cpuid_supported(entries, HV_MAX_CPUID_ENTRIES);
	hv_cpuid_mask_vendor(entries, nent);
	r = hv_cpuid_copy_out(ucpuid, entries, nent);
	kvfree(entries);
	return r;
}

static long hv_dev_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case HV_GET_API_VERSION:
		return arg ? -EINVAL : HV_API_VERSION;
	case HV_CHECK_CAP:
		return hv_check_cap(arg);
	case HV_CREATE_VM:
		return hv_vm_create(arg);
	case HV_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : HV_VCPU_MMAP_PAGES * PAGE_SIZE;
	case HV_GET_SUPPORTED_CPUID:
		return hv_get_supported_cpuid((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice hv_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hv",
	.fops	= &hv_dev_fops,
	.mode	= 0660,
};

int hv_dev_init(void)
{
	int r = misc_register(&hv_miscdev);

	if (r)
		pr_err("cannot register /dev/hv: %d\n", r);
	return r;
}

void hv_dev_exit(void)
{
	misc_deregister(&hv_miscdev);
}
