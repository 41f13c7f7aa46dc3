// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench report OUTDIR FILE...: the "BENCH" lines of `hv_bench run`
 * (found anywhere in FILEs, e.g. the testbed's serial log) turned into
 *   OUTDIR/results.txt  the table (also printed on stdout)
 *   OUTDIR/results.csv  one row per operation and backend
 *   OUTDIR/results.svg  per operation, hv's and KVM's distributions side
 *                       by side: whiskers p1..p99, box p25..p75, a mark at
 *                       the median, on a logarithmic cycle axis
 * and, from the "VBENCH" lines of the virtio figures, a second table after
 * the first (stdout and results.txt) and OUTDIR/results-virtio.csv
 * (report_virtio.c).  A log with VBENCH lines and no BENCH line at all (the
 * operations left out: HV_BENCH_ONLY=virtio) gives the virtio table and CSV
 * alone.
 * Host-side only: no guest, no /dev/hv.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { P_MIN, P_1, P_10, P_25, P_50, P_75, P_90, P_99, P_MAX, P_NR };
#define NBACK	2
static const char *const backends[NBACK] = { "hv", "kvm" };

struct cell {
	char status[8];		/* "", ok, na, fail */
	unsigned long samples;
	double p[P_NR];
	double bmed_lo, bmed_hi;	/* spread of the batch medians */
	double bp99_lo, bp99_hi;
	char why[240];
};

static struct cell cells[OP_NR][NBACK];

static int op_index(const char *name)
{
	int i;

	for (i = 0; i < OP_NR; i++)
		if (!strcmp(bench_ops[i].name, name))
			return i;
	return -1;
}

static void list_range(const char *list, double *lo, double *hi)
{
	char *end;
	double v;

	*lo = INFINITY;
	*hi = 0;
	while (*list) {
		v = strtod(list, &end);
		if (end == list)
			break;
		if (v < *lo)
			*lo = v;
		if (v > *hi)
			*hi = v;
		list = *end == ',' ? end + 1 : end;
	}
	if (*lo == INFINITY)
		*lo = 0;
}

/* BENCH lines seen: none when the operations were left out (HV_BENCH_ONLY). */
static unsigned int bench_lines;

static void parse_line(char *line)
{
	char be[16], op[32], st[8], bmed[1024], bp99[1024];
	struct cell *c;
	int b, o, n, i;
	char *s;

	s = strstr(line, "BENCH ");
	if (!s)
		return;
	s[strcspn(s, "\r\n")] = 0;
	if (sscanf(s, "BENCH %15s %31s %7s %n", be, op, st, &n) != 3)
		return;
	for (b = 0; b < NBACK && strcmp(backends[b], be); b++)
		;
	o = op_index(op);
	if (b == NBACK || o < 0)
		return;
	bench_lines++;
	c = &cells[o][b];
	memset(c, 0, sizeof(*c));
	snprintf(c->status, sizeof(c->status), "%s", st);
	if (strcmp(st, "ok")) {
		snprintf(c->why, sizeof(c->why), "%s", s + n);
		return;
	}
	s += n;
	c->samples = strtoul(s, &s, 10);
	for (i = 0; i < P_NR; i++)
		c->p[i] = strtod(s, &s);
	if (sscanf(s, " %1023s %1023s", bmed, bp99) != 2) {
		snprintf(c->status, sizeof(c->status), "fail");
		snprintf(c->why, sizeof(c->why), "malformed BENCH line");
		return;
	}
	list_range(bmed, &c->bmed_lo, &c->bmed_hi);
	list_range(bp99, &c->bp99_lo, &c->bp99_hi);
}

static bool ok(const struct cell *c)
{
	return !strcmp(c->status, "ok");
}

static const char *state(const struct cell *c)
{
	return c->status[0] ? c->status : "missing";
}

/* ---- table ------------------------------------------------------------------------ */

static void fmt_cell(char *buf, size_t n, const struct cell *c, double floor_c)
{
	char over[32] = "";

	if (!ok(c)) {
		snprintf(buf, n, "%-44s", state(c));
		return;
	}
	if (floor_c > 0)
		snprintf(over, sizeof(over), "%+.0f", c->p[P_50] - floor_c);
	snprintf(buf, n, "%9.0f %9.0f %8.0f-%-8.0f %8s", c->p[P_50], c->p[P_99], c->bmed_lo,
		 c->bmed_hi, over);
}

static void write_table(FILE *f, double floor_c)
{
	char h[80], k[80], ratio[16];
	int o;

	fprintf(f, "hv_bench: cycles per round trip as the guest measures them (RDTSC)\n");
	fprintf(f, "p50/p99 over every batch; 'batch p50' is the range of the batch medians;\n");
	fprintf(f, "'-floor' is p50 minus the floor, hv's CPUID p50 in the same run (%.0f cycles):\n",
		floor_c);
	fprintf(f, "the cheapest exit hv completes in the kernel and resumes from.\n");
	fprintf(f, "dirty_harvest is the exception: host TSC cycles per dirty page of one get-and-clear.\n\n");
	fprintf(f, "%-17s|%-44s|%-44s| %s\n", "", "  hv", "  KVM", "hv/KVM");
	fprintf(f, "%-17s|%9s %9s %17s %8s|%9s %9s %17s %8s| %s\n", "operation", "p50", "p99",
		"batch p50", "-floor", "p50", "p99", "batch p50", "-floor", "p50");
	for (o = 0; o < OP_NR; o++) {
		const struct cell *hv = &cells[o][0], *kvm = &cells[o][1];

		/* No floor for the control, nor for a figure the host timed per page. */
		bool no_floor = o == OP_CONTROL || o == OP_DIRTY_HARVEST;

		fmt_cell(h, sizeof(h), hv, no_floor ? 0 : floor_c);
		fmt_cell(k, sizeof(k), kvm, no_floor ? 0 : floor_c);
		if (ok(hv) && ok(kvm) && kvm->p[P_50] > 0)
			snprintf(ratio, sizeof(ratio), "%.2f", hv->p[P_50] / kvm->p[P_50]);
		else
			snprintf(ratio, sizeof(ratio), "n/a");
		fprintf(f, "%-17s|%s|%s| %s\n", bench_ops[o].name, h, k, ratio);
	}
	fprintf(f, "\n");
	for (o = 0; o < OP_NR; o++) {
		int b;

		for (b = 0; b < NBACK; b++)
			if (!ok(&cells[o][b]))
				fprintf(f, "%s on %s: %s: %s\n", bench_ops[o].name, backends[b],
					state(&cells[o][b]),
					cells[o][b].why[0] ? cells[o][b].why : "no result in the log");
	}
	fprintf(f, "\noperations:\n");
	for (o = 0; o < OP_NR; o++)
		fprintf(f, "  %-17s %s\n", bench_ops[o].name, bench_ops[o].what);
}

static void write_csv(FILE *f, double floor_c)
{
	int o, b, i;

	fprintf(f, "operation,backend,status,samples,min,p1,p10,p25,p50,p75,p90,p99,max,"
		   "batch_p50_min,batch_p50_max,batch_p99_min,batch_p99_max,p50_minus_floor,"
		   "hv_kvm_p50_ratio,reason\n");
	for (o = 0; o < OP_NR; o++) {
		for (b = 0; b < NBACK; b++) {
			const struct cell *c = &cells[o][b];
			char *q;

			fprintf(f, "%s,%s,%s,", bench_ops[o].name, backends[b], state(c));
			if (ok(c)) {
				fprintf(f, "%lu", c->samples);
				for (i = 0; i < P_NR; i++)
					fprintf(f, ",%.0f", c->p[i]);
				fprintf(f, ",%.0f,%.0f,%.0f,%.0f,", c->bmed_lo, c->bmed_hi,
					c->bp99_lo, c->bp99_hi);
				if (o != OP_CONTROL && o != OP_DIRTY_HARVEST && floor_c > 0)
					fprintf(f, "%.0f", c->p[P_50] - floor_c);
			} else {
				fprintf(f, ",,,,,,,,,,,,,,");
			}
			fprintf(f, ",");
			if (ok(&cells[o][0]) && ok(&cells[o][1]) && cells[o][1].p[P_50] > 0)
				fprintf(f, "%.3f", cells[o][0].p[P_50] / cells[o][1].p[P_50]);
			/* The reason in quotes, its own quotes doubled. */
			fprintf(f, ",\"");
			for (q = (char *)c->why; *q; q++)
				fprintf(f, *q == '"' ? "\"\"" : "%c", *q);
			fprintf(f, "\"\n");
		}
	}
}

/* ---- chart -------------------------------------------------------------------------- */

#define SVG_W		900
#define SVG_LEFT	170
#define SVG_RIGHT	30
#define SVG_TOP		60
#define SVG_ROW		44
static const char *const colors[NBACK] = { "#1f77b4", "#d62728" };

static double x_of(double v, double lo, double hi)
{
	if (v < lo)
		v = lo;
	return SVG_LEFT + (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) *
	       (SVG_W - SVG_LEFT - SVG_RIGHT);
}

static void write_svg(FILE *f)
{
	double lo = INFINITY, hi = 0, d;
	int o, b, h = SVG_TOP + OP_NR * SVG_ROW + 50;

	for (o = 0; o < OP_NR; o++)
		for (b = 0; b < NBACK; b++)
			if (ok(&cells[o][b])) {
				if (cells[o][b].p[P_1] < lo)
					lo = cells[o][b].p[P_1];
				if (cells[o][b].p[P_99] > hi)
					hi = cells[o][b].p[P_99];
			}
	if (hi <= 0)
		lo = 1, hi = 10;
	lo = pow(10, floor(log10(lo > 1 ? lo : 1)));
	hi = pow(10, ceil(log10(hi)));
	if (hi <= lo)
		hi = lo * 10;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n", SVG_W, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\">hv_bench: cycles per round trip "
		   "(guest RDTSC, log scale): whiskers p1-p99, box p25-p75, bar = median</text>\n",
		SVG_LEFT - 150);
	for (b = 0; b < NBACK; b++)
		fprintf(f, "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%d\" y=\"43\">%s</text>\n",
			SVG_LEFT + b * 80, colors[b], SVG_LEFT + b * 80 + 16, b ? "KVM" : "hv");
	for (d = lo; d <= hi * 1.0001; d *= 10) {
		double x = x_of(d, lo, hi);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>\n",
			x, SVG_TOP - 5, x, SVG_TOP + OP_NR * SVG_ROW);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", x,
			SVG_TOP + OP_NR * SVG_ROW + 16, d);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">cycles</text>\n",
		(SVG_LEFT + SVG_W - SVG_RIGHT) / 2, SVG_TOP + OP_NR * SVG_ROW + 34);
	for (o = 0; o < OP_NR; o++) {
		int y0 = SVG_TOP + o * SVG_ROW;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", SVG_LEFT - 8,
			y0 + SVG_ROW / 2 + 4, bench_ops[o].name);
		for (b = 0; b < NBACK; b++) {
			const struct cell *c = &cells[o][b];
			int y = y0 + 6 + b * 16, bh = 12;

			if (!ok(c)) {
				fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s: %s</text>\n",
					SVG_LEFT + 4, y + 10, colors[b], backends[b], state(c));
				continue;
			}
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
				x_of(c->p[P_1], lo, hi), y + bh / 2, x_of(c->p[P_99], lo, hi),
				y + bh / 2, colors[b]);
			fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				   "fill-opacity=\"0.35\" stroke=\"%s\"/>\n",
				x_of(c->p[P_25], lo, hi), y,
				x_of(c->p[P_75], lo, hi) - x_of(c->p[P_25], lo, hi) + 0.5, bh,
				colors[b], colors[b]);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
				   "stroke-width=\"3\"/>\n",
				x_of(c->p[P_50], lo, hi), y - 1, x_of(c->p[P_50], lo, hi), y + bh + 1,
				colors[b]);
		}
	}
	fprintf(f, "</svg>\n");
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "hv_bench: %s: %s\n", path, strerror(errno));
	return f;
}

int bench_report(int argc, char **argv)
{
	char line[4096];
	double floor_c = 0;
	FILE *in, *f;
	int i, bad = 0, o, b;

	if (argc < 2) {
		fprintf(stderr, "usage: hv_bench report OUTDIR FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		in = fopen(argv[i], "r");
		if (!in) {
			fprintf(stderr, "hv_bench: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		while (fgets(line, sizeof(line), in)) {
			parse_line(line);
			virtio_parse_line(line);
		}
		fclose(in);
	}
	if (ok(&cells[OP_CPUID][0]))
		floor_c = cells[OP_CPUID][0].p[P_50];

	/* The virtio figures alone (bench.sh with HV_BENCH_ONLY=virtio): their table and CSV. */
	if (!bench_lines && virtio_figures()) {
		virtio_write_table(stdout);
		f = open_out(argv[0], "results.txt");
		if (!f)
			return 1;
		virtio_write_table(f);
		fclose(f);
		f = open_out(argv[0], "results-virtio.csv");
		if (!f)
			return 1;
		virtio_write_csv(f);
		fclose(f);
		return 0;
	}

	write_table(stdout, floor_c);
	virtio_write_table(stdout);
	f = open_out(argv[0], "results.txt");
	if (!f)
		return 1;
	write_table(f, floor_c);
	virtio_write_table(f);
	fclose(f);
	if (virtio_figures()) {
		f = open_out(argv[0], "results-virtio.csv");
		if (!f)
			return 1;
		virtio_write_csv(f);
		fclose(f);
	}
	f = open_out(argv[0], "results.csv");
	if (!f)
		return 1;
	write_csv(f, floor_c);
	fclose(f);
	f = open_out(argv[0], "results.svg");
	if (!f)
		return 1;
	write_svg(f);
	fclose(f);

	/* Failed or missing results fail the report; n/a is an answer. */
	for (o = 0; o < OP_NR; o++)
		for (b = 0; b < NBACK; b++)
			if (!ok(&cells[o][b]) && strcmp(cells[o][b].status, "na"))
				bad = 1;
	return bad;
}
