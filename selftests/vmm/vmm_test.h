/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm_test: what the harness (vmm_test.c: running hv-run as a child, the
 * usage and test-kernel cases, main) shares with the Linux guest cases
 * (vmm_linux.c).  See vmm_test.c for the environment it reads.
 */
#ifndef HV_VMM_TEST_H
#define HV_VMM_TEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../hv/lib/ktap.h"

#define MAX_ARGS	24
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
	const char *kill_on;		/* SIGKILL hv-run as soon as stdout contains this... */
	double kill_delay_s;		/* ...or this long after (0: at once) */
	double kill_after_s;		/* SIGKILL hv-run this long after it started (0: never) */
	const char *probe_on;		/* when stdout first contains this, run... */
	const char *probe_argv[8];	/* ...this command ("@pid": hv-run's pid), output in probe_out */
	/*
	 * Called after each read of hv-run's output while it runs (@in_fd: its
	 * stdin): a case that talks with the guest in several steps.  Should
	 * return quickly; hv-run's output waits meanwhile.
	 */
	void (*watch)(struct run *r, int pid, int in_fd);
	void *watch_arg;		/* the case's own */

	/* results */
	int status;			/* exit status, 128+signal, -1 if it had to be killed */
	bool timed_out;
	char out[OUT_MAX], err[OUT_MAX];
	char probe_out[8192];		/* the probe's stdout and stderr, NUL-terminated */
	int probe_status;		/* its exit status, -1 if it did not run */
	size_t out_len, err_len;
	double secs;			/* from fork to exit */
	double marker_secs;		/* from fork to the marker, < 0 if never seen */
	time_t wall_start, wall_end;	/* for comparing with the guest's RTC */
};

enum verdict { PASS, FAIL, SKIP };

/* A new hv-run invocation (argv[0] set) that must end within @timeout_s; exits on ENOMEM. */
struct run *run_new(const struct env *e, unsigned int timeout_s);
/* Append an argument (silently dropped past MAX_ARGS - 1: size MAX_ARGS for the longest case). */
void arg(struct run *r, const char *a);
/* @needle in @buf (NUL bytes in @buf allowed), or NULL. */
const char *find(const char *buf, size_t len, const char *needle);
/* @buf as "# <prefix>: " diagnostics, a line each. */
void show_lines(const char *prefix, const char *buf, size_t len);
/* The whole transcript of a run: stdout, stderr, status. */
void show_run(const struct run *r);
/* Run and check the exit status; on a mismatch the transcript is shown. */
bool run_expect(struct run *r, int want);
/* A file the testbed always ships is missing: FAIL inside the testbed, else SKIP. */
enum verdict missing_file(void);

/* The Linux guest cases (vmm_linux.c); @arg of linux_smp: linux_smp_2 or linux_smp_4. */
struct smp_case;
extern const struct smp_case linux_smp_2, linux_smp_4;
enum verdict linux_boot(const struct env *e, const void *arg, const char **skip_why);
enum verdict virtio_blk_rng(const struct env *e, const void *arg, const char **skip_why);
enum verdict linux_smp(const struct env *e, const void *arg, const char **skip_why);
enum verdict linux_sigkill(const struct env *e, const void *arg, const char **skip_why);

/* Shared by the Linux guest cases (vmm_linux.c) and the disk cases (vmm_disk.c). */
#define LINUX_CMDLINE		"console=ttyS0 quiet panic=-1"
/* hv-run booting the testbed's Linux guest with @mem of RAM and @cmdline; the caller adds devices. */
struct run *linux_run_mem(const struct env *e, unsigned int timeout_s, const char *cmdline,
			  const char *mem);
/* Whether Linux can be booted here; if not, *v says how the case ends (SKIP or FAIL). */
bool linux_guest_ready(const struct env *e, const char **skip_why, enum verdict *v);
/* The guest's line starting with @prefix must be followed by exactly @rest (else a diagnostic). */
bool guest_says(const struct run *r, const char *prefix, const char *rest);
/* A "hv-guest: ... failed" line (said as a diagnostic), not the kernel's own log lines. */
bool virtio_guest_failed(const struct run *r);
/*
 * Run the guest @make builds, expecting status 0, once more (up to twice)
 * after a failure with the signature of QEMU TCG's nested-SVM defect
 * (docs/testing.md); *ok: status 0.
 */
struct run *linux_run_expect(struct run *(*make)(const struct env *), const struct env *e, bool *ok);
/*
 * A nested guest that died of QEMU TCG's nested-SVM defect, not of hv (a
 * triple fault with CR2 on the IDT's #DF entry, an hv internal error with
 * the host's CR3 or a RIP in hv itself, an Oops on an int3 no longer in
 * memory; docs/testing.md, "stress_test"): its case may run it once more,
 * up to LINUX_DEFECT_RETRIES times (it hit one virtio boot twice in a row).
 */
#define LINUX_DEFECT_RETRIES	2
#define EMULATOR_DEFECT_MSG	"this failure has the signature of QEMU TCG's nested SVM defect, not of hv (docs/testing.md, \"stress_test\")"
bool emulator_defect(const struct run *r);
bool emulator_defect_text(const char *out, size_t out_len, const char *err, size_t err_len);

/*
 * The memory cases (vmm_mem.c): virtio-balloon, KSM, overcommit.  Each is
 * memory_case() with its struct mem_case as the argument.
 */
struct mem_case;
extern const struct mem_case mem_balloon_inflate_deflate, mem_balloon_free_page_reporting;
extern const struct mem_case mem_ksm_two_guests, mem_overcommit;
enum verdict memory_case(const struct env *e, const void *arg, const char **skip_why);
/* hv-run booting the testbed's Linux guest (vmm_linux.c's linux_run_mem() with its default RAM). */
struct run *linux_run_new(const struct env *e, unsigned int timeout_s, const char *cmdline);

/* The --mem-path cases (vmm_hugetlb.c). */
enum verdict usage_mem_path_no_room(const struct env *e, const void *arg, const char **skip_why);
enum verdict mem_path_hugetlb_pool_short(const struct env *e, const void *arg,
					 const char **skip_why);
enum verdict linux_mem_path_hugetlbfs(const struct env *e, const void *arg, const char **skip_why);

/* The disk cases (vmm_disk.c). */
enum verdict virtio_blk_ext4(const struct env *e, const void *arg, const char **skip_why);

/*
 * The hostile ring cases (vmm_hostile.c, guests/virtio_hostile.c); @arg NULL
 * (virtio-blk, -rng, -console) or &hostile_net (virtio-net on a tap).
 */
struct hostile_run;
extern const struct hostile_run hostile_net;
enum verdict virtio_hostile_rings(const struct env *e, const void *arg, const char **skip_why);

/*
 * The network case (vmm_net.c) and its host side, for any test or benchmark
 * that boots the guest with hvguest=net (guest-init.sh) and --net tap=NET_TAP.
 */
#define NET_TAP			"hvtap0"
#define NET_HOST_IP		"10.0.2.1"
#define NET_GUEST_IP		"10.0.2.15"
#define NET_PORT_TO_GUEST	5001	/* the host sends, the guest reads (hvguest=net's "rx") */
#define NET_PORT_FROM_GUEST	5002	/* the guest sends ("tx"), the host reads */

struct net_host {
	int old_ns;			/* the namespace to return to */
	bool own_ns;			/* unshare(CLONE_NEWNET) worked */
	bool tap_made;
};

/* A namespace of its own (if the kernel allows), NET_TAP with NET_HOST_IP/24, up. */
bool net_host_up(struct net_host *h);
void net_host_down(struct net_host *h);

struct net_transfer {
	uint64_t bytes;
	uint32_t crc;			/* CRC-32 (zlib's, busybox crc32's) of the bytes */
	double secs;			/* from the connection's accept to its end */
	bool done;			/* all sent / the guest closed */
};

struct net_peer {
	uint64_t bytes;			/* to send to the guest per connection */
	int listen_to, listen_from;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;		/* guards the fields below */
	bool stop;
	struct net_transfer to_guest, from_guest;	/* the last of each */
};

/* Listen on both ports (inside the net_host's namespace), serving until net_peer_stop(). */
bool net_peer_start(struct net_peer *p, uint64_t bytes);
/* Forget the last transfers (before a new guest run). */
void net_peer_reset(struct net_peer *p);
void net_peer_stop(struct net_peer *p);
enum verdict virtio_net_tap(const struct env *e, const void *arg, const char **skip_why);

#endif /* HV_VMM_TEST_H */
