// SPDX-License-Identifier: GPL-2.0
/*
 * hv-stat: the exits of a running VM per reason, live, from hv's binary
 * stats files (HV_GET_STATS_FD; docs/abi.md, "Binary statistics"), in the
 * manner of `perf kvm stat live`.
 *
 *   hv-stat --pid PID [--interval SECS] [--count N] [--csv]
 *       every vCPU of the hv-run (or other VMM) process PID: the stats
 *       files it holds open (anon_inode:hv-stats; hv-run opens one per
 *       vCPU) are taken with pidfd_getfd(), which needs the right to
 *       ptrace PID (the same user, or CAP_SYS_PTRACE).  Each interval
 *       prints, per reason with exits in it: the exits, their rate, and
 *       hv's and the VMM's time per exit (mean, and p50/p99 from the log2
 *       histograms, as the bucket's upper bound).  The screen is redrawn
 *       when stdout is a terminal; N intervals, or until interrupted.
 *   hv-stat --file PATH [--csv]
 *       one stats file (a copy, or /proc/PID/fd/N), totals since it began.
 *
 * It reads the files by their own description only (header, descriptors
 * with name, type, unit and count; no structure of hv's uapi header), so
 * it also reads what a later hv adds.  --csv prints every histogram bucket
 * (reason, what, bucket upper bound in ns, count) for a chart instead.
 * Bad options: one line, status 2.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES	64
#define MAX_REASONS	64
#define NAME_SIZE	48	/* the descriptors' name field */
#define MAGIC		0x54535648u
#define TYPE_COUNTER	0
#define TYPE_LOG2_HIST	1
#define MAX_BUCKETS	64

struct desc {
	uint32_t type, unit, count, offset;
	char name[NAME_SIZE + 1];
};

struct file {
	int fd;
	uint32_t data_offset, data_size, ndesc;
	struct desc *d;
	uint64_t *data;
};

/* One reason's figures, summed over the vCPUs. */
struct reason {
	char name[NAME_SIZE];
	uint64_t exits, kernel_sum, vmm_sum;
	uint64_t kernel_hist[MAX_BUCKETS], vmm_hist[MAX_BUCKETS];
	unsigned int buckets;
	bool has_vmm;
};

static int usage_error(const char *what)
{
	fprintf(stderr, "hv-stat: %s (hv-stat --pid PID [--interval SECS] [--count N] [--csv] | "
		"hv-stat --file PATH [--csv])\n", what);
	return 2;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the header and the descriptors; 0, or -1 with a line on stderr. */
static int file_open(struct file *f, int fd, const char *what)
{
	unsigned char h[64], *dbuf;
	uint32_t desc_offset, desc_size, i;

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	if (pread(fd, h, sizeof(h), 0) != sizeof(h) || le32(h) != MAGIC) {
		fprintf(stderr, "hv-stat: %s: not an hv stats file\n", what);
		return -1;
	}
	f->ndesc = le32(h + 12);
	desc_size = le32(h + 16);
	desc_offset = le32(h + 20);
	f->data_offset = le32(h + 24);
	f->data_size = le32(h + 28);
	if (!f->ndesc || f->ndesc > 65536 || desc_size < 16 + NAME_SIZE || f->data_size % 8 ||
	    f->data_size > (64u << 20)) {
		fprintf(stderr, "hv-stat: %s: a header this tool cannot read\n", what);
		return -1;
	}
	dbuf = malloc((size_t)f->ndesc * desc_size);
	f->d = calloc(f->ndesc, sizeof(*f->d));
	f->data = malloc(f->data_size ? f->data_size : 8);
	if (!dbuf || !f->d || !f->data ||
	    pread(fd, dbuf, (size_t)f->ndesc * desc_size, desc_offset) != (ssize_t)f->ndesc * desc_size) {
		fprintf(stderr, "hv-stat: %s: cannot read its descriptors\n", what);
		free(dbuf);
		return -1;
	}
	for (i = 0; i < f->ndesc; i++) {
		const unsigned char *p = dbuf + (size_t)i * desc_size;
		struct desc *d = &f->d[i];

		d->type = le32(p);
		d->unit = le32(p + 4);
		d->count = le32(p + 8);
		d->offset = le32(p + 12);
		memcpy(d->name, p + 16, NAME_SIZE);
		d->name[NAME_SIZE] = '\0';
		if (d->offset % 8 || (uint64_t)d->offset + 8ULL * d->count > f->data_size) {
			fprintf(stderr, "hv-stat: %s: descriptor %s points outside the data\n", what,
				d->name);
			free(dbuf);
			return -1;
		}
	}
	free(dbuf);
	return 0;
}

static int file_read(struct file *f)
{
	return pread(f->fd, f->data, f->data_size, f->data_offset) == (ssize_t)f->data_size ? 0 : -1;
}

static struct reason *reason_of(struct reason *r, unsigned int *n, const char *name)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	if (*n == MAX_REASONS)
		return NULL;
	memset(&r[*n], 0, sizeof(r[*n]));
	snprintf(r[*n].name, sizeof(r[*n].name), "%s", name);
	return &r[(*n)++];
}

/* Adds every file's values into @r by the descriptors' names ("<what>.<reason>"). */
static unsigned int gather(struct file *files, unsigned int nfiles, struct reason *r)
{
	unsigned int n = 0, i, j, b;

	for (i = 0; i < nfiles; i++) {
		for (j = 0; j < files[i].ndesc; j++) {
			const struct desc *d = &files[i].d[j];
			const uint64_t *v = files[i].data + d->offset / 8;
			const char *dot = strchr(d->name, '.');
			struct reason *x;
			size_t what;

			if (!dot)
				continue;
			what = (size_t)(dot - d->name);
			x = reason_of(r, &n, dot + 1);
			if (!x)
				continue;
			if (d->type == TYPE_COUNTER && d->count == 1) {
				if (what == 5 && !strncmp(d->name, "exits", 5))
					x->exits += v[0];
				else if (what == 13 && !strncmp(d->name, "kernel_ns_sum", 13))
					x->kernel_sum += v[0];
				else if (what == 10 && !strncmp(d->name, "vmm_ns_sum", 10))
					x->vmm_sum += v[0];
			} else if (d->type == TYPE_LOG2_HIST && d->count <= MAX_BUCKETS) {
				bool vmm = what == 6 && !strncmp(d->name, "vmm_ns", 6);

				if (!vmm && !(what == 9 && !strncmp(d->name, "kernel_ns", 9)))
					continue;
				for (b = 0; b < d->count; b++)
					(vmm ? x->vmm_hist : x->kernel_hist)[b] += v[b];
				if (d->count > x->buckets)
					x->buckets = d->count;
				x->has_vmm |= vmm;
			}
		}
	}
	return n;
}

/* The upper bound of the bucket where the @pct-th percentile falls (ns), 0 if empty. */
static uint64_t hist_pct(const uint64_t *h, unsigned int n, unsigned int pct)
{
	uint64_t total = 0, seen = 0, want;
	unsigned int b;

	for (b = 0; b < n; b++)
		total += h[b];
	if (!total)
		return 0;
	want = (total * pct + 99) / 100;
	for (b = 0; b < n; b++) {
		seen += h[b];
		if (seen >= want)
			return 2ULL << b;
	}
	return 2ULL << (n - 1);
}

static uint64_t hist_total(const uint64_t *h, unsigned int n)
{
	uint64_t t = 0;

	while (n--)
		t += h[n];
	return t;
}

static void print_table(const struct reason *now, unsigned int n, const struct reason *before,
			unsigned int nbefore, double secs)
{
	unsigned int i, j;

	printf("%-20s %12s %10s %10s %10s %10s %10s %10s %10s\n", "reason", "exits", "per sec",
	       "hv mean", "hv p50", "hv p99", "vmm mean", "vmm p50", "vmm p99");
	for (i = 0; i < n; i++) {
		const struct reason *r = &now[i];
		uint64_t prev = 0, kn = hist_total(r->kernel_hist, r->buckets);
		uint64_t vn = hist_total(r->vmm_hist, r->buckets);

		if (!r->exits)
			continue;
		for (j = 0; j < nbefore; j++)
			if (!strcmp(before[j].name, r->name))
				prev = before[j].exits;
		printf("%-20s %12llu %10.0f", r->name, (unsigned long long)r->exits,
		       secs > 0 ? (double)(r->exits - prev) / secs : 0.0);
		/* No times: events that are no exit (halt_poll, yield...), or timing was off. */
		if (kn)
			printf(" %10llu %10llu %10llu", (unsigned long long)(r->kernel_sum / kn),
			       (unsigned long long)hist_pct(r->kernel_hist, r->buckets, 50),
			       (unsigned long long)hist_pct(r->kernel_hist, r->buckets, 99));
		else
			printf(" %10s %10s %10s", "-", "-", "-");
		if (r->has_vmm && vn)
			printf(" %10llu %10llu %10llu\n", (unsigned long long)(r->vmm_sum / vn),
			       (unsigned long long)hist_pct(r->vmm_hist, r->buckets, 50),
			       (unsigned long long)hist_pct(r->vmm_hist, r->buckets, 99));
		else
			printf(" %10s %10s %10s\n", "-", "-", "-");
	}
	printf("(times in ns; p50/p99 are log2 bucket bounds; hv: exit to next entry minus the VMM's "
	       "share; vmm: HV_RUN's return to the next HV_RUN)\n");
}

static void print_csv(const struct reason *r, unsigned int n)
{
	unsigned int i, b;

	printf("reason,what,bucket_upper_ns,count\n");
	for (i = 0; i < n; i++) {
		for (b = 0; b < r[i].buckets; b++) {
			if (r[i].kernel_hist[b])
				printf("%s,hv,%llu,%llu\n", r[i].name, 2ULL << b,
				       (unsigned long long)r[i].kernel_hist[b]);
			if (r[i].vmm_hist[b])
				printf("%s,vmm,%llu,%llu\n", r[i].name, 2ULL << b,
				       (unsigned long long)r[i].vmm_hist[b]);
		}
	}
}

/* The stats files process @pid holds, duplicated into this process. */
static int files_of_pid(long pid, struct file *files, unsigned int *nfiles)
{
	char dir[64], path[320], link[64];
	struct dirent *e;
	int pidfd;
	DIR *d;

	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "hv-stat: pid %ld: %s\n", pid, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "hv-stat: %s: %s\n", dir, strerror(errno));
		close(pidfd);
		return -1;
	}
	while ((e = readdir(d)) && *nfiles < MAX_FILES) {
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:hv-stats"))
			continue;
		fd = pidfd_getfd(pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			fprintf(stderr, "hv-stat: pid %ld fd %s: %s\n", pid, e->d_name, strerror(errno));
			continue;
		}
		if (file_open(&files[*nfiles], fd, path))
			close(fd);
		else
			(*nfiles)++;
	}
	closedir(d);
	close(pidfd);
	if (!*nfiles) {
		fprintf(stderr, "hv-stat: pid %ld holds no hv stats file (an hv-run with hv's HV_CAP_STATS_FD?)\n",
			pid);
		return -1;
	}
	return 0;
}

static int parse_num(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < min || *v > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' }, { "file", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' }, { "count", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct file files[MAX_FILES];
	static struct reason now[MAX_REASONS], before[MAX_REASONS];
	long pid = 0, interval = 1, count = 0;
	unsigned int nfiles = 0, n, nbefore = 0, i;
	const char *path = NULL;
	bool csv = false, tty = isatty(STDOUT_FILENO);
	char bad[96];
	int c, fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_num(optarg, 1, 4194304, &pid))
				return usage_error("--pid takes a process id");
			break;
		case 'f': path = optarg; break;
		case 'i':
			if (parse_num(optarg, 1, 3600, &interval))
				return usage_error("--interval takes 1 to 3600 seconds");
			break;
		case 'c':
			if (parse_num(optarg, 1, 1000000, &count))
				return usage_error("--count takes 1 to 1000000");
			break;
		case 'v': csv = true; break;
		case 'h':
			printf("hv-stat --pid PID [--interval SECS] [--count N] [--csv] | hv-stat --file PATH [--csv]\n");
			return 0;
		default:
			snprintf(bad, sizeof(bad), "unknown option or missing value: %.40s", argv[optind - 1]);
			return usage_error(bad);
		}
	}
	if (optind < argc)
		return usage_error("stray argument");
	if (!pid == !path)
		return usage_error("give one of --pid and --file");
	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "hv-stat: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (file_open(&files[0], fd, path))
			return 1;
		nfiles = 1;
		count = 1;
	} else if (files_of_pid(pid, files, &nfiles)) {
		return 1;
	}
	for (long round = 0; !count || round < count; round++) {
		if (round)
			sleep((unsigned int)interval);
		for (i = 0; i < nfiles; i++)
			if (file_read(&files[i])) {
				fprintf(stderr, "hv-stat: reading the stats: %s\n", strerror(errno));
				return 1;
			}
		n = gather(files, nfiles, now);
		if (csv) {
			print_csv(now, n);
		} else {
			if (tty && !path)
				printf("\033[H\033[2J");
			printf("hv-stat: %u vCPU%s%s\n", nfiles, nfiles == 1 ? "" : "s",
			       round ? "" : " (first interval: totals since the start)");
			print_table(now, n, before, round ? nbefore : 0, round ? (double)interval : 0);
		}
		fflush(stdout);
		memcpy(before, now, sizeof(now));
		nbefore = n;
	}
	return 0;
}
