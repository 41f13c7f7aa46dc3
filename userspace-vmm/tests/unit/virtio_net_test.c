// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of virtio-net (virtio/net.c) with rings in guest memory and a
 * SOCK_SEQPACKET socketpair in place of the tap (one message a frame, as a
 * tap reads and writes): --net's option and MAC parsing, the vnet header
 * checks against the negotiated features, a transmitted frame reaching the
 * "tap" with the checked header, and received frames spread over mergeable
 * buffers with num_buffers set, published together, waiting (the chains
 * put back) while the ring is short, dropped when the guest cannot take
 * them, and a receive buffer shorter than a header breaking the device.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "../../virtio/net.h"
#include "unit.h"
#include "virtio_driver.h"

#define QSIZE		4
#define QBASE(q)	VDRV_QBASE(q)
#define BUFS		0x40000u	/* receive and transmit buffers */

struct net_env {
	struct guest_mem mem;
	struct virtio_net net;
	int sock[2];			/* [0] the device's "tap", [1] the host's end */
	uint16_t avail_idx[2];
};

static const uint64_t all_features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_CSUM |
	1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_GUEST_TSO4 |
	1ull << VIRTIO_NET_F_GUEST_TSO6 | 1ull << VIRTIO_NET_F_HOST_TSO4 |
	1ull << VIRTIO_NET_F_HOST_TSO6 | 1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS;

static void put(struct net_env *e, uint64_t gpa, const void *p, size_t n)
{
	vdrv_put(&e->mem, gpa, p, n);
}

static void desc(struct net_env *e, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	vdrv_desc(&e->mem, q, i, addr, len, flags, next);
}

/* Make chain @head available on queue @q and notify. */
static void offer(struct net_env *e, unsigned int q, uint16_t head)
{
	vdrv_offer(&e->net.vd, &e->mem, q, QSIZE, &e->avail_idx[q], head);
}

static uint32_t used_field(struct net_env *e, unsigned int q, unsigned int i, unsigned int off)
{
	uint32_t v;

	memcpy(&v, e->mem.host + QBASE(q) + 0x2000 + 4 + 8 * (i % QSIZE) + off, 4);
	return v;
}

static uint16_t used_idx(struct net_env *e, unsigned int q)
{
	uint16_t v;

	memcpy(&v, e->mem.host + QBASE(q) + 0x2000 + 2, 2);
	return v;
}

static bool env_init(struct net_env *e)
{
	static const uint8_t mac[6] = VIRTIO_NET_DEFAULT_MAC;

	memset(e, 0, sizeof(*e));
	if (mem_init(&e->mem, MEM_MIN_SIZE) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, e->sock))
		return false;
	return virtio_net_init(&e->net, e->sock[0], mac, &e->mem) == 0;
}

/* A driver accepting @features, both queues of QSIZE entries, DRIVER_OK. */
static bool driver_ready(struct net_env *e, uint64_t features)
{
	struct virtio_dev *vd = &e->net.vd;
	unsigned int q;

	virtio_bar_write(vd, VDRV_STATUS, 1, 0x03);
	virtio_bar_write(vd, VDRV_FEATURE_SELECT, 4, 0);
	virtio_bar_write(vd, VDRV_FEATURE, 4, (uint32_t)features);
	virtio_bar_write(vd, VDRV_FEATURE_SELECT, 4, 1);
	virtio_bar_write(vd, VDRV_FEATURE, 4, (uint32_t)(features >> 32));
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x0b);
	for (q = 0; q < 2; q++)
		vdrv_queue(vd, q, QSIZE, QBASE(q), QBASE(q) + 0x1000, QBASE(q) + 0x2000);
	return vdrv_driver_ok(vd);
}

static void env_destroy(struct net_env *e)
{
	virtio_net_destroy(&e->net);		/* closes sock[0] */
	close(e->sock[1]);
	mem_destroy(&e->mem);
}

/* A frame of @len bytes after a vnet header with @flags and @gso, into the device's rx_buf. */
static void frame_in(struct net_env *e, size_t len, uint8_t flags, uint8_t gso)
{
	size_t i;

	memset(e->net.rx_buf, 0, VIRTIO_NET_HDR_LEN);
	e->net.rx_buf[0] = flags;
	e->net.rx_buf[1] = gso;
	e->net.rx_buf[VIRTIO_NET_HDR_NUM_BUFFERS] = 0xee;	/* the tap leaves these two bytes */
	e->net.rx_buf[VIRTIO_NET_HDR_NUM_BUFFERS + 1] = 0xee;
	for (i = 0; i < len; i++)
		e->net.rx_buf[VIRTIO_NET_HDR_LEN + i] = (uint8_t)(i * 13 + 5);
	e->net.rx_len = VIRTIO_NET_HDR_LEN + len;
}

static bool virtio_net_mac_parsing(void)
{
	uint8_t m[6] = { 0 };

	CHECK(virtio_net_parse_mac("02:Ab:cd:EF:00:ff", 17, m));
	CHECK(m[0] == 0x02 && m[1] == 0xab && m[3] == 0xef && m[5] == 0xff);
	CHECK(!virtio_net_parse_mac("01:00:5e:00:00:01", 17, m));	/* multicast */
	CHECK(!virtio_net_parse_mac("00:00:00:00:00:00", 17, m));
	CHECK(!virtio_net_parse_mac("02:00:00:00:00", 14, m));
	CHECK(!virtio_net_parse_mac("02:00:00:00:00:0g", 17, m));
	CHECK(!virtio_net_parse_mac("02-00-00-00-00-01", 17, m));
	CHECK(!virtio_net_parse_mac("02:00:00:00:00:011", 18, m));
	CHECK(!virtio_net_parse_mac("", 0, m));
	return true;
}

static bool virtio_net_option_parsing(void)
{
	static const uint8_t def[6] = VIRTIO_NET_DEFAULT_MAC;
	struct virtio_net_options o;
	char why[256];

	CHECK_EQ(virtio_net_parse_option("tap=hvtap0", &o, why, sizeof(why)), 0);
	CHECK(!strcmp(o.tap, "hvtap0") && !memcmp(o.mac, def, 6));
	CHECK(def[0] & 2 && !(def[0] & 1));	/* the default: locally administered, unicast */
	CHECK_EQ(virtio_net_parse_option("mac=52:54:00:00:00:07,tap=t", &o, why, sizeof(why)), 0);
	CHECK(!strcmp(o.tap, "t") && o.mac[5] == 7);
	CHECK(virtio_net_parse_option("tap=a,tap=b", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=a,mac=52:54:00:00:00:07,mac=52:54:00:00:00:08", &o, why,
				      sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=a,queues=2", &o, why, sizeof(why)) < 0);
	CHECK(strstr(why, "queues=2"));
	CHECK(virtio_net_parse_option("mac=52:54:00:00:00:07", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=0123456789abcdef", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=a/b", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=..", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=a,", &o, why, sizeof(why)) < 0);
	CHECK(virtio_net_parse_option("tap=a,mac=01:00:00:00:00:00", &o, why, sizeof(why)) < 0);
	CHECK(strstr(why, "mac="));
	CHECK_EQ(virtio_net_parse_option("tap=0123456789abcde", &o, why, sizeof(why)), 0);
	return true;
}

static bool virtio_net_header_checks(void)
{
	uint8_t h[VIRTIO_NET_HDR_LEN] = { 0 };
	uint64_t none = 1ull << VIRTIO_F_VERSION_1;

	CHECK(virtio_net_tx_hdr_ok(h, none));
	CHECK(virtio_net_rx_hdr_ok(h, none));
	h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	CHECK(!virtio_net_tx_hdr_ok(h, none));
	CHECK(!virtio_net_rx_hdr_ok(h, none));
	CHECK(virtio_net_tx_hdr_ok(h, all_features));
	CHECK(virtio_net_rx_hdr_ok(h, all_features));
	h[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	CHECK(virtio_net_tx_hdr_ok(h, all_features));
	CHECK(!virtio_net_tx_hdr_ok(h, all_features & ~(1ull << VIRTIO_NET_F_HOST_TSO4)));
	CHECK(!virtio_net_rx_hdr_ok(h, all_features & ~(1ull << VIRTIO_NET_F_GUEST_TSO4)));
	h[1] = VIRTIO_NET_HDR_GSO_TCPV6;
	CHECK(virtio_net_rx_hdr_ok(h, all_features));
	CHECK(!virtio_net_tx_hdr_ok(h, all_features & ~(1ull << VIRTIO_NET_F_HOST_TSO6)));
	/* Not offered: ECN, UFO, and values that mean nothing. */
	h[1] = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	CHECK(!virtio_net_tx_hdr_ok(h, all_features));
	CHECK(!virtio_net_rx_hdr_ok(h, all_features));
	h[1] = VIRTIO_NET_HDR_GSO_UDP;
	CHECK(!virtio_net_tx_hdr_ok(h, all_features));
	h[1] = 0x42;
	CHECK(!virtio_net_rx_hdr_ok(h, all_features));
	CHECK_EQ(virtio_net_tap_offloads(all_features), TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	CHECK_EQ(virtio_net_tap_offloads(none), 0);
	/* TSO without checksum offload is nothing the tap (or the spec) allows. */
	CHECK_EQ(virtio_net_tap_offloads(all_features & ~(1ull << VIRTIO_NET_F_GUEST_CSUM)), 0);
	return true;
}

static bool virtio_net_config_and_features(void)
{
	struct net_env e;

	CHECK(env_init(&e));
	CHECK_EQ(e.net.vd.host_features, all_features | 1u << VIRTIO_F_INDIRECT_DESC);
	CHECK_EQ(virtio_bar_read(&e.net.vd, VIRTIO_DEVCFG_OFF, 4), 0x68005452);
	CHECK_EQ(virtio_bar_read(&e.net.vd, VIRTIO_DEVCFG_OFF + 4, 2), 0x0176);
	CHECK_EQ(virtio_bar_read(&e.net.vd, VIRTIO_DEVCFG_OFF + 6, 2), VIRTIO_NET_S_LINK_UP);
	env_destroy(&e);
	return true;
}

static bool virtio_net_transmit(void)
{
	struct net_env e;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = { 0 }, got[256];

	CHECK(env_init(&e));
	CHECK(driver_ready(&e, all_features));
	/* header and the frame's first part in one buffer, the rest in a second */
	hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr[4] = 34;			/* csum_start */
	hdr[6] = 16;			/* csum_offset */
	put(&e, BUFS, hdr, sizeof(hdr));
	put(&e, BUFS + 12, "frame-one-", 10);
	put(&e, BUFS + 0x100, "second-part", 11);
	desc(&e, 1, 0, BUFS, 22, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, 1, 1, BUFS + 0x100, 11, 0, 0);
	offer(&e, 1, 0);
	CHECK_EQ(read(e.sock[1], got, sizeof(got)), 12 + 21);
	CHECK(!memcmp(got, hdr, 12));
	CHECK(!memcmp(got + 12, "frame-one-second-part", 21));
	CHECK_EQ(used_idx(&e, 1), 1);
	CHECK_EQ(used_field(&e, 1, 0, 4), 0);
	CHECK_EQ(e.net.tx_frames, 1);

	/* Shorter than a header, and a TSO frame with TSO refused: both dropped, given back. */
	desc(&e, 1, 2, BUFS, 11, 0, 0);
	offer(&e, 1, 2);
	CHECK_EQ(e.net.tx_dropped, 1);
	CHECK_EQ(used_idx(&e, 1), 2);
	hdr[1] = VIRTIO_NET_HDR_GSO_UDP;
	put(&e, BUFS, hdr, sizeof(hdr));
	desc(&e, 1, 3, BUFS, 64, 0, 0);
	offer(&e, 1, 3);
	CHECK_EQ(e.net.tx_dropped, 2);
	CHECK_EQ(used_idx(&e, 1), 3);
	CHECK(read(e.sock[1], got, sizeof(got)) < 0);	/* nothing more reached the tap */
	env_destroy(&e);
	return true;
}

/* Receive buffer @i of queue 0: @len bytes at BUFS + 0x1000 i. */
static void rx_buf(struct net_env *e, uint16_t i, uint32_t len)
{
	desc(e, 0, i, BUFS + 0x1000u * i, len, VIRTQ_DESC_F_WRITE, 0);
}

static bool virtio_net_receive_mergeable(void)
{
	const uint8_t *b0, *b1, *b2;
	struct net_env e;
	size_t i;

	CHECK(env_init(&e));
	CHECK(driver_ready(&e, all_features));
	frame_in(&e, 2500, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE);
	/* One 1000-byte buffer: not enough; it goes back to the ring and the thread waits. */
	rx_buf(&e, 0, 1000);
	offer(&e, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_WAIT);
	CHECK(e.net.rx_waiting);
	CHECK_EQ(used_idx(&e, 0), 0);
	/* Two more: the notification wakes the thread, and 2512 bytes fill 1000 + 1000 + 512. */
	rx_buf(&e, 1, 1000);
	rx_buf(&e, 2, 1000);
	offer(&e, 0, 1);
	CHECK(!e.net.rx_waiting);
	offer(&e, 0, 2);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DONE);
	CHECK_EQ(used_idx(&e, 0), 3);
	CHECK_EQ(used_field(&e, 0, 0, 0), 0);
	CHECK_EQ(used_field(&e, 0, 0, 4), 1000);
	CHECK_EQ(used_field(&e, 0, 1, 0), 1);
	CHECK_EQ(used_field(&e, 0, 1, 4), 1000);
	CHECK_EQ(used_field(&e, 0, 2, 0), 2);
	CHECK_EQ(used_field(&e, 0, 2, 4), 512);
	b0 = e.mem.host + BUFS;
	b1 = b0 + 0x1000;
	b2 = b0 + 0x2000;
	CHECK_EQ(b0[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(b0[VIRTIO_NET_HDR_NUM_BUFFERS], 3);
	CHECK_EQ(b0[VIRTIO_NET_HDR_NUM_BUFFERS + 1], 0);
	for (i = 0; i < 2500; i++) {
		size_t at = 12 + i;
		uint8_t got = at < 1000 ? b0[at] : at < 2000 ? b1[at - 1000] : b2[at - 2000];

		CHECK_EQ(got, (uint8_t)(i * 13 + 5));
	}
	CHECK_EQ(e.net.rx_frames, 1);
	CHECK_EQ(virtio_bar_read(&e.net.vd, VIRTIO_ISR_OFF, 1), 1);

	/* A TSO frame is fine for this driver; one the driver did not accept is dropped. */
	frame_in(&e, 100, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DROPPED);
	CHECK_EQ(e.net.rx_dropped, 1);
	CHECK_EQ(used_idx(&e, 0), 3);

	/* Every entry of the queue cannot hold it: dropped, not waited for forever. */
	rx_buf(&e, 3, 100);
	rx_buf(&e, 0, 100);
	rx_buf(&e, 1, 100);
	rx_buf(&e, 2, 100);
	offer(&e, 0, 3);
	offer(&e, 0, 0);
	offer(&e, 0, 1);
	offer(&e, 0, 2);
	frame_in(&e, 1000, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DROPPED);
	/* ...and the buffers are still there for a frame that fits: 12 + 150 in two. */
	frame_in(&e, 150, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DONE);
	CHECK_EQ(used_idx(&e, 0), 5);
	CHECK_EQ(used_field(&e, 0, 3, 0), 3);
	CHECK_EQ(used_field(&e, 0, 4, 4), 62);
	CHECK_EQ(e.mem.host[BUFS + 0x3000 + VIRTIO_NET_HDR_NUM_BUFFERS], 2);
	CHECK(!(virtio_bar_read(&e.net.vd, VDRV_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET));
	env_destroy(&e);
	return true;
}

static bool virtio_net_receive_single(void)
{
	uint64_t f = all_features & ~(1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct net_env e;

	CHECK(env_init(&e));
	CHECK(driver_ready(&e, f));
	/* Without merging a frame must fit one chain: a 1000-byte chain cannot take 1512. */
	rx_buf(&e, 0, 1000);
	offer(&e, 0, 0);
	frame_in(&e, 1500, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DROPPED);
	CHECK_EQ(used_idx(&e, 0), 0);
	frame_in(&e, 900, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DONE);
	CHECK_EQ(used_idx(&e, 0), 1);
	CHECK_EQ(used_field(&e, 0, 0, 4), 912);
	CHECK_EQ(e.mem.host[BUFS + VIRTIO_NET_HDR_NUM_BUFFERS], 1);
	env_destroy(&e);
	return true;
}

static bool virtio_net_receive_short_buffer_breaks(void)
{
	struct net_env e;

	CHECK(env_init(&e));
	CHECK(driver_ready(&e, all_features));
	rx_buf(&e, 0, 8);		/* less than the 12-byte header: the driver broke 5.1.6.3.1 */
	offer(&e, 0, 0);
	frame_in(&e, 60, 0, 0);
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DROPPED);
	CHECK(virtio_bar_read(&e.net.vd, VDRV_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(used_idx(&e, 0), 0);
	/* Broken: nothing more is delivered until a reset. */
	CHECK_EQ(virtio_net_deliver(&e.net), VIRTIO_NET_RX_DROPPED);
	env_destroy(&e);
	return true;
}

/* The receive thread: a frame written to the "tap" lands in the guest's buffer, unpolled. */
static bool virtio_net_receive_thread(void)
{
	uint8_t f[VIRTIO_NET_HDR_LEN + 64] = { 0 };
	struct net_env e;
	int i;

	CHECK(env_init(&e));
	CHECK_EQ(virtio_net_start(&e.net), 0);
	CHECK(driver_ready(&e, all_features));
	memcpy(f + VIRTIO_NET_HDR_LEN, "from the host", 13);
	CHECK_EQ(write(e.sock[1], f, sizeof(f)), sizeof(f));
	/* No buffer yet: the frame waits in the thread. */
	usleep(20000);
	CHECK_EQ(used_idx(&e, 0), 0);
	rx_buf(&e, 0, 2048);
	offer(&e, 0, 0);
	for (i = 0; i < 200 && used_idx(&e, 0) != 1; i++)
		usleep(5000);
	CHECK_EQ(used_idx(&e, 0), 1);
	CHECK_EQ(used_field(&e, 0, 0, 4), sizeof(f));
	CHECK(!memcmp(e.mem.host + BUFS + VIRTIO_NET_HDR_LEN, "from the host", 13));
	/* A reset, then the thread is joined cleanly. */
	virtio_bar_write(&e.net.vd, VDRV_STATUS, 1, 0);
	virtio_net_stop(&e.net);
	CHECK(!e.net.rx_started);
	env_destroy(&e);
	return true;
}

const struct unit_case virtio_net_cases[] = {
	{ "virtio_net_mac_parsing", virtio_net_mac_parsing },
	{ "virtio_net_option_parsing", virtio_net_option_parsing },
	{ "virtio_net_header_checks", virtio_net_header_checks },
	{ "virtio_net_config_and_features", virtio_net_config_and_features },
	{ "virtio_net_transmit", virtio_net_transmit },
	{ "virtio_net_receive_mergeable", virtio_net_receive_mergeable },
	{ "virtio_net_receive_single", virtio_net_receive_single },
	{ "virtio_net_receive_short_buffer_breaks", virtio_net_receive_short_buffer_breaks },
	{ "virtio_net_receive_thread", virtio_net_receive_thread },
	{ NULL, NULL },
};
