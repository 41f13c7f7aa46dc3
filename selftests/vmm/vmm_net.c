// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_test's network case, virtio_net_tap (issue 12, "Tests: net"), and the
 * host side of a guest's TCP transfers, for reuse (a benchmark):
 *   - net_host_up(): a network namespace of the test's own (unshare), a
 *     persistent tap NET_TAP in it with NET_HOST_IP/24, up; net_host_down()
 *     deletes the tap and returns to the namespace the test came from;
 *   - the peer: a thread that listens on NET_PORT_TO_GUEST (it sends a
 *     pseudo-random stream of the size asked, then closes) and
 *     NET_PORT_FROM_GUEST (it reads until the guest closes), recording each
 *     transfer's bytes, CRC-32 and time.
 * The guest (guest-init.sh, hvguest=net) loads virtio_net, gives eth0
 * NET_GUEST_IP/24, pings the host, receives the stream with busybox nc into
 * busybox crc32, sends hvguest_net_mib MiB (a 1 MiB random seed repeated,
 * each MiB after its number, so that a misplaced block shows) and prints
 * both CRCs; the case compares them with the host's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "vmm_test.h"

#define NET_TIMEOUT_S	120	/* a transfer that stalls this long is given up */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CRC-32 as zlib and busybox crc32 compute it, table-driven: 16 MiB each way. */
static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t i, c;
	int b;

	for (i = 0; i < 256; i++) {
		for (c = i, b = 0; b < 8; b++)
			c = c & 1 ? c >> 1 ^ 0xedb88320u : c >> 1;
		crc_table[i] = c;
	}
}

/* Running CRC: start with 0 and pass the result back in. */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ crc >> 8;
	return ~crc;
}

static bool if_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return false;
	ifr.ifr_flags |= IFF_UP;
	return !ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static bool if_addr(int sock, const char *name, unsigned long req, const char *addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return !ioctl(sock, req, &ifr);
}

/* Make (@persist) or delete the tap: 0 or -errno. */
static int tap_persist(const char *name, int persist)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, persist))
		err = -errno;
	close(fd);
	return err;
}

bool net_host_up(struct net_host *h)
{
	int sock;
	bool ok;

	memset(h, 0, sizeof(*h));
	h->old_ns = -1;
	h->old_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (h->old_ns >= 0 && !unshare(CLONE_NEWNET)) {
		h->own_ns = true;
	} else {
		ktap_print_msg("no network namespace of its own (%s): the tap is in the testbed's\n",
			       strerror(errno));
	}
	if (tap_persist(NET_TAP, 1)) {
		ktap_print_msg("cannot make tap %s: %s\n", NET_TAP, strerror(errno));
		net_host_down(h);
		return false;
	}
	h->tap_made = true;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ok = sock >= 0 && if_up(sock, "lo") &&
	     if_addr(sock, NET_TAP, SIOCSIFADDR, NET_HOST_IP) &&
	     if_addr(sock, NET_TAP, SIOCSIFNETMASK, "255.255.255.0") && if_up(sock, NET_TAP);
	if (!ok)
		ktap_print_msg("cannot give %s the address %s/24: %s\n", NET_TAP, NET_HOST_IP,
			       strerror(errno));
	if (sock >= 0)
		close(sock);
	if (!ok)
		net_host_down(h);
	return ok;
}

void net_host_down(struct net_host *h)
{
	if (h->tap_made && tap_persist(NET_TAP, 0))
		ktap_print_msg("cannot delete tap %s: %s\n", NET_TAP, strerror(errno));
	h->tap_made = false;
	if (h->own_ns && setns(h->old_ns, CLONE_NEWNET))
		ktap_print_msg("cannot return to the testbed's network namespace: %s\n",
			       strerror(errno));
	h->own_ns = false;
	if (h->old_ns >= 0)
		close(h->old_ns);
	h->old_ns = -1;
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 2)) {
		close(s);
		return -1;
	}
	return s;
}

static void set_timeouts(int s)
{
	struct timeval tv = { .tv_sec = NET_TIMEOUT_S };

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* The stream to the guest: xorshift32 from a fixed seed, so every run sends the same bytes. */
static void serve_to_guest(struct net_peer *p, int c)
{
	static uint8_t buf[65536];
	uint64_t left = p->bytes, sent = 0;
	uint32_t x = 0x2545f491, crc = 0;
	double t0 = mono();

	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf), i, off = 0;

		for (i = 0; i + 4 <= n; i += 4) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			memcpy(buf + i, &x, 4);
		}
		for (; i < n; i++)
			buf[i] = (uint8_t)i;
		crc = crc_update(crc, buf, n);
		while (off < n) {
			ssize_t w = send(c, buf + off, n - off, MSG_NOSIGNAL);

			if (w <= 0)
				goto out;
			off += w;
			sent += w;
		}
		left -= n;
	}
out:
	pthread_mutex_lock(&p->lock);
	p->to_guest.bytes = sent;
	p->to_guest.crc = crc;
	p->to_guest.secs = mono() - t0;
	p->to_guest.done = sent == p->bytes;
	pthread_mutex_unlock(&p->lock);
}

static void serve_from_guest(struct net_peer *p, int c)
{
	static uint8_t buf[65536];
	uint64_t got = 0;
	uint32_t crc = 0;
	double t0 = mono();
	ssize_t n;
	bool eof;

	while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
		crc = crc_update(crc, buf, n);
		got += n;
	}
	eof = n == 0;
	pthread_mutex_lock(&p->lock);
	p->from_guest.bytes = got;
	p->from_guest.crc = crc;
	p->from_guest.secs = mono() - t0;
	p->from_guest.done = eof;
	pthread_mutex_unlock(&p->lock);
}

static void *peer_thread(void *opaque)
{
	struct net_peer *p = opaque;

	for (;;) {
		struct pollfd pfd[2] = {
			{ p->listen_to, POLLIN, 0 }, { p->listen_from, POLLIN, 0 },
		};
		bool stop;
		int i;

		pthread_mutex_lock(&p->lock);
		stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		if (poll(pfd, 2, 200) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			int c;

			if (!pfd[i].revents)
				continue;
			c = accept4(i ? p->listen_from : p->listen_to, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			set_timeouts(c);
			if (i)
				serve_from_guest(p, c);
			else
				serve_to_guest(p, c);
			close(c);
		}
	}
	return NULL;
}

bool net_peer_start(struct net_peer *p, uint64_t bytes)
{
	memset(p, 0, sizeof(*p));
	crc_init();
	p->bytes = bytes;
	pthread_mutex_init(&p->lock, NULL);
	p->listen_to = listen_on(NET_PORT_TO_GUEST);
	p->listen_from = listen_on(NET_PORT_FROM_GUEST);
	if (p->listen_to < 0 || p->listen_from < 0 ||
	    pthread_create(&p->thread, NULL, peer_thread, p)) {
		ktap_print_msg("cannot listen on ports %u and %u: %s\n", NET_PORT_TO_GUEST,
			       NET_PORT_FROM_GUEST, strerror(errno));
		if (p->listen_to >= 0)
			close(p->listen_to);
		if (p->listen_from >= 0)
			close(p->listen_from);
		return false;
	}
	p->started = true;
	return true;
}

void net_peer_reset(struct net_peer *p)
{
	pthread_mutex_lock(&p->lock);
	memset(&p->to_guest, 0, sizeof(p->to_guest));
	memset(&p->from_guest, 0, sizeof(p->from_guest));
	pthread_mutex_unlock(&p->lock);
}

void net_peer_stop(struct net_peer *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	close(p->listen_to);
	close(p->listen_from);
	p->started = false;
}

/* ---- the case ---- */

#define NET_MIB		16
#define NET_MEM		"256M"

static struct net_peer peer;

static struct run *net_run(const struct env *e)
{
	static char cmdline[256];
	struct run *r;

	snprintf(cmdline, sizeof(cmdline), LINUX_CMDLINE " hvguest=net hvguest_net_ip=%s/24 hvguest_net_host=%s hvguest_net_mib=%u",
		 NET_GUEST_IP, NET_HOST_IP, NET_MIB);
	net_peer_reset(&peer);
	r = linux_run_mem(e, 900, cmdline, NET_MEM);
	arg(r, "--net");
	arg(r, "tap=" NET_TAP ",mac=52:54:00:12:34:56");
	arg(r, "--stats");
	return r;
}

/* The guest's "hv-guest: net <what> crc XXXXXXXX" as a number; false if absent. */
static bool guest_crc(const struct run *r, const char *what, uint32_t *crc)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), "hv-guest: net %s crc ", what);
	at = find(r->out, r->out_len, key);
	return at && sscanf(at + strlen(key), "%8x", crc) == 1;
}

/*
 * The negotiated features (the guest's /sys/.../features, one character a
 * bit from bit 0): checksum offload, TSO and mergeable buffers both ways.
 */
static bool net_features_ok(const struct run *r)
{
	static const unsigned int want[] = { 0, 1, 5, 7, 11, 15, 16, 64 };	/* 64: the end */
	const char *at = find(r->out, r->out_len, "hv-guest: net features ");
	unsigned int i;

	if (!at) {
		ktap_print_msg("the guest did not list eth0's virtio features\n");
		return false;
	}
	at += strlen("hv-guest: net features ");
	for (i = 0; want[i] < 64; i++) {
		if (at[want[i]] != '1') {
			ktap_print_msg("feature bit %u was not negotiated (CSUM, GUEST_CSUM, MAC, GUEST_TSO4, HOST_TSO4, MRG_RXBUF, STATUS are wanted)\n",
				       want[i]);
			return false;
		}
	}
	return true;
}

/* hv-run's --stats line for virtio-net: frames and bytes each way. */
static bool net_stats(const struct run *r, unsigned long long *v)
{
	const char *at = find(r->err, r->err_len, "hv-run: virtio-net: sent ");

	return at && sscanf(at, "hv-run: virtio-net: sent %llu frames (%llu bytes, %llu TSO, %llu dropped), received %llu frames (%llu bytes, %llu TSO, %llu dropped)",
			    &v[0], &v[1], &v[6], &v[2], &v[3], &v[4], &v[7], &v[5]) == 8;
}

static enum verdict net_verdict(const struct run *r)
{
	const uint64_t bytes = (uint64_t)NET_MIB << 20;
	unsigned long long s[8];
	uint32_t rx = 0, tx = 0;
	bool ok;

	if (!guest_says(r, "hv-guest: net mac ", "52:54:00:12:34:56") ||
	    !guest_says(r, "hv-guest: net ping ", "ok") || !net_features_ok(r) ||
	    !guest_says(r, "hv-guest: net ", "done") || virtio_guest_failed(r))
		return FAIL;
	if (find(r->err, r->err_len, "needs reset")) {
		ktap_print_msg("hv-run put virtio-net into DEVICE_NEEDS_RESET\n");
		return FAIL;
	}
	pthread_mutex_lock(&peer.lock);
	ok = peer.to_guest.done && peer.from_guest.done;
	if (!ok)
		ktap_print_msg("host side: %llu of %llu bytes sent to the guest, %llu received%s\n",
			       (unsigned long long)peer.to_guest.bytes, (unsigned long long)bytes,
			       (unsigned long long)peer.from_guest.bytes,
			       peer.from_guest.done ? "" : " (no end of stream)");
	if (ok && (!guest_crc(r, "rx", &rx) || rx != peer.to_guest.crc)) {
		ktap_print_msg("the guest received CRC %08x, the host sent %08x\n", rx,
			       peer.to_guest.crc);
		ok = false;
	}
	if (ok && (!guest_crc(r, "tx", &tx) || tx != peer.from_guest.crc ||
		   peer.from_guest.bytes < bytes)) {
		ktap_print_msg("the guest sent CRC %08x, the host received %08x in %llu bytes\n", tx,
			       peer.from_guest.crc, (unsigned long long)peer.from_guest.bytes);
		ok = false;
	}
	if (ok)
		ktap_print_msg("TCP host to guest: %llu bytes in %.2f s (%.2f MB/s); guest to host: %llu bytes in %.2f s (%.2f MB/s); CRCs equal\n",
			       (unsigned long long)peer.to_guest.bytes, peer.to_guest.secs,
			       peer.to_guest.bytes / 1e6 / peer.to_guest.secs,
			       (unsigned long long)peer.from_guest.bytes, peer.from_guest.secs,
			       peer.from_guest.bytes / 1e6 / peer.from_guest.secs);
	pthread_mutex_unlock(&peer.lock);
	if (!ok)
		return FAIL;
	if (!net_stats(r, s)) {
		ktap_print_msg("no virtio-net line in hv-run's --stats\n");
		return FAIL;
	}
	ktap_print_msg("virtio-net: %llu frames sent (%llu bytes on average, %llu TSO), %llu received (%llu on average, %llu TSO), %llu and %llu dropped\n",
		       s[0], s[0] ? s[1] / s[0] : 0, s[6], s[3], s[3] ? s[4] / s[3] : 0, s[7], s[2],
		       s[5]);
	/* TSO at work both ways: frames of several segments (larger than the 1500-byte MTU). */
	if (!s[6] || !s[7]) {
		ktap_print_msg("want TSO frames both ways\n");
		return FAIL;
	}
	return PASS;
}

enum verdict virtio_net_tap(const struct env *e, const void *unused, const char **skip_why)
{
	enum verdict v = PASS;
	struct net_host h;
	struct run *r;
	bool ok;

	(void)unused;
	if (!linux_guest_ready(e, skip_why, &v))
		return v;
	if (access("/dev/net/tun", R_OK | W_OK)) {
		ktap_print_msg("/dev/net/tun: %s\n", strerror(errno));
		*skip_why = "no /dev/net/tun";
		return missing_file();
	}
	if (!net_host_up(&h))
		return FAIL;
	if (!net_peer_start(&peer, (uint64_t)NET_MIB << 20)) {
		net_host_down(&h);
		return FAIL;
	}
	r = linux_run_expect(net_run, e, &ok);
	net_peer_stop(&peer);
	v = ok ? net_verdict(r) : FAIL;
	if (v == PASS)
		show_lines("guest", r->out, r->out_len);
	else if (ok)
		show_run(r);
	ktap_print_msg("guest run: %.1f s\n", r->secs);
	free(r);
	net_host_down(&h);
	return v;
}
