// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: the virtio-net workload of make bench's virtio section.  One
 * static program (the guest's initramfs has no libc) with three roles:
 *   netbench tap NAME ADDR         the testbed host: a persistent tap NAME
 *                                  with the IPv4 address ADDR/24, up (busybox
 *                                  ip has no tuntap); hv-run's --net and
 *                                  QEMU's -netdev tap open it in turn
 *   netbench server PORT           the testbed host: serves each connection
 *                                  in a child of its own, after a one-byte
 *                                  command: 'R' sends until the peer goes,
 *                                  'T' reads until EOF and answers with the
 *                                  byte count (8 bytes, little-endian), 'P'
 *                                  echoes every byte at once (TCP_NODELAY)
 *   netbench client HOST PORT SECS the nested Linux guest (guest-init.sh,
 *                                  hvguest=vbench), under hv-run on hv and
 *                                  under QEMU on KVM alike: three figures,
 *                                  SECS seconds each of the guest's clock
 *     tcp_rx   host to guest: 64 KiB reads; the first 1 MiB untimed, then
 *              the bytes received in SECS
 *     tcp_tx   guest to host: 64 KiB writes for SECS, then a shutdown and the
 *              host's count: the bytes the host received over the time from
 *              the first write to its answer (nothing left in a buffer)
 *     tcp_rr   1-byte ping-pong, TCP_NODELAY both ends: a write and the read
 *              of the echo are one transaction, timed; ten untimed first
 *   each prints one line
 *     hv-guest: vbench net tcp_rx bytes=N secs=S mbps=M
 *     hv-guest: vbench net tcp_tx bytes=N secs=S mbps=M
 *     hv-guest: vbench net tcp_rr ops=N secs=S iops=I lat_mean_us=A lat_p50_us=B lat_p99_us=C
 *   (MB = 10^6 bytes; iops = transactions per second; latency per round
 *   trip, p50/p99 nearest-rank) or "hv-guest: vbench net FIGURE failed: WHY".
 * As for blkbench, the guest's clock under TCG is what the hypervisor gives
 * a nested guest: only ratios between runs of the same boot mean anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#define CHUNK		(64u << 10)
#define RX_WARMUP	(1u << 20)
#define RR_WARMUP	10
#define MAX_SAMPLES	(1u << 18)	/* more round trips than a few seconds hold under TCG */
#define IO_TIMEOUT_S	30		/* a stalled link fails the figure instead of the run */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- testbed host side ---------------------------------------------------------------- */

static int ifreq_ioctl(int sock, const char *name, unsigned long req, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(sock, req, ifr);
}

static int set_addr(int sock, const char *name, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	return ifreq_ioctl(sock, name, req, &ifr);
}

static int cmd_tap(const char *name, const char *addr)
{
	struct ifreq ifr = { 0 };
	int fd, sock;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "netbench: /dev/net/tun: %s\n", strerror(errno));
		return 1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1)) {
		fprintf(stderr, "netbench: tap %s: %s\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	if (sock < 0 || set_addr(sock, name, SIOCSIFADDR, addr) ||
	    set_addr(sock, name, SIOCSIFNETMASK, "255.255.255.0") ||
	    ifreq_ioctl(sock, name, SIOCGIFFLAGS, &ifr)) {
		fprintf(stderr, "netbench: %s %s/24: %s\n", name, addr, strerror(errno));
		return 1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ifreq_ioctl(sock, name, SIOCSIFFLAGS, &ifr)) {
		fprintf(stderr, "netbench: %s up: %s\n", name, strerror(errno));
		return 1;
	}
	close(sock);
	return 0;
}

static void serve(int c)
{
	static char buf[CHUNK];
	uint64_t total = 0;
	int one = 1;
	char cmd;
	ssize_t n;

	if (read_all(c, &cmd, 1))
		return;
	switch (cmd) {
	case 'R':
		memset(buf, 0x5a, sizeof(buf));
		while (!write_all(c, buf, sizeof(buf)))
			;
		break;
	case 'T':
		while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			total += n > 0 ? (uint64_t)n : 0;
		if (!n) {
			unsigned char le[8];
			int i;

			for (i = 0; i < 8; i++)
				le[i] = (unsigned char)(total >> (8 * i));
			write_all(c, le, sizeof(le));
		}
		break;
	case 'P':
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && write_all(c, buf, (size_t)n))
				break;
		break;
	}
}

static int cmd_server(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int s, one = 1;

	a.sin_port = htons((uint16_t)atoi(port));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* no zombies: the children are not waited for */
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4)) {
		fprintf(stderr, "netbench: port %s: %s\n", port, strerror(errno));
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "netbench: accept: %s\n", strerror(errno));
			return 1;
		}
		/* A child per connection: a guest that vanished mid-figure blocks nothing. */
		if (fork() == 0) {
			close(s);
			serve(c);
			_exit(0);
		}
		close(c);
	}
}

/* ---- guest side ------------------------------------------------------------------------ */

static struct sockaddr_in peer;

/* A connection that has sent @cmd, or -1; retried for a few seconds while the link comes up. */
static int dial(char cmd, bool nodelay)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int tries, s = -1, one = 1;

	for (tries = 0; tries < 20; tries++) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (nodelay)
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!connect(s, (struct sockaddr *)&peer, sizeof(peer)))
			break;
		close(s);
		s = -1;
		usleep(500000);
	}
	if (s >= 0 && write_all(s, &cmd, 1)) {
		close(s);
		s = -1;
	}
	return s;
}

static int fail(const char *fig, const char *what)
{
	printf("hv-guest: vbench net %s failed: %s: %s\n", fig, what, strerror(errno));
	return 1;
}

static int fig_rx(unsigned int secs)
{
	static char buf[CHUNK];
	uint64_t got = 0, bytes = 0, start = 0, end = 0, stop = 0;
	int s = dial('R', false);

	if (s < 0)
		return fail("tcp_rx", "connect");
	for (;;) {
		ssize_t n = read(s, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ECONNRESET;
			close(s);
			return fail("tcp_rx", "read");
		}
		if (!start) {
			got += (uint64_t)n;
			if (got >= RX_WARMUP) {
				start = now_ns();
				end = start + secs * 1000000000ull;
			}
			continue;
		}
		bytes += (uint64_t)n;
		stop = now_ns();
		if (stop >= end)
			break;
	}
	close(s);
	printf("hv-guest: vbench net tcp_rx bytes=%llu secs=%.3f mbps=%.2f\n",
	       (unsigned long long)bytes, (stop - start) / 1e9, bytes / 1e3 / ((stop - start) / 1e6));
	return 0;
}

static int fig_tx(unsigned int secs)
{
	static char buf[CHUNK];
	uint64_t start, end, stop, got = 0;
	unsigned char le[8];
	int s = dial('T', false), i;

	if (s < 0)
		return fail("tcp_tx", "connect");
	memset(buf, 0xa5, sizeof(buf));
	start = now_ns();
	end = start + secs * 1000000000ull;
	while (now_ns() < end)
		if (write_all(s, buf, sizeof(buf))) {
			close(s);
			return fail("tcp_tx", "write");
		}
	if (shutdown(s, SHUT_WR) || read_all(s, le, sizeof(le))) {
		close(s);
		return fail("tcp_tx", "the host's count");
	}
	stop = now_ns();
	close(s);
	for (i = 7; i >= 0; i--)
		got = got << 8 | le[i];
	printf("hv-guest: vbench net tcp_tx bytes=%llu secs=%.3f mbps=%.2f\n",
	       (unsigned long long)got, (stop - start) / 1e9, got / 1e3 / ((stop - start) / 1e6));
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int fig_rr(unsigned int secs)
{
	static uint32_t ns[MAX_SAMPLES];
	uint64_t start = 0, end = 0, t0, t1, sum = 0;
	unsigned int i, n = 0;
	char b = 'x';
	int s = dial('P', true);

	if (s < 0)
		return fail("tcp_rr", "connect");
	for (i = 0;; i++) {
		if (i == RR_WARMUP) {
			start = now_ns();
			end = start + secs * 1000000000ull;
		}
		if (i >= RR_WARMUP && (now_ns() >= end || n == MAX_SAMPLES))
			break;
		t0 = now_ns();
		if (write_all(s, &b, 1) || read_all(s, &b, 1)) {
			close(s);
			return fail("tcp_rr", "round trip");
		}
		t1 = now_ns();
		if (i >= RR_WARMUP)
			ns[n++] = (uint32_t)(t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0);
	}
	t1 = now_ns();
	close(s);
	if (!n) {
		errno = EIO;
		return fail("tcp_rr", "no round trip");
	}
	for (i = 0; i < n; i++)
		sum += ns[i];
	qsort(ns, n, sizeof(ns[0]), cmp_u32);
	printf("hv-guest: vbench net tcp_rr ops=%u secs=%.3f iops=%.1f lat_mean_us=%.1f "
	       "lat_p50_us=%.1f lat_p99_us=%.1f\n", n, (t1 - start) / 1e9,
	       n / ((t1 - start) / 1e9), sum / 1e3 / n, ns[(n - 1) / 2] / 1e3,
	       ns[(uint64_t)(n - 1) * 99 / 100] / 1e3);
	return 0;
}

static int cmd_client(const char *host, const char *port, const char *secs_s)
{
	unsigned int secs = (unsigned int)atoi(secs_s);
	int bad = 0;

	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &peer.sin_addr) != 1 || !secs) {
		fprintf(stderr, "netbench: client wants an IPv4 address and SECS > 0\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	bad |= fig_rx(secs);
	bad |= fig_tx(secs);
	bad |= fig_rr(secs);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "tap"))
		return cmd_tap(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "server"))
		return cmd_server(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return cmd_client(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: netbench tap NAME ADDR | server PORT | client HOST PORT SECS\n");
	return 2;
}
