// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's Linux guest cases: the testbed's own kernel booted by hv-run
 * with the busybox initramfs of guest-init.sh (linux_boot), with virtio
 * disks, rng and console on the 8259-only platform (virtio_blk_rng: INTx),
 * and on 2 and 4 vCPUs with hv's local APICs (linux_smp_2, also with the
 * virtio devices there, on MSI-X, and linux_smp_4).  Each boot takes 40-90 s under the testbed's
 * nested TCG, so each case boots once (twice after a failure with the
 * signature of the emulator's defect: linux_run_expect()).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm_test.h"

/*
 * The testbed's own kernel with a busybox initramfs whose /init prints
 * these lines, then powers off (selftests/vmm/guest-init.sh).
 */
#define LINUX_INIT_MARKER	"hv-guest: init started"
#define LINUX_UNAME		"hv-guest: uname: Linux "
#define LINUX_DONE		"hv-guest: poweroff"
/* LINUX_CMDLINE (vmm_test.h), panic=-1: a guest panic reboots, ending hv-run (status 3), not hanging. */

#define LINUX_MEM		"256M"
#define LINUX_MEM_BYTES		(256ull << 20)

struct run *linux_run_mem(const struct env *e, unsigned int timeout_s, const char *cmdline,
			  const char *mem)
{
	struct run *r = run_new(e, timeout_s);

	arg(r, "--kernel");
	arg(r, e->kernel);
	arg(r, "--initrd");
	arg(r, e->initrd);
	arg(r, "--mem");
	arg(r, mem);
	arg(r, "--cmdline");
	arg(r, cmdline);
	return r;
}

/* hv-run booting the testbed's Linux guest with LINUX_MEM and @cmdline; the caller adds devices. */
struct run *linux_run_new(const struct env *e, unsigned int timeout_s, const char *cmdline)
{
	return linux_run_mem(e, timeout_s, cmdline, LINUX_MEM);
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
 * outside the guest's memory or whose guest RIP lies in hv.ko's own code
 * (both the host's: seen with RIP right after svm_vmrun()'s VMRUN and a
 * host CR3 that happened to be below the guest's memory size).  Or the
 * guest's kernel oopsed on a stale int3 (stale_int3()).  Real hardware does
 * none of these, and hv's own bugs in these paths show otherwise.
 */
static bool rip_in_hv_module(unsigned long long rip)
{
	unsigned long long text = 0, size = 0;
	FILE *f = fopen("/sys/module/hv/sections/.text", "r");

	if (f) {
		if (fscanf(f, "%llx", &text) != 1)
			text = 0;
		fclose(f);
	}
	f = fopen("/sys/module/hv/coresize", "r");
	if (f) {
		if (fscanf(f, "%llu", &size) != 1)
			size = 0;
		fclose(f);
	}
	return text && size && rip >= text && rip - text < size;
}

/*
 * The guest's kernel died of an int3 that its code no longer held: the
 * Code: line of its "Oops: int3" shows another byte than 0xcc before the
 * trapping one (in <>).  The kernel's text_poke_bp() claims every trap on
 * a patch in progress and serializes every CPU before it ends, so the trap
 * ran a stale translation of code the kernel had patched: QEMU's
 * multi-threaded TCG does that, no x86 CPU does (docs/testing.md, "When the
 * test host dies", where the test host's own kernel shows the same).
 */
static bool stale_int3(const char *out, size_t out_len)
{
	const char *end = out + out_len, *oops, *code, *nl, *lt;

	oops = find(out, out_len, "Oops: int3");
	if (!oops)
		return false;
	code = find(oops, end - oops, "Code: ");
	if (!code)
		return false;
	nl = memchr(code, '\n', end - code);
	lt = memchr(code, '<', (nl ? nl : end) - code);
	return lt && lt - code >= 9 && lt[-1] == ' ' && isxdigit((unsigned char)lt[-2]) &&
	       isxdigit((unsigned char)lt[-3]) && strncmp(lt - 3, "cc", 2) != 0;
}

/*
 * A guest's console (@out) and hv-run's stderr (@err; the same text for a
 * guest whose output went to one file) show one of the emulator's faces.
 */
bool emulator_defect_text(const char *out, size_t out_len, const char *err, size_t err_len)
{
	unsigned long long cr2, cr3, idt, rip;
	const char *at, *nl;
	char line[1024];
	size_t n;

	if (stale_int3(out, out_len))
		return true;
	at = find(err, err_len, "hv-run: vcpu ");
	if (!at)
		return false;
	nl = memchr(at, '\n', err + err_len - at);
	n = (nl ? nl : err + err_len) - at;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, at, n);
	line[n] = '\0';
	if (strstr(line, ": triple fault: "))
		return report_field(line, " cr2=", &cr2) && report_field(line, " idt=", &idt) &&
		       cr2 == idt + 8 * 16;
	if (strstr(line, ": hv internal error "))
		return (report_field(line, " cr3=", &cr3) && cr3 >= LINUX_MEM_BYTES) ||
		       (report_field(line, " rip=", &rip) && rip_in_hv_module(rip));
	return false;
}

bool emulator_defect(const struct run *r)
{
	return !r->timed_out && emulator_defect_text(r->out, r->out_len, r->err, r->err_len);
}

/*
 * Run the guest that @make builds (NULL: it could not), expecting status 0;
 * if it fails with the emulator's signature, and only then, run a fresh one
 * again (up to LINUX_DEFECT_RETRIES times), saying so.  Returns the run to
 * judge (*ok: its status was 0).
 */
struct run *linux_run_expect(struct run *(*make)(const struct env *), const struct env *e, bool *ok)
{
	struct run *r = make(e);
	int tries = 0;

	*ok = r && run_expect(r, 0);
	while (!*ok && r && emulator_defect(r) && tries++ < LINUX_DEFECT_RETRIES) {
		ktap_print_msg(EMULATOR_DEFECT_MSG ": running the guest once more\n");
		free(r);
		r = make(e);
		*ok = r && run_expect(r, 0);
	}
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
bool linux_guest_ready(const struct env *e, const char **skip_why, enum verdict *v)
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

enum verdict linux_boot(const struct env *e, const void *p, const char **skip_why)
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

bool guest_says(const struct run *r, const char *prefix, const char *rest)
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

/* What the host types on hvc0 (--console virtio) once the guest waits for it. */
#define HVC_TRIGGER	"hv-guest: hvc0 waiting for input"
#define HVC_INPUT	"typed-on-the-host"

/*
 * Fresh disk images and the hv-run of the virtio guest with @cmdline (it
 * holds hvguest=virtio hvguest=console); NULL if the images cannot be
 * written.  stdin and stdout are hvc0's (--console virtio).
 */
/* Whether the testbed's file system takes O_DIRECT for @path (tmpfs did not always). */
static bool odirect_ok(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static struct run *virtio_run_cmdline(const struct env *e, unsigned int timeout_s, const char *cmdline,
				      bool direct)
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
	r = linux_run_new(e, timeout_s, cmdline);
	arg(r, "--disk");
	if (direct && !odirect_ok(VDA_PATH)) {
		ktap_print_msg("this testbed's /tmp cannot do O_DIRECT: vda without cache=none\n");
		direct = false;
	}
	arg(r, direct ? VDA_PATH ",cache=none" : VDA_PATH);
	arg(r, "--disk");
	arg(r, VDB_PATH ",ro");
	arg(r, "--rng");
	arg(r, "--console");
	arg(r, "virtio");
	r->trigger = HVC_TRIGGER;
	r->input = HVC_INPUT "\n";
	return r;
}

/* On the 8259-only platform: INTx through the PIC (the DSDT's PIC-mode _PRT). */
static struct run *virtio_run(const struct env *e)
{
	struct run *r = virtio_run_cmdline(e, 300, LINUX_CMDLINE " hvguest=virtio hvguest=console",
					   false);

	if (r) {
		arg(r, "--no-lapic");
		/* The notifications as before the doorbells: MMIO exits (linux_smp_2 has the doorbells). */
		arg(r, "--no-ioeventfd");
		arg(r, "--stats");
	}
	return r;
}

/*
 * hv-run's --stats count of virtio-blk0's queue notifications that came
 * @how ("by doorbell", "by MMIO exit"); -1 if the line is missing.
 */
static long long blk0_notifications(const struct run *r, const char *how)
{
	const char *key = "virtio-blk0: ", *p = r->err, *end = r->err + r->err_len;
	unsigned long long door, exits;

	while (p < end && (p = find(p, end - p, key))) {
		p += strlen(key);
		if (sscanf(p, "%llu queue notifications by doorbell (ioeventfd), %llu by MMIO exit",
			   &door, &exits) == 2)
			return (long long)(strcmp(how, "by doorbell") ? exits : door);
	}
	return -1;
}

/*
 * A "hv-guest: ... failed" line of the virtio checks (guest-init.sh), not
 * the kernel's own log lines the SMP checks echo ("Fast TSC calibration
 * failed").
 */
bool virtio_guest_failed(const struct run *r)
{
	const char *p = r->out, *end = r->out + r->out_len;

	while ((p = memmem(p, end - p, "hv-guest: ", 10))) {
		const char *eol = memchr(p, '\n', end - p);
		size_t n = (eol ? eol : end) - p;

		if (strncmp(p, "hv-guest: dmesg: ", 17) && memmem(p, n, "failed", 6)) {
			ktap_print_msg("the guest says: %.*s\n", (int)strcspn(p, "\r\n"), p);
			return true;
		}
		p += n;
	}
	return false;
}

/*
 * The guest's /proc/interrupts lines of its virtio devices (guest-init.sh's
 * "hv-guest: irq: " lines): with @msix (the local APIC) every one is a
 * PCI-MSI(X) vector and they counted interrupts; without, none is (INTx:
 * XT-PIC).  The chip name is "PCI-MSI" on 6.1, "PCI-MSIX-<device>" on 6.12.
 */
static bool virtio_irqs_ok(const struct run *r, bool msix)
{
	const char *p = r->out, *end = r->out + r->out_len;
	unsigned int lines = 0, msi_lines = 0;
	unsigned long long msi_count = 0;

	while ((p = memmem(p, end - p, "hv-guest: irq: ", 15))) {
		const char *eol = memchr(p, '\n', end - p);
		size_t n = (eol ? eol : end) - p;
		char line[512], *at, *next;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		lines++;
		if (!strstr(line, "PCI-MSI"))
			continue;
		msi_lines++;
		/* "IRQ:" then one count per CPU */
		at = strchr(line + 15, ':');
		for (at = at ? at + 1 : line + n;; at = next) {
			unsigned long long c = strtoull(at, &next, 10);

			if (next == at)
				break;
			msi_count += c;
		}
	}
	if (!lines) {
		ktap_print_msg("the guest listed no virtio interrupts\n");
		return false;
	}
	if (msix && (msi_lines != lines || !msi_count)) {
		ktap_print_msg("with the local APIC, %u of %u virtio interrupt lines are PCI-MSI, with %llu interrupts: MSI-X not used\n",
			       msi_lines, lines, msi_count);
		return false;
	}
	if (!msix && msi_lines) {
		ktap_print_msg("--no-lapic offers no MSI-X, yet the guest has %u PCI-MSI virtio lines\n",
			       msi_lines);
		return false;
	}
	return true;
}

/*
 * What the virtio guest must have said and written (a run that exited 0);
 * @msix: the local APIC platform, where the devices must interrupt by MSI-X;
 * @cpus: its vCPUs, as many as vda must have request queues.
 */
static enum verdict virtio_verdict(const struct run *r, bool msix, unsigned int cpus)
{
	enum verdict v = PASS;
	char want[64], queues[16];

	snprintf(want, sizeof(want), "%08x", crc32(vda, MIB));
	snprintf(queues, sizeof(queues), "%u", cpus);
	if (!guest_says(r, "hv-guest: vda serial ", "hv-vda.img") ||
	    !guest_says(r, "hv-guest: vdb ro ", "1") ||
	    !guest_says(r, "hv-guest: vda queues ", queues) ||
	    !guest_says(r, "hv-guest: vda read ", want) ||
	    !guest_says(r, "hv-guest: vdb write ", "refused") ||
	    !guest_says(r, "hv-guest: virtio ", "done") || virtio_guest_failed(r)) {
		v = FAIL;
	} else if (!virtio_irqs_ok(r, msix)) {
		v = FAIL;
	} else if (msix && !find(r->err, r->err_len, "virtio-blk0: MSI-X enabled")) {
		ktap_print_msg("hv-run's --stats does not say the guest enabled MSI-X on virtio-blk0\n");
		v = FAIL;
	} else if (msix ? blk0_notifications(r, "by doorbell") <= 0 :
			  blk0_notifications(r, "by doorbell") != 0 ||
			  blk0_notifications(r, "by MMIO exit") <= 0) {
		/* With the local APIC the doorbells are on; the --no-lapic run has --no-ioeventfd. */
		ktap_print_msg("virtio-blk0's notifications: %lld by doorbell, %lld by MMIO exit (--stats); want %s\n",
			       blk0_notifications(r, "by doorbell"), blk0_notifications(r, "by MMIO exit"),
			       msix ? "doorbells (hv's ioeventfd)" : "MMIO exits only (--no-ioeventfd)");
		v = FAIL;
	} else if (!find(r->out, r->out_len, "hv-guest: hello on hvc0")) {
		ktap_print_msg("the line the guest wrote to /dev/hvc0 did not reach hv-run's stdout\n");
		v = FAIL;
	} else if (!guest_says(r, "hv-guest: hvc0 read ", "'" HVC_INPUT "'")) {
		v = FAIL;
	} else if (find(r->err, r->err_len, "needs reset")) {
		ktap_print_msg("hv-run put a virtio device into DEVICE_NEEDS_RESET\n");
		v = FAIL;
	} else if (find(r->out, r->out_len, "no hw_random core")) {
		ktap_print_msg("this guest kernel has no hw_random core: virtio-rng not checked\n");
	} else if (!guest_says(r, "hv-guest: rng ", "virtio_rng.0")) {
		v = FAIL;
	}
	if (v == PASS && !virtio_check_disks(r, vda, vdb))
		v = FAIL;
	return v;
}

enum verdict virtio_blk_rng(const struct env *e, const void *p, const char **skip_why)
{
	enum verdict v = PASS;
	struct run *r;
	bool ok;

	(void)p;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	r = linux_run_expect(virtio_run, e, &ok);
	v = ok ? virtio_verdict(r, false, 1) : FAIL;
	if (v == PASS)
		show_lines("guest", r->out, r->out_len);
	else if (ok)
		show_run(r);
	unlink(VDA_PATH);
	unlink(VDB_PATH);
	free(r);
	return v;
}

/* ---- SMP: the Linux guest on hv's local APICs, the I/O APIC and the MADT ---- */

struct smp_case {
	unsigned int cpus;
	bool virtio;			/* also the virtio guest's checks (INTx via the I/O APIC) */
};

const struct smp_case linux_smp_2 = { 2, true };
const struct smp_case linux_smp_4 = { 4, false };
/* The case linux_run_expect()'s factory builds (it takes no argument; cases run one at a time). */
static const struct smp_case *smp_now;

static struct run *smp_run(const struct env *e)
{
	static char cpus[16];
	/* Each boot of a 4-vCPU guest on the testbed's 2 CPUs under TCG: 1.5-3 times a 1-vCPU one. */
	unsigned int timeout_s = 240 + 60 * smp_now->cpus;
	struct run *r;

	snprintf(cpus, sizeof(cpus), "%u", smp_now->cpus);
	if (smp_now->virtio)
		r = virtio_run_cmdline(e, timeout_s,
				       LINUX_CMDLINE " hvguest=virtio hvguest=console hvguest=smp", true);
	else
		r = linux_run_new(e, timeout_s, LINUX_CMDLINE " hvguest=smp");
	if (r && smp_now->virtio) {
		static char hv_stat[512];
		const char *slash = strrchr(e->hv_run, '/');

		arg(r, "--stats");	/* the MSI-X messages each device sent */
		/* hv-stat next to hv-run, on the running VM once its /init runs. */
		snprintf(hv_stat, sizeof(hv_stat), "%.*shv-stat",
			 slash ? (int)(slash - e->hv_run + 1) : 0, e->hv_run);
		r->probe_on = LINUX_INIT_MARKER;
		r->probe_argv[0] = hv_stat;
		r->probe_argv[1] = "--pid";
		r->probe_argv[2] = "@pid";
		r->probe_argv[3] = "--count";
		r->probe_argv[4] = "2";
		r->probe_argv[5] = "--interval";
		r->probe_argv[6] = "1";
	}
	if (r) {
		arg(r, "--cpus");
		arg(r, cpus);
		r->marker = LINUX_INIT_MARKER;
	}
	return r;
}

/*
 * Every "Switched to clocksource X" of the guest's log (guest-init.sh echoes
 * its clocksource lines) names the TSC: tsc-early first, then tsc.
 */
static bool smp_clocksource_stayed_tsc(const struct run *r)
{
	static const char key[] = "Switched to clocksource ";
	const char *p = r->out, *end = r->out + r->out_len;

	while ((p = memmem(p, end - p, key, strlen(key)))) {
		const char *name = p + strlen(key);
		size_t n = strcspn(name, " \r\n");

		if (name + n > end)
			n = end - name;
		if (!(n == 3 && !strncmp(name, "tsc", 3)) && !(n == 9 && !strncmp(name, "tsc-early", 9))) {
			ktap_print_msg("the guest switched to clocksource %.*s\n", (int)n, name);
			return false;
		}
		p = name;
	}
	return true;
}

/*
 * A kernel warning in the guest's log other than the mitigation advisories
 * the testbed's own kernel prints too (check.sh's allow list).
 */
static bool smp_guest_warned(const struct run *r)
{
	static const char *const advisory[] = {
		"Speculative Return Stack Overflow: WARNING: See https",
		"WARNING: Unprivileged eBPF is enabled",
	};
	const char *p = r->out, *end = r->out + r->out_len;

	while ((p = memmem(p, end - p, "WARNING:", 8))) {
		const char *bol = p, *eol = memchr(p, '\n', end - p);
		bool allowed = false;
		unsigned int i;

		while (bol > r->out && bol[-1] != '\n')
			bol--;
		if (!eol)
			eol = end;
		for (i = 0; i < sizeof(advisory) / sizeof(advisory[0]); i++)
			allowed |= memmem(bol, eol - bol, advisory[i], strlen(advisory[i])) != NULL;
		if (!allowed) {
			ktap_print_msg("the guest warned: %.*s\n", (int)(eol - bol), bol);
			return true;
		}
		p = eol;
	}
	return false;
}

static enum verdict smp_verdict(const struct run *r, unsigned int n)
{
	static const char *const bad[] = {
		"unstable", "BUG:", "Call Trace", "APIC ID mismatch", "not ok ",
	};
	char want[32], cpus[4 * 64 + 1];
	unsigned int i;
	size_t len = 0;

	for (i = 0; i < n && len < sizeof(cpus) - 4; i++)
		len += snprintf(cpus + len, sizeof(cpus) - len, "%s%u", i ? " " : "", i);
	snprintf(want, sizeof(want), "%u", n);
	if (!guest_says(r, "hv-guest: nproc ", want))
		return FAIL;
	snprintf(want, sizeof(want), "%u of %u CPUs", n, n);
	if (!guest_says(r, "hv-guest: LOC rose on ", want))
		return FAIL;
	if (!guest_says(r, "hv-guest: work ran on cpus ", cpus))
		return FAIL;
	/* tsc-early until the kernel's refined calibration (a second or more after boot) switches. */
	if (!find(r->out, r->out_len, "hv-guest: clocksource tsc\n") &&
	    !find(r->out, r->out_len, "hv-guest: clocksource tsc\r\n") &&
	    !find(r->out, r->out_len, "hv-guest: clocksource tsc-early\n") &&
	    !find(r->out, r->out_len, "hv-guest: clocksource tsc-early\r\n")) {
		ktap_print_msg("the guest's clocksource is not the TSC\n");
		return FAIL;
	}
	if (!smp_clocksource_stayed_tsc(r))
		return FAIL;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (find(r->out, r->out_len, bad[i])) {
			ktap_print_msg("the guest's log has \"%s\"\n", bad[i]);
			return FAIL;
		}
	}
	return smp_guest_warned(r) ? FAIL : PASS;
}

/*
 * hv-stat --pid on the running guest (smp_run's probe): both intervals
 * name every vCPU and count I/O exits, the second with a rate.
 */
static bool hv_stat_verdict(const struct run *r, unsigned int cpus)
{
	char want[32];
	const char *p = r->probe_out, *second;
	unsigned long long exits;
	double rate;

	snprintf(want, sizeof(want), "hv-stat: %u vCPUs", cpus);
	second = strstr(p, want) ? strstr(strstr(p, want) + 1, want) : NULL;
	if (r->probe_status != 0 || !second || !strstr(p, "\nio ")) {
		ktap_print_msg("hv-stat --pid on the running guest (status %d) did not show %s twice with I/O exits:\n",
			       r->probe_status, want);
		show_lines("hv-stat", p, strlen(p));
		return false;
	}
	p = strstr(second, "\nio ");
	if (!p || sscanf(p + 4, "%llu %lf", &exits, &rate) != 2 || !exits) {
		ktap_print_msg("hv-stat's second interval has no I/O exits with a rate\n");
		show_lines("hv-stat", r->probe_out, strlen(r->probe_out));
		return false;
	}
	show_lines("hv-stat", second, strlen(second));
	return true;
}

enum verdict linux_smp(const struct env *e, const void *p, const char **skip_why)
{
	const struct smp_case *c = p;
	enum verdict v = PASS;
	struct run *r;
	bool ok;

	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	smp_now = c;
	r = linux_run_expect(smp_run, e, &ok);
	if (!ok) {
		v = FAIL;
	} else {
		v = smp_verdict(r, c->cpus);
		if (v == PASS && c->virtio)
			v = virtio_verdict(r, true, c->cpus);
		if (v == PASS && c->virtio && !hv_stat_verdict(r, c->cpus))
			v = FAIL;
		if (v == FAIL)
			show_run(r);
		else
			show_lines("guest", r->out, r->out_len);
	}
	if (r && r->marker_secs >= 0)
		ktap_print_msg("guest /init reached %.2f s after hv-run started; exit after %.2f s\n",
			       r->marker_secs, r->secs);
	if (c->virtio) {
		unlink(VDA_PATH);
		unlink(VDB_PATH);
	}
	free(r);
	return v;
}

/* ---- SIGKILL of hv-run at random points of a Linux boot ---- */

#define KILL_ROUNDS	3
#define KILL_SLACK_KB	(48 * 1024)

static long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * hv-run is SIGKILLed at seeded random points, KILL_ROUNDS times, of a
 * two-vCPU Linux guest with a virtio disk, in turn:
 *   - during its boot (firmware tables, decompression, driver probes), at
 *     0.3-4 s: /init comes at 7 s or more under TCG;
 *   - during its I/O (hvguest=ioloop: O_DIRECT writes and reads of vdb on
 *     every CPU, so requests are in flight on both queues and the disk's
 *     I/O threads busy), 0.2-2.1 s after it says the loop has begun.
 * Whatever hv-run held, hv must release (the testbed's kmemleak scan and
 * unload_module check the kernel side), and the host's MemAvailable must
 * come back: no guest page stays pinned.
 */
enum verdict linux_sigkill(const struct env *e, const void *unused, const char **skip_why)
{
	const char *seed_env = getenv("HV_VMM_KILL_SEED");
	unsigned int seed = seed_env && *seed_env ? (unsigned int)strtoul(seed_env, NULL, 0) :
			    (unsigned int)time(NULL);
	enum verdict v = PASS;
	long before, after = 0;
	unsigned int i, waited;
	int fd, defects = 0;

	(void)unused;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	/* A sparse 4 MiB disk: the I/O rounds write all over it. */
	fd = open(VDB_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, VDA_BYTES)) {
		ktap_print_msg("%s: %s\n", VDB_PATH, strerror(errno));
		if (fd >= 0)
			close(fd);
		return FAIL;
	}
	close(fd);
	ktap_print_msg("kill seed %u (HV_VMM_KILL_SEED)\n", seed);
	before = mem_available_kb();
	for (i = 0; i < KILL_ROUNDS && v == PASS; i++) {
		bool during_io = i & 1;
		struct run *r = linux_run_new(e, 120, during_io ? LINUX_CMDLINE " hvguest=ioloop" :
							      LINUX_CMDLINE);

		arg(r, "--cpus");
		arg(r, "2");
		arg(r, "--disk");
		arg(r, VDB_PATH);
		if (during_io) {
			r->kill_on = "hv-guest: io loop";
			r->kill_delay_s = 0.2 + (double)(rand_r(&seed) % 20) / 10;
		} else {
			r->kill_after_s = 0.3 + (double)(rand_r(&seed) % 38) / 10;
		}
		if (!run_expect(r, 128 + SIGKILL)) {
			if (emulator_defect(r) && defects++ < LINUX_DEFECT_RETRIES) {
				ktap_print_msg(EMULATOR_DEFECT_MSG ": this round once more\n");
				i--;
			} else {
				v = FAIL;
			}
		}
		free(r);
	}
	unlink(VDB_PATH);
	/* Freeing can lag the process's exit a little (the mm's teardown). */
	for (waited = 0; waited < 100; waited++) {
		after = mem_available_kb();
		if (after >= before - KILL_SLACK_KB)
			break;
		usleep(100000);
	}
	ktap_print_msg("MemAvailable %ld kB before, %ld kB after %u kills\n", before, after, i);
	if (v == PASS && after < before - KILL_SLACK_KB) {
		ktap_print_msg("%ld kB did not come back\n", before - after);
		v = FAIL;
	}
	return v;
}

