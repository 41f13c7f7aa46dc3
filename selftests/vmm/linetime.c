// SPDX-License-Identifier: GPL-2.0
/*
 * linetime [-m MARKER]... -- COMMAND [ARG...]
 *
 * Runs COMMAND with its stdout on a pipe and copies that output through
 * unchanged.  The first time a line containing MARKER completes, it prints
 *     # linetime: "MARKER" after S.SSS s
 * (time since COMMAND was started, CLOCK_MONOTONIC) on its own line, and at
 * the end
 *     # linetime: exit status N after S.SSS s
 * then exits with COMMAND's status (128+signal if it was killed).  stderr
 * and stdin are COMMAND's own.  make demo uses it to time hv-run from its
 * start to the guest's /init, as the guest's own serial line reaches the
 * VMM's stdout: a host-side clock, independent of the guest's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKERS	8
#define LINE_MAX_LEN	4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: linetime [-m MARKER]... -- COMMAND [ARG...]\n");
	exit(2);
}

struct marker {
	const char *text;
	bool seen;
};

/* One complete (or overlong) line: pass it on, then report new markers. */
static void line_done(const char *line, size_t len, struct marker *m, unsigned int nm, double t0)
{
	unsigned int i;

	fwrite(line, 1, len, stdout);
	for (i = 0; i < nm; i++) {
		if (m[i].seen || !memmem(line, len, m[i].text, strlen(m[i].text)))
			continue;
		m[i].seen = true;
		if (len && line[len - 1] != '\n')
			putchar('\n');
		printf("# linetime: \"%s\" after %.3f s\n", m[i].text, now() - t0);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct marker m[MAX_MARKERS];
	unsigned int nm = 0;
	char line[LINE_MAX_LEN];
	size_t len = 0;
	int fds[2], opt, ws, status;
	double t0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+m:")) != -1) {
		if (opt != 'm' || nm == MAX_MARKERS)
			usage();
		m[nm++] = (struct marker){ optarg, false };
	}
	if (optind >= argc)
		usage();
	if (pipe(fds)) {
		perror("linetime: pipe");
		return 1;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("linetime: fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		close(fds[1]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "linetime: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof(buf));
		ssize_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			line[len++] = buf[i];
			if (buf[i] == '\n' || len == sizeof(line)) {
				line_done(line, len, m, nm, t0);
				len = 0;
			}
		}
	}
	if (len) {
		line_done(line, len, m, nm, t0);
		if (line[len - 1] != '\n')
			putchar('\n');
	}
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			perror("linetime: waitpid");
			return 1;
		}
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	printf("# linetime: exit status %d after %.3f s\n", status, now() - t0);
	return status;
}
