// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU exit statistics: a count per neutral exit reason and a log2
 * histogram of exit-to-next-entry latency.  Only the vCPU thread writes
 * them (under the vCPU mutex), so no atomics are needed on the hot path.
 */
#include <linux/log2.h>
#include <linux/string.h>

#include "hv_main.h"
#include "hv_stat_names.h"
#include "hv_vcpu.h"

static const struct {
	u32 reason;
	const char *name;
} hv_stats_reason_names[] = { HV_STAT_NAME_PAIRS };

/*
 * A reason's name as the tracepoint prints it; NULL: hv defines no such
 * reason.  A search: only the stats fd's creation and debugfs ask.
 */
const char *hv_stats_reason_name(u32 reason)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hv_stats_reason_names); i++)
		if (hv_stats_reason_names[i].reason == reason)
			return hv_stats_reason_names[i].name;
	return NULL;
}

static u32 hv_stats_index(u32 reason)
{
	return reason < HV_STATS_NR_REASONS ? reason : HV_STAT_OTHER;
}

void hv_stats_count(struct hv_vcpu *vcpu, u32 reason)
{
	vcpu->stats.exits[hv_stats_index(reason)]++;
}

/* Bucket i holds latencies in [2^i, 2^(i+1)) ns; bucket 0 also holds 0. */
static unsigned int hv_stats_bucket(u64 ns)
{
	unsigned int b = ns ? ilog2(ns) : 0;

	return min_t(unsigned int, b, HV_STATS_NR_BUCKETS - 1);
}

void hv_stats_latency(struct hv_vcpu *vcpu, u32 reason, u64 latency_ns)
{
	u32 i = hv_stats_index(reason);

	vcpu->stats.latency_ns_total[i] += latency_ns;
	vcpu->stats.latency_hist[i][hv_stats_bucket(latency_ns)]++;
}

/*
 * The one place the stats reason of an exit is set: the dispatcher calls it
 * once per VM exit (and the run loop once for a signal), with the reason the
 * exit was classified as.
 */
void hv_stats_exit(struct hv_vcpu *vcpu, u32 reason)
{
	vcpu->stat_reason = reason;
	hv_stats_count(vcpu, reason);
}

/*
 * About to enter the guest at @now: the last exit's handling took until
 * now, of which the VMM had vmm_ns (hv_stats_vmm_return()), hv the rest.
 */
void hv_stats_entry(struct hv_vcpu *vcpu, u64 now)
{
	u32 r = vcpu->stat_reason;

	/* now or last_exit_ns 0: the VM's exits are not timed (HV_CAP_STATS), or were not. */
	if (r != HV_STAT_UNKNOWN && now && vcpu->last_exit_ns) {
		u64 total = now - vcpu->last_exit_ns;
		u64 kernel = total > vcpu->vmm_ns ? total - vcpu->vmm_ns : 0;
		u32 i = hv_stats_index(r);

		hv_stats_latency(vcpu, r, total);
		vcpu->stats.kernel_ns_total[i] += kernel;
		vcpu->stats.kernel_hist[i][hv_stats_bucket(kernel)]++;
	}
	vcpu->stat_reason = HV_STAT_UNKNOWN;
	vcpu->vmm_ns = 0;
}

/* HV_RUN returns to the VMM at @now (0: not timed): its time starts. */
void hv_stats_user_exit(struct hv_vcpu *vcpu, u64 now)
{
	vcpu->user_exit_ns = now;
}

/*
 * HV_RUN is called again at @now: the VMM's time for the exit it was
 * given ends.  Counted once per round trip (an MMIO read-modify-write's
 * exit makes two), under the exit's reason.
 */
void hv_stats_vmm_return(struct hv_vcpu *vcpu, u64 now)
{
	u32 i = hv_stats_index(vcpu->stat_reason);
	u64 vmm;

	if (!vcpu->user_exit_ns || !now) {
		vcpu->user_exit_ns = 0;
		return;
	}
	vmm = now - vcpu->user_exit_ns;
	vcpu->user_exit_ns = 0;
	if (vcpu->stat_reason == HV_STAT_UNKNOWN)
		return;		/* no exit behind it: immediate_exit, a failed HV_RUN */
	vcpu->vmm_ns += vmm;
	vcpu->stats.vmm_ns_total[i] += vmm;
	vcpu->stats.vmm_hist[i][hv_stats_bucket(vmm)]++;
}

void hv_stats_fill(struct hv_vcpu *vcpu, struct hv_stats *st)
{
	BUILD_BUG_ON(sizeof(st->exits) != sizeof(vcpu->stats.exits));
	BUILD_BUG_ON(sizeof(st->latency_hist) != sizeof(vcpu->stats.latency_hist));

	st->nr_reasons = HV_STATS_NR_REASONS;
	st->nr_buckets = HV_STATS_NR_BUCKETS;
	memcpy(st->exits, vcpu->stats.exits, sizeof(st->exits));
	memcpy(st->latency_ns_total, vcpu->stats.latency_ns_total,
	       sizeof(st->latency_ns_total));
	memcpy(st->latency_hist, vcpu->stats.latency_hist, sizeof(st->latency_hist));
}
