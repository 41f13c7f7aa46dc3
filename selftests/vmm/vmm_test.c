// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test: hv-run end to end, one KTAP document.  Each case runs hv-run as
 * a child with its stdin, stdout (the guest's COM1) and stderr on pipes,
 * then checks the exit status and what the guest printed (the Linux guest
 * cases are in vmm_linux.c):
 *   - bad command lines: status 2 and exactly one line on stderr;
 *   - the multiboot test kernels of guests/ (devices, exit statuses);
 *   - linux_boot: the testbed's own vmlinuz with a busybox initramfs;
 *   - virtio_blk_rng: the same guest with two virtio-blk disks (one read-only)
 *     and virtio-rng, checked from inside (guest-init.sh) and on the disk files,
 *     on the 8259-only platform (--no-lapic: PCI INTx through the PIC);
 *   - linux_smp_2, linux_smp_4: the same guest with --cpus 2 and 4 (hv's local
 *     APICs, the I/O APIC, the MADT): every CPU online, ticking and running
 *     work, the TSC still the clocksource; linux_smp_2 also does the virtio
 *     checks, there with PCI INTx through the I/O APIC (level, EOI exits);
 *   - virtio_net_tap (vmm_net.c): the guest on a tap in a network namespace
 *     of the test's own: ping, 16 MiB each way over TCP, CRCs compared;
 *   - virtio_hostile_rings, virtio_hostile_rings_net (vmm_hostile.c): a test
 *     kernel posts malformed rings to virtio-blk, -rng and -console, and to
 *     virtio-net on a tap; one NEEDS_RESET line each, and every device works
 *     again after a reset.
 *
 * Environment (defaults are the testbed's initramfs layout):
 *   HV_RUN           hv-run binary                  (/bin/hv-run)
 *   HV_VMM_GUESTS    directory of the test kernels  (/guests)
 *   HV_VMM_KERNEL    Linux kernel for linux_boot    (/vmlinuz)
 *   HV_VMM_INITRD    its initramfs                  (/guest.gz)
 *   HV_VMM_LINUX     0: skip linux_boot (the testbed chose not to boot Linux in this run: see
 *                    HV_VMM_LINUX_SERIES in check.sh)
 *   HV_VMM_PIT_MIN   lowest acceptable PIT rate, percent of nominal (50)
 *   HV_VMM_NO_DEV_CHECK=1  run the guest cases without /dev/hv: only for checking
 *                    this harness against a stand-in for hv-run on the build machine
 *
 * Test kernels print "ok <name>" / "not ok <name>: <why>" lines (guests/rt.h);
 * they are echoed here as KTAP diagnostics.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm_test.h"

KTAP_DEFINE_STATE;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void arg(struct run *r, const char *a)
{
	if (r->argc < MAX_ARGS - 1)
		r->argv[r->argc++] = a;
	r->argv[r->argc] = NULL;
}

struct run *run_new(const struct env *e, unsigned int timeout_s)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r) {
		perror("calloc");
		exit(KSFT_FAIL);
	}
	r->timeout_s = timeout_s;
	arg(r, e->hv_run);
	return r;
}

/* Append what @fd has to @buf; false at EOF or error. */
static bool drain(int fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + n >= OUT_MAX)
		n = OUT_MAX - 1 - *len;
	memcpy(buf + *len, tmp, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

/*
 * Serial output carries NUL bytes now and then (e.g. a line discipline's
 * fill); searching must not stop at them.
 */
const char *find(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle));
}

/*
 * Run r->probe_argv while hv-run (@pid) runs, "@pid" replaced by its pid:
 * output into r->probe_out, at most PROBE_TIMEOUT_S.  hv-run's output waits
 * in its pipes meanwhile (a guest writing much may stall for that long).
 */
#define PROBE_TIMEOUT_S	30

static void run_probe(struct run *r, pid_t pid)
{
	char pidstr[16], *argv[8];
	int pipefd[2], ws, i;
	size_t len = 0;
	double end;
	pid_t child;

	r->probe_status = -1;
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	for (i = 0; i < 7 && r->probe_argv[i]; i++)
		argv[i] = !strcmp(r->probe_argv[i], "@pid") ? pidstr : (char *)r->probe_argv[i];
	argv[i] = NULL;
	if (pipe2(pipefd, O_CLOEXEC))
		return;
	child = fork();
	if (child == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	end = now() + PROBE_TIMEOUT_S;
	while (child > 0 && now() < end) {
		struct pollfd p = { pipefd[0], POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = read(pipefd[0], r->probe_out + len, sizeof(r->probe_out) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	r->probe_out[len] = '\0';
	close(pipefd[0]);
	if (child > 0) {
		kill(child, SIGKILL);
		if (waitpid(child, &ws, 0) == child && WIFEXITED(ws))
			r->probe_status = WEXITSTATUS(ws);
	}
}

static int run_exec(struct run *r)
{
	int in[2], out[2], err[2];
	bool out_open = true, err_open = true, input_sent = !r->input, killed = false;
	bool kill_armed = false, probed = false;
	double t0, deadline;
	pid_t pid;
	int ws;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	r->marker_secs = -1;
	r->wall_start = time(NULL);
	t0 = now();
	deadline = t0 + r->timeout_s;
	pid = fork();
	if (pid < 0)
		return -errno;
	setpgid(pid, 0);		/* also here: no race with an early kill */
	if (pid == 0) {
		/* Its own process group: a timeout kills hv-run and anything it started. */
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(r->argv[0], (char *const *)r->argv);
		dprintf(2, "exec %s: %s\n", r->argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? out[0] : -1, POLLIN, 0 },
				       { err_open ? err[0] : -1, POLLIN, 0 } };
		double left = deadline - now(), kill_left = r->kill_after_s + t0 - now();

		if (left <= 0 && !r->timed_out) {
			/*
			 * SIGTERM first: hv-run then reports where each vCPU
			 * was (what a hang needs); SIGKILL if that takes long.
			 */
			r->timed_out = true;
			kill(pid, SIGTERM);
			deadline = now() + TERM_GRACE_S;
			continue;
		}
		if (left <= 0) {
			kill(-pid, SIGKILL);
			break;
		}
		if (r->kill_after_s > 0 && !killed) {
			if (kill_left <= 0) {
				kill(-pid, SIGKILL);	/* at a time, wherever hv-run is */
				killed = true;
				continue;
			}
			if (kill_left < left)
				left = kill_left;
		}
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !drain(out[0], r->out, &r->out_len))
			out_open = false;
		if (p[1].revents && !drain(err[0], r->err, &r->err_len))
			err_open = false;
		if (r->marker && r->marker_secs < 0 && find(r->out, r->out_len, r->marker))
			r->marker_secs = now() - t0;
		if (r->kill_on && !killed && !kill_armed && find(r->out, r->out_len, r->kill_on)) {
			/* No grace: the point is what a crash of hv-run leaves behind. */
			if (r->kill_delay_s > 0) {
				r->kill_after_s = now() - t0 + r->kill_delay_s;
				kill_armed = true;
			} else {
				kill(-pid, SIGKILL);
				killed = true;
			}
		}
		if (r->probe_on && !probed && find(r->out, r->out_len, r->probe_on)) {
			run_probe(r, pid);
			probed = true;
		}
		if (r->watch)
			r->watch(r, pid, in[1]);
		if (!input_sent && find(r->out, r->out_len, r->trigger)) {
			if (write(in[1], r->input, strlen(r->input)) < 0)
				ktap_print_msg("writing hv-run's stdin: %s\n", strerror(errno));
			input_sent = true;
		}
	}
	close(in[1]);
	close(out[0]);
	close(err[0]);
	if (r->timed_out)
		kill(-pid, SIGKILL);	/* whatever hv-run started, and hv-run if SIGTERM did not do */
	if (waitpid(pid, &ws, 0) < 0)
		return -errno;
	r->secs = now() - t0;
	r->wall_end = time(NULL);
	if (r->timed_out)
		r->status = -1;
	else if (WIFEXITED(ws))
		r->status = WEXITSTATUS(ws);
	else
		r->status = 128 + WTERMSIG(ws);
	return 0;
}

static void show_cmd(const struct run *r)
{
	char line[1024];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < r->argc && n < sizeof(line) - 1; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", r->argv[i]);
	ktap_print_msg("$ %s\n", line);
}

/* Print @buf as diagnostics, one "# <prefix>: " line per line: CR and NUL dropped, tabs as spaces. */
void show_lines(const char *prefix, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;
		char line[512];
		size_t i, k = 0;

		for (i = 0; i < n && k < sizeof(line) - 1; i++)
			if (p[i] == '\t')
				line[k++] = ' ';
			else if (p[i] != '\r' && p[i] != '\0')
				line[k++] = isprint((unsigned char)p[i]) ? p[i] : '?';
		line[k] = '\0';
		if (k)
			ktap_print_msg("%s: %s\n", prefix, line);
		p += n + 1;
	}
}

/*
 * The line of @buf at or after @from that contains @needle (NULL: none),
 * shown with @prefix; returns where the search may go on.
 */
static const char *show_line_with(const char *prefix, const char *buf, size_t len,
				  const char *from, const char *needle)
{
	const char *at = find(from, buf + len - from, needle), *bol, *eol;

	if (!at)
		return NULL;
	for (bol = at; bol > buf && bol[-1] != '\n'; bol--)
		;
	eol = memchr(at, '\n', buf + len - at);
	eol = eol ? eol : buf + len;
	show_lines(prefix, bol, eol - bol);
	return eol;
}

/*
 * A guest that oopsed: its first report, the faulting RIP and the flags
 * line, once more after the transcript.  A failed point's summary (the CI
 * excerpt) keeps only the last few lines before it, and these say whether
 * it was the guest's own bug, hv's, or the emulator's defect.
 */
static void show_guest_oops(const struct run *r)
{
	static const char *const first[] = { "BUG: ", "Oops", "general protection fault",
					     "Kernel panic" };
	const char *at = NULL, *p;
	size_t i;

	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		p = find(r->out, r->out_len, first[i]);
		if (p && (!at || p < at))
			at = p;
	}
	if (!at)
		return;
	show_line_with("guest oops", r->out, r->out_len, at, "");
	p = show_line_with("guest oops", r->out, r->out_len, at, "RIP: ");
	if (p)
		show_line_with("guest oops", r->out, r->out_len, p, "EFLAGS: ");
}

void show_run(const struct run *r)
{
	show_lines("guest", r->out, r->out_len);
	show_lines("stderr", r->err, r->err_len);
	if (r->timed_out)
		ktap_print_msg("hv-run stopped (SIGTERM, then SIGKILL) after the %u s timeout\n",
			       r->timeout_s);
	else
		ktap_print_msg("hv-run exit status %d after %.2f s\n", r->status, r->secs);
	show_guest_oops(r);
}

/* Run and check the exit status; on a mismatch the whole transcript is shown. */
bool run_expect(struct run *r, int want)
{
	int ret;

	show_cmd(r);
	ret = run_exec(r);
	if (ret) {
		ktap_print_msg("cannot run %s: %s\n", r->argv[0], strerror(-ret));
		return false;
	}
	if (r->status != want || find(r->out, r->out_len, "not ok ")) {
		show_run(r);
		if (r->status != want)
			ktap_print_msg("want exit status %d\n", want);
		return false;
	}
	ktap_print_msg("exit status %d after %.2f s\n", r->status, r->secs);
	return true;
}

static unsigned int count_lines(const char *buf, size_t len)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\n'))
			n++;
	return n + (len && buf[len - 1] != '\n');
}

/* ---- cases ---- */

struct vmm_case {
	const char *name;
	enum verdict (*fn)(const struct env *e, const void *arg, const char **skip_why);
	const void *arg;
	bool needs_hv;			/* needs /dev/hv (usage errors do not) */
};

/*
 * Cases that run only when HV_TEST_CASES or HV_VMM_OPT_IN (check.sh passes
 * it into the testbed) names them with a pattern, and are not in the
 * testbed's expected lists (NULL-terminated).  None now: ksm_two_guests
 * was one until it was measured with hv's MMU notifier (48 s on 6.12, its
 * bar reached after 3 s of ksmd).
 */
static const char *const opt_in_cases[] = { NULL };

/* @name matches a pattern of the list @sel (fnmatch patterns, separated by spaces or commas). */
static bool named_in(const char *sel, const char *name)
{
	char pat[128];
	size_t n;

	while (sel && *sel) {
		n = strcspn(sel, " ,\t\n");
		if (n && n < sizeof(pat)) {
			memcpy(pat, sel, n);
			pat[n] = '\0';
			if (!fnmatch(pat, name, 0))
				return true;
		}
		sel += n;
		sel += strspn(sel, " ,\t\n");
	}
	return false;
}

/* Whether case @name runs in this invocation (HV_TEST_CASES, and opt_in_cases). */
static bool case_runs(const char *name)
{
	const char *sel = getenv("HV_TEST_CASES");
	unsigned int i;

	for (i = 0; opt_in_cases[i]; i++)
		if (!strcmp(name, opt_in_cases[i]))
			return named_in(sel, name) || named_in(getenv("HV_VMM_OPT_IN"), name);
	return ktap_case_selected(name);
}

/* A bad command line: status 2, one line on stderr that names the culprit, nothing on stdout. */
struct usage_case {
	const char *args[6];
	const char *mention;		/* the error line must contain this */
};

static enum verdict usage_error(const struct env *e, const void *p, const char **skip_why __attribute__((unused)))
{
	const struct usage_case *u = p;
	struct run *r = run_new(e, 30);
	enum verdict v = PASS;
	char kernel[512];
	unsigned int i;

	snprintf(kernel, sizeof(kernel), "%s/exit.elf", e->guests);
	for (i = 0; i < sizeof(u->args) / sizeof(u->args[0]) && u->args[i]; i++)
		arg(r, strcmp(u->args[i], "@exit") ? u->args[i] : kernel);
	if (!run_expect(r, 2))
		v = FAIL;
	else if (count_lines(r->err, r->err_len) != 1 || r->out_len) {
		show_run(r);
		ktap_print_msg("want exactly one line on stderr and nothing on stdout\n");
		v = FAIL;
	} else if (!strcasestr(r->err, u->mention)) {
		show_run(r);
		ktap_print_msg("the error does not mention \"%s\"\n", u->mention);
		v = FAIL;
	} else {
		show_lines("stderr", r->err, r->err_len);
	}
	free(r);
	return v;
}

static const struct usage_case usage_mem_zero = { { "--mem", "0", "--kernel", "@exit" }, "mem" };
static const struct usage_case usage_mem_huge = { { "--mem", "64T", "--kernel", "@exit" }, "mem" };
static const struct usage_case usage_missing = { { "--kernel", "/nonexistent" }, "/nonexistent" };
static const struct usage_case usage_passwd = { { "--kernel", "/etc/passwd" }, "/etc/passwd" };
static const struct usage_case usage_unknown = { { "--bogus-option" }, "bogus" };
/* 2^32 + 1: once truncated to an int (1) before the range check, and accepted. */
static const struct usage_case usage_cpus_wrap = { { "--cpus", "4294967297", "--kernel", "@exit" }, "cpus" };
static const struct usage_case usage_cpus_sign = { { "--cpus", " 1", "--kernel", "@exit" }, "cpus" };
/* Repeated options once let the last one win silently. */
static const struct usage_case usage_kernel_twice = { { "--kernel", "@exit", "--kernel", "@exit" }, "--kernel" };
static const struct usage_case usage_mem_twice = { { "--mem", "64M", "--mem", "32M", "--kernel", "@exit" },
	"--mem" };
static const struct usage_case usage_console_twice = {
	{ "--console", "none", "--console", "stdio", "--kernel", "@exit" }, "--console" };
static const struct usage_case usage_disk_missing = {
	{ "--disk", "/nonexistent.img", "--kernel", "@exit" }, "/nonexistent.img" };
static const struct usage_case usage_disk_option = {
	{ "--disk", "/etc/passwd,cache=bogus", "--kernel", "@exit" }, "cache=" };
static const struct usage_case usage_disk_ro_twice = {
	{ "--disk", "/etc/passwd,ro,ro", "--kernel", "@exit" }, "each once" };
static const struct usage_case usage_disk_cache_twice = {
	{ "--disk", "/etc/passwd,cache=none,cache=writeback", "--kernel", "@exit" }, "each once" };
static const struct usage_case usage_disk_aio_bad = {
	{ "--disk", "/etc/passwd,aio=native", "--kernel", "@exit" }, "aio=" };
static const struct usage_case usage_disk_aio_twice = {
	{ "--disk", "/etc/passwd,aio=threads,aio=io_uring", "--kernel", "@exit" }, "each once" };
static const struct usage_case usage_net_bad_mac = {
	{ "--net", "tap=hvtap0,mac=52:54:00:12:34", "--kernel", "@exit" }, "mac=" };
/* A tap that does not exist: hv-run attaches to an existing one, it does not make one. */
static const struct usage_case usage_net_no_tap = {
	{ "--net", "tap=hvnosuchtap", "--kernel", "@exit" }, "hvnosuchtap" };
static const struct usage_case usage_console_bad = { { "--console", "tty", "--kernel", "@exit" }, "virtio" };
static const struct usage_case usage_cpus_too_many = { { "--cpus", "65", "--kernel", "@exit" }, "cpus" };
/* More than one vCPU needs the local APIC that --no-lapic leaves out. */
static const struct usage_case usage_cpus_no_lapic = {
	{ "--no-lapic", "--cpus", "2", "--kernel", "@exit" }, "cpus" };
static const struct usage_case usage_affinity_syntax = {
	{ "--cpu-affinity", "0,", "--kernel", "@exit" }, "cpu-affinity" };
static const struct usage_case usage_affinity_short = {
	{ "--cpu-affinity", "0", "--cpus", "2", "--kernel", "@exit" }, "cpu-affinity" };

static const struct usage_case usage_balloon_option = {
	{ "--balloon", "/tmp/target,reprot", "--kernel", "@exit" }, "balloon" };
static const struct usage_case usage_balloon_twice = {
	{ "--balloon", "/tmp/a", "--balloon", "/tmp/b", "--kernel", "@exit" }, "--balloon" };
static const struct usage_case usage_mem_merge_arg = { { "--mem-merge=yes", "--kernel", "@exit" },
						       "mem-merge" };
static const struct usage_case usage_mem_merge_twice = {
	{ "--mem-merge", "--mem-merge", "--kernel", "@exit" }, "--mem-merge" };
static const struct usage_case usage_mem_path_missing = {
	{ "--mem-path", "/nonexistent-dir", "--kernel", "@exit" }, "/nonexistent-dir" };
/* A file, not a directory to make the file in. */
static const struct usage_case usage_mem_path_not_dir = {
	{ "--mem-path", "/etc/passwd", "--kernel", "@exit" }, "directory" };
static const struct usage_case usage_mem_path_hugepages = {
	{ "--mem-path", "/tmp", "--hugepages", "--kernel", "@exit" }, "--hugepages" };
/* KSM merges anonymous memory only: a shared file's pages it would silently skip. */
static const struct usage_case usage_mem_path_mem_merge = {
	{ "--mem-merge", "--mem-path", "/tmp", "--kernel", "@exit" }, "mem-merge" };

static enum verdict help(const struct env *e, const void *p, const char **skip_why __attribute__((unused)))
{
	struct run *r = run_new(e, 30);
	enum verdict v = PASS;

	(void)p;
	arg(r, "--help");
	if (!run_expect(r, 0))
		v = FAIL;
	else if (!find(r->out, r->out_len, "--kernel") || !find(r->out, r->out_len, "0xf4")) {
		show_run(r);
		ktap_print_msg("--help must show the options and the exit device port (0xf4)\n");
		v = FAIL;
	}
	free(r);
	return v;
}

/* A test kernel with an optional multiboot command line and --mem. */
static struct run *guest_run(const struct env *e, const char *guest, const char *cmdline,
			     const char *mem, unsigned int timeout_s, char *path, size_t size)
{
	struct run *r = run_new(e, timeout_s);

	snprintf(path, size, "%s/%s.elf", e->guests, guest);
	arg(r, "--kernel");
	arg(r, path);
	if (mem) {
		arg(r, "--mem");
		arg(r, mem);
	}
	if (cmdline) {
		arg(r, "--cmdline");
		arg(r, cmdline);
	}
	return r;
}

/*
 * A file the testbed always ships (test kernel, Linux guest) is missing: a skip
 * elsewhere, a failure inside the testbed (ktap.h).
 */
enum verdict missing_file(void)
{
	return ktap_in_testbed() ? FAIL : SKIP;
}

static bool guest_present(const struct env *e, const char *guest, const char **skip_why)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.elf", e->guests, guest);
	if (access(path, R_OK) == 0)
		return true;
	ktap_print_msg("%s is missing\n", path);
	*skip_why = "test kernel missing";
	return false;
}

/* A test kernel that must end with @status and print each of @expect. */
struct guest_case {
	const char *guest, *cmdline, *mem;
	int status;
	const char *expect[6];
};

/* @cpus: the --cpus argument, or NULL for hv-run's default. */
static enum verdict guest_status_on(const struct env *e, const struct guest_case *g, bool no_lapic,
				    const char *cpus, const char **skip_why)
{
	enum verdict v = PASS;
	char path[512];
	struct run *r;
	unsigned int i;

	if (!guest_present(e, g->guest, skip_why))
		return missing_file();
	r = guest_run(e, g->guest, g->cmdline, g->mem, 60, path, sizeof(path));
	if (no_lapic)
		arg(r, "--no-lapic");
	if (cpus) {
		arg(r, "--cpus");
		arg(r, cpus);
	}
	if (!run_expect(r, g->status))
		v = FAIL;
	for (i = 0; v == PASS && i < sizeof(g->expect) / sizeof(g->expect[0]) && g->expect[i]; i++) {
		if (!find(r->out, r->out_len, g->expect[i])) {
			show_run(r);
			ktap_print_msg("the guest did not print \"%s\"\n", g->expect[i]);
			v = FAIL;
		}
	}
	free(r);
	return v;
}

static enum verdict guest_status(const struct env *e, const void *p, const char **skip_why)
{
	return guest_status_on(e, p, false, NULL, skip_why);
}

/* The same with two vCPUs: the test kernel runs on the first, the second waits for a SIPI. */
static enum verdict guest_status_2_cpus(const struct env *e, const void *p, const char **skip_why)
{
	return guest_status_on(e, p, false, "2", skip_why);
}

/* The same on the 8259-only platform (--no-lapic). */
static enum verdict guest_status_no_lapic(const struct env *e, const void *p, const char **skip_why)
{
	return guest_status_on(e, p, true, NULL, skip_why);
}

static const struct guest_case exit_byte = { "exit", "code=42 width=1", NULL, 42,
	{ "ok post_port_write", "ok unclaimed_port_reads_ones" } };
static const struct guest_case exit_word = { "exit", "code=0x1c07 width=2", NULL, 7, { "width 2" } };
static const struct guest_case exit_dword = { "exit", "code=0x12345681 width=4", NULL, 0x81,
	{ "width 4" } };
static const struct guest_case exit_zero = { "exit", "code=0 width=1", NULL, 0, { "code 0x0" } };
static const struct guest_case reset = { "reset", NULL, NULL, 3, { "# pulsing the reset line" } };
static const struct guest_case reset92 = { "reset", "port92=1", NULL, 3,
	{ "ok port92_a20_on_reset_off", "# pulsing the reset line (port 0x92" } };
static const struct guest_case triple = { "triple", NULL, NULL, 4, { "# loading an empty IDT" } };
/* A multiboot image at 0x8000, where hv-run once kept its own tables (0x1000-0x30000). */
static const struct guest_case lowload = { "lowload", "code=0x2a", NULL, 0x2a,
	{ "ok loaded_at_0x8000", "ok boot_info_outside_image", "ok cmdline_outside_image" } };
/*
 * HLT with IF=0 ends the VM (status 5) on the 8259-only platform alone: with
 * the local APIC, HLT waits in the kernel, where an NMI or INIT could wake it.
 */
static const struct guest_case halt = { "halt", NULL, NULL, 5, { "# cli; hlt" } };
/*
 * fw_cfg, run with --cpus 2 (guest_status_2_cpus): the items the test kernel
 * reads must say what hv-run was started with, and strict=1 adds hv-run's
 * own choices (guests/fwcfg.c).
 */
static const struct guest_case fwcfg = { "fwcfg", "mem_mib=256 cpus=2 strict=1", "256M", 0,
	{ "ok nb_cpus", "ok ram_size", "ok cmdline_data", "ok e820_matches_multiboot_mmap",
	  "ok dma_to_vga_hole_is_error", "ok dma_after_errors" } };

static enum verdict uart(const struct env *e, const void *p, const char **skip_why)
{
	enum verdict v = PASS;
	char path[512];
	struct run *r;

	(void)p;
	if (!guest_present(e, "uart", skip_why))
		return missing_file();
	r = guest_run(e, "uart", NULL, NULL, 60, path, sizeof(path));
	r->trigger = "# ready for input";
	r->input = "hv";
	if (!run_expect(r, 0)) {
		v = FAIL;
	} else if (!find(r->out, r->out_len, "# received 68 76")) {
		show_run(r);
		ktap_print_msg("the guest did not receive \"hv\" from stdin\n");
		v = FAIL;
	} else if (memchr(r->out, 0x11, r->out_len)) {
		/* 0x11 was only ever sent in loopback mode: it must not reach the outside. */
		show_run(r);
		ktap_print_msg("a byte sent in loopback mode reached stdout\n");
		v = FAIL;
	} else {
		show_lines("guest", r->out, r->out_len);
	}
	free(r);
	return v;
}

static enum verdict pic_pit(const struct env *e, const void *p, const char **skip_why)
{
	const unsigned int secs = 3;
	enum verdict v = PASS;
	char path[512], cmdline[128];
	const char *rate;
	struct run *r;

	(void)p;
	if (!guest_present(e, "timer", skip_why))
		return missing_file();
	snprintf(cmdline, sizeof(cmdline), "hz=100 secs=%u min_pct=%u", secs, e->pit_min_pct);
	r = guest_run(e, "timer", cmdline, NULL, 90, path, sizeof(path));
	if (!run_expect(r, 0)) {
		v = FAIL;
	} else if (r->secs < secs - 1) {
		/* The window is measured with the RTC: it cannot be shorter in real time. */
		show_run(r);
		ktap_print_msg("a %u s RTC window passed in %.2f s of real time\n", secs, r->secs);
		v = FAIL;
	}
	rate = find(r->out, r->out_len, "# pit: ");
	if (rate) {
		const char *nl = memchr(rate, '\n', r->out + r->out_len - rate);

		ktap_print_msg("%.*s\n", (int)((nl ? nl : r->out + r->out_len) - rate - 2), rate + 2);
	}
	free(r);
	return v;
}

/* "# rtc 2026-11-21 07:06:10" -> seconds since the epoch, UTC; -1 if absent. */
static time_t guest_rtc(const struct run *r)
{
	const char *p = find(r->out, r->out_len, "# rtc ");
	struct tm tm = { 0 };

	if (!p || sscanf(p, "# rtc %d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

struct cmos_case {
	const char *mem;
	unsigned long long mem_bytes;
	bool check_time;
	bool coalesced;		/* the index port through hv's coalesced ring (else --no-coalesced) */
};

/*
 * hv-run's --stats count of writes applied from hv's coalesced ring; -1 if
 * the line is missing (no ring).
 */
static long long coalesced_writes(const struct run *r)
{
	const char *p = find(r->err, r->err_len, "hv-run: coalesced ring: ");
	unsigned long long n;

	if (!p || sscanf(p, "hv-run: coalesced ring: %llu writes", &n) != 1)
		return -1;
	return (long long)n;
}

static enum verdict cmos(const struct env *e, const void *p, const char **skip_why)
{
	const struct cmos_case *c = p;
	unsigned long long mib = c->mem_bytes >> 20;
	unsigned int ext_kb, ext30, above16m, want_ext, want_above;
	enum verdict v = PASS;
	const char *mem;
	char path[512];
	struct run *r;

	if (!guest_present(e, "cmos", skip_why))
		return missing_file();
	r = guest_run(e, "cmos", NULL, c->mem, 60, path, sizeof(path));
	if (r) {
		arg(r, "--stats");
		if (!c->coalesced)
			arg(r, "--no-coalesced");
	}
	if (!run_expect(r, 0)) {
		free(r);
		return FAIL;
	}
	/*
	 * Every CMOS read selects its register at port 0x70 first: with the ring
	 * those writes wait in it, and the values below are right only if hv-run
	 * applied them before each read of 0x71.
	 */
	if (c->coalesced ? coalesced_writes(r) <= 0 : coalesced_writes(r) != -1) {
		show_lines("hv-run", r->err, r->err_len);
		ktap_print_msg("coalesced ring: %lld index writes applied, want %s\n",
			       coalesced_writes(r), c->coalesced ? "some" : "no ring (--no-coalesced)");
		v = FAIL;
	} else if (c->coalesced) {
		ktap_print_msg("%lld CMOS index writes through hv's coalesced ring\n",
			       coalesced_writes(r));
	}
	if (c->check_time) {
		time_t t = guest_rtc(r);

		/* hv-run's RTC keeps UTC here: the testbed has no time zone. */
		if (t < 0 || t < r->wall_start - 2 || t > r->wall_end + 2) {
			show_run(r);
			ktap_print_msg("guest RTC %lld, host time %lld..%lld (UTC)\n", (long long)t,
				       (long long)r->wall_start, (long long)r->wall_end);
			v = FAIL;
		} else {
			ktap_print_msg("guest RTC within %lld s of the host clock\n",
				       (long long)(t - r->wall_start));
		}
	}
	mem = find(r->out, r->out_len, "# cmos_mem ");
	if (!mem || sscanf(mem, "# cmos_mem base_kb=%*u ext_kb=%u ext_kb_30=%u above16m_64k=%u",
			   &ext_kb, &ext30, &above16m) != 3) {
		show_run(r);
		ktap_print_msg("no memory sizes in the guest's output\n");
		free(r);
		return FAIL;
	}
	/*
	 * 0x17/0x30: KiB above 1 MiB, saturating somewhere at 63-64 MiB (BIOSes
	 * differ); 0x34: 64 KiB units above 16 MiB (below the PCI hole).
	 */
	want_ext = (unsigned int)((mib - 1) * 1024);
	want_above = mib > 16 ? (unsigned int)((mib - 16) * 16) : 0;
	if ((mib <= 64 && ext_kb != want_ext) || (mib > 64 && ext_kb < 63 * 1024) || above16m != want_above) {
		show_lines("guest", r->out, r->out_len);
		ktap_print_msg("--mem %s: CMOS says %u KiB above 1 MiB and %u x 64 KiB above 16 MiB, want %u and %u\n",
			       c->mem, ext_kb, above16m, mib <= 64 ? want_ext : 63 * 1024, want_above);
		v = FAIL;
	} else {
		ktap_print_msg("--mem %s: %u KiB above 1 MiB, %u x 64 KiB above 16 MiB\n", c->mem, ext_kb,
			       above16m);
	}
	free(r);
	return v;
}

static const struct cmos_case cmos_32m = { "32M", 32ull << 20, true, true };
static const struct cmos_case cmos_256m = { "256M", 256ull << 20, false, false };

static const struct vmm_case cases[] = {
	{ "usage_mem_zero", usage_error, &usage_mem_zero, false },
	{ "usage_mem_too_large", usage_error, &usage_mem_huge, false },
	{ "usage_kernel_missing", usage_error, &usage_missing, false },
	{ "usage_kernel_not_bootable", usage_error, &usage_passwd, false },
	{ "usage_unknown_option", usage_error, &usage_unknown, false },
	{ "usage_cpus_wraps_32_bits", usage_error, &usage_cpus_wrap, false },
	{ "usage_cpus_not_digits", usage_error, &usage_cpus_sign, false },
	{ "usage_kernel_twice", usage_error, &usage_kernel_twice, false },
	{ "usage_mem_twice", usage_error, &usage_mem_twice, false },
	{ "usage_console_twice", usage_error, &usage_console_twice, false },
	{ "usage_disk_missing", usage_error, &usage_disk_missing, false },
	{ "usage_disk_aio_bad_value", usage_error, &usage_disk_aio_bad, false },
	{ "usage_disk_aio_twice", usage_error, &usage_disk_aio_twice, false },
	{ "usage_disk_bad_option", usage_error, &usage_disk_option, false },
	{ "usage_disk_ro_twice", usage_error, &usage_disk_ro_twice, false },
	{ "usage_disk_cache_twice", usage_error, &usage_disk_cache_twice, false },
	{ "usage_console_bad_value", usage_error, &usage_console_bad, false },
	{ "usage_net_bad_mac", usage_error, &usage_net_bad_mac, false },
	{ "usage_net_no_tap", usage_error, &usage_net_no_tap, false },
	{ "usage_cpus_too_many", usage_error, &usage_cpus_too_many, false },
	{ "usage_cpus_without_lapic", usage_error, &usage_cpus_no_lapic, false },
	{ "usage_cpu_affinity_syntax", usage_error, &usage_affinity_syntax, false },
	{ "usage_cpu_affinity_too_short", usage_error, &usage_affinity_short, false },
	{ "usage_balloon_bad_option", usage_error, &usage_balloon_option, false },
	{ "usage_balloon_twice", usage_error, &usage_balloon_twice, false },
	{ "usage_mem_merge_argument", usage_error, &usage_mem_merge_arg, false },
	{ "usage_mem_merge_twice", usage_error, &usage_mem_merge_twice, false },
	{ "usage_mem_path_missing", usage_error, &usage_mem_path_missing, false },
	{ "usage_mem_path_not_dir", usage_error, &usage_mem_path_not_dir, false },
	{ "usage_mem_path_with_hugepages", usage_error, &usage_mem_path_hugepages, false },
	{ "usage_mem_path_with_mem_merge", usage_error, &usage_mem_path_mem_merge, false },
	{ "usage_mem_path_no_room", usage_mem_path_no_room, NULL, false },
	{ "help", help, NULL, false },
	{ "exit_device_byte", guest_status, &exit_byte, true },
	{ "exit_device_word", guest_status, &exit_word, true },
	{ "exit_device_dword", guest_status, &exit_dword, true },
	{ "exit_device_zero", guest_status, &exit_zero, true },
	{ "uart", uart, NULL, true },
	{ "pic_pit_periodic", pic_pit, NULL, true },
	{ "cmos_rtc_and_mem_32m", cmos, &cmos_32m, true },
	{ "cmos_mem_256m", cmos, &cmos_256m, true },
	{ "i8042_reset", guest_status, &reset, true },
	{ "port92_reset", guest_status, &reset92, true },
	{ "triple_fault", guest_status, &triple, true },
	{ "multiboot_image_at_0x8000", guest_status, &lowload, true },
	{ "halt_with_if_clear", guest_status_no_lapic, &halt, true },
	{ "fw_cfg_items_and_dma", guest_status_2_cpus, &fwcfg, true },
	{ "virtio_hostile_rings", virtio_hostile_rings, NULL, true },
	{ "virtio_hostile_rings_net", virtio_hostile_rings, &hostile_net, true },
	{ "linux_boot", linux_boot, NULL, true },
	{ "virtio_blk_rng", virtio_blk_rng, NULL, true },
	{ "linux_smp_2", linux_smp, &linux_smp_2, true },
	{ "linux_smp_4", linux_smp, &linux_smp_4, true },
	{ "virtio_blk_ext4", virtio_blk_ext4, NULL, true },
	{ "virtio_net_tap", virtio_net_tap, NULL, true },
	{ "linux_sigkill_at_random_points", linux_sigkill, NULL, true },
	{ "virtio_balloon_inflate_deflate", memory_case, &mem_balloon_inflate_deflate, true },
	{ "virtio_balloon_free_page_reporting", memory_case, &mem_balloon_free_page_reporting,
	  true },
	{ "ksm_two_guests", memory_case, &mem_ksm_two_guests, true },
	{ "mem_path_hugetlb_pool_short", mem_path_hugetlb_pool_short, NULL, true },
	{ "linux_mem_path_hugetlbfs", linux_mem_path_hugetlbfs, NULL, true },
	{ "overcommit_swap_and_balloon", memory_case, &mem_overcommit, true },
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int main(void)
{
	struct env e = {
		.hv_run = env_or("HV_RUN", "/bin/hv-run"),
		.guests = env_or("HV_VMM_GUESTS", "/guests"),
		.kernel = env_or("HV_VMM_KERNEL", "/vmlinuz"),
		.initrd = env_or("HV_VMM_INITRD", "/guest.gz"),
		.linux_enabled = strcmp(env_or("HV_VMM_LINUX", "1"), "0") != 0,
		.pit_min_pct = (unsigned int)atoi(env_or("HV_VMM_PIT_MIN", "50")),
	};
	const unsigned int n = sizeof(cases) / sizeof(cases[0]);
	unsigned int i, selected;
	char why[600];

	/* A guest that dies must not take the harness with it through a pipe. */
	signal(SIGPIPE, SIG_IGN);
	if (access(e.hv_run, X_OK)) {
		snprintf(why, sizeof(why), "no hv-run at %s (HV_RUN)", e.hv_run);
		ktap_exit_skip_all(why);
	}
	e.have_dev_hv = access("/dev/hv", R_OK | W_OK) == 0 ||
			!strcmp(env_or("HV_VMM_NO_DEV_CHECK", "0"), "1");
	KTAP_COUNT_SELECTED(cases);	/* bails out on a stale pattern of HV_TEST_CASES */
	for (i = 0, selected = 0; i < n; i++)
		selected += case_runs(cases[i].name);
	ktap_print_header(selected);
	for (i = 0; i < n; i++) {
		const char *skip_why = "skipped";
		enum verdict v;

		if (!case_runs(cases[i].name))
			continue;
		if (cases[i].needs_hv && !e.have_dev_hv) {
			/* Inside the testbed /dev/hv must be there (ktap.h). */
			if (ktap_in_testbed()) {
				ktap_print_msg("%s: no /dev/hv inside the testbed\n", cases[i].name);
				ktap_result(0, cases[i].name);
			} else {
				ktap_skip(cases[i].name, "no /dev/hv");
			}
			continue;
		}
		v = cases[i].fn(&e, cases[i].arg, &skip_why);
		if (v == SKIP)
			ktap_skip(cases[i].name, skip_why);
		else
			ktap_result(v == PASS, cases[i].name);
	}
	ktap_finished();
}
