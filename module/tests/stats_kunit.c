// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the exit statistics (module/hv_stats.c): the log2 latency
 * buckets at every power-of-two edge, reasons outside the table, and the
 * copy-out for HV_GET_STATS.
 */
#include "../hv_stats.c"

#include <kunit/test.h>
#include <linux/limits.h>

static struct hv_vcpu *stats_vcpu(struct kunit *test)
{
	/* Only vcpu->stats is touched; zeroed like a new vCPU's. */
	return kunit_kzalloc(test, sizeof(struct hv_vcpu), GFP_KERNEL);
}

static u64 stats_sum(const u64 *v, unsigned int n)
{
	u64 s = 0;

	while (n--)
		s += *v++;
	return s;
}

static void stats_bucket_edges(struct kunit *test)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hv_stats_bucket(0), 0u);
	KUNIT_EXPECT_EQ(test, hv_stats_bucket(1), 0u);
	/* Bucket i is [2^i, 2^(i+1)): check both edges of every bucket but the last. */
	for (i = 1; i < HV_STATS_NR_BUCKETS - 1; i++) {
		KUNIT_EXPECT_EQ_MSG(test, hv_stats_bucket(1ull << i), i, "2^%u", i);
		KUNIT_EXPECT_EQ_MSG(test, hv_stats_bucket((1ull << i) - 1), i - 1, "2^%u - 1", i);
		KUNIT_EXPECT_EQ_MSG(test, hv_stats_bucket((2ull << i) - 1), i, "2^%u - 1", i + 1);
	}
}

static void stats_bucket_saturates(struct kunit *test)
{
	const unsigned int last = HV_STATS_NR_BUCKETS - 1;

	/* The last bucket is open-ended: everything from 2^last on, up to U64_MAX. */
	KUNIT_EXPECT_EQ(test, hv_stats_bucket((1ull << last) - 1), last - 1);
	KUNIT_EXPECT_EQ(test, hv_stats_bucket(1ull << last), last);
	KUNIT_EXPECT_EQ(test, hv_stats_bucket(1ull << (last + 1)), last);
	KUNIT_EXPECT_EQ(test, hv_stats_bucket(1ull << 63), last);
	KUNIT_EXPECT_EQ(test, hv_stats_bucket(U64_MAX), last);
}

static void stats_count_reasons(struct kunit *test)
{
	struct hv_vcpu *vcpu = stats_vcpu(test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	hv_stats_count(vcpu, HV_STAT_HLT);
	hv_stats_count(vcpu, HV_STAT_HLT);
	hv_stats_count(vcpu, HV_STAT_IO);
	hv_stats_count(vcpu, HV_STATS_NR_REASONS - 1);
	KUNIT_EXPECT_EQ(test, vcpu->stats.exits[HV_STAT_HLT], 2ull);
	KUNIT_EXPECT_EQ(test, vcpu->stats.exits[HV_STAT_IO], 1ull);
	KUNIT_EXPECT_EQ(test, vcpu->stats.exits[HV_STATS_NR_REASONS - 1], 1ull);
	KUNIT_EXPECT_EQ(test, stats_sum(vcpu->stats.exits, HV_STATS_NR_REASONS), 4ull);
}

static void stats_count_out_of_range(struct kunit *test)
{
	struct hv_vcpu *vcpu = stats_vcpu(test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	/* A reason past the table (a vendor bug, or a new reason) is "other", not a stray write. */
	hv_stats_count(vcpu, HV_STATS_NR_REASONS);
	hv_stats_count(vcpu, U32_MAX);
	hv_stats_latency(vcpu, HV_STATS_NR_REASONS + 5, 100);
	KUNIT_EXPECT_EQ(test, vcpu->stats.exits[HV_STAT_OTHER], 2ull);
	KUNIT_EXPECT_EQ(test, stats_sum(vcpu->stats.exits, HV_STATS_NR_REASONS), 2ull);
	KUNIT_EXPECT_EQ(test, vcpu->stats.latency_ns_total[HV_STAT_OTHER], 100ull);
	KUNIT_EXPECT_EQ(test, vcpu->stats.latency_hist[HV_STAT_OTHER][6], 1ull);
}

static void stats_latency_histogram(struct kunit *test)
{
	struct hv_vcpu *vcpu = stats_vcpu(test);
	const u64 *hist;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	hist = vcpu->stats.latency_hist[HV_STAT_MMIO];
	hv_stats_latency(vcpu, HV_STAT_MMIO, 0);
	hv_stats_latency(vcpu, HV_STAT_MMIO, 1023);
	hv_stats_latency(vcpu, HV_STAT_MMIO, 1024);
	hv_stats_latency(vcpu, HV_STAT_MMIO, U64_MAX);
	KUNIT_EXPECT_EQ(test, hist[0], 1ull);
	KUNIT_EXPECT_EQ(test, hist[9], 1ull);
	KUNIT_EXPECT_EQ(test, hist[10], 1ull);
	KUNIT_EXPECT_EQ(test, hist[HV_STATS_NR_BUCKETS - 1], 1ull);
	KUNIT_EXPECT_EQ(test, stats_sum(hist, HV_STATS_NR_BUCKETS), 4ull);
	/* The total is a plain u64 sum: it wraps (1023 + 1024 + U64_MAX). */
	KUNIT_EXPECT_EQ(test, vcpu->stats.latency_ns_total[HV_STAT_MMIO], 2046ull);
	/* Latency does not count exits; hv_stats_count() does. */
	KUNIT_EXPECT_EQ(test, vcpu->stats.exits[HV_STAT_MMIO], 0ull);
	KUNIT_EXPECT_EQ(test, stats_sum(vcpu->stats.latency_hist[HV_STAT_HLT],
					HV_STATS_NR_BUCKETS), 0ull);
}

static void stats_fill_copies(struct kunit *test)
{
	struct hv_vcpu *vcpu = stats_vcpu(test);
	struct hv_stats *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, st);
	hv_stats_count(vcpu, HV_STAT_CPUID);
	hv_stats_latency(vcpu, HV_STAT_CPUID, 5000);
	hv_stats_count(vcpu, HV_STAT_OTHER);
	hv_stats_latency(vcpu, HV_STAT_OTHER, 1ull << 40);
	st->flags = 0xabcd;
	hv_stats_fill(vcpu, st);
	KUNIT_EXPECT_EQ(test, st->nr_reasons, (u32)HV_STATS_NR_REASONS);
	KUNIT_EXPECT_EQ(test, st->nr_buckets, (u32)HV_STATS_NR_BUCKETS);
	KUNIT_EXPECT_EQ(test, st->flags, 0xabcdu);
	KUNIT_EXPECT_EQ(test, st->exits[HV_STAT_CPUID], 1ull);
	KUNIT_EXPECT_EQ(test, st->exits[HV_STAT_OTHER], 1ull);
	KUNIT_EXPECT_EQ(test, st->latency_ns_total[HV_STAT_CPUID], 5000ull);
	KUNIT_EXPECT_EQ(test, st->latency_hist[HV_STAT_CPUID][12], 1ull);
	KUNIT_EXPECT_EQ(test, st->latency_hist[HV_STAT_OTHER][HV_STATS_NR_BUCKETS - 1], 1ull);
	KUNIT_EXPECT_EQ(test, memcmp(st->latency_hist, vcpu->stats.latency_hist,
				     sizeof(st->latency_hist)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(st->exits, vcpu->stats.exits, sizeof(st->exits)), 0);
}

static struct kunit_case hv_stats_test_cases[] = {
	KUNIT_CASE(stats_bucket_edges),
	KUNIT_CASE(stats_bucket_saturates),
	KUNIT_CASE(stats_count_reasons),
	KUNIT_CASE(stats_count_out_of_range),
	KUNIT_CASE(stats_latency_histogram),
	KUNIT_CASE(stats_fill_copies),
	{}
};

static struct kunit_suite hv_stats_test_suite = {
	.name = "hv_stats",
	.test_cases = hv_stats_test_cases,
};
kunit_test_suite(hv_stats_test_suite);
