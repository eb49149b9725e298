// SPDX-License-Identifier: GPL-2.0
/*
 * fmgen: the traffic generator of `make bench`.
 *
 * Writes ready-made Ethernet frames with sendmmsg() on AF_PACKET sockets,
 * so that the sender's own cost is low and the same for every tracker: the
 * frames leave the sender's namespace without crossing its IP stack or its
 * netfilter hooks, and only the router they are addressed to routes, tracks
 * and forwards them.  A veth delivers each frame to the router in the
 * sender's own context (the router's receive softirq runs when the send
 * returns), so the sender's clock around a fixed number of frames measures
 * the router's per-packet cost.
 *
 * Client-to-server frames go out on the client link (-i), server-to-client
 * frames (the TCP modes' SYN-ACKs and ACKs) on the server link (-I, in the
 * network namespace named by -S): the router sees both directions of every
 * flow, as a real router would.
 *
 * Checksums are left to "the NIC" (PACKET_VNET_HDR, VIRTIO_NET_HDR_F_NEEDS_CSUM):
 * the frames reach the router as CHECKSUM_PARTIAL, as packets from a local
 * TCP socket or a NIC that verified them do, so that conntrack does not
 * verify the L4 checksum in software where a real router would not either.
 *
 * Modes:
 *   udp        COUNT datagrams of one flow (client 10.65.0.1:40000)
 *   udp-flows  COUNT flows, one datagram each (clients from 10.64.0.0)
 *   tcp-bulk   a handshake, then COUNT full-sized data segments, the
 *              server acknowledging every second one (as delayed ACKs do)
 *   tcp-flows  COUNT handshakes (SYN, SYN-ACK, ACK): ESTABLISHED flows
 *   syn-flood  COUNT SYNs, each from another client (as tcp-flows), none
 *              answered: embryonic flows (the selftests' SYN flood)
 *
 * Options: -n COUNT, -b frames per sendmmsg() (64), -c CPU to run on,
 * -s UDP payload bytes (18: 64-byte frames), -T CLOCK_MONOTONIC time (ns)
 * to start at, so that two senders start together.
 *
 * Prints one JSON object: frames sent and the CLOCK_MONOTONIC times (ns)
 * just before the first and after the last sendmmsg().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	1024
#define FRAME_MAX	1514
#define SEG_DATA		1448	/* 1500-byte IP packets with no options */
#define SERVER_ADDR	0x0a030001	/* 10.3.0.1, routed to a dummy device */
#define SERVER_PORT	5001
#define CLIENT_ONE	0x0a410001	/* 10.65.0.1: the one flow */
#define CLIENT_PORT	40000
#define CLIENTS_BASE	0x0a400000	/* 10.64.0.0: udp-flows, tcp-flows */
#define PORTS_PER_ADDR	4096

struct link {
	int fd;
	struct sockaddr_ll to;
	unsigned char src_mac[ETH_ALEN];
	unsigned char dst_mac[ETH_ALEN];
};

/* One frame as written: the vnet header, then the Ethernet frame. */
struct frame {
	struct virtio_net_hdr vnet;
	unsigned char data[FRAME_MAX];
} __attribute__((packed));

struct batch {
	struct frame frames[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct mmsghdr msgs[MAX_BATCH];
	unsigned int n;
};

static struct batch up_batch, down_batch;
static unsigned long long frames_sent;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fmgen -i IFACE -m ROUTER_MAC [-I IFACE -M ROUTER_MAC [-S NETNS]]\n"
		"             [-n COUNT] [-b BATCH] [-c CPU] [-s PAYLOAD] [-T START_NS] MODE\n"
		"MODE: udp | udp-flows | tcp-bulk | tcp-flows | syn-flood\n");
	exit(2);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != ETH_ALEN) {
		fprintf(stderr, "fmgen: bad MAC address %s\n", s);
		exit(2);
	}
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
}

static void link_open(struct link *l, const char *ifname, const char *mac)
{
	int one = 1;
	int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		die(ifname);
	l->fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (l->fd < 0)
		die("socket(AF_PACKET)");
	if (setsockopt(l->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		die("PACKET_VNET_HDR");
	memset(&l->to, 0, sizeof(l->to));
	l->to.sll_family = AF_PACKET;
	l->to.sll_ifindex = ifindex;
	l->to.sll_protocol = htons(ETH_P_IP);
	l->to.sll_halen = ETH_ALEN;
	parse_mac(mac, l->dst_mac);
	memcpy(l->to.sll_addr, l->dst_mac, ETH_ALEN);
	/* Locally administered, fixed: nothing checks the source MAC. */
	memcpy(l->src_mac, "\x02\x00\x00\x00\xbe\x01", ETH_ALEN);
}

/* Makes @name (under /run/netns, as ip-netns names them) the current one. */
static void netns_enter(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (setns(fd, CLONE_NEWNET))
		die("setns");
	close(fd);
}

/* Sleeps until CLOCK_MONOTONIC reaches @at_ns: a common start for senders. */
static void wait_until(unsigned long long at_ns)
{
	struct timespec ts = {
		.tv_sec = at_ns / 1000000000ULL,
		.tv_nsec = at_ns % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t sum16(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	return sum;
}

/*
 * Builds a frame; returns its length. @l4 is the TCP or UDP header (with a
 * zero checksum) followed by @l4_len - header bytes of payload, all zero.
 */
static unsigned int frame_build(struct frame *f, const struct link *l,
				uint32_t saddr, uint32_t daddr, uint8_t proto,
				const void *l4hdr, unsigned int l4hdr_len,
				unsigned int payload)
{
	struct ether_header *eth = (struct ether_header *)f->data;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	unsigned char *l4 = (unsigned char *)(ip + 1);
	unsigned int l4_len = l4hdr_len + payload;
	uint16_t *csum;
	uint32_t pseudo;

	memcpy(eth->ether_dhost, l->dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, l->src_mac, ETH_ALEN);
	eth->ether_type = htons(ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + l4_len);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = htonl(saddr);
	ip->daddr = htonl(daddr);
	ip->check = ~fold(sum16(ip, sizeof(*ip)));
	memcpy(l4, l4hdr, l4hdr_len);
	memset(l4 + l4hdr_len, 0, payload);
	/* The pseudo-header sum; "the NIC" (the kernel) completes it. */
	pseudo = sum16(&ip->saddr, 8) + htons(proto) + htons(l4_len);
	csum = (uint16_t *)(l4 + (proto == IPPROTO_TCP ? 16 : 6));
	*csum = fold(pseudo);
	memset(&f->vnet, 0, sizeof(f->vnet));
	f->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f->vnet.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	f->vnet.csum_start = sizeof(*eth) + sizeof(*ip);
	f->vnet.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
	return sizeof(*eth) + sizeof(*ip) + l4_len;
}

static void batch_init(struct batch *b, struct link *l)
{
	unsigned int i;

	for (i = 0; i < MAX_BATCH; i++) {
		b->iov[i].iov_base = &b->frames[i];
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_name = &l->to;
		b->msgs[i].msg_hdr.msg_namelen = sizeof(l->to);
	}
	b->n = 0;
}

static struct frame *batch_next(struct batch *b)
{
	return &b->frames[b->n];
}

static void batch_add(struct batch *b, unsigned int frame_len)
{
	b->iov[b->n].iov_len = sizeof(struct virtio_net_hdr) + frame_len;
	b->n++;
}

/* Sends the whole batch; a full socket buffer only delays it. */
static void batch_flush(struct batch *b, const struct link *l)
{
	unsigned int done = 0;

	while (done < b->n) {
		int n = sendmmsg(l->fd, b->msgs + done, b->n - done, 0);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
				continue;
			die("sendmmsg");
		}
		done += n;
	}
	frames_sent += b->n;
	b->n = 0;
}

static unsigned int udp_frame(struct frame *f, const struct link *l,
			      uint32_t saddr, uint16_t sport,
			      unsigned int payload)
{
	struct udphdr uh = {
		.source = htons(sport),
		.dest = htons(SERVER_PORT),
		.len = htons(sizeof(uh) + payload),
	};

	return frame_build(f, l, saddr, SERVER_ADDR, IPPROTO_UDP, &uh,
			   sizeof(uh), payload);
}

/* A client's SYN carries MSS, SACK-permitted and window scale 7. */
static unsigned int tcp_frame(struct frame *f, const struct link *l,
			      uint32_t saddr, uint16_t sport, uint32_t daddr,
			      uint16_t dport, uint32_t seq, uint32_t ack,
			      uint8_t flags, unsigned int payload)
{
	struct {
		struct tcphdr th;
		unsigned char opt[12];
	} h;
	unsigned int len = sizeof(h.th);

	memset(&h, 0, sizeof(h));
	h.th.source = htons(sport);
	h.th.dest = htons(dport);
	h.th.seq = htonl(seq);
	h.th.ack_seq = htonl(ack);
	h.th.syn = !!(flags & TH_SYN);
	h.th.ack = !!(flags & TH_ACK);
	h.th.psh = !!(flags & TH_PUSH);
	h.th.window = htons(65535);
	if (flags & TH_SYN) {
		static const unsigned char opt[12] = {
			2, 4, 0x05, 0xb4,	/* MSS 1460 */
			4, 2,			/* SACK permitted */
			1, 1, 1,		/* NOP padding */
			3, 3, 7,		/* window scale 7 */
		};

		memcpy(h.opt, opt, sizeof(opt));
		len += sizeof(opt);
	}
	h.th.doff = len / 4;
	return frame_build(f, l, saddr, daddr, IPPROTO_TCP, &h, len, payload);
}

static void flow_addr(unsigned long long i, uint32_t *addr, uint16_t *port)
{
	*addr = CLIENTS_BASE + (uint32_t)(i / PORTS_PER_ADDR);
	*port = 10000 + i % PORTS_PER_ADDR;
}

static void run_udp(struct link *up, unsigned long long count,
		    unsigned int batch, unsigned int payload)
{
	unsigned int i, len = 0;
	unsigned long long left;

	/* Every frame is the same: build the batch once. */
	for (i = 0; i < batch; i++) {
		len = udp_frame(batch_next(&up_batch), up, CLIENT_ONE,
				CLIENT_PORT, payload);
		batch_add(&up_batch, len);
	}
	for (left = count; left; ) {
		unsigned int n = left < batch ? left : batch;

		up_batch.n = n;
		batch_flush(&up_batch, up);
		left -= n;
	}
}

static void run_udp_flows(struct link *up, unsigned long long count,
			  unsigned int batch, unsigned int payload)
{
	unsigned long long i;

	for (i = 0; i < count; i++) {
		uint32_t addr;
		uint16_t port;

		flow_addr(i, &addr, &port);
		batch_add(&up_batch, udp_frame(batch_next(&up_batch), up, addr,
					       port, payload));
		if (up_batch.n == batch || i + 1 == count)
			batch_flush(&up_batch, up);
	}
}

static void run_tcp_bulk(struct link *up, struct link *down,
			 unsigned long long count, unsigned int batch)
{
	uint32_t cseq = 1000000, sseq = 5000000;
	unsigned long long i;
	unsigned int len;

	/* Handshake, each packet on its own so that the order is exact. */
	len = tcp_frame(batch_next(&up_batch), up, CLIENT_ONE, CLIENT_PORT,
			SERVER_ADDR, SERVER_PORT, cseq++, 0, TH_SYN, 0);
	batch_add(&up_batch, len);
	batch_flush(&up_batch, up);
	len = tcp_frame(batch_next(&down_batch), down, SERVER_ADDR, SERVER_PORT,
			CLIENT_ONE, CLIENT_PORT, sseq++, cseq, TH_SYN | TH_ACK, 0);
	batch_add(&down_batch, len);
	batch_flush(&down_batch, down);
	len = tcp_frame(batch_next(&up_batch), up, CLIENT_ONE, CLIENT_PORT,
			SERVER_ADDR, SERVER_PORT, cseq, sseq, TH_ACK, 0);
	batch_add(&up_batch, len);
	batch_flush(&up_batch, up);

	/*
	 * Then a batch of data segments, and the server's ACKs for them (the
	 * window, 65535 << 7, is far larger than a batch).
	 */
	for (i = 0; i < count; i++) {
		len = tcp_frame(batch_next(&up_batch), up, CLIENT_ONE,
				CLIENT_PORT, SERVER_ADDR, SERVER_PORT, cseq,
				sseq, TH_ACK | TH_PUSH, SEG_DATA);
		batch_add(&up_batch, len);
		cseq += SEG_DATA;
		if (i % 2 == 1 || i + 1 == count) {
			len = tcp_frame(batch_next(&down_batch), down,
					SERVER_ADDR, SERVER_PORT, CLIENT_ONE,
					CLIENT_PORT, sseq, cseq, TH_ACK, 0);
			batch_add(&down_batch, len);
		}
		if (up_batch.n == batch || i + 1 == count) {
			batch_flush(&up_batch, up);
			batch_flush(&down_batch, down);
		}
	}
}

static void run_syn_flood(struct link *up, unsigned long long count,
			  unsigned int batch)
{
	unsigned long long i;

	for (i = 0; i < count; i++) {
		uint32_t addr;
		uint16_t port;

		flow_addr(i, &addr, &port);
		batch_add(&up_batch, tcp_frame(batch_next(&up_batch), up, addr,
					       port, SERVER_ADDR, SERVER_PORT,
					       1000, 0, TH_SYN, 0));
		if (up_batch.n == batch || i + 1 == count)
			batch_flush(&up_batch, up);
	}
}

static void run_tcp_flows(struct link *up, struct link *down,
			  unsigned long long count, unsigned int batch)
{
	unsigned long long i, first = 0;
	const uint32_t cisn = 1000, sisn = 9000;

	/* Handshakes in steps of @batch flows: SYNs, SYN-ACKs, ACKs. */
	while (first < count) {
		unsigned long long end = first + batch < count ? first + batch : count;
		int step;

		for (step = 0; step < 3; step++) {
			for (i = first; i < end; i++) {
				uint32_t addr;
				uint16_t port;
				unsigned int len;

				flow_addr(i, &addr, &port);
				if (step == 1) {
					len = tcp_frame(batch_next(&down_batch),
							down, SERVER_ADDR,
							SERVER_PORT, addr, port,
							sisn, cisn + 1,
							TH_SYN | TH_ACK, 0);
					batch_add(&down_batch, len);
					continue;
				}
				len = tcp_frame(batch_next(&up_batch), up, addr,
						port, SERVER_ADDR, SERVER_PORT,
						step ? cisn + 1 : cisn,
						step ? sisn + 1 : 0,
						step ? TH_ACK : TH_SYN, 0);
				batch_add(&up_batch, len);
			}
			if (step == 1)
				batch_flush(&down_batch, down);
			else
				batch_flush(&up_batch, up);
		}
		first = end;
	}
}

int main(int argc, char **argv)
{
	const char *up_if = NULL, *up_mac = NULL, *down_if = NULL;
	const char *down_mac = NULL, *down_ns = NULL, *mode;
	unsigned long long count = 100000, start_at = 0, start, end;
	unsigned int batch = 64, payload = 18;
	struct link up, down;
	int cpu = -1, c;

	while ((c = getopt(argc, argv, "i:m:I:M:S:n:b:c:s:T:h")) != -1) {
		switch (c) {
		case 'i': up_if = optarg; break;
		case 'm': up_mac = optarg; break;
		case 'I': down_if = optarg; break;
		case 'M': down_mac = optarg; break;
		case 'S': down_ns = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'b': batch = strtoul(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		case 's': payload = strtoul(optarg, NULL, 0); break;
		case 'T': start_at = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind + 1 != argc || !up_if || !up_mac || !batch ||
	    batch > MAX_BATCH || payload > SEG_DATA)
		usage();
	mode = argv[optind];
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	link_open(&up, up_if, up_mac);
	batch_init(&up_batch, &up);
	if (!strncmp(mode, "tcp", 3)) {
		if (!down_if || !down_mac)
			usage();
		/* The client link's socket stays in the first namespace. */
		if (down_ns)
			netns_enter(down_ns);
		link_open(&down, down_if, down_mac);
		batch_init(&down_batch, &down);
	}

	if (start_at)
		wait_until(start_at);
	start = now_ns();
	if (!strcmp(mode, "udp"))
		run_udp(&up, count, batch, payload);
	else if (!strcmp(mode, "udp-flows"))
		run_udp_flows(&up, count, batch, payload);
	else if (!strcmp(mode, "tcp-bulk"))
		run_tcp_bulk(&up, &down, count, batch);
	else if (!strcmp(mode, "tcp-flows"))
		run_tcp_flows(&up, &down, count, batch);
	else if (!strcmp(mode, "syn-flood"))
		run_syn_flood(&up, count, batch);
	else
		usage();
	end = now_ns();

	printf("{\"mode\": \"%s\", \"count\": %llu, \"frames\": %llu, "
	       "\"start_ns\": %llu, \"end_ns\": %llu, \"ns\": %llu}\n",
	       mode, count, frames_sent, start, end, end - start);
	return 0;
}
