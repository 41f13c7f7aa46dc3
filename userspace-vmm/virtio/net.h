/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: virtio-net (virtio 1.x, 5.1) over a host tap device,
 * --net tap=NAME[,mac=xx:xx:xx:xx:xx:xx].  One receive and one transmit
 * queue, the tap's vnet header passed through.  See net.c.
 */
#ifndef HV_RUN_VIRTIO_NET_H
#define HV_RUN_VIRTIO_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_ID_NET		1

#define VIRTIO_NET_RX		0	/* receiveq1: host to guest */
#define VIRTIO_NET_TX		1	/* transmitq1: guest to host */

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_GUEST_ECN		9
#define VIRTIO_NET_F_GUEST_UFO		10
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_HOST_ECN		13
#define VIRTIO_NET_F_HOST_UFO		14
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16

#define VIRTIO_NET_S_LINK_UP		1

/* struct virtio_net_hdr_v1 (5.1.6): the tap's vnet header too (TUNSETVNETHDRSZ 12). */
#define VIRTIO_NET_HDR_LEN		12
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80
#define VIRTIO_NET_HDR_NUM_BUFFERS	10	/* offset of le16 num_buffers */

/*
 * The largest frame the tap hands over or takes: a 64 KiB GSO packet with
 * its Ethernet and VLAN headers, after the vnet header.
 */
#define VIRTIO_NET_FRAME_MAX		(65535 + 14 + 4)
#define VIRTIO_NET_BUF_MAX		(VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX)

/* The default MAC: locally administered (bit 1 of the first byte), unicast. */
#define VIRTIO_NET_DEFAULT_MAC		{ 0x52, 0x54, 0x00, 0x68, 0x76, 0x01 }

/* What --net said, checked by virtio_net_parse_option(). */
struct virtio_net_options {
	char tap[16];			/* IFNAMSIZ with its NUL */
	uint8_t mac[6];
};

/*
 * "tap=NAME[,mac=xx:xx:xx:xx:xx:xx]" into @o (the default MAC unless
 * given).  0, or -EINVAL with a one-line reason in @why.
 */
int virtio_net_parse_option(const char *arg, struct virtio_net_options *o, char *why,
			    size_t why_size);
/* Six two-digit hex bytes separated by ':', unicast: true and @mac, or false. */
bool virtio_net_parse_mac(const char *s, size_t len, uint8_t mac[6]);
/*
 * Open tap device @name (it must exist: hv-run does not create one) with
 * the vnet header, non-blocking: the fd, or -errno with a one-line reason
 * in @why.
 */
int virtio_net_open_tap(const char *name, char *why, size_t why_size);

/*
 * Whether the guest may send a frame with this vnet header, given the
 * features it accepted (the offloads it asks of the host were offered and
 * taken).
 */
bool virtio_net_tx_hdr_ok(const uint8_t *hdr, uint64_t guest_features);
/* Whether a frame the tap gave with this vnet header may go to this guest. */
bool virtio_net_rx_hdr_ok(const uint8_t *hdr, uint64_t guest_features);
/* The tap's TUNSETOFFLOAD flags for what the guest accepted. */
unsigned int virtio_net_tap_offloads(uint64_t guest_features);

enum virtio_net_rx {
	VIRTIO_NET_RX_DONE,		/* the frame is in the guest's buffers */
	VIRTIO_NET_RX_WAIT,		/* not enough buffers yet: keep it, wait for a notification */
	VIRTIO_NET_RX_DROPPED,		/* the guest cannot take it (size, offload, no driver) */
};

struct virtio_net {
	struct virtio_dev vd;
	int tap_fd;			/* the net's; closed by virtio_net_destroy() */
	int wake_fd;			/* eventfd: stop, buffers posted, reset */
	pthread_t rx_thread;
	bool rx_started;
	/* guarded by vd.lock */
	bool stopping;
	bool rx_waiting;		/* the receive thread waits for a notification */
	unsigned int offload_generation;	/* vd.generation the tap's offloads follow */
	bool offloads_set;
	struct virtq_chain tx_chain;	/* the notifier's */
	struct virtq_chain rx_first;	/* the receive thread's: the chain with the header... */
	struct virtq_chain rx_chain;	/* ...and the one being filled */
	uint64_t tx_frames, tx_dropped, rx_frames, rx_dropped;	/* --stats */
	uint64_t tx_bytes, rx_bytes;
	uint64_t tx_gso, rx_gso;	/* frames of several segments (TSO) */
	/* the receive thread's alone */
	uint8_t rx_buf[VIRTIO_NET_BUF_MAX];
	size_t rx_len;			/* a frame waits in rx_buf (vnet header first) */
};

/* 0 or -errno; takes @tap_fd (an fd that reads and writes whole frames: tap, socketpair). */
int virtio_net_init(struct virtio_net *net, int tap_fd, const uint8_t mac[6],
		    const struct guest_mem *mem);
/* The receive thread.  0 or -errno. */
int virtio_net_start(struct virtio_net *net);
/* Join the receive thread (VM stop); the device keeps its tap until virtio_net_destroy(). */
void virtio_net_stop(struct virtio_net *net);
void virtio_net_destroy(struct virtio_net *net);
/*
 * Put the frame in net->rx_buf (rx_len bytes, vnet header first) into the
 * guest's receive buffers: the receive thread, or a unit test.  Device lock
 * not held.
 */
enum virtio_net_rx virtio_net_deliver(struct virtio_net *net);
/* --stats: frames and bytes each way. */
void virtio_net_print_stats(struct virtio_net *net, FILE *out);

#endif /* HV_RUN_VIRTIO_NET_H */
