// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing a packet's headers (parse.h). Nothing is trusted: every header
 * is read through skb_header_pointer() within the packet's length, and a
 * header that does not fit is a parse error.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "compat.h"
#include "parse.h"

/*
 * Segments and sizes. @hdr_len is where the payload starts, as offsets
 * are: from skb->data, which the hooks see at the network header, and a
 * dropped packet anywhere, before it (a frame) or past it (a datagram
 * whose headers were pulled). Bytes count from the network header on.
 */
static void parse_gso(const struct sk_buff *skb, unsigned int hdr_len,
		      struct flow_packet *pkt)
{
	int network = skb_network_offset(skb);
	unsigned int segments = 1;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_segs > 1)
		segments = skb_shinfo(skb)->gso_segs;
	pkt->segments = segments;
	pkt->bytes = skb->len - network +
		     (u64)(segments - 1) * (hdr_len - network);
	pkt->payload = skb->len - hdr_len;
	pkt->payload_offset = hdr_len;
}

/*
 * Timestamps, and MSS, window scale and SACK-permitted, which only a SYN's
 * make count (tcp.c).
 */
static void parse_tcp_options(const struct sk_buff *skb, unsigned int offset,
			      unsigned int len, struct flow_packet *pkt)
{
	u8 buf[MAX_TCP_OPTION_SPACE];
	const u8 *opt;
	unsigned int i = 0;

	opt = skb_header_pointer(skb, offset, len, buf);
	if (!opt)
		return;
	while (i < len) {
		u8 kind = opt[i], size;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		size = opt[i + 1];
		if (size < 2 || i + size > len)
			break;
		if (kind == TCPOPT_TIMESTAMP && size == TCPOLEN_TIMESTAMP) {
			pkt->tsval = get_unaligned_be32(&opt[i + 2]);
			pkt->tsecr = get_unaligned_be32(&opt[i + 6]);
			pkt->tcp_options |= FLOW_TCP_OPT_TIMESTAMP;
		} else if (kind == TCPOPT_MSS && size == TCPOLEN_MSS) {
			pkt->mss = get_unaligned_be16(&opt[i + 2]);
			pkt->tcp_options |= FLOW_TCP_OPT_MSS;
		} else if (kind == TCPOPT_WINDOW && size == TCPOLEN_WINDOW) {
			pkt->wscale = min_t(u8, opt[i + 2], TCP_MAX_WSCALE);
			pkt->tcp_options |= FLOW_TCP_OPT_WSCALE;
		} else if (kind == TCPOPT_SACK_PERM &&
			   size == TCPOLEN_SACK_PERM) {
			pkt->tcp_options |= FLOW_TCP_OPT_SACK_PERM;
		}
		i += size;
	}
}

/*
 * The options of most segments after the SYNs: timestamps alone, aligned
 * as RFC 7323 appendix A suggests (tcp_parse_aligned_timestamp()).
 */
static bool parse_aligned_timestamp(const struct sk_buff *skb,
				    unsigned int offset, unsigned int len,
				    struct flow_packet *pkt)
{
	__be32 _ts[3];
	const __be32 *ts;

	if (len != TCPOLEN_TSTAMP_ALIGNED)
		return false;
	ts = skb_header_pointer(skb, offset, sizeof(_ts), _ts);
	if (!ts || ts[0] != htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
				  (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP))
		return false;
	pkt->tsval = ntohl(ts[1]);
	pkt->tsecr = ntohl(ts[2]);
	pkt->tcp_options |= FLOW_TCP_OPT_TIMESTAMP;
	return true;
}

static enum flow_parse_result parse_tcp(const struct sk_buff *skb,
					unsigned int offset,
					struct flow_packet *pkt)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int th_len, opt_len;

	th = skb_header_pointer(skb, offset, sizeof(_th), &_th);
	if (!th)
		return FLOW_PARSE_ERROR;
	th_len = th->doff * 4;
	if (th_len < sizeof(*th) || offset + th_len > skb->len)
		return FLOW_PARSE_ERROR;

	pkt->tuple.sport = th->source;
	pkt->tuple.dport = th->dest;
	pkt->tcp_flags = tcp_flag_byte(th);
	pkt->seq = ntohl(th->seq);
	pkt->ack_seq = ntohl(th->ack_seq);
	pkt->window = ntohs(th->window);
	offset += sizeof(*th);
	opt_len = th_len - sizeof(*th);
	if (opt_len && (th->syn ||
			!parse_aligned_timestamp(skb, offset, opt_len, pkt)))
		parse_tcp_options(skb, offset, opt_len, pkt);
	parse_gso(skb, offset + opt_len, pkt);
	pkt->seg_len = pkt->payload + th->syn + th->fin;
	return FLOW_PARSE_OK;
}

static enum flow_parse_result parse_udp(const struct sk_buff *skb,
					unsigned int offset,
					struct flow_packet *pkt)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	uh = skb_header_pointer(skb, offset, sizeof(_uh), &_uh);
	if (!uh)
		return FLOW_PARSE_ERROR;
	pkt->tuple.sport = uh->source;
	pkt->tuple.dport = uh->dest;
	parse_gso(skb, offset + sizeof(*uh), pkt);
	return FLOW_PARSE_OK;
}

/*
 * ICMP and ICMPv6 share the echo header layout. An echo flow is keyed by
 * its identifier, which the request carries as its "source port" and the
 * reply as its "destination port", so that both fall into one flow.
 */
static enum flow_parse_result parse_icmp(const struct sk_buff *skb,
					 unsigned int offset, u8 request, u8 reply,
					 struct flow_packet *pkt)
{
	struct icmphdr _ih;
	const struct icmphdr *ih;

	ih = skb_header_pointer(skb, offset, sizeof(_ih), &_ih);
	if (!ih)
		return FLOW_PARSE_ERROR;
	if (ih->type == request)
		pkt->tuple.sport = ih->un.echo.id;
	else if (ih->type == reply)
		pkt->tuple.dport = ih->un.echo.id;
	pkt->icmp_echo = ih->type == request || ih->type == reply;
	parse_gso(skb, offset + sizeof(*ih), pkt);
	return FLOW_PARSE_OK;
}

static enum flow_parse_result parse_l4(const struct sk_buff *skb,
				       unsigned int offset, struct flow_packet *pkt)
{
	switch (pkt->tuple.proto) {
	case IPPROTO_TCP:
		return parse_tcp(skb, offset, pkt);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return parse_udp(skb, offset, pkt);
	case IPPROTO_ICMP:
		return parse_icmp(skb, offset, ICMP_ECHO, ICMP_ECHOREPLY, pkt);
	case IPPROTO_ICMPV6:
		return parse_icmp(skb, offset, ICMPV6_ECHO_REQUEST,
				  ICMPV6_ECHO_REPLY, pkt);
	}
	/* Other protocols: a flow per address pair, payload after IP. */
	parse_gso(skb, offset, pkt);
	return FLOW_PARSE_OK;
}

enum flow_parse_result flow_parse_ipv4(const struct sk_buff *skb,
				       struct flow_packet *pkt)
{
	unsigned int offset = skb_network_offset(skb);
	struct iphdr _iph;
	const struct iphdr *iph;
	unsigned int ihl;

	iph = skb_header_pointer(skb, offset, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4)
		return FLOW_PARSE_ERROR;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || offset + ihl > skb->len)
		return FLOW_PARSE_ERROR;
	if (ntohs(iph->frag_off) & IP_OFFSET)
		return FLOW_PARSE_FRAGMENT;

	pkt->tuple.family = AF_INET;
	pkt->tuple.proto = iph->protocol;
	pkt->tuple.src.ip = iph->saddr;
	pkt->tuple.dst.ip = iph->daddr;
	return parse_l4(skb, offset + ihl, pkt);
}

enum flow_parse_result flow_parse_ipv6(const struct sk_buff *skb,
				       struct flow_packet *pkt)
{
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	unsigned int l4_offset = 0;
	unsigned short frag_off;
	int proto;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb), sizeof(_ip6h),
				  &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return FLOW_PARSE_ERROR;
	/*
	 * The last header of the chain: a transport header, or "no next
	 * header" (a flow of protocol 59 without payload).
	 */
	proto = ipv6_find_hdr(skb, &l4_offset, -1, &frag_off, NULL);
	if (proto < 0)
		return FLOW_PARSE_ERROR;
	/* The first fragment (offset 0) carries the L4 header. */
	if (frag_off)
		return FLOW_PARSE_FRAGMENT;

	pkt->tuple.family = AF_INET6;
	pkt->tuple.proto = proto;
	pkt->tuple.src.in6 = ip6h->saddr;
	pkt->tuple.dst.in6 = ip6h->daddr;
	return parse_l4(skb, l4_offset, pkt);
}
