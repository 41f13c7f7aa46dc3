// SPDX-License-Identifier: GPL-2.0
/*
 * stats_fd_test: HV_GET_STATS_FD, a vCPU's statistics as a self-describing
 * binary file (uapi/linux/hv.h, docs/abi.md "Binary statistics").
 *
 *   counts_and_split   a guest doing exactly CPUIDS CPUIDs (answered in the
 *                      kernel) and OUTS OUTs to a port (to userspace, which
 *                      sleeps VMM_SLEEP_MS before each HV_RUN): exits.cpuid
 *                      and exits.io count them; the kernel_ns histograms sum
 *                      to the exits re-entered after; vmm_ns.io holds one
 *                      round trip per OUT, each at least the sleep, and no
 *                      other reason has VMM time; the counters equal
 *                      HV_GET_STATS's
 *   format_rules       the header, id and descriptors are consistent (offsets
 *                      inside the file, no overlap, names unique and
 *                      terminated, known types, histograms of
 *                      HV_STATS_NR_BUCKETS), pread() of the data is a fresh
 *                      snapshot, reads past the end return 0, the file is
 *                      read-only, a non-zero argument is refused, and it
 *                      outlives the vCPU and VM fds
 *   untimed            HV_ENABLE_CAP(HV_CAP_STATS, 0): exits are counted and
 *                      not timed; 1 times them again; 2 is refused
 *   debugfs_summary    two vCPUs each doing CPUIDS CPUIDs and OUTS OUTs: the
 *                      VM's directory /sys/kernel/debug/hv/<pid>-<id> (debugfs
 *                      mounted if it is not) is this process's only one, its
 *                      `stats` sums them over the vCPUs (cpuid 2*CPUIDS with
 *                      hv times and no VMM times, io 2*(OUTS+1) with both),
 *                      one line per vCPU with this thread's tid and its exits;
 *                      the directory goes with the VM, and a reader that kept
 *                      `stats` open gets EIO, not the freed VM (the debug
 *                      kernel's KASAN watches that)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define CPUIDS		20
#define OUTS		5
#define TEST_PORT	0x80
#define VMM_SLEEP_MS	3

struct stats_file {
	int fd;
	struct hv_stats_header h;
	struct hv_stats_desc *d;
	uint64_t *data;
};

static void stats_open(struct stats_file *s, struct vcpu *vcpu)
{
	size_t n;

	s->fd = ioctl(vcpu->fd, HV_GET_STATS_FD, 0);
	TEST_ASSERT(s->fd >= 0, "HV_GET_STATS_FD: %s", strerror(errno));
	TEST_ASSERT(pread(s->fd, &s->h, sizeof(s->h), 0) == sizeof(s->h), "read the header");
	TEST_ASSERT(s->h.magic == HV_STATS_MAGIC && s->h.version == HV_STATS_VERSION,
		    "magic %#x version %u", s->h.magic, s->h.version);
	TEST_ASSERT(s->h.desc_size >= sizeof(struct hv_stats_desc) && s->h.num_desc > 0 &&
		    s->h.num_desc < 4096, "%u descriptors of %u bytes", s->h.num_desc, s->h.desc_size);
	n = (size_t)s->h.num_desc * s->h.desc_size;
	s->d = malloc(n);
	s->data = malloc(s->h.data_size);
	TEST_ASSERT(s->d && s->data, "malloc");
	TEST_ASSERT(pread(s->fd, s->d, n, s->h.desc_offset) == (ssize_t)n, "read the descriptors");
}

static void stats_read(struct stats_file *s)
{
	TEST_ASSERT(pread(s->fd, s->data, s->h.data_size, s->h.data_offset) ==
		    (ssize_t)s->h.data_size, "read the data: %s", strerror(errno));
}

static void stats_close(struct stats_file *s)
{
	close(s->fd);
	free(s->d);
	free(s->data);
}

static const struct hv_stats_desc *desc_at(const struct stats_file *s, unsigned int i)
{
	return (const void *)((const char *)s->d + (size_t)i * s->h.desc_size);
}

/* The values of the descriptor called @name; NULL if there is none. */
static const uint64_t *stat(const struct stats_file *s, const char *name, uint32_t *count)
{
	unsigned int i;

	for (i = 0; i < s->h.num_desc; i++) {
		const struct hv_stats_desc *d = desc_at(s, i);

		if (!strncmp(d->name, name, sizeof(d->name))) {
			if (count)
				*count = d->count;
			return s->data + d->offset / 8;
		}
	}
	return NULL;
}

static uint64_t counter(const struct stats_file *s, const char *name)
{
	const uint64_t *v = stat(s, name, NULL);

	TEST_ASSERT(v, "no '%s' in the stats file", name);
	return *v;
}

static uint64_t hist_sum(const struct stats_file *s, const char *name)
{
	uint32_t n, i;
	const uint64_t *v = stat(s, name, &n);
	uint64_t sum = 0;

	TEST_ASSERT(v, "no '%s' in the stats file", name);
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* ---- the counts, and hv's time against the VMM's ------------------------------------ */

static void guest_cpuid_then_out(void)
{
	uint32_t a, b, c, d;
	int i;

	for (i = 0; i < CPUIDS; i++)
		cpuid_count(0, 0, &a, &b, &c, &d);
	for (i = 0; i < OUTS; i++)
		outb(TEST_PORT, i);
	GUEST_DONE();
}

static void test_counts_and_split(void)
{
	struct timespec sleep = { 0, VMM_SLEEP_MS * 1000 * 1000 };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_then_out);
	uint64_t floor_bucket = 0, slow = 0;
	const uint64_t *vmm_io;
	struct stats_file s;
	struct hv_stats st;
	unsigned int i;
	uint32_t n;

	stats_open(&s, vcpu);
	for (i = 0; i < OUTS; i++) {
		vcpu_run(vcpu);
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		TEST_ASSERT(vcpu->run->io.port == TEST_PORT, "OUT to %#x", vcpu->run->io.port);
		nanosleep(&sleep, NULL);
	}
	vcpu_expect_done(vcpu);
	stats_read(&s);
	vcpu_get_stats(vcpu, &st);

	TEST_ASSERT(counter(&s, "exits.cpuid") == CPUIDS, "exits.cpuid %llu, the guest did %u",
		    (unsigned long long)counter(&s, "exits.cpuid"), CPUIDS);
	/* The OUTs and the guest's DONE (a ucall: an OUT too). */
	TEST_ASSERT(counter(&s, "exits.io") == OUTS + 1, "exits.io %llu, the guest did %u",
		    (unsigned long long)counter(&s, "exits.io"), OUTS + 1);
	TEST_ASSERT(hist_sum(&s, "kernel_ns.cpuid") == CPUIDS, "kernel_ns.cpuid holds %llu exits",
		    (unsigned long long)hist_sum(&s, "kernel_ns.cpuid"));
	/* The DONE's exit was not re-entered: neither its kernel time nor its VMM time is known. */
	TEST_ASSERT(hist_sum(&s, "kernel_ns.io") == OUTS, "kernel_ns.io holds %llu exits, not %u",
		    (unsigned long long)hist_sum(&s, "kernel_ns.io"), OUTS);
	TEST_ASSERT(hist_sum(&s, "vmm_ns.io") == OUTS, "vmm_ns.io holds %llu round trips, not %u",
		    (unsigned long long)hist_sum(&s, "vmm_ns.io"), OUTS);
	TEST_ASSERT(!stat(&s, "vmm_ns.cpuid", NULL), "CPUID, never a userspace exit, has vmm_ns");
	for (i = 0; i < s.h.num_desc; i++) {
		const struct hv_stats_desc *d = desc_at(&s, i);

		if (!strncmp(d->name, "vmm_ns.", 7) && strcmp(d->name, "vmm_ns.io"))
			TEST_ASSERT(hist_sum(&s, d->name) == 0, "%s holds %llu round trips", d->name,
				    (unsigned long long)hist_sum(&s, d->name));
	}
	/* Each round trip slept VMM_SLEEP_MS: bucket i holds [2^i, 2^(i+1)) ns. */
	while ((2ULL << floor_bucket) <= VMM_SLEEP_MS * 1000000ULL)
		floor_bucket++;
	vmm_io = stat(&s, "vmm_ns.io", &n);
	for (i = floor_bucket; i < n; i++)
		slow += vmm_io[i];
	TEST_ASSERT(slow == OUTS, "%llu of %u VMM round trips at or above bucket %llu (%u ms)",
		    (unsigned long long)slow, OUTS, (unsigned long long)floor_bucket, VMM_SLEEP_MS);
	TEST_ASSERT(counter(&s, "vmm_ns_sum.io") >= OUTS * VMM_SLEEP_MS * 1000000ULL,
		    "vmm_ns_sum.io %llu ns for %u sleeps of %u ms",
		    (unsigned long long)counter(&s, "vmm_ns_sum.io"), OUTS, VMM_SLEEP_MS);
	ktap_print_msg("per OUT: hv %llu ns, the VMM %llu ns; per CPUID: hv %llu ns\n",
		       (unsigned long long)(counter(&s, "kernel_ns_sum.io") / OUTS),
		       (unsigned long long)(counter(&s, "vmm_ns_sum.io") / OUTS),
		       (unsigned long long)(counter(&s, "kernel_ns_sum.cpuid") / CPUIDS));
	/* The counters are HV_GET_STATS's. */
	TEST_ASSERT(st.exits[HV_STAT_CPUID] == CPUIDS && st.exits[HV_STAT_IO] == OUTS + 1,
		    "HV_GET_STATS: %llu CPUID, %llu IO", (unsigned long long)st.exits[HV_STAT_CPUID],
		    (unsigned long long)st.exits[HV_STAT_IO]);
	TEST_ASSERT(counter(&s, "exits.npf") == st.exits[HV_STAT_NPF], "exits.npf %llu, HV_GET_STATS %llu",
		    (unsigned long long)counter(&s, "exits.npf"),
		    (unsigned long long)st.exits[HV_STAT_NPF]);
	stats_close(&s);
	vm_destroy(vm);
}

/* ---- the format ------------------------------------------------------------------- */

static void guest_sync_twice(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
	GUEST_DONE();
}

static void test_format_rules(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sync_twice);
	uint64_t end, used = 0, io_before;
	char id[64] = "", byte;
	struct stats_file s;
	unsigned int i, j;

	errno = 0;
	TEST_ASSERT(ioctl(vcpu->fd, HV_GET_STATS_FD, 1) == -1 && errno == EINVAL,
		    "HV_GET_STATS_FD with argument 1: %s", strerror(errno));
	TEST_ASSERT(hv_check_cap(HV_CAP_STATS_FD) == HV_STATS_VERSION, "HV_CAP_STATS_FD %ld",
		    hv_check_cap(HV_CAP_STATS_FD));
	stats_open(&s, vcpu);
	TEST_ASSERT(s.h.flags == 0, "header flags %#x", s.h.flags);
	for (i = 0; i < 6; i++)
		TEST_ASSERT(!s.h.reserved[i], "header reserved[%u] = %#x", i, s.h.reserved[i]);
	TEST_ASSERT(s.h.id_offset >= sizeof(s.h) && s.h.id_size > 0 && s.h.id_size <= sizeof(id),
		    "id at %u, %u bytes", s.h.id_offset, s.h.id_size);
	TEST_ASSERT(pread(s.fd, id, s.h.id_size, s.h.id_offset) == s.h.id_size, "read the id");
	TEST_ASSERT(memchr(id, 0, s.h.id_size) && !strcmp(id, "hv-vcpu-0"), "id '%.*s'",
		    (int)s.h.id_size, id);
	TEST_ASSERT(s.h.desc_offset >= s.h.id_offset + s.h.id_size &&
		    s.h.data_offset >= s.h.desc_offset + s.h.num_desc * s.h.desc_size,
		    "the regions overlap: id %u+%u, descriptors %u+%u*%u, data %u", s.h.id_offset,
		    s.h.id_size, s.h.desc_offset, s.h.num_desc, s.h.desc_size, s.h.data_offset);
	for (i = 0; i < s.h.num_desc; i++) {
		const struct hv_stats_desc *d = desc_at(&s, i);

		TEST_ASSERT(memchr(d->name, 0, sizeof(d->name)) && d->name[0], "descriptor %u's name", i);
		TEST_ASSERT(d->type == HV_STATS_TYPE_COUNTER || d->type == HV_STATS_TYPE_LOG2_HIST,
			    "%s: type %u", d->name, d->type);
		TEST_ASSERT(d->unit <= HV_STATS_UNIT_NS, "%s: unit %u", d->name, d->unit);
		TEST_ASSERT(d->type != HV_STATS_TYPE_LOG2_HIST || d->count == HV_STATS_NR_BUCKETS,
			    "%s: a histogram of %u buckets", d->name, d->count);
		TEST_ASSERT(d->type != HV_STATS_TYPE_COUNTER || d->count == 1, "%s: %u counters",
			    d->name, d->count);
		TEST_ASSERT(d->offset % 8 == 0 && d->offset + 8ULL * d->count <= s.h.data_size,
			    "%s: values at %u+%u outside %u bytes", d->name, d->offset, d->count,
			    s.h.data_size);
		for (j = 0; j < i; j++) {
			const struct hv_stats_desc *e = desc_at(&s, j);

			TEST_ASSERT(strcmp(d->name, e->name), "two descriptors named %s", d->name);
			TEST_ASSERT(d->offset >= e->offset + 8 * e->count ||
				    e->offset >= d->offset + 8 * d->count, "%s and %s overlap",
				    d->name, e->name);
		}
		used += 8ULL * d->count;
	}
	TEST_ASSERT(used == s.h.data_size, "descriptors cover %llu of %u data bytes",
		    (unsigned long long)used, s.h.data_size);

	/* A fresh snapshot per read; nothing past the end; no writing. */
	vcpu_expect_sync(vcpu, 1);
	stats_read(&s);
	io_before = counter(&s, "exits.io");
	vcpu_expect_sync(vcpu, 2);
	stats_read(&s);
	TEST_ASSERT(counter(&s, "exits.io") == io_before + 1, "exits.io %llu after %llu and a ucall",
		    (unsigned long long)counter(&s, "exits.io"), (unsigned long long)io_before);
	end = (uint64_t)s.h.data_offset + s.h.data_size;
	TEST_ASSERT(pread(s.fd, &byte, 1, end) == 0, "a read at the end returned data");
	TEST_ASSERT(pread(s.fd, &byte, 1, end - 1) == 1, "the last byte cannot be read");
	errno = 0;
	TEST_ASSERT(write(s.fd, "x", 1) == -1 && errno == EBADF, "write: %s", strerror(errno));

	/* The file keeps the VM: it reads the same after every other fd is gone. */
	vcpu_expect_done(vcpu);
	stats_read(&s);
	io_before = counter(&s, "exits.io");
	vm_destroy(vm);
	stats_read(&s);
	TEST_ASSERT(counter(&s, "exits.io") == io_before, "exits.io %llu after the VM's fds closed, was %llu",
		    (unsigned long long)counter(&s, "exits.io"), (unsigned long long)io_before);
	stats_close(&s);
}

/* ---- timing off: HV_ENABLE_CAP(HV_CAP_STATS, 0) ------------------------------------ */

static void test_untimed(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_then_out);
	struct stats_file s;
	unsigned int i;

	errno = 0;
	TEST_ASSERT(__vm_enable_cap(vm, HV_CAP_STATS, 0, 2) == -1 && errno == EINVAL,
		    "HV_CAP_STATS with args[0] 2: %s", strerror(errno));
	TEST_ASSERT(__vm_enable_cap(vm, HV_CAP_STATS, 0, 0) == 0, "HV_CAP_STATS 0: %s",
		    strerror(errno));
	stats_open(&s, vcpu);
	for (i = 0; i < OUTS - 1; i++) {
		vcpu_run(vcpu);
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
	}
	stats_read(&s);
	TEST_ASSERT(counter(&s, "exits.cpuid") == CPUIDS && counter(&s, "exits.io") == OUTS - 1,
		    "untimed: %llu CPUID and %llu IO exits counted",
		    (unsigned long long)counter(&s, "exits.cpuid"),
		    (unsigned long long)counter(&s, "exits.io"));
	TEST_ASSERT(!hist_sum(&s, "kernel_ns.cpuid") && !hist_sum(&s, "vmm_ns.io") &&
		    !counter(&s, "kernel_ns_sum.cpuid"), "untimed, yet times were recorded");
	/* Timed again: the last OUT's exit and round trip are measured. */
	TEST_ASSERT(__vm_enable_cap(vm, HV_CAP_STATS, 0, 1) == 0, "HV_CAP_STATS 1: %s",
		    strerror(errno));
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	vcpu_expect_done(vcpu);
	stats_read(&s);
	TEST_ASSERT(hist_sum(&s, "kernel_ns.io") == 1 && hist_sum(&s, "vmm_ns.io") == 1,
		    "timed again: kernel_ns.io %llu, vmm_ns.io %llu, want 1 each",
		    (unsigned long long)hist_sum(&s, "kernel_ns.io"),
		    (unsigned long long)hist_sum(&s, "vmm_ns.io"));
	stats_close(&s);
	vm_destroy(vm);
}

/* ---- the debugfs summary ------------------------------------------------------------ */

#define DEBUGFS		"/sys/kernel/debug"

/* This process's VM directory under DEBUGFS/hv (there must be exactly one) into @dir. */
static void debugfs_vm_dir(char *dir, size_t size)
{
	char prefix[32];
	struct dirent *e;
	unsigned int found = 0;
	DIR *d;

	if (access(DEBUGFS "/hv", F_OK) &&
	    mount("debugfs", DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY) {
		if (ktap_in_testbed())
			TEST_FAIL("cannot mount debugfs at %s: %s", DEBUGFS, strerror(errno));
		TEST_SKIP("no debugfs at %s (%s)", DEBUGFS, strerror(errno));
	}
	d = opendir(DEBUGFS "/hv");
	if (!d && !ktap_in_testbed())
		TEST_SKIP("no %s/hv: debugfs disabled? (%s)", DEBUGFS, strerror(errno));
	TEST_ASSERT(d, "opendir %s/hv: %s (hv.ko makes it at load)", DEBUGFS, strerror(errno));
	snprintf(prefix, sizeof(prefix), "%d-", (int)getpid());
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(dir, size, "%s/hv/%.64s", DEBUGFS, e->d_name);
		found++;
	}
	closedir(d);
	TEST_ASSERT(found == 1, "%u directories %s* in %s/hv, want this process's one VM", found,
		    prefix, DEBUGFS);
}

/* The `stats` line of @reason: its exits, and whether it has hv and VMM times. */
static uint64_t summary_line(const char *text, const char *reason, bool *hv, bool *vmm)
{
	char key[40], f[7][24];
	unsigned long long exits;
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", reason);
	p = strstr(text, key);
	TEST_ASSERT(p, "no line for %s in the debugfs summary:\n%s", reason, text);
	TEST_ASSERT(sscanf(p + strlen(key), "%llu %23s %23s %23s %23s %23s %23s", &exits, f[0], f[1],
			   f[2], f[3], f[4], f[5]) == 7, "the %s line: %.100s", reason, p + 1);
	*hv = strcmp(f[0], "-") && strcmp(f[1], "-") && strcmp(f[2], "-");
	*vmm = strcmp(f[3], "-") && strcmp(f[4], "-") && strcmp(f[5], "-");
	return exits;
}

static void test_debugfs_summary(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpus[2] = { vm_vcpu_add(vm, 0, guest_cpuid_then_out),
				  vm_vcpu_add(vm, 1, guest_cpuid_then_out) };
	char dir[256], path[320], text[8192], line[64], byte;
	unsigned long long vexits;
	unsigned int i, j;
	bool hv, vmm;
	ssize_t n;
	int fd, tid = (int)syscall(SYS_gettid), vtid;
	const char *p, *vcpu_lines;

	for (j = 0; j < 2; j++) {
		for (i = 0; i < OUTS; i++) {
			vcpu_run(vcpus[j]);
			vcpu_assert_exit(vcpus[j], HV_EXIT_IO);
		}
		vcpu_expect_done(vcpus[j]);
	}
	debugfs_vm_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/stats", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, text, sizeof(text) - 1);
	TEST_ASSERT(n > 0, "read %s: %s", path, strerror(errno));
	text[n] = '\0';
	ktap_print_msg("%s:\n%s", path, text);

	TEST_ASSERT(!strncmp(text, "2 vCPUs\n", 8), "the summary does not start with '2 vCPUs'");
	TEST_ASSERT(summary_line(text, "cpuid", &hv, &vmm) == 2 * CPUIDS,
		    "cpuid: %llu exits, the guests did %u",
		    (unsigned long long)summary_line(text, "cpuid", &hv, &vmm), 2 * CPUIDS);
	TEST_ASSERT(hv && !vmm, "cpuid: hv times %d (want them), VMM times %d (want none)", hv, vmm);
	/* Each vCPU's OUTs and its DONE's ucall (an OUT as well). */
	TEST_ASSERT(summary_line(text, "io", &hv, &vmm) == 2 * (OUTS + 1),
		    "io: %llu exits, the guests did %u",
		    (unsigned long long)summary_line(text, "io", &hv, &vmm), 2 * (OUTS + 1));
	TEST_ASSERT(hv && vmm, "io: hv times %d, VMM times %d, want both", hv, vmm);
	vcpu_lines = strstr(text, "\nvcpu ");
	TEST_ASSERT(vcpu_lines, "no per-vCPU table in the summary");
	for (j = 0; j < 2; j++) {
		snprintf(line, sizeof(line), "\n%u ", j);
		p = strstr(vcpu_lines, line);
		TEST_ASSERT(p && sscanf(p + 1, "%*u %d %llu", &vtid, &vexits) == 2,
			    "no line for vCPU %u", j);
		TEST_ASSERT(vtid == tid, "vCPU %u ran in thread %d, the summary says %d", j, tid, vtid);
		TEST_ASSERT(vexits >= CPUIDS + OUTS + 1, "vCPU %u: %llu exits, fewer than the guest's %u",
			    j, vexits, CPUIDS + OUTS + 1);
	}

	/* The directory goes with the VM; the open file then reads EIO, never the freed VM. */
	vm_destroy(vm);
	errno = 0;
	TEST_ASSERT(access(dir, F_OK) == -1 && errno == ENOENT, "%s after the VM is gone: %s", dir,
		    strerror(errno));
	errno = 0;
	TEST_ASSERT(pread(fd, &byte, 1, 0) == -1 && errno == EIO,
		    "reading the kept stats file after the VM is gone: %s", strerror(errno));
	close(fd);
}

int main(void)
{
	const struct hv_test tests[] = {
		{ "counts_and_split", test_counts_and_split, 60 },
		{ "format_rules", test_format_rules, 60 },
		{ "untimed", test_untimed, 60 },
		{ "debugfs_summary", test_debugfs_summary, 60 },
	};
	hv_test_main(tests, ARRAY_SIZE(tests));
}
