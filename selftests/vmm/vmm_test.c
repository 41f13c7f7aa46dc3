// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test: hv-run end to end, one KTAP document.  Each case runs hv-run as
 * a child with its stdin, stdout (the guest's COM1) and stderr on pipes,
 * then checks the exit status and what the guest printed:
 *   - bad command lines: status 2 and exactly one line on stderr;
 *   - the multiboot test kernels of guests/ (devices, exit statuses);
 *   - linux_boot: the testbed's own vmlinuz with a busybox initramfs;
 *   - virtio_blk_rng: the same guest with two virtio-blk disks (one read-only)
 *     and virtio-rng, checked from inside (guest-init.sh) and on the disk files.
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

#include "../hv/lib/ktap.h"

KTAP_DEFINE_STATE;

#define MAX_ARGS	16
#define TERM_GRACE_S	5	/* from SIGTERM to SIGKILL for a run past its timeout */
#define OUT_MAX		(1u << 20)	/* more than any test prints; the rest is dropped */

struct env {
	const char *hv_run, *guests, *kernel, *initrd;
	bool have_dev_hv;
	bool linux_enabled;
	unsigned int pit_min_pct;
};

/* One hv-run invocation. */
struct run {
	const char *argv[MAX_ARGS];
	unsigned int argc;
	unsigned int timeout_s;
	const char *trigger;		/* when stdout contains this... */
	const char *input;		/* ...write this to hv-run's stdin */
	const char *marker;		/* record when stdout first contains this */

	/* results */
	int status;			/* exit status, 128+signal, -1 if it had to be killed */
	bool timed_out;
	char out[OUT_MAX], err[OUT_MAX];
	size_t out_len, err_len;
	double secs;			/* from fork to exit */
	double marker_secs;		/* from fork to the marker, < 0 if never seen */
	time_t wall_start, wall_end;	/* for comparing with the guest's RTC */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void arg(struct run *r, const char *a)
{
	if (r->argc < MAX_ARGS - 1)
		r->argv[r->argc++] = a;
	r->argv[r->argc] = NULL;
}

static struct run *run_new(const struct env *e, unsigned int timeout_s)
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
static const char *find(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle));
}

static int run_exec(struct run *r)
{
	int in[2], out[2], err[2];
	bool out_open = true, err_open = true, input_sent = !r->input;
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
		double left = deadline - now();

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
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !drain(out[0], r->out, &r->out_len))
			out_open = false;
		if (p[1].revents && !drain(err[0], r->err, &r->err_len))
			err_open = false;
		if (r->marker && r->marker_secs < 0 && find(r->out, r->out_len, r->marker))
			r->marker_secs = now() - t0;
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
static void show_lines(const char *prefix, const char *buf, size_t len)
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

static void show_run(const struct run *r)
{
	show_lines("guest", r->out, r->out_len);
	show_lines("stderr", r->err, r->err_len);
	if (r->timed_out)
		ktap_print_msg("hv-run stopped (SIGTERM, then SIGKILL) after the %u s timeout\n",
			       r->timeout_s);
	else
		ktap_print_msg("hv-run exit status %d after %.2f s\n", r->status, r->secs);
}

/* Run and check the exit status; on a mismatch the whole transcript is shown. */
static bool run_expect(struct run *r, int want)
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

enum verdict { PASS, FAIL, SKIP };

struct vmm_case {
	const char *name;
	enum verdict (*fn)(const struct env *e, const void *arg, const char **skip_why);
	const void *arg;
	bool needs_hv;			/* needs /dev/hv (usage errors do not) */
};

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
	{ "--disk", "/etc/passwd,cache=none", "--kernel", "@exit" }, "ro" };

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
static enum verdict missing_file(void)
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
	const char *expect[3];
};

static enum verdict guest_status(const struct env *e, const void *p, const char **skip_why)
{
	const struct guest_case *g = p;
	enum verdict v = PASS;
	char path[512];
	struct run *r;
	unsigned int i;

	if (!guest_present(e, g->guest, skip_why))
		return missing_file();
	r = guest_run(e, g->guest, g->cmdline, g->mem, 60, path, sizeof(path));
	if (!run_expect(r, g->status))
		v = FAIL;
	for (i = 0; v == PASS && i < 3 && g->expect[i]; i++) {
		if (!find(r->out, r->out_len, g->expect[i])) {
			show_run(r);
			ktap_print_msg("the guest did not print \"%s\"\n", g->expect[i]);
			v = FAIL;
		}
	}
	free(r);
	return v;
}

static const struct guest_case exit_byte = { "exit", "code=42 width=1", NULL, 42,
	{ "ok post_port_write", "ok unclaimed_port_reads_ones" } };
static const struct guest_case exit_word = { "exit", "code=0x1c07 width=2", NULL, 7, { "width 2" } };
static const struct guest_case exit_dword = { "exit", "code=0x12345681 width=4", NULL, 0x81,
	{ "width 4" } };
static const struct guest_case exit_zero = { "exit", "code=0 width=1", NULL, 0, { "code 0x0" } };
static const struct guest_case reset = { "reset", NULL, NULL, 3, { "# pulsing the reset line" } };
static const struct guest_case triple = { "triple", NULL, NULL, 4, { "# loading an empty IDT" } };
static const struct guest_case halt = { "halt", NULL, NULL, 5, { "# cli; hlt" } };

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
};

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
	if (!run_expect(r, 0)) {
		free(r);
		return FAIL;
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

static const struct cmos_case cmos_32m = { "32M", 32ull << 20, true };
static const struct cmos_case cmos_256m = { "256M", 256ull << 20, false };

/*
 * The testbed's own kernel with a busybox initramfs whose /init prints
 * these lines, then powers off (selftests/vmm/guest-init.sh).
 */
#define LINUX_INIT_MARKER	"hv-guest: init started"
#define LINUX_UNAME		"hv-guest: uname: Linux "
#define LINUX_DONE		"hv-guest: poweroff"
/* panic=-1: a guest panic reboots, so it ends hv-run (status 3) instead of hanging the test. */
#define LINUX_CMDLINE		"console=ttyS0 quiet panic=-1"

#define LINUX_MEM		"256M"
#define LINUX_MEM_BYTES		(256ull << 20)

/* hv-run booting the testbed's Linux guest with LINUX_MEM and @cmdline; the caller adds devices. */
static struct run *linux_run_new(const struct env *e, unsigned int timeout_s, const char *cmdline)
{
	struct run *r = run_new(e, timeout_s);

	arg(r, "--kernel");
	arg(r, e->kernel);
	arg(r, "--initrd");
	arg(r, e->initrd);
	arg(r, "--mem");
	arg(r, LINUX_MEM);
	arg(r, "--cmdline");
	arg(r, cmdline);
	return r;
}

/* The value after @key (hex, "0x..." included) in hv-run's NUL-terminated report @line. */
static bool report_field(const char *line, const char *key, unsigned long long *val)
{
	const char *at = strstr(line, key);
	char *end;

	if (!at)
		return false;
	errno = 0;
	*val = strtoull(at + strlen(key), &end, 16);
	return !errno && end != at + strlen(key);
}

/*
 * Whether a failed Linux boot ended the way QEMU's TCG, which runs the SVM
 * testbed, sometimes breaks a nested guest: it resumes the guest with the
 * host's translation, or hands the host's own state back as the guest's
 * (docs/testing.md, "stress_test").  hv-run's report of the fatal exit
 * (vcpu.c) tells: a triple fault with CR2 on the IDT's #DF entry (the guest
 * could not read its own IDT), or an internal error whose guest CR3 lies
 * outside the guest's memory (it is the host's).  Real hardware does
 * neither, and hv's own bugs in these paths show otherwise.
 */
static bool emulator_defect(const struct run *r)
{
	unsigned long long cr2, cr3, idt;
	const char *at, *nl;
	char line[1024];
	size_t n;

	if (r->timed_out)
		return false;
	at = find(r->err, r->err_len, "hv-run: vcpu ");
	if (!at)
		return false;
	nl = memchr(at, '\n', r->err + r->err_len - at);
	n = (nl ? nl : r->err + r->err_len) - at;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, at, n);
	line[n] = '\0';
	if (strstr(line, ": triple fault: "))
		return report_field(line, " cr2=", &cr2) && report_field(line, " idt=", &idt) &&
		       cr2 == idt + 8 * 16;
	if (strstr(line, ": hv internal error "))
		return report_field(line, " cr3=", &cr3) && cr3 >= LINUX_MEM_BYTES;
	return false;
}

/*
 * Run the guest that @make builds (NULL: it could not), expecting status 0;
 * if it fails with the emulator's signature, and only then, run a fresh one
 * once more, saying so.  Returns the run to judge (*ok: its status was 0).
 */
static struct run *linux_run_expect(struct run *(*make)(const struct env *), const struct env *e,
				    bool *ok)
{
	struct run *r = make(e);

	*ok = r && run_expect(r, 0);
	if (*ok || !r || !emulator_defect(r))
		return r;
	ktap_print_msg("this failure has the signature of QEMU TCG's nested SVM defect, not of hv (docs/testing.md, \"stress_test\"): running the guest once more\n");
	free(r);
	r = make(e);
	*ok = r && run_expect(r, 0);
	return r;
}

static struct run *linux_boot_run(const struct env *e)
{
	struct run *r = linux_run_new(e, 240, LINUX_CMDLINE);

	r->marker = LINUX_INIT_MARKER;
	return r;
}

/*
 * Whether the Linux guest can be booted in this run; if not, @v says how the
 * case ends: skipped when the testbed chose not to boot Linux here, failed
 * when the kernel or initramfs is missing where it must be (missing_file()).
 */
static bool linux_guest_ready(const struct env *e, const char **skip_why, enum verdict *v)
{
	if (!e->linux_enabled) {
		*skip_why = "HV_VMM_LINUX=0 (not chosen for this testbed run: see HV_VMM_LINUX_SERIES)";
		*v = SKIP;
		return false;
	}
	if (access(e->kernel, R_OK) || access(e->initrd, R_OK)) {
		ktap_print_msg("%s or %s is missing\n", e->kernel, e->initrd);
		*skip_why = "no Linux kernel or guest initramfs";
		*v = missing_file();
		return false;
	}
	return true;
}

static enum verdict linux_boot(const struct env *e, const void *p, const char **skip_why)
{
	enum verdict v = PASS;
	struct run *r;
	bool ok;

	(void)p;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	r = linux_run_expect(linux_boot_run, e, &ok);
	if (!ok) {
		v = FAIL;
	} else if (!find(r->out, r->out_len, LINUX_UNAME) || !find(r->out, r->out_len, LINUX_DONE)) {
		show_run(r);
		ktap_print_msg("the guest's /init did not print its uname and poweroff lines\n");
		v = FAIL;
	} else {
		show_lines("guest", r->out, r->out_len);
	}
	if (r->marker_secs >= 0)
		ktap_print_msg("guest /init reached %.2f s after hv-run started; exit after %.2f s\n",
			       r->marker_secs, r->secs);
	free(r);
	return v;
}

/* ---- virtio: block and rng in the Linux guest ---- */

#define VDA_PATH	"/tmp/hv-vda.img"	/* its name is the disk's serial (GET_ID) */
#define VDB_PATH	"/tmp/hv-vdb.img"
#define VDA_BYTES	(4u << 20)
#define VDB_BYTES	(64u << 10)
#define MIB		(1u << 20)

/* What vda holds at byte @i before the guest runs: a pattern in the first 2 MiB, zeros after. */
static uint8_t vda_pattern(size_t i)
{
	return i < 2 * MIB ? (uint8_t)(i * 7 + i / 512 + 0x31) : 0;
}

/* CRC-32 as zlib and the guest's busybox crc32 compute it (reflected 0xedb88320, all ones in and out). */
static uint32_t crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0u;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = crc & 1 ? crc >> 1 ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

static bool write_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	bool ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool read_file(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	bool ok = fd >= 0 && read(fd, buf, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The guest's line starting with @prefix must be followed by exactly @rest. */
static bool guest_says(const struct run *r, const char *prefix, const char *rest)
{
	char want[256];

	snprintf(want, sizeof(want), "%s%s\n", prefix, rest);
	if (find(r->out, r->out_len, want))
		return true;
	snprintf(want, sizeof(want), "%s%s\r\n", prefix, rest);
	if (find(r->out, r->out_len, want))
		return true;
	ktap_print_msg("no guest line \"%s%s\"\n", prefix, rest);
	return false;
}

/* Checks of the disk files after the guest powered off. */
static bool virtio_check_disks(const struct run *r, uint8_t *vda, uint8_t *vdb)
{
	const char *line = find(r->out, r->out_len, "hv-guest: hwrng ");
	unsigned int distinct = 0, crc = 0, len = 0;
	bool seen[256] = { false }, ok = true;
	size_t i;

	if (!read_file(VDA_PATH, vda, VDA_BYTES) || !read_file(VDB_PATH, vdb, VDB_BYTES)) {
		ktap_print_msg("cannot read the disk files back\n");
		return false;
	}
	for (i = 0; i < 3 * MIB; i++) {
		uint8_t want = i < 2 * MIB ? vda_pattern(i) : vda_pattern(i - 2 * MIB);

		if (vda[i] != want) {
			ktap_print_msg("vda byte %#zx is %#x, want %#x (the guest's copy of its first MiB)\n",
				       i, vda[i], want);
			ok = false;
			break;
		}
	}
	for (i = 0; i < VDB_BYTES; i++) {
		if (vdb[i] != 0x5a) {
			ktap_print_msg("read-only vdb changed at byte %#zx\n", i);
			ok = false;
			break;
		}
	}
	if (!line)
		return ok;	/* a kernel without hw_random: said so in virtio_blk_rng */
	if (sscanf(line, "hv-guest: hwrng %x %u", &crc, &len) != 2 || len != 65536) {
		ktap_print_msg("malformed hwrng line\n");
		return false;
	}
	if (crc32(vda + 3 * MIB, 65536) != crc) {
		ktap_print_msg("vda at 3 MiB does not hold the 64 KiB the guest read from /dev/hwrng\n");
		ok = false;
	}
	for (i = 0; i < 65536; i++) {
		distinct += !seen[vda[3 * MIB + i]];
		seen[vda[3 * MIB + i]] = true;
	}
	if (distinct < 250) {
		ktap_print_msg("64 KiB from /dev/hwrng use only %u byte values\n", distinct);
		ok = false;
	}
	return ok;
}

static uint8_t vda[VDA_BYTES], vdb[VDB_BYTES];

/* Fresh disk images and the hv-run of the virtio guest; NULL if the images cannot be written. */
static struct run *virtio_run(const struct env *e)
{
	struct run *r;
	size_t i;

	for (i = 0; i < VDA_BYTES; i++)
		vda[i] = vda_pattern(i);
	memset(vdb, 0x5a, VDB_BYTES);
	if (!write_file(VDA_PATH, vda, VDA_BYTES) || !write_file(VDB_PATH, vdb, VDB_BYTES)) {
		ktap_print_msg("cannot write the disk images: %s\n", strerror(errno));
		return NULL;
	}
	r = linux_run_new(e, 300, LINUX_CMDLINE " hvguest=virtio");
	arg(r, "--disk");
	arg(r, VDA_PATH);
	arg(r, "--disk");
	arg(r, VDB_PATH ",ro");
	arg(r, "--rng");
	return r;
}

static enum verdict virtio_blk_rng(const struct env *e, const void *p, const char **skip_why)
{
	enum verdict v = PASS;
	char want[64];
	struct run *r;
	bool ok;

	(void)p;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	r = linux_run_expect(virtio_run, e, &ok);
	if (!ok) {
		v = FAIL;
		goto out;
	}
	snprintf(want, sizeof(want), "%08x", crc32(vda, MIB));
	if (!guest_says(r, "hv-guest: vda serial ", "hv-vda.img") ||
	    !guest_says(r, "hv-guest: vdb ro ", "1") ||
	    !guest_says(r, "hv-guest: vda read ", want) ||
	    !guest_says(r, "hv-guest: vdb write ", "refused") ||
	    !guest_says(r, "hv-guest: virtio ", "done") ||
	    find(r->out, r->out_len, "failed") || find(r->err, r->err_len, "needs reset")) {
		v = FAIL;
	} else if (find(r->out, r->out_len, "no hw_random core")) {
		ktap_print_msg("this guest kernel has no hw_random core: virtio-rng not checked\n");
	} else if (!guest_says(r, "hv-guest: rng ", "virtio_rng.0")) {
		v = FAIL;
	}
	if (v == PASS && !virtio_check_disks(r, vda, vdb))
		v = FAIL;
	if (v == FAIL)
		show_run(r);
	else
		show_lines("guest", r->out, r->out_len);
out:
	unlink(VDA_PATH);
	unlink(VDB_PATH);
	free(r);
	return v;
}

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
	{ "usage_disk_bad_option", usage_error, &usage_disk_option, false },
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
	{ "triple_fault", guest_status, &triple, true },
	{ "halt_with_if_clear", guest_status, &halt, true },
	{ "linux_boot", linux_boot, NULL, true },
	{ "virtio_blk_rng", virtio_blk_rng, NULL, true },
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
	unsigned int i;
	char why[600];

	/* A guest that dies must not take the harness with it through a pipe. */
	signal(SIGPIPE, SIG_IGN);
	if (access(e.hv_run, X_OK)) {
		snprintf(why, sizeof(why), "no hv-run at %s (HV_RUN)", e.hv_run);
		ktap_exit_skip_all(why);
	}
	e.have_dev_hv = access("/dev/hv", R_OK | W_OK) == 0 ||
			!strcmp(env_or("HV_VMM_NO_DEV_CHECK", "0"), "1");
	ktap_print_header(KTAP_COUNT_SELECTED(cases));
	for (i = 0; i < n; i++) {
		const char *skip_why = "skipped";
		enum verdict v;

		if (!ktap_case_selected(cases[i].name))
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
