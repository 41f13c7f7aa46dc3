// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's memory cases: virtio-balloon (hv-run --balloon), KSM
 * (hv-run --mem-merge) and overcommit (two guests in a memory cgroup that
 * swaps) with the testbed's Linux guest (guest-init.sh's hvguest=balloon,
 * hvguest=ksm and hvguest=overcommit).  Each talks with the guest in steps
 * through struct run's watch hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../hv/lib/host_probe.h"
#include "vmm_test.h"

#define BALLOON_FILE		"/tmp/hv-balloon-target"
#define BALLOON_MIB		64
#define BALLOON_KB		(BALLOON_MIB * 1024ll)
#define BALLOON_PAGES		(BALLOON_MIB * 256)

/* A field "KEY: N kB" of /proc/PID/status (pid 0: /proc/meminfo's @key), or -1. */
static long long proc_kb(int pid, const char *key)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	else
		snprintf(path, sizeof(path), "/proc/meminfo");
	return proc_field(path, key, ':');
}

/* Writes (creating) a control file of hv-run's or a sysfs/cgroup file. */
static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/*
 * The line of hv-run's output that starts with @prefix, once it is whole
 * (its newline arrived: the watch hook may see a line cut in two), or NULL.
 */
static const char *whole_line(const struct run *r, const char *prefix)
{
	const char *l = find(r->out, r->out_len, prefix);

	return l && memchr(l, '\n', (size_t)(r->out + r->out_len - l)) ? l : NULL;
}

/* ---- virtio-balloon ---- */

struct balloon_state {
	int step;		/* 0 waiting for "ready", 1 for "inflated", 2 for "deflated", 3 done */
	long long rss_ready, rss_inflated, rss_deflated;	/* hv-run's VmRSS, kB */
	double inflate_secs;	/* from the target to the RSS fall (or the give-up) */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_target(int pid, const char *size)
{
	if (!write_file(BALLOON_FILE, size))
		ktap_print_msg("writing %s: %s\n", BALLOON_FILE, strerror(errno));
	kill(pid, SIGUSR2);
}

/*
 * The guest says "ready" (it touched most of its RAM and freed it again):
 * RSS before, then a 64 MiB target.  "inflated" (its MemFree fell): RSS
 * once it fell by 3/4 of the target (up to 20 s: the last inflate buffer
 * may still be on its way), the statistics, then target 0.  "deflated":
 * RSS after.
 */
static void balloon_watch(struct run *r, int pid, int in_fd)
{
	struct balloon_state *st = r->watch_arg;

	(void)in_fd;
	if (st->step == 0 && find(r->out, r->out_len, "hv-guest: balloon ready")) {
		st->rss_ready = proc_kb(pid, "VmRSS");
		st->inflate_secs = now_s();
		set_target(pid, "64M");
		st->step = 1;
	} else if (st->step == 1 && find(r->out, r->out_len, "hv-guest: balloon inflated")) {
		double until = now_s() + 20;

		do {
			st->rss_inflated = proc_kb(pid, "VmRSS");
			if (st->rss_inflated <= st->rss_ready - BALLOON_KB * 3 / 4)
				break;
			sleep_s(0.2);
		} while (now_s() < until);
		st->inflate_secs = now_s() - st->inflate_secs;
		/* The same target again: hv-run prints the balloon and the guest's statistics. */
		set_target(pid, "64M");
		sleep_s(2);
		set_target(pid, "0");
		st->step = 2;
	} else if (st->step == 2 && find(r->out, r->out_len, "hv-guest: balloon deflated")) {
		st->rss_deflated = proc_kb(pid, "VmRSS");
		st->step = 3;
	}
}

/* "hv-guest: balloon @what MemFree N kB MemTotal M kB": N and M, false if missing. */
static bool guest_mem_line(const struct run *r, const char *what, long long *free_kb,
			   long long *total_kb)
{
	char key[64];
	const char *l;

	snprintf(key, sizeof(key), "hv-guest: balloon %s MemFree ", what);
	l = find(r->out, r->out_len, key);
	return l && sscanf(l + strlen(key), "%lld kB MemTotal %lld", free_kb, total_kb) == 2;
}

/*
 * A 256 MiB guest with --balloon: the guest touches most of its free memory
 * and frees it (so that the pages the balloon takes are ones hv-run holds);
 * a target of 64 MiB must take 90% of that from its MemTotal and 75% from
 * hv-run's RSS (pages given back with MADV_DONTNEED); target 0 gives the
 * guest its memory back.  hv-run's balloon line (SIGUSR2) must report the
 * whole balloon and the guest's statistics.
 */
static enum verdict balloon_inflate_deflate_once(const struct env *e, const char **skip_why,
						 bool *defect)
{
	struct balloon_state st = { 0 };
	long long f0 = 0, t0 = 0, f1 = 0, t1 = 0, f2 = 0, t2 = 0;
	enum verdict v = PASS;
	const char *l;
	char actual[64];
	int best = -1;
	struct run *r;

	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	unlink(BALLOON_FILE);
	r = linux_run_new(e, 400, LINUX_CMDLINE " hvguest=balloon hvguest_balloon=64");
	arg(r, "--balloon");
	arg(r, BALLOON_FILE);
	r->watch = balloon_watch;
	r->watch_arg = &st;
	if (!run_expect(r, 0)) {
		*defect = emulator_defect(r);
		v = FAIL;
		goto out;
	}
	show_lines("guest", r->out, r->out_len);
	show_lines("stderr", r->err, r->err_len);
	if (!guest_mem_line(r, "ready", &f0, &t0) || !guest_mem_line(r, "inflated", &f1, &t1) ||
	    !guest_mem_line(r, "deflated", &f2, &t2) || st.step != 3) {
		ktap_print_msg("the guest did not report its memory before, inflated and deflated\n");
		v = FAIL;
		goto out;
	}
	ktap_print_msg("guest MemFree %lld -> %lld -> %lld kB, MemTotal %lld -> %lld -> %lld kB\n",
		       f0, f1, f2, t0, t1, t2);
	ktap_print_msg("hv-run VmRSS %lld -> %lld -> %lld kB (inflated in %.1f s)\n", st.rss_ready,
		       st.rss_inflated, st.rss_deflated, st.inflate_secs);
	/*
	 * MemTotal, not MemFree: the balloon takes its pages out of the
	 * guest's managed count, exactly, while MemFree also moves with the
	 * pages on per-CPU lists (once 10 MB of the balloon came from there).
	 */
	if (t0 - t1 < BALLOON_KB * 9 / 10) {
		ktap_print_msg("the guest's MemTotal fell by %lld kB, not by the 64 MiB target\n", t0 - t1);
		v = FAIL;
	}
	if (st.rss_ready < 0 || st.rss_ready - st.rss_inflated < BALLOON_KB * 3 / 4) {
		ktap_print_msg("hv-run's RSS fell by %lld kB, not by 3/4 of the 64 MiB balloon\n",
			       st.rss_ready - st.rss_inflated);
		v = FAIL;
	}
	if (t2 < t0 - BALLOON_KB / 10) {
		ktap_print_msg("the deflated balloon gave the guest %lld kB back, not 64 MiB\n", t2 - t1);
		v = FAIL;
	}
	/*
	 * The balloon line of the second SIGUSR2: the whole target, and at
	 * least the 90% the guest's MemFree showed (the last inflate buffers
	 * may still be on their way: the debug kernel took 110 s for 64 MiB).
	 */
	snprintf(actual, sizeof(actual), "target %d pages, actual ", BALLOON_PAGES);
	/* The first such line is the first SIGUSR2's (actual 0): the largest counts. */
	for (l = r->err; (l = strstr(l, actual)); l++)
		if (atoi(l + strlen(actual)) > best)
			best = atoi(l + strlen(actual));
	if (best < BALLOON_PAGES * 9 / 10 || !find(r->err, r->err_len, " free=")) {
		ktap_print_msg("no line \"virtio-balloon: %s>= %d, ...\" with the guest's statistics (free=): best %d\n",
			       actual, BALLOON_PAGES * 9 / 10, best);
		v = FAIL;
	}
out:
	unlink(BALLOON_FILE);
	free(r);
	return v;
}

/* ---- free page reporting ---- */

struct report_state {
	int step;		/* 0 waiting for "filled", 1 for "freed", 2 done */
	long long rss_filled, rss_freed;	/* hv-run's VmRSS, kB */
	long long fill_kb;	/* what the guest filled and freed */
	double secs;		/* from "freed" to the RSS fall (or the give-up) */
};

/*
 * "filled": RSS, then a line to the guest, which frees its file.  "freed":
 * RSS until it fell by half of what the guest freed (up to 40 s: Linux
 * reports a free block 2 s after it became free, in batches), the balloon
 * line (SIGUSR2, with no target file: the target stays 0), a line to the
 * guest, which powers off.
 */
static void report_watch(struct run *r, int pid, int in_fd)
{
	struct report_state *st = r->watch_arg;
	const char *l;

	if (st->step == 0 && (l = whole_line(r, "hv-guest: report filled "))) {
		st->fill_kb = atoll(l + strlen("hv-guest: report filled ")) * 1024;
		st->rss_filled = proc_kb(pid, "VmRSS");
		if (write(in_fd, "go\n", 3) < 0)
			ktap_print_msg("writing hv-run's stdin: %s\n", strerror(errno));
		st->step = 1;
	} else if (st->step == 1 && find(r->out, r->out_len, "hv-guest: report freed")) {
		double t0 = now_s();

		do {
			st->rss_freed = proc_kb(pid, "VmRSS");
			if (st->rss_freed <= st->rss_filled - st->fill_kb / 2)
				break;
			sleep_s(0.5);
		} while (now_s() - t0 < 40);
		st->secs = now_s() - t0;
		kill(pid, SIGUSR2);
		sleep_s(2);
		if (write(in_fd, "done\n", 5) < 0)
			ktap_print_msg("writing hv-run's stdin: %s\n", strerror(errno));
		st->step = 2;
	}
}

/*
 * A 256 MiB guest with --balloon FILE,report fills its free memory but
 * 48 MiB and frees it: hv-run's RSS must fall by half of that (the free
 * blocks the guest reported, given back with MADV_DONTNEED), and the
 * balloon line must count reported pages.  No target is ever set.
 */
static enum verdict free_page_reporting_once(const struct env *e, const char **skip_why,
					     bool *defect)
{
	struct report_state st = { 0 };
	enum verdict v = PASS;
	const char *l;
	struct run *r;
	unsigned long long reported = 0;

	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	unlink(BALLOON_FILE);
	r = linux_run_new(e, 400, LINUX_CMDLINE " hvguest=report");
	arg(r, "--balloon");
	arg(r, BALLOON_FILE ",report");
	r->watch = report_watch;
	r->watch_arg = &st;
	if (!run_expect(r, 0)) {
		*defect = emulator_defect(r);
		v = FAIL;
		goto out;
	}
	show_lines("guest", r->out, r->out_len);
	show_lines("stderr", r->err, r->err_len);
	if (st.step != 2 || st.fill_kb <= 0) {
		ktap_print_msg("the guest did not say \"report filled N MiB\" and \"report freed\"\n");
		v = FAIL;
		goto out;
	}
	l = find(r->err, r->err_len, ", reported ");
	if (l)
		reported = strtoull(l + strlen(", reported "), NULL, 10);
	ktap_print_msg("guest filled and freed %lld kB; hv-run VmRSS %lld -> %lld kB in %.1f s; %llu pages reported\n",
		       st.fill_kb, st.rss_filled, st.rss_freed, st.secs, reported);
	if (st.rss_filled < 0 || st.rss_filled - st.rss_freed < st.fill_kb / 2) {
		ktap_print_msg("hv-run's RSS fell by %lld kB, not by half of the %lld kB the guest freed\n",
			       st.rss_filled - st.rss_freed, st.fill_kb);
		v = FAIL;
	}
	if (reported * 4 < (unsigned long long)st.fill_kb / 2) {
		ktap_print_msg("the balloon line counts %llu reported pages, not half of the freed memory\n",
			       reported);
		v = FAIL;
	}
out:
	free(r);
	return v;
}

/* ---- KSM ---- */

#define KSM_DIR			"/sys/kernel/mm/ksm/"
#define KSM_MEM			"128M"	/* less boot time than 192M (6.1: 98 s with 192M) */
#define KSM_B_LOG		"/tmp/hv-ksm-b.out"
#define KSM_WAIT_S		60
/*
 * What each guest writes (hvguest_fill, guest-init.sh): all of it, in a
 * tmpfs of its own, must fit beside the boot in KSM_MEM of a KASAN kernel
 * (48 MiB did not: the debug guests panicked, deadlocked on memory).
 */
#define KSM_FILL_MIB		32
#define KSM_MIN_SHARING		4096	/* pages: 16 MiB of the 2 x 32 MiB the guests wrote alike */

/* The size of the file a KSM guest says it wrote ("ksm ready BYTES ..."), or -1. */
static long long ksm_fill_bytes(const char *out, size_t len)
{
	const char *l = find(out, len, "hv-guest: ksm ready ");
	long long bytes;

	if (!l || sscanf(l, "hv-guest: ksm ready %lld", &bytes) != 1)
		return -1;
	return bytes;
}

static long long ksm_read(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoll(buf);
}

struct ksm_state {
	int b_pid, b_in;	/* guest B's hv-run and its stdin */
	bool b_ready_seen, done;
	long long sharing, shared, scans;
	long long unshared, rss_a;	/* at the end: KSM's unshared pages, guest A's hv-run VmRSS */
	char ksm_stat[256];		/* guest A's /proc/PID/ksm_stat: what KSM scanned of it */
	double secs;
};

static bool file_has(const char *path, const char *needle)
{
	static char buf[OUT_MAX];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

/*
 * Whether the second guest's hv-run still runs.  WNOWAIT leaves its status
 * to the case's own waitpid().  A guest that died will never print the line
 * a wait is for: waiting out the full time would only push the binary past
 * its timeout (a dead guest B once cost this case 876 s).
 */
static bool guest_b_alive(int pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && !si.si_pid;
}

/*
 * Up to @secs for the log of guest B (hv-run @pid) to have @line; false if
 * B died first or time ran out.
 */
static bool guest_b_wait_line(int pid, const char *log, const char *line, double secs)
{
	double t0 = now_s();

	while (!file_has(log, line)) {
		if (!guest_b_alive(pid) || now_s() - t0 >= secs)
			return false;
		sleep_s(0.5);
	}
	return true;
}

/* /proc/@pid/ksm_stat on one line ("ksm_rmap_items N ksm_merging_pages M ..."). */
static void read_text_line(int pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	buf[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = i == n - 1 ? 0 : ' ';
}

/*
 * Both guests wrote their files ("ksm ready"): watch pages_sharing for up
 * to KSM_WAIT_S (it only grows while ksmd scans), keep the highest, then
 * tell both guests to power off (a line on their consoles).
 */
static void ksm_watch(struct run *r, int pid, int in_fd)
{
	struct ksm_state *st = r->watch_arg;
	double t0, full0;

	if (st->done || !find(r->out, r->out_len, "hv-guest: ksm ready"))
		return;
	guest_b_wait_line(st->b_pid, KSM_B_LOG, "hv-guest: ksm ready", 120);
	/*
	 * ksmd starts only now, on guests that are up and have written their
	 * files: the pages it merges are ones hv has mapped, which is the
	 * point.  Started before the boots, at this pace, its invalidations
	 * (two per merge, each an IPI to the vCPU) came through the guests'
	 * whole boot, and two boots died under it of a CPU state no x86 CPU
	 * holds (docs/testing.md, "Nested guests that died").
	 */
	if (!write_file(KSM_DIR "run", "1"))
		ktap_print_msg("cannot start ksmd: %s\n", strerror(errno));
	full0 = (double)ksm_read("full_scans");
	t0 = now_s();
	while (now_s() - t0 < KSM_WAIT_S) {
		long long s = ksm_read("pages_sharing");

		if (s > st->sharing) {
			st->sharing = s;
			st->shared = ksm_read("pages_shared");
			st->secs = now_s() - t0;
		}
		/* Two full scans after both guests wrote: what can merge has merged. */
		if (ksm_read("full_scans") >= full0 + 2 && st->sharing >= KSM_MIN_SHARING)
			break;
		sleep_s(1);
	}
	st->scans = ksm_read("full_scans") - (long long)full0;
	st->unshared = ksm_read("pages_unshared");
	st->rss_a = proc_kb(pid, "VmRSS");
	read_text_line(pid, st->ksm_stat, sizeof(st->ksm_stat));
	if (write(in_fd, "done\n", 5) < 0 || write(st->b_in, "done\n", 5) < 0)
		ktap_print_msg("telling the guests to power off: %s\n", strerror(errno));
	st->done = true;
}

/* Guest B: hv-run with A's arguments in the background, output to @log; its pid, *in_fd stdin. */
static int start_guest_b_log(const struct run *a, int *in_fd, const char *log)
{
	int in[2], out;
	pid_t pid;

	out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 || pipe2(in, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(out, 2);
		execv(a->argv[0], (char *const *)a->argv);
		_exit(127);
	}
	close(in[0]);
	close(out);
	*in_fd = in[1];
	return pid;
}

/* The second guest's console log (start_guest_b_log()) into @buf, NUL-terminated. */
static void read_guest_b_log(const char *log, char *buf, size_t size)
{
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Two identical guests with --mem-merge, each writing the same 32 MiB
 * (busybox repeated) into a tmpfs, all of it in both: with ksmd scanning
 * fast, pages_sharing must reach KSM_MIN_SHARING.  With hv's long-term pins KSM could merge no
 * page hv had mapped (measured: pages_sharing 0); the MMU notifier lifted
 * that.
 */
static enum verdict ksm_two_guests_once(const struct env *e, const char **skip_why, bool *defect)
{
	struct ksm_state st = { .b_pid = -1, .b_in = -1 };
	static char b_out[OUT_MAX];
	long long a_bytes, b_bytes;
	char cmdline[256];
	long long run0 = ksm_read("run"), scan0 = ksm_read("pages_to_scan");
	long long sleep0 = ksm_read("sleep_millisecs");
	char old[32];
	enum verdict v = PASS;
	struct run *r;
	int ws = 0;
	double t0;

	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	if (run0 < 0) {
		*skip_why = "no KSM in this host kernel (" KSM_DIR ")";
		return ktap_in_testbed() ? FAIL : SKIP;
	}
	/* ksmd at full pace, but stopped until both guests are ready (ksm_watch()). */
	if (!write_file(KSM_DIR "pages_to_scan", "4000") || !write_file(KSM_DIR "sleep_millisecs", "10") ||
	    !write_file(KSM_DIR "run", "0")) {
		ktap_print_msg("cannot set ksmd up: %s\n", strerror(errno));
		r = NULL;
		v = FAIL;
		goto out;
	}
	snprintf(cmdline, sizeof(cmdline), LINUX_CMDLINE " hvguest=ksm hvguest_fill=%d", KSM_FILL_MIB);
	r = linux_run_mem(e, 400, cmdline, KSM_MEM);
	arg(r, "--mem-merge");
	st.b_pid = start_guest_b_log(r, &st.b_in, KSM_B_LOG);
	if (st.b_pid < 0) {
		ktap_print_msg("starting the second guest: %s\n", strerror(errno));
		v = FAIL;
		goto out;
	}
	r->watch = ksm_watch;
	r->watch_arg = &st;
	if (!run_expect(r, 0))
		v = FAIL;
	/* B got its line with A's: up to 60 s more for it to power off. */
	for (t0 = now_s(); now_s() - t0 < 60; sleep_s(0.5))
		if (waitpid(st.b_pid, &ws, WNOHANG) == st.b_pid)
			break;
	if (now_s() - t0 >= 60) {
		kill(-st.b_pid, SIGKILL);
		waitpid(st.b_pid, &ws, 0);
		ktap_print_msg("the second guest did not power off\n");
		v = FAIL;
	} else if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
		ktap_print_msg("the second guest's hv-run ended with wait status %#x\n", ws);
		v = FAIL;
	}
	close(st.b_in);
	/* Guest A's transcript is printed with its run on a failure; B's is only in its log. */
	read_guest_b_log(KSM_B_LOG, b_out, sizeof(b_out));
	a_bytes = ksm_fill_bytes(r->out, r->out_len);
	b_bytes = ksm_fill_bytes(b_out, strlen(b_out));
	ktap_print_msg("KSM: the guests wrote %lld and %lld bytes alike; pages_sharing up to %lld (%lld MiB saved), pages_shared %lld, after %.0f s, %lld full scans\n",
		       a_bytes, b_bytes, st.sharing, st.sharing / 256, st.shared, st.secs, st.scans);
	ktap_print_msg("KSM: pages_unshared %lld at the end; guest A's hv-run VmRSS %lld kB, ksm_stat: %s\n",
		       st.unshared, st.rss_a, st.ksm_stat[0] ? st.ksm_stat : "(none)");
	if (!st.done) {
		ktap_print_msg("the guests never said \"ksm ready\"\n");
		v = FAIL;
	} else if (a_bytes != KSM_FILL_MIB << 20 || b_bytes != KSM_FILL_MIB << 20) {
		ktap_print_msg("the guests did not both write their %d MiB\n", KSM_FILL_MIB);
		v = FAIL;
	} else if (st.sharing < KSM_MIN_SHARING) {
		ktap_print_msg("pages_sharing stayed below %d: the guests' identical pages were not merged\n",
			       KSM_MIN_SHARING);
		v = FAIL;
	}
	if (v == FAIL) {
		show_lines("guest B", b_out, strlen(b_out));
		*defect = emulator_defect(r) ||
			  emulator_defect_text(b_out, strlen(b_out), b_out, strlen(b_out));
	}
out:
	write_file(KSM_DIR "run", run0 == 1 ? "1" : "2");	/* 2: unmerge what was merged */
	/* ksmd's pace as it was (other tests, and the host's own use of KSM). */
	snprintf(old, sizeof(old), "%lld", scan0);
	write_file(KSM_DIR "pages_to_scan", old);
	snprintf(old, sizeof(old), "%lld", sleep0);
	write_file(KSM_DIR "sleep_millisecs", old);
	unlink(KSM_B_LOG);
	free(r);
	return v;
}

/* ---- overcommit: two guests in a memory cgroup smaller than both, swapping ---- */

#define OC_CG_ROOT		"/sys/fs/cgroup"
#define OC_CG			OC_CG_ROOT "/hv-overcommit"
#define OC_MEM			"192M"		/* each guest's RAM */
#define OC_FILL_MIB		64		/* what each guest writes into its page cache */
#define OC_MAX_MIB		160		/* the cgroup's memory.max: the two guests' "host" */
#define OC_TARGET_MIB		48		/* the balloon target set for each guest */
#define OC_B_LOG		"/tmp/hv-overcommit-b.out"

/* A number in a file (cgroup or /proc/vmstat-like "KEY N" with @key), -1 if absent. */
static long long file_ll(const char *path, const char *key)
{
	char line[256];
	size_t klen = key ? strlen(key) : 0;
	long long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!key) {
			v = atoll(line);
			break;
		}
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			v = atoll(line + klen + 1);
			break;
		}
	}
	if (f)
		fclose(f);
	return v;
}

/* What the cgroup holds: in RAM (memory.current) and in swap (memory.swap.current), kB. */
static long long oc_footprint_kb(long long *ram_kb, long long *swap_kb)
{
	*ram_kb = file_ll(OC_CG "/memory.current", NULL) / 1024;
	*swap_kb = file_ll(OC_CG "/memory.swap.current", NULL) / 1024;
	return *ram_kb + *swap_kb;
}

struct oc_state {
	int step;		/* 0 waiting for "filled", 1 for "freed", 2 done */
	int b_pid, b_in;
	long long pswpout0;
	/* at "filled" (both guests): the cgroup's RAM and swap, kB; pages swapped out since */
	long long ram_filled, swap_filled, pswpout;
	/* at "freed" and after the balloon target: the cgroup's RAM + swap; guest A's VmRSS */
	long long fp_freed, fp_ballooned, rss_freed, rss_ballooned;
	double fill_secs, balloon_secs;
	double t0;
};

/* Both guests' lines to the host: A's console and B's (stdin pipe). */
static void oc_tell(const struct oc_state *st, int a_in, const char *line)
{
	if (write(a_in, line, strlen(line)) < 0 || write(st->b_in, line, strlen(line)) < 0)
		ktap_print_msg("writing to the guests' consoles: %s\n", strerror(errno));
}

static void oc_watch(struct run *r, int pid, int in_fd)
{
	struct oc_state *st = r->watch_arg;
	double t0;

	if (st->step == 0 && whole_line(r, "hv-guest: overcommit filled ")) {
		/* Both guests are children by now: vmm_test itself leaves the cgroup. */
		write_file(OC_CG_ROOT "/cgroup.procs", "0");
		guest_b_wait_line(st->b_pid, OC_B_LOG, "hv-guest: overcommit filled ", 300);
		st->fill_secs = now_s() - st->t0;
		oc_footprint_kb(&st->ram_filled, &st->swap_filled);
		/* -1: no vm event counters (the debug kernel); memory.swap.current still counts. */
		st->pswpout = st->pswpout0 < 0 ? -1 :
			      file_ll("/proc/vmstat", "pswpout") - st->pswpout0;
		oc_tell(st, in_fd, "check\n");
		st->step = 1;
	} else if (st->step == 1 && find(r->out, r->out_len, "hv-guest: overcommit freed")) {
		long long ram, swap, want;
		char target[32];
		bool b_freed;

		b_freed = guest_b_wait_line(st->b_pid, OC_B_LOG, "hv-guest: overcommit freed", 300);
		sleep_s(1);
		st->fp_freed = oc_footprint_kb(&ram, &swap);
		st->rss_freed = proc_kb(pid, "VmRSS");
		/* The balloon takes memory back: half of both targets must leave the cgroup. */
		snprintf(target, sizeof(target), "%dM", OC_TARGET_MIB);
		write_file(BALLOON_FILE, target);
		kill(pid, SIGUSR2);
		kill(st->b_pid, SIGUSR2);
		want = st->fp_freed - OC_TARGET_MIB * 1024ll;
		/* Without guest B's balloon the target is out of reach: one reading. */
		for (t0 = now_s(); now_s() - t0 < 240; sleep_s(0.5)) {
			st->fp_ballooned = oc_footprint_kb(&ram, &swap);
			if (st->fp_ballooned <= want || !b_freed || !guest_b_alive(st->b_pid))
				break;
		}
		st->balloon_secs = now_s() - t0;
		st->rss_ballooned = proc_kb(pid, "VmRSS");
		oc_tell(st, in_fd, "done\n");
		st->step = 2;
	}
}

/*
 * Two 192 MiB guests with --balloon in a memory cgroup whose memory.max
 * (160 MiB) is less than what they touch: each writes 64 MiB into its page
 * cache (on top of what its boot touched: about 85 MiB of hv-run's memory
 * a guest on 6.12), so the host must swap (zram) to keep both going.  Both must
 * complete with their data intact (the CRC-32 of the file when written and
 * when read back after the host swapped it out), the cgroup must have used
 * swap (memory.swap.current, pswpout), and a balloon target of 48 MiB for
 * each guest, once they freed their files, must take at least 48 MiB out of
 * the cgroup (RAM + swap).  With hv pinning guest pages nothing could be
 * swapped out and the cgroup would OOM-kill a guest.
 */
static enum verdict overcommit_once(const struct env *e, const char **skip_why, bool *defect)
{
	struct oc_state st = { .b_in = -1, .b_pid = -1 };
	const char *dev = getenv("HV_SWAP_DEV"), *la, *lb;
	static char b_out[OUT_MAX];
	char cmdline[160], buf[32];
	bool swap_on = false, cg_made = false;
	unsigned long long a_len = 0, a_crc = 0, b_len = 0, b_crc = 0, x_len, x_crc;
	long long oom = -1;
	enum verdict v = PASS;
	int ws = 0;
	struct run *r = NULL;
	double t0;

	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	/* cgroup v2 with the memory controller (mounted here if the host has not). */
	if (access(OC_CG_ROOT "/cgroup.controllers", F_OK))
		mount("none", OC_CG_ROOT, "cgroup2", 0, NULL);
	if (!file_has(OC_CG_ROOT "/cgroup.controllers", "memory")) {
		*skip_why = "no memory cgroup (cgroup v2, CONFIG_MEMCG) on this host";
		return ktap_in_testbed() ? FAIL : SKIP;
	}
	if (!file_has("/proc/swaps", "/")) {
		if (!dev || !*dev) {
			*skip_why = "no swap on this host and no HV_SWAP_DEV to turn on";
			return ktap_in_testbed() ? FAIL : SKIP;
		}
		if (swapon(dev, 0)) {
			ktap_print_msg("swapon %s: %s\n", dev, strerror(errno));
			return FAIL;
		}
		swap_on = true;
	}
	write_file(OC_CG_ROOT "/cgroup.subtree_control", "+memory");
	rmdir(OC_CG);
	if (mkdir(OC_CG, 0755)) {
		ktap_print_msg("mkdir %s: %s\n", OC_CG, strerror(errno));
		v = FAIL;
		goto out;
	}
	cg_made = true;
	snprintf(buf, sizeof(buf), "%d", OC_MAX_MIB << 20);
	if (!write_file(OC_CG "/memory.max", buf)) {
		ktap_print_msg("writing %s/memory.max: %s\n", OC_CG, strerror(errno));
		v = FAIL;
		goto out;
	}
	/* vmm_test joins the cgroup until both guests are started (its children inherit it). */
	if (!write_file(OC_CG "/cgroup.procs", "0")) {
		ktap_print_msg("joining %s: %s\n", OC_CG, strerror(errno));
		v = FAIL;
		goto out;
	}
	unlink(BALLOON_FILE);
	snprintf(cmdline, sizeof(cmdline), LINUX_CMDLINE " hvguest=overcommit hvguest_fill=%d",
		 OC_FILL_MIB);
	r = linux_run_mem(e, 900, cmdline, OC_MEM);
	arg(r, "--balloon");
	arg(r, BALLOON_FILE);
	st.pswpout0 = file_ll("/proc/vmstat", "pswpout");
	st.t0 = now_s();
	st.b_pid = start_guest_b_log(r, &st.b_in, OC_B_LOG);
	if (st.b_pid < 0) {
		write_file(OC_CG_ROOT "/cgroup.procs", "0");
		ktap_print_msg("starting the second guest: %s\n", strerror(errno));
		v = FAIL;
		goto out;
	}
	r->watch = oc_watch;
	r->watch_arg = &st;
	if (!run_expect(r, 0))
		v = FAIL;
	write_file(OC_CG_ROOT "/cgroup.procs", "0");	/* if A never said "filled" */
	for (t0 = now_s(); now_s() - t0 < 60; sleep_s(0.5))
		if (waitpid(st.b_pid, &ws, WNOHANG) == st.b_pid)
			break;
	if (now_s() - t0 >= 60) {
		kill(-st.b_pid, SIGKILL);
		waitpid(st.b_pid, &ws, 0);
		ktap_print_msg("the second guest did not power off\n");
		v = FAIL;
	} else if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
		ktap_print_msg("the second guest's hv-run ended with wait status %#x\n", ws);
		v = FAIL;
	}
	close(st.b_in);
	oom = file_ll(OC_CG "/memory.events", "oom_kill");
	read_guest_b_log(OC_B_LOG, b_out, sizeof(b_out));
	*defect = emulator_defect(r) || emulator_defect_text(b_out, strlen(b_out), b_out, strlen(b_out));

	la = find(r->out, r->out_len, "hv-guest: overcommit filled ");
	lb = strstr(b_out, "hv-guest: overcommit filled ");
	if (la)
		sscanf(la, "hv-guest: overcommit filled %llu crc %llx", &a_len, &a_crc);
	if (lb)
		sscanf(lb, "hv-guest: overcommit filled %llu crc %llx", &b_len, &b_crc);
	ktap_print_msg("guests filled %llu and %llu bytes (crc %llx, %llx) in %.0f s; cgroup memory.max %d MiB: RAM %lld kB, swap %lld kB, %lld pages swapped out (pswpout), oom_kill %lld\n",
		       a_len, b_len, a_crc, b_crc, st.fill_secs, OC_MAX_MIB, st.ram_filled,
		       st.swap_filled, st.pswpout, oom);
	ktap_print_msg("freed: cgroup RAM + swap %lld kB, guest A's VmRSS %lld kB; %d MiB balloon targets: %lld kB, VmRSS %lld kB, after %.1f s\n",
		       st.fp_freed, st.rss_freed, OC_TARGET_MIB, st.fp_ballooned, st.rss_ballooned,
		       st.balloon_secs);
	if (st.step != 2) {
		show_lines("guest A", r->out, r->out_len);
		show_lines("guest B", b_out, strlen(b_out));
		ktap_print_msg("the guests did not both say \"overcommit filled\" and \"overcommit freed\" (step %d)\n",
			       st.step);
		v = FAIL;
		goto out;
	}
	if (a_len != OC_FILL_MIB << 20 || b_len != OC_FILL_MIB << 20 || a_crc != b_crc) {
		ktap_print_msg("the guests' files: %llu and %llu bytes, crc %llx and %llx\n", a_len,
			       b_len, a_crc, b_crc);
		v = FAIL;
	}
	/* Read back after the host swapped it out: the same bytes. */
	la = find(r->out, r->out_len, "hv-guest: overcommit reread ");
	if (!la || sscanf(la, "hv-guest: overcommit reread %llu crc %llx", &x_len, &x_crc) != 2 ||
	    x_len != a_len || x_crc != a_crc) {
		ktap_print_msg("guest A read back other data than it wrote\n");
		v = FAIL;
	}
	lb = strstr(b_out, "hv-guest: overcommit reread ");
	if (!lb || sscanf(lb, "hv-guest: overcommit reread %llu crc %llx", &x_len, &x_crc) != 2 ||
	    x_len != b_len || x_crc != b_crc) {
		ktap_print_msg("guest B read back other data than it wrote\n");
		v = FAIL;
	}
	if (st.swap_filled < OC_FILL_MIB * 1024ll / 2 ||
	    (st.pswpout >= 0 && st.pswpout < OC_FILL_MIB * 256ll / 2)) {
		ktap_print_msg("the host swapped less than %d MiB of the guests' memory out\n",
			       OC_FILL_MIB / 2);
		v = FAIL;
	}
	if (st.fp_freed - st.fp_ballooned < OC_TARGET_MIB * 1024ll) {
		ktap_print_msg("the balloons took %lld kB out of the cgroup, not %d MiB (half of both targets)\n",
			       st.fp_freed - st.fp_ballooned, OC_TARGET_MIB);
		v = FAIL;
	}
	if (oom > 0) {
		ktap_print_msg("the cgroup OOM-killed %lld processes\n", oom);
		v = FAIL;
	}
	/* Both transcripts for a failure the steps did not show them for (a guest that died). */
	if (v == FAIL) {
		show_lines("guest A", r->out, r->out_len);
		show_lines("guest B", b_out, strlen(b_out));
	}
out:
	if (cg_made && rmdir(OC_CG))
		ktap_print_msg("rmdir %s: %s\n", OC_CG, strerror(errno));
	if (swap_on && swapoff(dev))
		ktap_print_msg("swapoff %s: %s\n", dev, strerror(errno));
	unlink(BALLOON_FILE);
	unlink(OC_B_LOG);
	free(r);
	return v;
}

/*
 * A memory case: its one try says, through @defect, whether it failed
 * because a guest died with the emulator's signature (emulator_defect(),
 * checked in the first guest's run and in the second guest's log, where a
 * case has one).
 */
struct mem_case {
	enum verdict (*once)(const struct env *e, const char **skip_why, bool *defect);
};

const struct mem_case mem_balloon_inflate_deflate = { balloon_inflate_deflate_once };
const struct mem_case mem_balloon_free_page_reporting = { free_page_reporting_once };
const struct mem_case mem_ksm_two_guests = { ksm_two_guests_once };
const struct mem_case mem_overcommit = { overcommit_once };

/*
 * Run memory case @arg (a struct mem_case), and again (up to
 * LINUX_DEFECT_RETRIES times) when it failed for the emulator's defect,
 * saying so; any other failure stands.
 */
enum verdict memory_case(const struct env *e, const void *arg, const char **skip_why)
{
	const struct mem_case *c = arg;
	enum verdict v;
	int tries = 0;
	bool defect;

	for (;;) {
		defect = false;
		v = c->once(e, skip_why, &defect);
		if (v != FAIL || !defect || tries++ >= LINUX_DEFECT_RETRIES)
			return v;
		ktap_print_msg(EMULATOR_DEFECT_MSG ": the case once more\n");
	}
}
