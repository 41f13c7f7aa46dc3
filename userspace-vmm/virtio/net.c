// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-net (virtio 1.x, 5.1) over a host tap device.
 *
 * One queue pair, receiveq1 and transmitq1; no control queue, no
 * multiqueue.  Offered: VERSION_1, MAC (the config space's, --net
 * ...,mac=), STATUS (link always up), MRG_RXBUF, CSUM and HOST_TSO4/6
 * (the guest may hand over partially checksummed frames and 64 KiB TCP
 * segments: the tap takes them as they are), GUEST_CSUM and GUEST_TSO4/6
 * (the tap may hand us such frames: TUNSETOFFLOAD follows what the guest
 * accepted).  Not offered, as nothing here would honour them: ECN and UFO
 * either way, the control queue and its MAC filtering.
 *
 * The header: with VERSION_1 every buffer chain starts with the 12-byte
 * struct virtio_net_hdr_v1 (5.1.6), and the tap is set to a 12-byte vnet
 * header of the same layout (TUNSETVNETHDRSZ), so it passes through: the
 * tap reads and writes its first 10 bytes, num_buffers is ours.
 *
 * Transmit: a notification of transmitq1 (a vCPU thread or the doorbell
 * thread, device lock held) takes each chain, copies its header once,
 * checks it against the features the guest accepted (an offload it did not
 * negotiate drops the frame), and writev()s the checked copy plus the rest
 * of the chain's readable buffers to the tap, one frame per writev.  A
 * frame the tap refuses (too long, bad GSO fields: the kernel checks them
 * again) or cannot queue is dropped, as a wire would; the chain goes back
 * with length 0 either way.
 *
 * Receive is driven by the tap fd becoming readable, not by polling: one
 * thread poll()s the tap and an eventfd.  It reads one frame (vnet header
 * first) into its own buffer, then, under the device lock, spreads it over
 * the guest's receive chains: with MRG_RXBUF over as many chains as it
 * needs (each at least a header long, as 5.1.6.3.1 requires of the driver),
 * num_buffers set in the first, all of them published together; without,
 * into one chain that must hold it all.  When the ring runs dry mid-frame
 * the chains taken are put back (virtq_unpop()) and the thread stops
 * reading the tap until the driver notifies receiveq1; the tap queues (and
 * past its length drops) meanwhile.  Before DRIVER_OK, and after a reset,
 * nothing is read.  A frame carrying an offload the guest did not accept
 * (one queued in the tap before TUNSETOFFLOAD followed a new driver) is
 * dropped.
 *
 * A malformed ring, or a receive chain without room for a header, puts the
 * device into NEEDS_RESET with one log line (virtio_dev_broken()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "net.h"
#include "../le.h"

#define NET_FEATURES	(1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |		\
			 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_GUEST_TSO4 |		\
			 1ull << VIRTIO_NET_F_GUEST_TSO6 | 1ull << VIRTIO_NET_F_HOST_TSO4 |	\
			 1ull << VIRTIO_NET_F_HOST_TSO6 | 1ull << VIRTIO_NET_F_MRG_RXBUF |	\
			 1ull << VIRTIO_NET_F_STATUS)

static bool has(uint64_t features, unsigned int bit)
{
	return features & (1ull << bit);
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool virtio_net_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	uint8_t m[6];
	unsigned int i;

	if (len != 17)
		return false;
	for (i = 0; i < 6; i++) {
		int hi = hexdigit(s[3 * i]), lo = hexdigit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A station address: not multicast (bit 0), not all zeros (Linux would make up its own). */
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return false;
	memcpy(mac, m, 6);
	return true;
}

/* What the kernel's dev_valid_name() takes: 1-15 bytes, not "." or "..", no '/', ':' or space. */
static bool valid_ifname(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= IFNAMSIZ || (len == 1 && s[0] == '.') ||
	    (len == 2 && !strncmp(s, "..", 2)))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

int virtio_net_parse_option(const char *arg, struct virtio_net_options *o, char *why,
			    size_t why_size)
{
	static const uint8_t def_mac[6] = VIRTIO_NET_DEFAULT_MAC;
	bool tap = false, mac = false;
	const char *p = arg;

	memset(o, 0, sizeof(*o));
	memcpy(o->mac, def_mac, 6);
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n > 4 && !strncmp(p, "tap=", 4) && !tap) {
			if (!valid_ifname(p + 4, n - 4)) {
				snprintf(why, why_size, "--net '%s': tap= wants an interface name of 1 to 15 characters",
					 arg);
				return -EINVAL;
			}
			memcpy(o->tap, p + 4, n - 4);
			o->tap[n - 4] = 0;
			tap = true;
		} else if (n > 4 && !strncmp(p, "mac=", 4) && !mac) {
			if (!virtio_net_parse_mac(p + 4, n - 4, o->mac)) {
				snprintf(why, why_size, "--net '%s': mac= wants a unicast address like 52:54:00:12:34:56",
					 arg);
				return -EINVAL;
			}
			mac = true;
		} else {
			snprintf(why, why_size, "--net '%s': not tap=NAME[,mac=xx:xx:xx:xx:xx:xx] (each once)",
				 arg);
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!tap) {
		snprintf(why, why_size, "--net '%s': tap=NAME is missing", arg);
		return -EINVAL;
	}
	return 0;
}

int virtio_net_open_tap(const char *name, char *why, size_t why_size)
{
	struct ifreq ifr;
	int fd, hdr_len = VIRTIO_NET_HDR_LEN, err;

	/* An existing tap only: TUNSETIFF would make a new one that nobody configured. */
	if (!if_nametoindex(name)) {
		snprintf(why, why_size, "--net tap=%s: no such network interface (make the tap first: ip tuntap add %s mode tap)",
			 name, name);
		return -ENODEV;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_size, "--net tap=%s: /dev/net/tun: %s", name, strerror(errno));
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		err = -errno;
		snprintf(why, why_size, "--net tap=%s: %s", name,
			 errno == EINVAL ? "not a tap device" :
			 errno == EBUSY ? "the tap is in use by another process" :
			 errno == EPERM ?
			 "not allowed to attach to it (its owner or group, or CAP_NET_ADMIN)" :
			 strerror(errno));
		close(fd);
		return err;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len)) {
		err = -errno;
		snprintf(why, why_size, "--net tap=%s: TUNSETVNETHDRSZ: %s", name, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

bool virtio_net_tx_hdr_ok(const uint8_t *hdr, uint64_t f)
{
	uint8_t flags = hdr[0], gso = hdr[1];

	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(f, VIRTIO_NET_F_CSUM))
		return false;
	if (gso & VIRTIO_NET_HDR_GSO_ECN)
		return false;		/* HOST_ECN is not offered */
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has(f, VIRTIO_NET_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has(f, VIRTIO_NET_F_HOST_TSO6);
	default:
		return false;		/* UDP (UFO) is not offered; anything else does not exist */
	}
}

bool virtio_net_rx_hdr_ok(const uint8_t *hdr, uint64_t f)
{
	uint8_t flags = hdr[0], gso = hdr[1];

	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(f, VIRTIO_NET_F_GUEST_CSUM))
		return false;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has(f, VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has(f, VIRTIO_NET_F_GUEST_TSO6);
	default:
		return false;		/* ECN and UFO were never asked of the tap */
	}
}

unsigned int virtio_net_tap_offloads(uint64_t f)
{
	unsigned int o = 0;

	/* The tap offers TSO only on top of checksum offload; the spec ties GUEST_TSO to it too. */
	if (!has(f, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	o |= TUN_F_CSUM;
	if (has(f, VIRTIO_NET_F_GUEST_TSO4))
		o |= TUN_F_TSO4;
	if (has(f, VIRTIO_NET_F_GUEST_TSO6))
		o |= TUN_F_TSO6;
	return o;
}

/* Device lock held. */
static void transmit(struct virtio_net *net, struct virtq *q)
{
	struct virtio_dev *vd = &net->vd;
	struct virtq_chain *c = &net->tx_chain;
	struct iovec iov[VIRTQ_MAX_SIZE + 1];
	uint8_t hdr[VIRTIO_NET_HDR_LEN];
	bool irq = false;
	int r;

	while ((r = virtq_pop(q, c)) > 0) {
		uint64_t frame = c->out_len - VIRTIO_NET_HDR_LEN;
		int n = -1;

		if (c->out_len >= VIRTIO_NET_HDR_LEN && frame <= VIRTIO_NET_FRAME_MAX &&
		    virtq_chain_read(c, 0, hdr, sizeof(hdr)) == sizeof(hdr) &&
		    virtio_net_tx_hdr_ok(hdr, vd->guest_features)) {
			/* The checked copy of the header, not the guest's memory again. */
			iov[0].iov_base = hdr;
			iov[0].iov_len = sizeof(hdr);
			n = virtq_chain_iov(c, false, VIRTIO_NET_HDR_LEN, frame, iov + 1,
					    VIRTQ_MAX_SIZE);
		}
		if (n >= 0 && net->tap_fd >= 0 && writev(net->tap_fd, iov, n + 1) >= 0) {
			net->tx_frames++;
			net->tx_bytes += frame;
			net->tx_gso += hdr[1] != VIRTIO_NET_HDR_GSO_NONE;
		} else {
			net->tx_dropped++;
		}
		irq |= virtq_push(q, c->head, 0);
	}
	if (r < 0)
		virtio_dev_broken(vd, q->error);
	if (irq)
		virtio_queue_interrupt(vd, VIRTIO_NET_TX);
}

/* Add one to eventfd @fd; a failure means a full counter, which already holds a wake-up. */
static void signal_eventfd(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));

	(void)n;
}

/* Device lock held: let the receive thread look again (buffers came, a reset, a stop). */
static void wake_rx(struct virtio_net *net)
{
	if (!net->rx_waiting || net->wake_fd < 0)
		return;
	net->rx_waiting = false;
	signal_eventfd(net->wake_fd);
}

static void net_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_net *net = vd->opaque;

	if (q == VIRTIO_NET_TX)
		transmit(net, &vd->vq[q]);
	else
		wake_rx(net);
}

static void net_reset(struct virtio_dev *vd)
{
	struct virtio_net *net = vd->opaque;

	/* The receive thread drops what it holds and stops reading until the next DRIVER_OK. */
	wake_rx(net);
}

/*
 * Device lock held: put the frame into chains, one unless @mrg; WAIT with
 * every chain put back if the ring runs dry.
 */
static enum virtio_net_rx rx_spread(struct virtio_net *net, struct virtq *q, bool mrg)
{
	struct virtio_dev *vd = &net->vd;
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	uint8_t nb[2];
	size_t off = 0, len = net->rx_len;
	unsigned int n = 0, i;
	bool irq = false;
	char why[96];
	int r;

	while (off < len) {
		struct virtq_chain *c = n ? &net->rx_chain : &net->rx_first;

		r = n == q->size ? 0 : virtq_pop(q, c);
		if (r == 0) {
			virtq_unpop(q, (uint16_t)n);
			/* Every entry of the queue is not enough: more will never come. */
			return n == q->size ? VIRTIO_NET_RX_DROPPED : VIRTIO_NET_RX_WAIT;
		}
		if (r < 0) {
			virtio_dev_broken(vd, q->error);
			return VIRTIO_NET_RX_DROPPED;
		}
		n++;
		if (c->in_len < VIRTIO_NET_HDR_LEN) {
			snprintf(why, sizeof(why), "receive chain %u has %" PRIu64
				 " writable bytes, less than a header", c->head, c->in_len);
			virtio_dev_broken(vd, why);
			return VIRTIO_NET_RX_DROPPED;
		}
		if (!mrg && c->in_len < len) {
			/* Too big for this driver's buffers (no TSO, no merging): a wire's drop. */
			virtq_unpop(q, 1);
			return VIRTIO_NET_RX_DROPPED;
		}
		heads[n - 1] = c->head;
		lens[n - 1] = (uint32_t)virtq_chain_write(c, 0, net->rx_buf + off, len - off);
		off += lens[n - 1];
	}
	put_le(nb, 2, n);
	virtq_chain_write(&net->rx_first, VIRTIO_NET_HDR_NUM_BUFFERS, nb, 2);
	for (i = 0; i < n; i++)
		virtq_fill(q, i, heads[i], lens[i]);
	irq = virtq_flush(q, n);
	if (irq)
		virtio_queue_interrupt(vd, VIRTIO_NET_RX);
	return VIRTIO_NET_RX_DONE;
}

enum virtio_net_rx virtio_net_deliver(struct virtio_net *net)
{
	struct virtio_dev *vd = &net->vd;
	struct virtq *q = &vd->vq[VIRTIO_NET_RX];
	uint64_t f;
	enum virtio_net_rx res;

	pthread_mutex_lock(&vd->lock);
	f = vd->guest_features;
	if (!virtio_dev_live(vd) || !q->enabled || net->rx_len < VIRTIO_NET_HDR_LEN ||
	    !virtio_net_rx_hdr_ok(net->rx_buf, f))
		res = VIRTIO_NET_RX_DROPPED;
	else
		res = rx_spread(net, q, has(f, VIRTIO_NET_F_MRG_RXBUF));
	if (res == VIRTIO_NET_RX_DONE) {
		net->rx_frames++;
		net->rx_bytes += net->rx_len - VIRTIO_NET_HDR_LEN;
		net->rx_gso += net->rx_buf[1] != VIRTIO_NET_HDR_GSO_NONE;
	} else if (res == VIRTIO_NET_RX_DROPPED) {
		net->rx_dropped++;
	}
	/* Waiting for buffers: the driver's next notification of receiveq1 wakes the thread. */
	net->rx_waiting = res == VIRTIO_NET_RX_WAIT;
	pthread_mutex_unlock(&vd->lock);
	return res;
}

/*
 * Device lock held: whether to read the tap now (a driver is up), with the
 * tap's offloads following what this driver accepted.
 */
static bool rx_ready(struct virtio_net *net)
{
	struct virtio_dev *vd = &net->vd;
	unsigned int off;

	if (!virtio_dev_live(vd) || !vd->vq[VIRTIO_NET_RX].enabled) {
		net->rx_waiting = true;		/* DRIVER_OK notifies every queue */
		return false;
	}
	if (!net->offloads_set || net->offload_generation != vd->generation) {
		off = virtio_net_tap_offloads(vd->guest_features);
		/*
		 * A failure (not a tap: a unit test's socketpair) loses nothing:
		 * the host kernel then checksums and segments everything itself.
		 */
		(void)ioctl(net->tap_fd, TUNSETOFFLOAD, (unsigned long)off);
		net->offloads_set = true;
		net->offload_generation = vd->generation;
	}
	return true;
}

static void *rx_thread(void *opaque)
{
	struct virtio_net *net = opaque;
	struct virtio_dev *vd = &net->vd;
	bool tap_ok = true;

	for (;;) {
		struct pollfd pfd[2];
		bool ready, stopping;

		pthread_mutex_lock(&vd->lock);
		stopping = net->stopping;
		ready = !stopping && rx_ready(net);
		pthread_mutex_unlock(&vd->lock);
		if (stopping)
			break;
		if (net->rx_len && virtio_net_deliver(net) != VIRTIO_NET_RX_WAIT)
			net->rx_len = 0;
		pfd[0] = (struct pollfd){ .fd = ready && tap_ok && !net->rx_len ? net->tap_fd : -1,
					  .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = net->wake_fd, .events = POLLIN };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents) {
			uint64_t v;

			if (read(net->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		if (pfd[0].revents) {
			ssize_t n = read(net->tap_fd, net->rx_buf, sizeof(net->rx_buf));

			if (n > 0) {
				net->rx_len = (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* The tap went away (deleted on the host): receive nothing more. */
				fprintf(stderr, "hv-run: %s: reading the tap: %s; receiving stops\n",
					vd->name, n ? strerror(errno) : "end of file");
				tap_ok = false;
			}
		}
	}
	return NULL;
}

static const struct virtio_dev_ops net_ops = { .notify = net_notify, .reset = net_reset };

int virtio_net_init(struct virtio_net *net, int tap_fd, const uint8_t mac[6],
		    const struct guest_mem *mem)
{
	int err;

	memset(net, 0, sizeof(*net));
	net->tap_fd = tap_fd;
	net->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (net->wake_fd < 0)
		return -errno;
	/* class: network controller, Ethernet (0x0200) */
	err = virtio_dev_init(&net->vd, "virtio-net", VIRTIO_ID_NET, 0x020000, 2, NET_FEATURES, mem,
			      &net_ops, net);
	if (err) {
		close(net->wake_fd);
		net->wake_fd = -1;
		return err;
	}
	/* Config space (5.1.4): mac[6], then status; max_virtqueue_pairs and mtu not offered. */
	memcpy(net->vd.config, mac, 6);
	put_le(net->vd.config + 6, 2, VIRTIO_NET_S_LINK_UP);
	net->vd.config_len = 8;
	return 0;
}

int virtio_net_start(struct virtio_net *net)
{
	int err = -pthread_create(&net->rx_thread, NULL, rx_thread, net);

	net->rx_started = !err;
	return err;
}

void virtio_net_stop(struct virtio_net *net)
{
	if (!net->rx_started)
		return;
	pthread_mutex_lock(&net->vd.lock);
	net->stopping = true;
	pthread_mutex_unlock(&net->vd.lock);
	signal_eventfd(net->wake_fd);
	pthread_join(net->rx_thread, NULL);
	net->rx_started = false;
}

void virtio_net_destroy(struct virtio_net *net)
{
	virtio_net_stop(net);
	if (net->wake_fd >= 0)
		close(net->wake_fd);
	if (net->tap_fd >= 0)
		close(net->tap_fd);
	net->wake_fd = net->tap_fd = -1;
}

void virtio_net_print_stats(struct virtio_net *net, FILE *out)
{
	pthread_mutex_lock(&net->vd.lock);
	fprintf(out, "hv-run: %s: sent %" PRIu64 " frames (%" PRIu64 " bytes, %" PRIu64
		" TSO, %" PRIu64 " dropped), received %" PRIu64 " frames (%" PRIu64 " bytes, %" PRIu64
		" TSO, %" PRIu64 " dropped)\n", net->vd.name, net->tx_frames, net->tx_bytes,
		net->tx_gso, net->tx_dropped, net->rx_frames, net->rx_bytes, net->rx_gso,
		net->rx_dropped);
	pthread_mutex_unlock(&net->vd.lock);
	virtio_print_stats(&net->vd, out);
}
