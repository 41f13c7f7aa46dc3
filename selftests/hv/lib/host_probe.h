/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: what the host kernel says about memory, for the
 * memory tests (proc and sysfs counters, hv's debugfs summary of a VM's
 * nested page table).  None of these asserts: each returns -1 (or false)
 * where the file or the field is missing, and the test says what that
 * means.
 */
#ifndef HV_SELFTEST_HOST_PROBE_H
#define HV_SELFTEST_HOST_PROBE_H

#include <stdbool.h>
#include <stdint.h>

/* The number a sysfs or proc file starts with (-1: unreadable). */
long read_long(const char *path);
/* Write @v to a sysfs or proc file; false if any of it was refused. */
bool write_str(const char *path, const char *v);
bool write_long(const char *path, long v);
/*
 * The number after "KEY@sep" at the start of a line of @path: @sep ' ' for
 * /proc/vmstat, ':' for /proc/meminfo (whose values are in kB); -1: none.
 */
long long proc_field(const char *path, const char *key, char sep);

/*
 * hv's debugfs summary of the nested page table of this process's VM
 * (/sys/kernel/debug/hv/<pid>-<n>/stats; the newest, if the process has
 * several): its leaves by size, and the largest leaf the CPU takes (its
 * level: 1 for 4 KiB, 2 for 2 MiB, 3 for 1 GiB).  False if there is none.
 */
struct tdp_summary {
	long tables;
	long leaves[4];		/* by level, 1 to 3 */
	int max_leaf_level;
};

bool tdp_summary(struct tdp_summary *s);
/* tdp_summary()'s leaves at @level, -1 if there is no summary. */
long tdp_leaves(int level);

#endif /* HV_SELFTEST_HOST_PROBE_H */
