// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: a thin VMM over /dev/hv.  Options, checks of everything the user
 * gave us (each problem is one line on stderr and exit status 2), the
 * terminal, and the VM's life.  The only global is the one struct vm; the
 * terminal restore at exit and in fatal signal handlers needs it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "boot/boot.h"
#include "virtio/blk.h"
#include "virtio/net.h"
#include "vm.h"

#define HV_RUN_VERSION		"0.1.0"
#define DEFAULT_MEM		(256ull << 20)
#define KERNEL_MAX		(256ull << 20)	/* refuse absurd files before reading them */
#define INITRD_MAX		(1ull << 32)	/* the boot protocols' 32-bit size fields */

static struct vm the_vm;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hv-run --kernel FILE [options]\n"
		"Boot a Linux bzImage or a multiboot (v1) kernel under hv (/dev/hv).\n"
		"\n"
		"  --kernel FILE     bzImage (64-bit boot protocol 2.12+) or multiboot v1 image\n"
		"  --initrd FILE     initramfs (Linux) or the boot module (multiboot)\n"
		"  --cmdline STR     kernel command line (bzImage default: '" LINUX_DEFAULT_CMDLINE "')\n"
		"  --mem SIZE        guest RAM; suffix K, M, G or T, plain numbers are MiB (default 256M)\n"
		"  --hugepages       guest RAM on the host's transparent huge pages (MADV_HUGEPAGE,\n"
		"                    2 MiB-aligned): hv maps them with 2 MiB nested leaves\n"
		"  --mem-path DIR    guest RAM from a file made (and unlinked at once) in DIR,\n"
		"                    mapped shared; on a hugetlbfs mount (e.g. /dev/hugepages)\n"
		"                    its huge pages, all reserved at start (too few free ones\n"
		"                    in the pool: status 2), --mem rounded up to a whole number\n"
		"                    of them; hv maps them with 2 MiB nested leaves\n"
		"  --cpus N          vCPUs, 1 to 64 (default 1); more than 1 needs hv's local APIC\n"
		"  --no-lapic        no local APIC, I/O APIC or MADT: the 8259-only, single-vCPU PC\n"
		"  --cpu-affinity LIST  pin vCPU i's thread to the i-th host CPU of LIST (e.g. 0,2-3)\n"
		"  --console stdio   serial port 0x3f8 on stdin/stdout (default); 'none' detaches it;\n"
		"                    'virtio': a virtio-console PCI device (the guest's hvc0, add\n"
		"                    console=hvc0) on stdin/stdout, the serial port output only\n"
		"  --disk PATH[,ro][,cache=none|writeback][,aio=io_uring|threads]\n"
		"                    a raw disk image as a virtio-blk PCI device (vda, vdb... in the\n"
		"                    order given; up to 8; one request queue per vCPU); ',ro':\n"
		"                    read-only, guest writes fail; cache=writeback (default): through\n"
		"                    the host's page cache, a guest flush is fdatasync; cache=none:\n"
		"                    O_DIRECT, bypassing it (refused where the file system cannot);\n"
		"                    aio=io_uring (default): many requests in flight per queue,\n"
		"                    threads where the host refuses io_uring; aio=threads: one\n"
		"                    request at a time per queue, synchronous (cache=none is so)\n"
		"  --rng             a virtio-rng PCI device fed by the host's getrandom()\n"
		"  --net tap=NAME[,mac=xx:xx:xx:xx:xx:xx]\n"
		"                    a virtio-net PCI device on the existing host tap device NAME\n"
		"                    (ip tuntap add NAME mode tap; hv-run does not make one): one\n"
		"                    queue pair, checksum and TSO offloads both ways, mergeable\n"
		"                    receive buffers; mac= the guest's address (default\n"
		"                    52:54:00:68:76:01, locally administered)\n"
		"  --balloon FILE[,report]\n"
		"                    a virtio-balloon PCI device; at each SIGUSR2 hv-run reads FILE,\n"
		"                    a size as for --mem (0 empties the balloon), makes it the\n"
		"                    balloon's target and prints its state and the guest's memory\n"
		"                    statistics on stderr; pages the guest puts in the balloon\n"
		"                    go back to the host (MADV_DONTNEED); ',report': also the free\n"
		"                    pages the guest reports (free page reporting)\n"
		"  --mem-merge       guest RAM may be merged with identical pages by the host's KSM\n"
		"                    (MADV_MERGEABLE; /sys/kernel/mm/ksm/run must be 1)\n"
		"  --no-ioeventfd    virtio queue notifications exit to hv-run (default: hv signals\n"
		"                    an eventfd in the kernel and the vCPU goes on: HV_IOEVENTFD)\n"
		"  --no-coalesced    writes to the CMOS index and POST ports exit to hv-run (default: hv\n"
		"                    queues them in its coalesced ring until the next exit)\n"
		"  --stats           at exit, print run time, memory and exits per reason on stderr\n"
		"  --debug           log unclaimed I/O, POST codes and boot details on stderr\n"
		"  --help, --version\n"
		"Each option but --disk may be given once; numbers are decimal.\n"
		"\n"
		"Exit status: 0 guest powered off, 1 VMM or hypervisor error, 2 bad usage or input,\n"
		"3 guest reset, 4 triple fault, 5 every vCPU halted with interrupts disabled\n"
		"(--no-lapic only: with the local APIC an NMI or INIT could still wake them);\n"
		"a guest write of V to port 0xf4 ends hv-run with status V & 0xff.\n");
}

/* One line, status 2. */
static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hv-run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see hv-run --help)\n");
	return VM_EXIT_USAGE;
}

/* "256M", "1G", "512" (MiB), "65536K", "2GiB": false if malformed or overflowing. */
bool parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 20;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (*p) {
		const char *units = "KMGT", *u = strchr(units, *p & ~0x20);

		if (!u)
			return false;
		shift = 10 * (unsigned int)(u - units + 1);
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
	}
	if (*p || v > (UINT64_MAX >> shift))
		return false;
	*bytes = v << shift;
	return true;
}

/*
 * A decimal number of digits only ("-1", " 1", "+1", "0x10" are not), no
 * larger than UINT64_MAX: false if malformed or overflowing.  The caller
 * checks the range on this value, before any narrowing.
 */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/*
 * "PATH[,ro][,cache=none|writeback][,aio=threads|io_uring]": one line and
 * status 2 for anything else, or a file we cannot open so.
 */
static int parse_disk(const char *arg, struct vm_config *cfg)
{
	static char paths[VM_MAX_DISKS][4096];
	const char *comma = strchr(arg, ','), *opt;
	struct vm_disk *d;
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	bool cache_given = false, aio_given = false;

	if (cfg->nr_disks == VM_MAX_DISKS)
		return bad_usage("--disk %s: at most 8 disks", arg);
	if (!len || len >= sizeof(paths[0]))
		return bad_usage("--disk '%s': not PATH[,ro][,cache=none|writeback][,aio=threads|io_uring]",
				 arg);
	d = &cfg->disks[cfg->nr_disks];
	memset(d, 0, sizeof(*d));
	memcpy(paths[cfg->nr_disks], arg, len);
	paths[cfg->nr_disks][len] = 0;
	d->path = paths[cfg->nr_disks];
	for (opt = comma; opt; opt = strchr(opt + 1, ',')) {
		const char *o = opt + 1;
		size_t n = strcspn(o, ",");

		if (n == 2 && !strncmp(o, "ro", 2) && !d->ro) {
			d->ro = true;
		} else if (!cache_given && n == 10 && !strncmp(o, "cache=none", 10)) {
			d->direct = true;
			cache_given = true;
		} else if (!cache_given && n == 15 && !strncmp(o, "cache=writeback", 15)) {
			cache_given = true;
		} else if (!aio_given && n >= 4 && !strncmp(o, "aio=", 4)) {
			enum virtio_blk_aio aio;

			if (virtio_blk_parse_aio(o + 4, n - 4, &aio))
				return bad_usage("--disk '%s': aio= is 'threads' or 'io_uring'", arg);
			d->aio_threads = aio == VIRTIO_BLK_AIO_THREADS;
			aio_given = true;
		} else {
			return bad_usage("--disk '%s': the options after PATH are ',ro', ',cache=none' or ',cache=writeback', and ',aio=threads' or ',aio=io_uring', each once",
					 arg);
		}
	}
	if (access(d->path, d->ro ? R_OK : R_OK | W_OK)) {
		fprintf(stderr, "hv-run: --disk %s: %s%s\n", d->path, strerror(errno),
			errno == EACCES && !d->ro ? " (',ro' for a read-only disk)" : "");
		return VM_EXIT_USAGE;
	}
	cfg->nr_disks++;
	return 0;
}

/* "tap=NAME[,mac=...]": the tap opened now, so that a bad one is one line and status 2. */
static int parse_net(const char *arg, struct vm_config *cfg)
{
	static struct virtio_net_options o;
	char why[256];
	int fd;

	if (virtio_net_parse_option(arg, &o, why, sizeof(why)))
		return bad_usage("%s", why);
	fd = virtio_net_open_tap(o.tap, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr, "hv-run: %s\n", why);
		return VM_EXIT_USAGE;
	}
	cfg->net = true;
	cfg->net_tap = o.tap;
	cfg->net_tap_fd = fd;
	memcpy(cfg->net_mac, o.mac, sizeof(cfg->net_mac));
	return 0;
}

/*
 * "FILE[,report]": the target file need not exist yet (it is read at each
 * SIGUSR2), but its name must be usable.
 */
static int parse_balloon(const char *arg, struct vm_config *cfg)
{
	static char path[4096];
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);

	if (!len || len >= sizeof(path))
		return bad_usage("--balloon '%s': not FILE[,report]", arg);
	if (comma && strcmp(comma, ",report"))
		return bad_usage("--balloon '%s': the one option after FILE is ',report'", arg);
	memcpy(path, arg, len);
	path[len] = 0;
	cfg->balloon = path;
	cfg->balloon_report = comma != NULL;
	return 0;
}

/*
 * --cpu-affinity: a comma-separated list of host CPUs and ranges (taskset's
 * "0,2-3"), each CPU one hv-run may run on (sched_getaffinity()); entry i is
 * vCPU i's.  Entries past VM_MAX_CPUS are checked but unused.  The list
 * must cover --cpus, checked once all options are read.
 */
static int parse_affinity(const char *arg, struct vm_config *cfg)
{
	const char *p = arg;
	char why[160];
	cpu_set_t allowed;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_ZERO(&allowed);
	cfg->nr_affinity = 0;
	for (;;) {
		uint64_t lo, hi, c;
		size_t n = strspn(p, "0123456789");
		char num[24];

		if (!n || n >= sizeof(num))
			return bad_usage("--cpu-affinity '%s': not a list of host CPUs like 0,2-3", arg);
		memcpy(num, p, n);
		num[n] = 0;
		p += n;
		if (!parse_u64(num, &lo))
			return bad_usage("--cpu-affinity '%s': not a list of host CPUs like 0,2-3", arg);
		hi = lo;
		if (*p == '-') {
			n = strspn(++p, "0123456789");
			if (!n || n >= sizeof(num))
				return bad_usage("--cpu-affinity '%s': not a list of host CPUs like 0,2-3", arg);
			memcpy(num, p, n);
			num[n] = 0;
			p += n;
			if (!parse_u64(num, &hi))
				return bad_usage("--cpu-affinity '%s': not a list of host CPUs like 0,2-3", arg);
			if (hi < lo)
				return bad_usage("--cpu-affinity '%s': a range must go upwards (like 2-3)", arg);
		}
		for (c = lo; c <= hi; c++) {
			if (c >= CPU_SETSIZE || !CPU_ISSET((int)c, &allowed)) {
				snprintf(why, sizeof(why), "--cpu-affinity %.64s: host CPU %" PRIu64
					 " is not one hv-run may run on", arg, c);
				return bad_usage("%s", why);
			}
			if (cfg->nr_affinity < VM_MAX_CPUS)
				cfg->cpu_affinity[cfg->nr_affinity++] = (int)c;
		}
		if (!*p)
			return 0;
		if (*p++ != ',')
			return bad_usage("--cpu-affinity '%s': not a list of host CPUs like 0,2-3", arg);
	}
}

enum { OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CPUS, OPT_CONSOLE, OPT_STATS,
       OPT_DEBUG, OPT_VERSION, OPT_RNG, OPT_HUGEPAGES, OPT_NO_LAPIC, OPT_AFFINITY, OPT_NO_IOEVENTFD,
       OPT_NO_COALESCED, OPT_NET, OPT_BALLOON, OPT_MEM_MERGE, OPT_MEM_PATH, OPT_END,
       OPT_DISK };

/*
 * --mem-path DIR, once --mem is known: DIR a writable directory; options
 * that need anonymous RAM refused; off hugetlbfs, room for all of RAM (a
 * full file system would otherwise be a SIGBUS at some guest touch).  The
 * huge page pool is checked when the RAM is mapped (vm.c).
 */
static int check_mem_path(struct vm_config *cfg)
{
	struct mem_dir_info info;
	char why[PATH_MAX + 160];
	int r;

	r = mem_probe_dir(cfg->mem_path, &info);
	if (r) {
		snprintf(why, sizeof(why), "--mem-path %s: %s%s", cfg->mem_path, strerror(-r),
			 r == -ENOTDIR ? " (a directory is wanted, to make the file in)" : "");
		return bad_usage("%s", why);
	}
	if (cfg->hugepages)
		return bad_usage("%s", "--hugepages and --mem-path: one or the other (on a hugetlbfs mount --mem-path gives huge pages itself)");
	if (cfg->mem_merge)
		return bad_usage("%s", "--mem-merge and --mem-path: KSM merges only anonymous memory, not a file's");
	if (!info.hugetlbfs && info.avail < cfg->mem_size) {
		snprintf(why, sizeof(why), "--mem-path %s: %" PRIu64 "M free there, --mem needs %" PRIu64 "M",
			 cfg->mem_path, info.avail >> 20, (cfg->mem_size + (1 << 20) - 1) >> 20);
		return bad_usage("%s", why);
	}
	cfg->mem_hugetlbfs = info.hugetlbfs;
	cfg->mem_page_size = info.page_size;
	return 0;
}

static int parse_options(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "rng", no_argument, NULL, OPT_RNG },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "no-lapic", no_argument, NULL, OPT_NO_LAPIC },
		{ "no-ioeventfd", no_argument, NULL, OPT_NO_IOEVENTFD },
		{ "no-coalesced", no_argument, NULL, OPT_NO_COALESCED },
		{ "cpu-affinity", required_argument, NULL, OPT_AFFINITY },
		{ "net", required_argument, NULL, OPT_NET },
		{ "balloon", required_argument, NULL, OPT_BALLOON },
		{ "mem-merge", no_argument, NULL, OPT_MEM_MERGE },
		{ "mem-path", required_argument, NULL, OPT_MEM_PATH },
		{ "disk", required_argument, NULL, OPT_DISK },	/* repeatable: after OPT_END */
		{ NULL, 0, NULL, 0 },
	};
	uint64_t host_ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	bool seen[OPT_END - OPT_KERNEL] = { false };
	const char *cpus_arg = "1";
	int c, longindex, r;

	cfg->mem_size = DEFAULT_MEM;
	cfg->nr_cpus = 1;
	cfg->console = true;
	cfg->net_tap_fd = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, &longindex)) != -1) {
		const char *arg = optarg;
		uint64_t n;

		/*
		 * Each option once: a second --kernel (or --mem...) is far more
		 * likely a mistake in a script than a wish for the last one to win.
		 */
		if (c >= OPT_KERNEL && c < OPT_END) {
			if (seen[c - OPT_KERNEL])
				return bad_usage("--%s given twice", opts[longindex].name);
			seen[c - OPT_KERNEL] = true;
		}
		switch (c) {
		case OPT_KERNEL: cfg->kernel = arg; break;
		case OPT_INITRD: cfg->initrd = arg; break;
		case OPT_CMDLINE: cfg->cmdline = arg; break;
		case OPT_STATS: cfg->stats = true; break;
		case OPT_DEBUG: cfg->debug = true; break;
		case OPT_RNG: cfg->rng = true; break;
		case OPT_HUGEPAGES: cfg->hugepages = true; break;
		case OPT_NO_LAPIC: cfg->no_lapic = true; break;
		case OPT_NO_IOEVENTFD: cfg->no_ioeventfd = true; break;
		case OPT_NO_COALESCED: cfg->no_coalesced = true; break;
		case OPT_MEM_MERGE: cfg->mem_merge = true; break;
		case OPT_MEM_PATH: cfg->mem_path = arg; break;
		case OPT_BALLOON:
			r = parse_balloon(arg, cfg);
			if (r)
				return r;
			break;
		case OPT_AFFINITY:
			r = parse_affinity(arg, cfg);
			if (r)
				return r;
			break;
		case OPT_NET:
			r = parse_net(arg, cfg);
			if (r)
				return r;
			break;
		case OPT_DISK:
			r = parse_disk(arg, cfg);
			if (r)
				return r;
			break;
		case 'h': usage(stdout); exit(0);
		case OPT_VERSION: printf("hv-run %s (hv API %d)\n", HV_RUN_VERSION, HV_API_VERSION); exit(0);
		case OPT_MEM:
			if (!parse_size(arg, &cfg->mem_size))
				return bad_usage("--mem '%s': not a size like 256M or 1G", arg);
			if (cfg->mem_size < MEM_MIN_SIZE)
				return bad_usage("--mem %s: the guest needs at least 16M", arg);
			if (cfg->mem_size & 0xfff)
				return bad_usage("--mem %s: not a multiple of 4K", arg);
			if (host_ram && cfg->mem_size > host_ram) {
				fprintf(stderr, "hv-run: --mem %s: more than the host's %" PRIu64 "M of RAM\n",
					arg, host_ram >> 20);
				return VM_EXIT_USAGE;
			}
			/* 4-level nested paging reaches 2^48; RAM above 3 GiB moves up by 1 GiB. */
			if (cfg->mem_size > (1ull << 47))
				return bad_usage("--mem %s: beyond what the guest can address", arg);
			break;
		case OPT_CPUS:
			/* All digits but too long for 64 bits is still "more than 1". */
			if (!parse_u64(arg, &n))
				n = *arg && !arg[strspn(arg, "0123456789")] ? UINT64_MAX : 0;
			if (n < 1)
				return bad_usage("--cpus '%s': not a positive number", arg);
			if (n > VM_MAX_CPUS)
				return bad_usage("--cpus %s: at most 64 vCPUs", arg);
			cfg->nr_cpus = (unsigned int)n;
			cpus_arg = arg;
			break;
		case OPT_CONSOLE:
			cfg->console = strcmp(arg, "none") != 0;
			cfg->virtio_console = !strcmp(arg, "virtio");
			if (strcmp(arg, "stdio") && strcmp(arg, "none") && strcmp(arg, "virtio"))
				return bad_usage("--console '%s': only 'stdio', 'virtio' and 'none' exist",
						 arg);
			break;
		case ':':
			return bad_usage("%s needs an argument", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!cfg->kernel)
		return bad_usage("%s", "no --kernel given");
	if (cfg->no_lapic && cfg->nr_cpus > 1)
		return bad_usage("--cpus %s: more than one vCPU needs the local APIC, which --no-lapic leaves out",
				 cpus_arg);
	if (cfg->nr_affinity && cfg->nr_affinity < cfg->nr_cpus) {
		char why[96];

		snprintf(why, sizeof(why), "--cpu-affinity names %u host CPUs for %u vCPUs",
			 cfg->nr_affinity, cfg->nr_cpus);
		return bad_usage("%s", why);
	}
	if (cfg->mem_path)
		return check_mem_path(cfg);
	return 0;
}

/* ---- the terminal: raw while the guest owns it, always restored ---- */

static void restore_terminal(void)
{
	if (the_vm.termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &the_vm.saved_termios);
}

static void fatal_signal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_terminal(struct vm *vm)
{
	static const int fatal[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGSEGV, SIGBUS, SIGFPE,
				     SIGILL, SIGABRT };
	struct termios raw;
	unsigned int i;

	/* A closed stdout must not kill us mid-run: writes then fail with EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (!vm->cfg.console || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &vm->saved_termios))
		return;
	vm->termios_saved = true;
	atexit(restore_terminal);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
	raw = vm->saved_termios;
	/* Every key goes to the guest (Ctrl-C too); output is passed through as the guest wrote it. */
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

/*
 * SIGTERM stops the VM the way a guest power-off does, so that the disks
 * finish their request in flight and fdatasync, and each vCPU's state is
 * reported on stderr (where a hung guest was); main() then dies of the
 * signal as before.  It is blocked in every thread and taken here.
 */
static volatile sig_atomic_t got_sigterm;

/*
 * With --balloon, SIGUSR2 is blocked in every thread too and taken here:
 * the balloon's control (vm_balloon_control()).
 */
static void control_signals(sigset_t *set, const struct vm *vm)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	if (vm->cfg.balloon)
		sigaddset(set, SIGUSR2);
}

static void *sigterm_thread(void *opaque)
{
	struct vm *vm = opaque;
	sigset_t set;
	int sig;

	control_signals(&set, vm);
	while (!sigwait(&set, &sig)) {
		if (sig == SIGUSR2) {
			vm_balloon_control(vm);
			continue;
		}
		got_sigterm = 1;
		vm_request_stop_by(vm, VM_EXIT_ERROR, "SIGTERM");
		break;
	}
	return NULL;
}

static void block_sigterm(const struct vm *vm)
{
	sigset_t set;

	control_signals(&set, vm);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void die_of_sigterm(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	signal(SIGTERM, SIG_DFL);
	raise(SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	pthread_t sigterm_tid;
	struct vm *vm = &the_vm;
	struct boot_file kernel, initrd = { 0 };
	enum boot_kind kind;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &vm->start);
	r = parse_options(argc, argv, &vm->cfg);
	if (r)
		return r;
	if (boot_file_read(&kernel, vm->cfg.kernel, KERNEL_MAX))
		return VM_EXIT_USAGE;
	kind = boot_detect(&kernel);
	if (kind == BOOT_NONE) {
		fprintf(stderr, "hv-run: %s: neither a bzImage nor a multiboot kernel\n", vm->cfg.kernel);
		return VM_EXIT_USAGE;
	}
	if (vm->cfg.initrd && boot_file_read(&initrd, vm->cfg.initrd, INITRD_MAX))
		return VM_EXIT_USAGE;

	block_sigterm(vm);	/* before any thread exists: all inherit it */
	r = vm_create(vm);
	if (!r && pthread_create(&sigterm_tid, NULL, sigterm_thread, vm) == 0)
		pthread_detach(sigterm_tid);
	if (!r)
		r = vm_load(vm, kind, &kernel, &initrd);
	boot_file_free(&kernel);
	boot_file_free(&initrd);
	if (!r) {
		setup_terminal(vm);
		r = vm_run(vm);
		restore_terminal();
	}
	vm_destroy(vm);
	if (got_sigterm)
		die_of_sigterm();
	return r;
}
