// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/hv/: one directory per VM, named like KVM's,
 * "<pid>-<id>" (the creating process's pid and a number no other VM of
 * this module load had), with a text file `stats`: the VM's exits per
 * reason summed over its vCPUs (count; hv's time per exit and, for exits
 * the VMM saw, its time per round trip: mean, p50, p99 from the log2
 * histograms), then one line per vCPU.  The binary stats fd
 * (hv_stats_fd.c) is the interface for tools; this is for a human with a
 * shell.  A per-VM counter rather than KVM's fd number: an fd number can
 * be reused by a second VM while the first still lives on through its
 * vCPU fds, and two directories cannot have one name.
 *
 * debugfs is optional: without it (not built in, debugfs=off, not
 * mounted) every call below gets or is given an error pointer, which
 * debugfs's own functions accept and ignore, as its conventions ask; hv
 * works the same.
 *
 * Lifetimes.  The file does not hold a reference on the VM (an open
 * debugfs file must not keep a VM and its memory alive).  It relies on
 * debugfs_remove()'s guarantee instead: files made by debugfs_create_file()
 * are reached through debugfs's proxy, which brackets every open and read
 * with debugfs_file_get()/put(), and debugfs_remove() waits for those in
 * progress and makes any later one fail with EIO.  hv_vm_free() removes the
 * directory before it frees anything, so the show function below only ever
 * runs on a whole VM, and a reader that keeps the file open across the
 * VM's end gets EIO, never freed memory.  (Taking a VM reference in the
 * show function instead would deadlock: its hv_vm_put() could be the last
 * and call debugfs_remove() on the file it is reading.)
 *
 * Locks: none.  The vCPU thread updates its counters without a lock
 * (hv_stats.c), holding its mutex for the whole HV_RUN, so waiting for the
 * mutex could wait for as long as the guest runs.  The counters are read as
 * the stats fd reads them: each value whole, a running vCPU's snapshot
 * possibly mixing two consecutive exits.  vcpus[] is read up to
 * online_vcpus, which hv_vcpu_create() publishes after the pointer.
 */
#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "hv_arch.h"
#include "hv_debugfs.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"

/* By nested leaf level, 1 to 3. */
static const char *const hv_leaf_size_names[] = { "4 KiB", "2 MiB", "1 GiB" };

static struct dentry *hv_debugfs_root;	/* /sys/kernel/debug/hv, or an error pointer */
static atomic_t hv_debugfs_next_id = ATOMIC_INIT(0);

/* One VM's figures per reason, summed over its vCPUs. */
struct hv_debugfs_sum {
	u64 exits[HV_STATS_NR_REASONS];
	u64 kernel_ns[HV_STATS_NR_REASONS];
	u64 vmm_ns[HV_STATS_NR_REASONS];
	u64 kernel_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
	u64 vmm_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
};

static void hv_debugfs_add(struct hv_debugfs_sum *sum, const struct hv_vcpu_stats *st)
{
	unsigned int r, b;

	for (r = 0; r < HV_STATS_NR_REASONS; r++) {
		sum->exits[r] += READ_ONCE(st->exits[r]);
		sum->kernel_ns[r] += READ_ONCE(st->kernel_ns_total[r]);
		sum->vmm_ns[r] += READ_ONCE(st->vmm_ns_total[r]);
		for (b = 0; b < HV_STATS_NR_BUCKETS; b++) {
			sum->kernel_hist[r][b] += READ_ONCE(st->kernel_hist[r][b]);
			sum->vmm_hist[r][b] += READ_ONCE(st->vmm_hist[r][b]);
		}
	}
}

static u64 hv_debugfs_hist_total(const u64 *h)
{
	u64 t = 0;
	unsigned int b;

	for (b = 0; b < HV_STATS_NR_BUCKETS; b++)
		t += h[b];
	return t;
}

/* The upper bound (ns) of the bucket the @pct-th percentile of @total values falls in. */
static u64 hv_debugfs_pct(const u64 *h, u64 total, unsigned int pct)
{
	u64 want = div64_u64(total * pct + 99, 100), seen = 0;
	unsigned int b;

	for (b = 0; b < HV_STATS_NR_BUCKETS - 1; b++) {
		seen += h[b];
		if (seen >= want)
			break;
	}
	return 2ULL << b;
}

/* Mean, p50, p99 of one histogram, or dashes when it holds nothing. */
static void hv_debugfs_times(struct seq_file *m, const u64 *h, u64 sum_ns)
{
	u64 n = hv_debugfs_hist_total(h);

	if (!n) {
		seq_printf(m, " %10s %10s %10s", "-", "-", "-");
		return;
	}
	seq_printf(m, " %10llu %10llu %10llu", div64_u64(sum_ns, n), hv_debugfs_pct(h, n, 50),
		   hv_debugfs_pct(h, n, 99));
}

/* Counts that are events within an exit, not exits of their own (docs/abi.md). */
static bool hv_debugfs_is_event(unsigned int r)
{
	return r == HV_STAT_HALT_POLL || r == HV_STAT_HALT_SLEEP || r == HV_STAT_YIELD;
}

static void hv_debugfs_vcpu_line(struct seq_file *m, struct hv_vcpu *vcpu)
{
	const struct hv_vcpu_stats *st = &vcpu->stats;
	u64 exits = 0, kernel = 0, vmm = 0;
	unsigned int r;
	pid_t tid;

	for (r = 0; r < HV_STATS_NR_REASONS; r++) {
		if (!hv_debugfs_is_event(r))
			exits += READ_ONCE(st->exits[r]);
		kernel += READ_ONCE(st->kernel_ns_total[r]);
		vmm += READ_ONCE(st->vmm_ns_total[r]);
	}
	/* The thread of its last HV_RUN (0: never run); vcpu->pid changes under RCU. */
	rcu_read_lock();
	tid = pid_nr(rcu_dereference(vcpu->pid));
	rcu_read_unlock();
	seq_printf(m, "%-6u %8d %12llu %16llu %16llu\n", vcpu->id, tid, exits, kernel, vmm);
}

static int hv_debugfs_stats_show(struct seq_file *m, void *unused)
{
	struct hv_vm *vm = m->private;
	struct hv_debugfs_sum *sum;
	unsigned int n, i, r;

	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	n = atomic_read(&vm->online_vcpus);
	/* vcpus[0..n) are set: pairs with hv_vcpu_create()'s smp_wmb(). */
	smp_rmb();
	for (i = 0; i < n; i++)
		hv_debugfs_add(sum, &vm->vcpus[i]->stats);

	seq_printf(m, "%u vCPU%s%s\n", n, n == 1 ? "" : "s",
		   READ_ONCE(vm->stats_untimed) ? ", exits not timed (HV_CAP_STATS 0)" : "");
	seq_printf(m, "%-20s %12s %10s %10s %10s %10s %10s %10s\n", "reason", "exits", "hv mean",
		   "hv p50", "hv p99", "vmm mean", "vmm p50", "vmm p99");
	for (r = 0; r < HV_STATS_NR_REASONS; r++) {
		const char *name = hv_stats_reason_name(r);

		if (!sum->exits[r])
			continue;
		if (name)
			seq_printf(m, "%-20s", name);
		else
			seq_printf(m, "reason_%-13u", r);
		seq_printf(m, " %12llu", sum->exits[r]);
		hv_debugfs_times(m, sum->kernel_hist[r], sum->kernel_ns[r]);
		hv_debugfs_times(m, sum->vmm_hist[r], sum->vmm_ns[r]);
		seq_putc(m, '\n');
	}
	seq_puts(m, "(ns; p50/p99: upper bounds of log2 buckets; hv: VM exit to the next entry less the VMM's share; vmm: HV_RUN's return to the next HV_RUN)\n\n");
	seq_printf(m, "%-6s %8s %12s %16s %16s\n", "vcpu", "tid", "exits", "hv ns", "vmm ns");
	for (i = 0; i < n; i++)
		hv_debugfs_vcpu_line(m, vm->vcpus[i]);
	/* Counters of mmu_lock's, read without it: a snapshot, maybe a fault behind. */
	seq_printf(m, "\nnested page table: %lu table pages, %lu 4 KiB leaves, %lu 2 MiB leaves, %lu 1 GiB leaves\n",
		   READ_ONCE(vm->tdp.nr_tables), READ_ONCE(vm->tdp.nr_leaves),
		   READ_ONCE(vm->tdp.nr_2m), READ_ONCE(vm->tdp.nr_1g));
	seq_printf(m, "largest nested leaf the CPU takes: %s\n",
		   hv_leaf_size_names[hv_ops->tdp_max_leaf_level() - 1]);
	kfree(sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hv_debugfs_stats);

/* At VM creation, before its fd exists; failures only cost the summary. */
void hv_debugfs_vm_create(struct hv_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "%d-%u", task_tgid_nr(current),
		 (unsigned int)atomic_inc_return(&hv_debugfs_next_id));
	vm->debugfs_dir = debugfs_create_dir(name, hv_debugfs_root);
	debugfs_create_file("stats", 0444, vm->debugfs_dir, vm, &hv_debugfs_stats_fops);
}

/* First thing when the VM is freed: returns once no reader is inside the show function. */
void hv_debugfs_vm_destroy(struct hv_vm *vm)
{
	debugfs_remove(vm->debugfs_dir);
	vm->debugfs_dir = NULL;
}

void hv_debugfs_init(void)
{
	hv_debugfs_root = debugfs_create_dir("hv", NULL);
}

/* Every VM is gone (each holds a module reference): only the root is left. */
void hv_debugfs_exit(void)
{
	debugfs_remove(hv_debugfs_root);
}
