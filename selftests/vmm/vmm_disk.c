// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's disk cases: a file system on virtio-blk survives the guest's
 * power-off and hv-run's death (issue 12, "Tests: block").
 *
 * virtio_blk_ext4 makes an ext4 image on the testbed host with mkfs.ext4
 * and boots the Linux guest twice on it with little RAM (EXT4_MEM):
 *   1. hvguest=ext4write: the guest mounts it, writes files of 1 byte,
 *      4095 bytes, 1 MiB + 3 and EXT4_BIG_MIB MiB (more than its page cache
 *      can hold: the guest prints its MemAvailable just before, and the
 *      big file must exceed it, so writeback runs while the file grows),
 *      prints each file's MD5, syncs, then writes 24 MiB more, deletes
 *      them and runs fstrim (DISCARD), unmounts and powers off.  The host
 *      runs `e2fsck -fn` (exit 0: nothing to fix), compares every file's
 *      MD5, read out of the image with debugfs, with the guest's, and
 *      checks that the image's allocated blocks fell back below the files'
 *      size + EXT4_META_MIB (without the holes fstrim punched it would hold
 *      the 24 MiB too).
 *   2. hvguest=ext4kill: the guest mounts it again, writes one more file,
 *      prints its MD5, syncs, says "synced" and goes on writing; the
 *      harness SIGKILLs hv-run the moment that line arrives (no SIGTERM:
 *      hv-run gets no chance to fdatasync).  The host replays the journal
 *      (`e2fsck -y -E journal_only`, what a mount after a crash does), then
 *      `e2fsck -fn` must find nothing to fix, and every file of both boots
 *      must have the guest's MD5.  (MD5 rather than SHA-256: the guest
 *      hashes under nested emulation, and this detects corruption, not an
 *      adversary, at a third of the cost.)  What hv-run owes here: a FLUSH is
 *      answered only after fdatasync() returned, and every write the guest
 *      saw complete was pwritev()'d to the image, i.e. is in the host's page
 *      cache, which a SIGKILL of hv-run does not lose.
 * The host's tools are e2fsprogs' (mkinitramfs.sh copies them into the
 * testbed with their libraries) and busybox's md5sum.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm_test.h"

#define EXT4_IMG	"/tmp/hv-ext4.img"
#define EXT4_IMG_MIB	256
#define EXT4_MEM	"96M"	/* the 6.1 guest kernel and its initrd need more than 80M */
#define EXT4_BIG_MIB	40	/* more than the guest can cache: about 20 MiB are available (checked) */
#define EXT4_FILES_MIB	42	/* the four files, rounded up */
#define EXT4_META_MIB	12	/* journal, inode tables, bitmaps written (measured: about 1) */
#define MKFS_EXT4	"/usr/sbin/mkfs.ext4"
#define E2FSCK		"/usr/sbin/e2fsck"
#define DEBUGFS		"/usr/sbin/debugfs"
#define SYNCED		"hv-guest: ext4 synced"
#define MAX_FILES	8

/* Run @cmd with sh, its output (stdout and stderr) into @out; its exit status, or -1. */
static int tool(const char *cmd, char *out, size_t size)
{
	char full[1024];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	while (n + 1 < size) {
		size_t got = fread(out + n, 1, size - 1 - n, p);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	while (fgetc(p) != EOF)
		;		/* the rest, so that the tool does not die of SIGPIPE */
	st = pclose(p);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A tool run that must exit 0; otherwise its output is shown. */
static bool tool_ok(const char *what, const char *cmd)
{
	static char out[16384];
	int st = tool(cmd, out, sizeof(out));

	if (st == 0)
		return true;
	ktap_print_msg("%s: exit status %d:\n", what, st);
	show_lines(what, out, strlen(out));
	return false;
}

struct file_sum {
	char name[16];
	char sum[33];
};

/* The guest's "hv-guest: ext4 sum <md5> <name>" lines, appended to @f; false on a malformed one. */
static bool guest_sums(const struct run *r, struct file_sum *f, unsigned int *n)
{
	static const char key[] = "hv-guest: ext4 sum ";
	const char *p = r->out, *end = r->out + r->out_len;

	while ((p = memmem(p, end - p, key, strlen(key)))) {
		char sum[33], name[16];
		unsigned int i;

		p += strlen(key);
		if (sscanf(p, "%32s %15s", sum, name) != 2 || strlen(sum) != 32 || *n == MAX_FILES) {
			ktap_print_msg("malformed or too many \"%s\" lines\n", key);
			return false;
		}
		/* The name goes into a shell command: letters only, as guest-init.sh names them. */
		for (i = 0; name[i]; i++)
			if (!islower((unsigned char)name[i]))
				return false;
		strcpy(f[*n].name, name);
		strcpy(f[*n].sum, sum);
		(*n)++;
	}
	return true;
}

/* Each file in the image has the MD5 the guest printed. */
static bool image_sums_match(const struct file_sum *f, unsigned int n)
{
	char cmd[256], out[256];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), DEBUGFS " -R 'cat /%s' " EXT4_IMG " 2>/dev/null | md5sum",
			 f[i].name);
		if (tool(cmd, out, sizeof(out)) != 0 || strncmp(out, f[i].sum, 32)) {
			ktap_print_msg("/%s in the image: MD5 %.32s, the guest wrote %s\n", f[i].name,
				       out, f[i].sum);
			return false;
		}
	}
	ktap_print_msg("%u files in the image match the guest's MD5\n", n);
	return true;
}

/* After fstrim: the image holds the files and metadata, not the deleted scratch file. */
static bool image_trimmed(void)
{
	struct stat st;
	uint64_t mib;

	if (stat(EXT4_IMG, &st)) {
		ktap_print_msg("%s: %s\n", EXT4_IMG, strerror(errno));
		return false;
	}
	mib = (uint64_t)st.st_blocks * 512 >> 20;
	ktap_print_msg("the image has %llu MiB allocated after fstrim\n", (unsigned long long)mib);
	if (mib >= EXT4_FILES_MIB + EXT4_META_MIB) {
		ktap_print_msg("that is %u MiB or more: the deleted 24 MiB were not discarded\n",
			       EXT4_FILES_MIB + EXT4_META_MIB);
		return false;
	}
	return true;
}

/* The big file was more than the guest could cache: its MemAvailable (kB) below EXT4_BIG_MIB. */
static bool big_exceeds_cache(const struct run *r)
{
	const char *at = find(r->out, r->out_len, "hv-guest: ext4 MemAvailable:");
	unsigned long kb;

	if (!at || sscanf(at, "hv-guest: ext4 MemAvailable: %lu kB", &kb) != 1) {
		ktap_print_msg("the guest did not say its MemAvailable\n");
		return false;
	}
	if (kb >= EXT4_BIG_MIB * 1024ul) {
		ktap_print_msg("the guest had %lu kB available: a %u MiB file fits its page cache\n", kb,
			       EXT4_BIG_MIB);
		return false;
	}
	ktap_print_msg("the guest had %lu kB available for a %u MiB file\n", kb, EXT4_BIG_MIB);
	return true;
}

static struct run *ext4_run(const struct env *e, unsigned int timeout_s, const char *mode)
{
	static char cmdline[256];	/* the run keeps a pointer to it */
	struct run *r;

	snprintf(cmdline, sizeof(cmdline), LINUX_CMDLINE " hvguest=ext4 hvguest=%s hvguest_big=%u",
		 mode, EXT4_BIG_MIB);
	r = linux_run_mem(e, timeout_s, cmdline, EXT4_MEM);
	arg(r, "--disk");
	arg(r, EXT4_IMG);
	return r;
}

static struct run *ext4_write_run(const struct env *e)
{
	return ext4_run(e, 600, "ext4write");
}

/* The guest's own word on its run: no failure, no broken device, and @last said. */
static bool ext4_guest_ok(const struct run *r, const char *last)
{
	if (virtio_guest_failed(r) || !find(r->out, r->out_len, last)) {
		show_run(r);
		ktap_print_msg("the guest did not get to \"%s\"\n", last);
		return false;
	}
	if (find(r->err, r->err_len, "needs reset")) {
		show_run(r);
		ktap_print_msg("hv-run put virtio-blk into DEVICE_NEEDS_RESET\n");
		return false;
	}
	/* Which I/O path served the disk: hv-run says so only when io_uring is refused. */
	ktap_print_msg("virtio-blk I/O on %s\n", find(r->err, r->err_len, "io_uring unavailable") ?
		       "the thread path (io_uring refused by this kernel)" : "io_uring");
	return true;
}

static bool make_image(void)
{
	int fd = open(EXT4_IMG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	bool ok = fd >= 0 && !ftruncate(fd, (off_t)EXT4_IMG_MIB << 20);

	if (fd >= 0)
		close(fd);
	if (!ok) {
		ktap_print_msg("%s: %s\n", EXT4_IMG, strerror(errno));
		return false;
	}
	return tool_ok("mkfs.ext4", MKFS_EXT4 " -q -F " EXT4_IMG);
}

enum verdict virtio_blk_ext4(const struct env *e, const void *p, const char **skip_why)
{
	struct file_sum files[MAX_FILES];
	enum verdict v = PASS;
	unsigned int n = 0;
	struct run *r;
	bool ok;

	(void)p;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	if (access(MKFS_EXT4, X_OK) || access(E2FSCK, X_OK) || access(DEBUGFS, X_OK)) {
		ktap_print_msg("e2fsprogs (%s, %s, %s) is missing\n", MKFS_EXT4, E2FSCK, DEBUGFS);
		*skip_why = "no e2fsprogs on this host";
		return missing_file();
	}
	if (!make_image())
		return FAIL;

	/* 1: write, sync, power off. */
	r = linux_run_expect(ext4_write_run, e, &ok);
	ok = ok && ext4_guest_ok(r, "hv-guest: ext4 unmounted") && big_exceeds_cache(r) &&
	     guest_sums(r, files, &n);
	if (ok && n != 4) {
		ktap_print_msg("the guest reported %u files, not 4\n", n);
		ok = false;
	}
	if (ok)
		show_lines("guest", r->out, r->out_len);
	ktap_print_msg("write boot: %.1f s\n", r->secs);
	free(r);
	ok = ok && tool_ok("e2fsck after power-off", E2FSCK " -fn " EXT4_IMG) &&
	     image_sums_match(files, n) && image_trimmed();

	/* 2: write, sync, SIGKILL. */
	if (ok) {
		r = ext4_run(e, 400, "ext4kill");
		r->kill_on = SYNCED;
		ok = run_expect(r, 128 + SIGKILL) && ext4_guest_ok(r, SYNCED) &&
		     guest_sums(r, files, &n);
		if (ok)
			show_lines("guest", r->out, r->out_len);
		ktap_print_msg("kill boot: %.1f s\n", r->secs);
		free(r);
		ok = ok && tool_ok("journal replay after SIGKILL", E2FSCK " -y -E journal_only " EXT4_IMG) &&
		     tool_ok("e2fsck after SIGKILL", E2FSCK " -fn " EXT4_IMG) && image_sums_match(files, n);
	}
	unlink(EXT4_IMG);
	return ok ? PASS : FAIL;
}
