// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: the VM file descriptor, memory slots and vCPU creation.
 *
 * Lifetime: a VM is reference counted.  The VM fd holds one reference and
 * every vCPU fd holds one, so the VM (with its vCPUs, nested page tables
 * and MMU notifier) is freed when the last of those files is closed,
 * whether the VMM exits cleanly or is killed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "hv_arch.h"
#include "hv_debugfs.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"

static void hv_vm_free(struct kref *kref)
{
	struct hv_vm *vm = container_of(kref, struct hv_vm, ref);
	int i;

	/* Before anything is freed: waits for debugfs readers of the VM to leave. */
	hv_debugfs_vm_destroy(vm);
	/* Before the vCPUs and the tables: waits for notifier calls under way. */
	hv_mmu_notifier_unregister(vm);
	/* First: an irqfd can deliver to the vCPUs until it is gone. */
	hv_eventfds_destroy(&vm->eventfds);
	for (i = 0; i < atomic_read(&vm->online_vcpus); i++)
		hv_vcpu_destroy(vm->vcpus[i]);
	hv_mmu_destroy(vm);
	hv_ops->vm_destroy(vm);
	hv_coalesced_destroy(&vm->coalesced);
	mmdrop(vm->mm);
	kvfree(vm);
	hv_put_virt();
	module_put(THIS_MODULE);
}

void hv_vm_get(struct hv_vm *vm)
{
	kref_get(&vm->ref);
}

void hv_vm_put(struct hv_vm *vm)
{
	kref_put(&vm->ref, hv_vm_free);
}

void hv_vm_mark_dead(struct hv_vm *vm)
{
	WRITE_ONCE(vm->dead, true);
}

static void hv_noop_ipi(void *info)
{
}

/*
 * Make every vCPU drop translations of zapped mappings before it uses the
 * guest again.  A vCPU checks tlb_gen with interrupts off after announcing
 * HV_IN_GUEST, so a vCPU that missed the new generation is in the guest
 * now and the IPI forces it out; wait=1 returns only once it has left.
 */
void hv_vm_flush_tlbs(struct hv_vm *vm)
{
	int i, n = atomic_read(&vm->online_vcpus);

	atomic64_inc(&vm->tlb_gen);
	/* New generation before reading mode; pairs with hv_vcpu_enter_guest()'s smp_mb(). */
	smp_mb__after_atomic();
	for (i = 0; i < n; i++) {
		struct hv_vcpu *vcpu = vm->vcpus[i];
		int cpu = READ_ONCE(vcpu->cpu);

		if (READ_ONCE(vcpu->mode) == HV_IN_GUEST && cpu >= 0)
			smp_call_function_single(cpu, hv_noop_ipi, NULL, 1);
	}
}

/*
 * Turn dirty logging of installed slot @id on (@bitmap, zeroed) or off
 * (NULL), keeping its mappings: on, every leaf is write-protected (and the
 * vCPUs flushed) after the set with the bitmap is published, so no write
 * after this returns goes unlogged; off, the leaves stay read-only until
 * the guest's next write to each page makes it writable again, but for
 * the ranges the VMM backs with huge pages: they lose their 4 KiB leaves,
 * to be mapped large again on the next access (hv_mmu_collapse_range()).
 */
static void hv_vm_toggle_log(struct hv_vm *vm, struct hv_memslots *new, u32 id,
			     const struct hv_memory_region *mr, unsigned long *bitmap,
			     struct hv_tdp_split_pool *pool)
{
	struct hv_memslot *slot = &new->slot[id];

	slot->flags = mr->flags;
	slot->dirty_bitmap = bitmap;
	hv_mmu_publish_slots(vm, new);
	if (!bitmap)
		hv_mmu_collapse_range(vm, slot);
	else if (hv_mmu_write_protect(vm, slot->gpa, slot->size, pool))
		hv_vm_flush_tlbs(vm);
}

/*
 * Install, replace or delete a slot.  Mappings of the old slot are zapped
 * and every vCPU is made to drop its translations before the new slot
 * becomes visible: a vCPU can never reach memory that no slot describes
 * any more, nor a page the host may reuse as soon as this returns (the VMM
 * may munmap the old backing, which no longer has hv's notifier zap
 * anything).  The
 * new set is a copy, published whole: lock-free readers see either the old
 * set or the new one (hv_mmu_publish_slots()).  A change of
 * HV_MEM_LOG_DIRTY alone keeps the mappings (hv_vm_toggle_log()); a
 * logging slot re-installed over the same guest range keeps its log.
 */
int hv_vm_set_memory_region(struct hv_vm *vm, const struct hv_memory_region *mr)
{
	unsigned long *bitmap = NULL, *old_bitmap = NULL;
	struct hv_tdp_split_pool pool = {};
	struct hv_memslots *old, *new;
	struct hv_memslot *slot;
	bool toggle;
	int r;

	r = hv_memslot_check(mr);
	if (r)
		return r;
	/* Before mmu_lock, which faulting vCPUs wait for. */
	if (mr->memory_size && (mr->flags & HV_MEM_LOG_DIRTY)) {
		bitmap = hv_mmu_dirty_bitmap_alloc(mr->memory_size);
		if (!bitmap)
			return -ENOMEM;
		/*
		 * Tables to split the large leaves of an installed slot whose
		 * logging turns on (a new slot has no leaves yet).  A slot
		 * change racing with this look only leaves the pool short or
		 * unused: a leaf without a table is zapped.
		 */
		rcu_read_lock();
		toggle = hv_memslot_log_toggle(&rcu_dereference(vm->memslots)->slot[mr->slot], mr);
		rcu_read_unlock();
		if (toggle && hv_mmu_split_pool_alloc(vm, mr->memory_size, &pool)) {
			kvfree(bitmap);
			return -ENOMEM;
		}
	}

	mutex_lock(&vm->slots_lock);
	/* Slots change only under slots_lock: the copy is made before mmu_lock. */
	old = rcu_dereference_protected(vm->memslots, lockdep_is_held(&vm->slots_lock));
	if (mr->memory_size) {
		r = hv_memslot_check_overlap(old->slot, mr);
		if (r)
			goto out_slots;
	}
	new = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
	if (!new) {
		r = -ENOMEM;
		goto out_slots;
	}
	mutex_lock(&vm->mmu_lock);
	slot = &old->slot[mr->slot];
	old_bitmap = slot->dirty_bitmap;
	if (hv_memslot_log_toggle(slot, mr)) {
		hv_vm_toggle_log(vm, new, mr->slot, mr, bitmap, &pool);
		bitmap = NULL;
		goto out;
	}
	/* Same guest range, still logging: the log goes on. */
	if (bitmap && old_bitmap && slot->gpa == mr->guest_phys_addr &&
	    slot->size == mr->memory_size)
		swap(bitmap, old_bitmap);
	if (slot->size && hv_mmu_zap_range(vm, slot->gpa, slot->size))
		hv_vm_flush_tlbs(vm);
	slot = &new->slot[mr->slot];
	slot->gpa = mr->guest_phys_addr;
	slot->hva = mr->userspace_addr;
	slot->flags = mr->flags;
	slot->size = mr->memory_size;
	slot->dirty_bitmap = mr->memory_size ? bitmap : NULL;
	bitmap = NULL;
	hv_mmu_publish_slots(vm, new);
out:
	mutex_unlock(&vm->mmu_lock);
out_slots:
	kvfree(bitmap);
	hv_mmu_split_pool_free(&pool);
	/* Replaced or turned off: lockless hv_write_gpa() may still hold the old set. */
	if (!r && old_bitmap) {
		synchronize_rcu();
		kvfree(old_bitmap);
	}
	mutex_unlock(&vm->slots_lock);
	return r;
}

static long hv_vm_ioctl_set_memory_region(struct hv_vm *vm, void __user *argp)
{
	struct hv_memory_region mr;

	if (copy_from_user(&mr, argp, sizeof(mr)))
		return -EFAULT;
	return hv_vm_set_memory_region(vm, &mr);
}

/*
 * HV_GET_DIRTY_LOG: take slot @log.slot's log and write-protect the pages
 * it names, make every vCPU drop its old translations, and only then copy
 * it out (struct hv_dirty_log).  The harvest and the flush hold mmu_lock;
 * the copy to the VMM's buffer holds only slots_lock, which keeps the
 * bitmap (no slot change can free it) and its snapshot half (no other
 * caller) to this call, so a buffer that faults slowly does not stall the
 * vCPUs' nested faults.  A failed copy puts the bits back.
 */
static long hv_vm_get_dirty_log(struct hv_vm *vm, void __user *argp)
{
	const struct hv_memslot *slot;
	struct hv_dirty_log log;
	unsigned long words;
	long r = 0;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.flags)
		return -EINVAL;
	if (log.slot >= HV_MAX_MEMSLOTS)
		return -ENOENT;

	mutex_lock(&vm->slots_lock);
	mutex_lock(&vm->mmu_lock);
	slot = &hv_mmu_slots_locked(vm)->slot[array_index_nospec(log.slot, HV_MAX_MEMSLOTS)];
	if (!slot->dirty_bitmap) {
		mutex_unlock(&vm->mmu_lock);
		r = -ENOENT;
		goto out;
	}
	words = hv_memslot_dirty_words(slot->size);
	if (hv_mmu_dirty_harvest(vm, slot))
		hv_vm_flush_tlbs(vm);
	mutex_unlock(&vm->mmu_lock);
	/* The published set, and @slot in it, cannot change while slots_lock is held. */
	if (copy_to_user(u64_to_user_ptr(log.bitmap), slot->dirty_bitmap + words,
			 words * sizeof(unsigned long))) {
		hv_mmu_dirty_put_back(slot);
		r = -EFAULT;
	}
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * The capabilities a VMM turns on: HV_CAP_LAPIC (no argument),
 * HV_CAP_HALT_POLL (args[0]: the VM's polling limit in ns, at most 1 s) and
 * HV_CAP_STATS (args[0]: 1 time every exit, the default; 0 count only).
 * Arguments a capability does not use must be 0.
 */
static long hv_vm_enable_cap(struct hv_vm *vm, void __user *argp)
{
	struct hv_enable_cap cap;
	int i, first_unused;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	first_unused = cap.cap == HV_CAP_HALT_POLL || cap.cap == HV_CAP_STATS ? 1 : 0;
	if (cap.flags)
		return -EINVAL;
	for (i = first_unused; i < ARRAY_SIZE(cap.args); i++)
		if (cap.args[i])
			return -EINVAL;
	switch (cap.cap) {
	case HV_CAP_LAPIC:
		return hv_vm_enable_lapic(vm);
	case HV_CAP_HALT_POLL:
		if (cap.args[0] > NSEC_PER_SEC)
			return -EINVAL;
		WRITE_ONCE(vm->halt_poll_max_ns, cap.args[0]);
		return 0;
	case HV_CAP_STATS:
		if (cap.args[0] > 1)
			return -EINVAL;
		WRITE_ONCE(vm->stats_untimed, !cap.args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

long hv_vm_ioctl(struct hv_vm *vm, unsigned int cmd, unsigned long arg)
{
	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case HV_SET_MEMORY_REGION:
		return hv_vm_ioctl_set_memory_region(vm, (void __user *)arg);
	case HV_CREATE_VCPU:
		if (arg >= HV_MAX_VCPUS)
			return -EINVAL;
		return hv_vcpu_create(vm, arg);
	case HV_ENABLE_CAP:
		return hv_vm_enable_cap(vm, (void __user *)arg);
	case HV_SIGNAL_MSI:
		return hv_vm_signal_msi(vm, (void __user *)arg);
	case HV_IOEVENTFD:
		return hv_vm_ioeventfd(vm, (void __user *)arg);
	case HV_IRQFD:
		return hv_vm_irqfd(vm, (void __user *)arg);
	case HV_REGISTER_COALESCED:
	case HV_UNREGISTER_COALESCED:
		return hv_coalesced_ioctl(&vm->coalesced, cmd, (void __user *)arg);
	case HV_GET_DIRTY_LOG:
		return hv_vm_get_dirty_log(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static long hv_vm_file_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return hv_vm_ioctl(filp->private_data, cmd, arg);
}

static int hv_vm_release(struct inode *inode, struct file *filp)
{
	hv_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations hv_vm_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hv_vm_file_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= hv_vm_release,
	.llseek		= noop_llseek,
};

int hv_vm_create(unsigned long flags)
{
	struct hv_vm *vm;
	int r, fd;

	if (flags)
		return -EINVAL;
	r = hv_get_virt();
	if (r)
		return r;
	r = -ENOMEM;
	vm = kvzalloc(hv_ops->vm_size, GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto out_put_virt;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->mmu_lock);
	atomic64_set(&vm->tlb_gen, 0);
	mmgrab(current->mm);
	vm->mm = current->mm;
	vm->halt_poll_max_ns = -1;
	hv_eventfds_init(&vm->eventfds);
	r = hv_coalesced_init(&vm->coalesced);
	if (r)
		goto out_free;

	r = hv_mmu_init(vm);
	if (r)
		goto out_coalesced;
	r = hv_mmu_notifier_register(vm, current->mm);
	if (r)
		goto out_mmu;
	r = hv_ops->vm_init(vm);
	if (r)
		goto out_notifier;

	/* Each VM pins the module: hv_vm_free() drops it. */
	__module_get(THIS_MODULE);
	hv_debugfs_vm_create(vm);
	fd = anon_inode_getfd("hv-vm", &hv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		hv_vm_put(vm);
	return fd;

out_notifier:
	hv_mmu_notifier_unregister(vm);
out_mmu:
	hv_mmu_destroy(vm);
out_coalesced:
	hv_coalesced_destroy(&vm->coalesced);
out_free:
	mmdrop(vm->mm);
	kvfree(vm);
out_put_virt:
	hv_put_virt();
	return r;
}
