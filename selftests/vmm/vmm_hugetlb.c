// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's --mem-path cases: guest RAM from a file in a directory, on a
 * hugetlbfs mount for huge pages (hv-run's mem.c, mem_init_file()).
 *
 *   usage_mem_path_no_room      a tmpfs of 8 MiB made for the case: --mem 32M
 *                               there is refused with status 2 and one line
 *                               (a full file system would be a SIGBUS later)
 *   mem_path_hugetlb_pool_short the 2 MiB pool with 4 free pages for a 32 MiB
 *                               guest: status 2, one line naming the huge
 *                               pages, at start (the mapping reserves them)
 *   linux_mem_path_hugetlbfs    Linux boots with --mem 128M --mem-path on the
 *                               testbed's hugetlbfs mount (HUGETLBFS_DIR), the
 *                               pool raised by 64 pages for it; once its
 *                               /init runs, hv's debugfs summary of the VM
 *                               shows 2 MiB nested leaves, and at least as
 *                               many pool pages are in use (THP "always"
 *                               gives anonymous RAM 2 MiB leaves too: the
 *                               leaves alone prove nothing); the pool is free
 *                               again after hv-run ends (the file was
 *                               unlinked) and set back as it was
 *
 * The pool is /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; each
 * case restores it.  A pool that cannot grow (fragmented host memory) fails
 * the case in the testbed and skips it elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../hv/lib/host_probe.h"
#include "vmm_test.h"

#define HUGETLBFS_DIR	"/dev/hugepages"	/* selftests/testbed/init.sh mounts it */
#define HUGETLBFS_MAGIC_	0x958458f6
#define POOL		"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define POOL_FREE	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define SMALL_DIR	"/tmp/hv-small-tmpfs"
#define LINUX_HUGE_MEM	"128M"
#define LINUX_HUGE_PAGES	64	/* 128 MiB of 2 MiB pages */
#define INIT_MARKER	"hv-guest: init started"	/* as vmm_linux.c's */

/* Exactly one line on stderr naming @mention, nothing on stdout (as vmm_test.c's usage cases). */
static bool one_line_naming(const struct run *r, const char *mention)
{
	const char *nl = memchr(r->err, '\n', r->err_len);

	if (!nl || (size_t)(nl - r->err) + 1 != r->err_len || r->out_len) {
		show_run(r);
		ktap_print_msg("want exactly one line on stderr and nothing on stdout\n");
		return false;
	}
	if (!strcasestr(r->err, mention)) {
		show_run(r);
		ktap_print_msg("the error does not mention \"%s\"\n", mention);
		return false;
	}
	show_lines("stderr", r->err, r->err_len);
	return true;
}

/* A hugetlbfs mount at HUGETLBFS_DIR with 2 MiB pages, made if missing. */
static bool hugetlbfs_ready(const char **skip_why, enum verdict *v)
{
	struct statfs sf;

	mkdir(HUGETLBFS_DIR, 0755);
	if (statfs(HUGETLBFS_DIR, &sf) || (unsigned long)sf.f_type != HUGETLBFS_MAGIC_)
		mount("hugetlbfs", HUGETLBFS_DIR, "hugetlbfs", 0, "pagesize=2M");
	if (!statfs(HUGETLBFS_DIR, &sf) && (unsigned long)sf.f_type == HUGETLBFS_MAGIC_ &&
	    sf.f_bsize == 2 << 20 && read_long(POOL) >= 0)
		return true;
	ktap_print_msg("no hugetlbfs of 2 MiB pages at %s (or no %s)\n", HUGETLBFS_DIR, POOL);
	*skip_why = "no hugetlbfs of 2 MiB pages";
	*v = missing_file();
	return false;
}

/* The pool set so that @free pages are free (@old: as it was); false if the host cannot. */
static bool pool_free_pages(long free, long *old)
{
	long nr = read_long(POOL), now_free = read_long(POOL_FREE);

	*old = nr;
	if (nr < 0 || now_free < 0 || !write_long(POOL, nr - now_free + free))
		return false;
	return read_long(POOL_FREE) == free;
}

enum verdict usage_mem_path_no_room(const struct env *e, const void *unused, const char **skip_why)
{
	enum verdict v = PASS;
	char kernel[512];
	struct run *r;

	(void)unused;
	mkdir(SMALL_DIR, 0755);
	if (mount("tmpfs", SMALL_DIR, "tmpfs", 0, "size=8m")) {
		ktap_print_msg("mount of an 8 MiB tmpfs at %s: %s\n", SMALL_DIR, strerror(errno));
		*skip_why = "cannot mount a small tmpfs (not root?)";
		rmdir(SMALL_DIR);
		return ktap_in_testbed() ? FAIL : SKIP;
	}
	snprintf(kernel, sizeof(kernel), "%s/exit.elf", e->guests);
	r = run_new(e, 30);
	arg(r, "--mem");
	arg(r, "32M");
	arg(r, "--mem-path");
	arg(r, SMALL_DIR);
	arg(r, "--kernel");
	arg(r, kernel);
	if (!run_expect(r, 2) || !one_line_naming(r, SMALL_DIR))
		v = FAIL;
	free(r);
	umount(SMALL_DIR);
	rmdir(SMALL_DIR);
	return v;
}

enum verdict mem_path_hugetlb_pool_short(const struct env *e, const void *unused,
					 const char **skip_why)
{
	enum verdict v = PASS;
	char kernel[512];
	struct run *r;
	long old;

	(void)unused;
	if (!hugetlbfs_ready(skip_why, &v))
		return v;
	if (!pool_free_pages(4, &old)) {
		write_long(POOL, old);
		ktap_print_msg("cannot make 4 of the pool's 2 MiB pages the free ones\n");
		*skip_why = "the huge page pool cannot be set";
		return ktap_in_testbed() ? FAIL : SKIP;
	}
	snprintf(kernel, sizeof(kernel), "%s/exit.elf", e->guests);
	r = run_new(e, 30);
	arg(r, "--mem");
	arg(r, "32M");
	arg(r, "--mem-path");
	arg(r, HUGETLBFS_DIR);
	arg(r, "--kernel");
	arg(r, kernel);
	if (!run_expect(r, 2) || !one_line_naming(r, "huge pages"))
		v = FAIL;
	free(r);
	write_long(POOL, old);
	return v;
}

/* The pool's free pages while the guest ran (the probe's last line), or -1. */
static long free_during(const struct run *r)
{
	const char *line = strstr(r->probe_out, "hugetlb free ");
	long n;

	return line && sscanf(line, "hugetlb free %ld", &n) == 1 ? n : -1;
}

/* "N 2 MiB leaves" from hv's debugfs summary in the probe's output, or -1. */
static long large_leaves(const struct run *r)
{
	const char *line = strstr(r->probe_out, "nested page table: ");
	long tables, small, large;

	if (!line || sscanf(line, "nested page table: %ld table pages, %ld 4 KiB leaves, %ld 2 MiB leaves",
			    &tables, &small, &large) != 3)
		return -1;
	return large;
}

static struct run *huge_run(const struct env *e)
{
	struct run *r = linux_run_mem(e, 300, LINUX_CMDLINE, LINUX_HUGE_MEM);

	arg(r, "--mem-path");
	arg(r, HUGETLBFS_DIR);
	r->marker = INIT_MARKER;
	/* The VM's summary while it runs: its debugfs directory goes with it. */
	r->probe_on = INIT_MARKER;
	r->probe_argv[0] = "/bin/sh";
	r->probe_argv[1] = "-c";
	r->probe_argv[2] = "cat /sys/kernel/debug/hv/\"$0\"-*/stats; echo \"hugetlb free $(cat " POOL_FREE ")\"";
	r->probe_argv[3] = "@pid";
	return r;
}

enum verdict linux_mem_path_hugetlbfs(const struct env *e, const void *unused, const char **skip_why)
{
	enum verdict v = PASS;
	long old, large, free_run, free_after;
	struct run *r;
	bool ok;

	(void)unused;
	if (!linux_guest_ready(e, skip_why, &v) || !hugetlbfs_ready(skip_why, &v))
		return v;
	if (!pool_free_pages(LINUX_HUGE_PAGES, &old)) {
		ktap_print_msg("cannot get %d free 2 MiB pages (pool %ld, free %ld)\n",
			       LINUX_HUGE_PAGES, read_long(POOL), read_long(POOL_FREE));
		write_long(POOL, old);
		*skip_why = "the huge page pool cannot grow";
		return ktap_in_testbed() ? FAIL : SKIP;
	}
	r = linux_run_expect(huge_run, e, &ok);
	large = r ? large_leaves(r) : -1;
	free_run = r ? free_during(r) : -1;
	free_after = read_long(POOL_FREE);
	if (!ok) {
		v = FAIL;
	} else if (!find(r->out, r->out_len, "hv-guest: uname: Linux ") ||
		   !find(r->out, r->out_len, "hv-guest: poweroff")) {
		show_run(r);
		ktap_print_msg("the guest's /init did not print its uname and poweroff lines\n");
		v = FAIL;
	} else if (large < 8) {
		show_lines("debugfs", r->probe_out, strlen(r->probe_out));
		ktap_print_msg("%ld 2 MiB nested leaves once /init ran, want at least 8 "
			       "(a 128 MiB guest on 2 MiB hugetlb pages)\n", large);
		v = FAIL;
	} else if (free_run < 0 || free_run > LINUX_HUGE_PAGES - large) {
		/*
		 * Each 2 MiB leaf of hugetlb RAM is a pool page in use. Leaves
		 * alone prove nothing: with THP "always" (Debian 6.12) anonymous
		 * RAM gets as many.
		 */
		show_lines("probe", r->probe_out, strlen(r->probe_out));
		ktap_print_msg("%ld of the pool's %d pages free while %ld 2 MiB leaves were mapped: "
			       "the guest's RAM is not on the hugetlbfs pages\n", free_run,
			       LINUX_HUGE_PAGES, large);
		v = FAIL;
	} else if (free_after != LINUX_HUGE_PAGES) {
		ktap_print_msg("%ld of the pool's %d pages free after hv-run ended (its file was "
			       "to be unlinked at once)\n", free_after, LINUX_HUGE_PAGES);
		v = FAIL;
	} else {
		ktap_print_msg("booted on hugetlbfs: %ld 2 MiB nested leaves and %ld of %d pool pages in use once /init ran; /init at %.2f s, exit at %.2f s\n",
			       large, LINUX_HUGE_PAGES - free_run, LINUX_HUGE_PAGES, r->marker_secs,
			       r->secs);
	}
	free(r);
	write_long(POOL, old);
	return v;
}
