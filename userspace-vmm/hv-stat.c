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
 *   --svg FILE (with either)
 *       also writes FILE, an SVG chart of the distributions: per reason
 *       with exits, hv's and the VMM's time per exit side by side, one bar
 *       per log2 bucket (its height the bucket's share of the panel's
 *       largest), with the count and mean/p50/p99 above; with --pid it is
 *       rewritten each interval, so it ends with the last one's totals.
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
	fprintf(stderr, "hv-stat: %s (hv-stat --pid PID [--interval SECS] [--count N] [--csv] "
		"[--svg FILE] | hv-stat --file PATH [--csv] [--svg FILE])\n", what);
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

/* ---- the chart ---------------------------------------------------------------------- */

#define SVG_W		960
#define SVG_LEFT	170	/* reason labels */
#define SVG_GAP		30	/* between the two panels */
#define SVG_RIGHT	20
#define SVG_PANEL	((SVG_W - SVG_LEFT - SVG_GAP - SVG_RIGHT) / 2)
#define SVG_TOP		92
#define SVG_ROW		66
#define SVG_BARS	42	/* bar height at the panel's largest bucket */
static const char *const svg_colors[2] = { "#1f77b4", "#ff7f0e" };	/* hv, VMM */

/* @s with XML's five special characters as entities. */
static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* A duration in ns as a short label: 512ns, 1.02us, 16.8ms (the micro sign as an entity). */
static void svg_ns(FILE *f, double ns)
{
	if (ns < 1e3)
		fprintf(f, "%.0fns", ns);
	else if (ns < 1e6)
		fprintf(f, "%.3g&#181;s", ns / 1e3);
	else if (ns < 1e9)
		fprintf(f, "%.3gms", ns / 1e6);
	else
		fprintf(f, "%.3gs", ns / 1e9);
}

/* One panel: a histogram's bars from bucket @lo to @hi at (@x, @y), its figures above. */
static void svg_panel(FILE *f, const char *name, int which, const uint64_t *h, uint64_t sum_ns,
		      unsigned int lo, unsigned int hi, int x, int y, const char *empty)
{
	uint64_t n = hist_total(h, hi + 1), max = 0;
	double bw = (double)SVG_PANEL / (hi - lo + 1);
	unsigned int b;

	fprintf(f, "<g class=\"%s\">", which ? "vmm" : "hv");
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f4f4\"/>", x,
		y + 16, SVG_PANEL, SVG_BARS);
	if (!n) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#777\">%s</text></g>\n", x + 6,
			y + 16 + SVG_BARS / 2 + 4, empty);
		return;
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%llu timed, mean ", x, y + 12,
		(unsigned long long)n);
	svg_ns(f, (double)sum_ns / (double)n);
	fputs(", p50 &#8804; ", f);
	svg_ns(f, (double)hist_pct(h, hi + 1, 50));
	fputs(", p99 &#8804; ", f);
	svg_ns(f, (double)hist_pct(h, hi + 1, 99));
	fputs("</text>\n", f);
	for (b = lo; b <= hi; b++)
		if (h[b] > max)
			max = h[b];
	for (b = lo; b <= hi; b++) {
		double bh;

		if (!h[b])
			continue;
		bh = (double)SVG_BARS * (double)h[b] / (double)max;
		if (bh < 1)
			bh = 1;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			   "<title>", x + (b - lo) * bw + 1, y + 16 + SVG_BARS - bh, bw - 2, bh,
			svg_colors[which]);
		svg_text(f, name);
		fprintf(f, " %s [", which ? "vmm" : "hv");
		svg_ns(f, (double)(1ULL << b));
		fputs(", ", f);
		svg_ns(f, (double)(2ULL << b));
		fprintf(f, "): %llu</title></rect>\n", (unsigned long long)h[b]);
	}
	fputs("</g>\n", f);
}

/* Bucket labels under one panel: the lower bounds, as many as fit. */
static void svg_axis(FILE *f, unsigned int lo, unsigned int hi, int x, int y)
{
	double bw = (double)SVG_PANEL / (hi - lo + 1);
	unsigned int b, step = (unsigned int)(44.0 / bw) + 1;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", x, y,
		x + SVG_PANEL, y);
	for (b = lo; b <= hi + 1; b += step) {
		double bx = x + (b - lo) * bw;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
			   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">", bx, y,
			bx, y + 4, bx, y + 15);
		svg_ns(f, (double)(1ULL << b));
		fputs("</text>\n", f);
	}
}

/* The chart of @r's @n reasons (those with exits) into @path; 0, or -1 with a line on stderr. */
static int write_svg(const char *path, const struct reason *r, unsigned int n, unsigned int nfiles)
{
	unsigned int i, b, rows = 0, lo = MAX_BUCKETS, hi = 0, nb = 0;
	int h, y;
	FILE *f;

	for (i = 0; i < n; i++) {
		if (!r[i].exits)
			continue;
		rows++;
		if (r[i].buckets > nb)
			nb = r[i].buckets;
		for (b = 0; b < r[i].buckets; b++) {
			if (!r[i].kernel_hist[b] && !r[i].vmm_hist[b])
				continue;
			lo = b < lo ? b : lo;
			hi = b > hi ? b : hi;
		}
	}
	if (!nb)
		nb = 1;
	if (lo > hi)
		lo = 0, hi = nb - 1;
	/* At least 8 buckets wide (or all there are), widened upwards first. */
	while (hi - lo + 1 < 8 && hi - lo + 1 < nb) {
		if (hi + 1 < nb)
			hi++;
		else
			lo--;
	}
	h = SVG_TOP + (int)(rows ? rows : 1) * SVG_ROW + 48;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "hv-stat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", SVG_W, h);
	fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\">hv-stat: time per exit by reason, "
		   "%u vCPU%s (log2 buckets: bar height is the bucket's share of the panel's largest)"
		   "</text>\n", nfiles, nfiles == 1 ? "" : "s");
	fprintf(f, "<g class=\"legend\"><rect x=\"10\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		   "<text x=\"28\" y=\"43\">hv: VM exit to the next entry, less the VMM's share</text>"
		   "<rect x=\"440\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		   "<text x=\"458\" y=\"43\">VMM: HV_RUN's return to the next HV_RUN</text></g>\n",
		svg_colors[0], svg_colors[1]);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">hv (in the kernel)</text>"
		   "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">VMM (userspace)</text>\n",
		SVG_LEFT, SVG_TOP - 14, SVG_LEFT + SVG_PANEL + SVG_GAP, SVG_TOP - 14);
	y = SVG_TOP;
	if (!rows)
		fprintf(f, "<text x=\"%d\" y=\"%d\">no exits</text>\n", SVG_LEFT, y + 30);
	for (i = 0; i < n; i++) {
		if (!r[i].exits)
			continue;
		fputs("<g class=\"reason\" data-reason=\"", f);
		svg_text(f, r[i].name);
		fprintf(f, "\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">",
			SVG_LEFT - 10, y + 34);
		svg_text(f, r[i].name);
		fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" "
			   "fill=\"#555\">%llu exits</text>\n", SVG_LEFT - 10, y + 49,
			(unsigned long long)r[i].exits);
		svg_panel(f, r[i].name, 0, r[i].kernel_hist, r[i].kernel_sum, lo, hi, SVG_LEFT, y,
			  "not timed (an event, or timing off)");
		svg_panel(f, r[i].name, 1, r[i].vmm_hist, r[i].vmm_sum, lo, hi,
			  SVG_LEFT + SVG_PANEL + SVG_GAP, y,
			  r[i].has_vmm ? "no round trip timed" : "never reaches the VMM");
		fputs("</g>\n", f);
		y += SVG_ROW;
	}
	svg_axis(f, lo, hi, SVG_LEFT, y);
	svg_axis(f, lo, hi, SVG_LEFT + SVG_PANEL + SVG_GAP, y);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time per exit "
		   "(bucket i: [2^i, 2^(i+1)) ns)</text>\n</svg>\n", SVG_W / 2, y + 36);
	if (fclose(f)) {
		fprintf(stderr, "hv-stat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
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
		{ "csv", no_argument, NULL, 'v' }, { "svg", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct file files[MAX_FILES];
	static struct reason now[MAX_REASONS], before[MAX_REASONS];
	long pid = 0, interval = 1, count = 0;
	unsigned int nfiles = 0, n, nbefore = 0, i;
	const char *path = NULL, *svg = NULL;
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
		case 's': svg = optarg; break;
		case 'h':
			printf("hv-stat --pid PID [--interval SECS] [--count N] [--csv] [--svg FILE] | "
			       "hv-stat --file PATH [--csv] [--svg FILE]\n");
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
		if (svg && write_svg(svg, now, n, nfiles))
			return 1;
		memcpy(before, now, sizeof(now));
		nbefore = n;
	}
	return 0;
}
