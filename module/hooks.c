// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: parse each packet and account it to its flow.
 *
 * Hook points are those of nf_conntrack: PRE_ROUTING sees every packet that
 * arrives (for local delivery or forwarding), LOCAL_OUT every packet the
 * namespace sends. Together they see each packet once per namespace. A
 * packet looped back through "lo" would pass both, so PRE_ROUTING skips
 * packets that arrive on a loopback device; LOCAL_OUT counted them already.
 *
 * The priority is just after conntrack's, so flowmon sees what conntrack
 * sees: after defragmentation when nf_defrag is active in the namespace,
 * after the raw table, before mangle or NAT change anything. A reply to a
 * NATed connection still carries the translated addresses here; nat.c
 * keys it by the connection's original tuple.
 *
 * Fragments: when nothing reassembles them, the first fragment (which
 * carries the L4 header) is accounted to its flow with its own length;
 * later fragments have no ports and are only counted in the "fragments"
 * statistic.
 *
 * When the table is full, a new flow may evict an old one (see record.c) or
 * go untracked; the packet passes either way.
 *
 * A GSO super-packet counts as the segments it stands for: packets and
 * bytes are what the wire carries, as the endpoints' own TCP counters see.
 *
 * flowmon is a monitor: every hook returns NF_ACCEPT, whatever happens.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "event.h"
#include "gc.h"
#include "hint.h"
#include "hooks.h"
#include "nat.h"
#include "record.h"
#include "tcp.h"

enum parse_result {
	PARSE_OK,
	PARSE_ERROR,		/* truncated or malformed headers */
	PARSE_FRAGMENT,		/* a non-first fragment: no L4 header */
};

static void parse_gso(const struct sk_buff *skb, unsigned int hdr_len,
		      struct flow_packet *pkt)
{
	unsigned int segments = 1;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_segs > 1)
		segments = skb_shinfo(skb)->gso_segs;
	pkt->segments = segments;
	pkt->bytes = skb->len + (u64)(segments - 1) * hdr_len;
	pkt->payload = skb->len - hdr_len;
	pkt->payload_offset = hdr_len;
}

/* MSS, window scale and SACK-permitted, from a SYN's options. */
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
		if (kind == TCPOPT_MSS && size == TCPOLEN_MSS) {
			pkt->mss = opt[i + 2] << 8 | opt[i + 3];
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

static enum parse_result parse_tcp(const struct sk_buff *skb,
				   unsigned int offset,
				   struct flow_packet *pkt)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int th_len;

	th = skb_header_pointer(skb, offset, sizeof(_th), &_th);
	if (!th)
		return PARSE_ERROR;
	th_len = th->doff * 4;
	if (th_len < sizeof(*th) || offset + th_len > skb->len)
		return PARSE_ERROR;

	pkt->tuple.sport = th->source;
	pkt->tuple.dport = th->dest;
	pkt->tcp_flags = tcp_flag_byte(th);
	pkt->seq = ntohl(th->seq);
	pkt->ack_seq = ntohl(th->ack_seq);
	pkt->window = ntohs(th->window);
	if (th->syn)
		parse_tcp_options(skb, offset + sizeof(*th),
				  th_len - sizeof(*th), pkt);
	parse_gso(skb, offset + th_len, pkt);
	pkt->seg_len = pkt->payload + th->syn + th->fin;
	return PARSE_OK;
}

static enum parse_result parse_udp(const struct sk_buff *skb,
				   unsigned int offset,
				   struct flow_packet *pkt)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	uh = skb_header_pointer(skb, offset, sizeof(_uh), &_uh);
	if (!uh)
		return PARSE_ERROR;
	pkt->tuple.sport = uh->source;
	pkt->tuple.dport = uh->dest;
	parse_gso(skb, offset + sizeof(*uh), pkt);
	return PARSE_OK;
}

/*
 * ICMP and ICMPv6 share the echo header layout. An echo flow is keyed by
 * its identifier, which the request carries as its "source port" and the
 * reply as its "destination port", so that both fall into one flow.
 */
static enum parse_result parse_icmp(const struct sk_buff *skb,
				    unsigned int offset, u8 request, u8 reply,
				    struct flow_packet *pkt)
{
	struct icmphdr _ih;
	const struct icmphdr *ih;

	ih = skb_header_pointer(skb, offset, sizeof(_ih), &_ih);
	if (!ih)
		return PARSE_ERROR;
	if (ih->type == request)
		pkt->tuple.sport = ih->un.echo.id;
	else if (ih->type == reply)
		pkt->tuple.dport = ih->un.echo.id;
	pkt->icmp_echo = ih->type == request || ih->type == reply;
	parse_gso(skb, offset + sizeof(*ih), pkt);
	return PARSE_OK;
}

static enum parse_result parse_l4(const struct sk_buff *skb,
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
	return PARSE_OK;
}

static enum parse_result parse_ipv4(const struct sk_buff *skb,
				    struct flow_packet *pkt)
{
	unsigned int offset = skb_network_offset(skb);
	struct iphdr _iph;
	const struct iphdr *iph;
	unsigned int ihl;

	iph = skb_header_pointer(skb, offset, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4)
		return PARSE_ERROR;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || offset + ihl > skb->len)
		return PARSE_ERROR;
	if (ntohs(iph->frag_off) & IP_OFFSET)
		return PARSE_FRAGMENT;

	pkt->tuple.family = AF_INET;
	pkt->tuple.proto = iph->protocol;
	pkt->tuple.src.ip = iph->saddr;
	pkt->tuple.dst.ip = iph->daddr;
	return parse_l4(skb, offset + ihl, pkt);
}

static enum parse_result parse_ipv6(const struct sk_buff *skb,
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
		return PARSE_ERROR;
	/*
	 * The last header of the chain: a transport header, or "no next
	 * header" (a flow of protocol 59 without payload).
	 */
	proto = ipv6_find_hdr(skb, &l4_offset, -1, &frag_off, NULL);
	if (proto < 0)
		return PARSE_ERROR;
	/* The first fragment (offset 0) carries the L4 header. */
	if (frag_off)
		return PARSE_FRAGMENT;

	pkt->tuple.family = AF_INET6;
	pkt->tuple.proto = proto;
	pkt->tuple.src.in6 = ip6h->saddr;
	pkt->tuple.dst.in6 = ip6h->daddr;
	return parse_l4(skb, l4_offset, pkt);
}

/*
 * What the first payload of each direction says of its flow (hint.c).
 * Returns true if that changed what the record tells.
 */
static bool flowmon_inspect(struct flowmon_net *fn, struct flow *flow,
			    enum flow_direction dir, const struct sk_buff *skb,
			    const struct flow_packet *pkt)
{
	bool changed;

	switch (flow_hint_inspect(flow, dir, skb, pkt, &changed)) {
	case FLOW_HINT_DONE:
		break;
	case FLOW_HINT_MALFORMED:
		atomic64_inc(&fn->stats.hints_malformed);
		break;
	case FLOW_HINT_LOST:
		atomic64_inc(&fn->stats.hints_lost);
		break;
	}
	return changed;
}

/*
 * Accounts @pkt to its flow. @ct is the packet's conntrack entry if it
 * carries one (and @pkt is then keyed by the connection's original tuple).
 */
static void flowmon_track(struct net *net, const struct sk_buff *skb,
			  const struct flow_packet *pkt,
			  const struct nf_conn *ct)
{
	struct flowmon_net *fn = flowmon_pernet(net);
	/*
	 * Timestamps of the tick, as conntrack's jiffies: reading the clock
	 * source for every packet costs more than all the rest where it is
	 * slow (HPET). Only the handshake's round trips need better.
	 */
	u64 now = ktime_get_coarse_real_ns();
	struct flow_transition tr;
	enum flow_direction dir;
	bool created = false, inspect;
	struct flow *flow;
	u32 hash;

	hash = flow_table_hash(&fn->table, &pkt->tuple);
	flow = flow_table_lookup(&fn->table, &pkt->tuple, hash, &dir);
	/* A SYN on a finished connection's quad starts a new record. */
	if (flow && pkt->tuple.proto == IPPROTO_TCP &&
	    flow_tcp_syn_reopens(flow, pkt)) {
		flowmon_flow_destroy(fn, flow, FLOW_END_REUSED);
		flow = NULL;
	}
	if (!flow) {
		flow = flowmon_flow_create(fn, pkt, hash, now, &created);
		if (!flow || !flow_key_match(&flow->key, &pkt->tuple, &dir))
			return;
		if (created)
			flowmon_gc_wake(fn);
	}
	if (ct)
		flow_nat_learn(flow, ct, pkt, dir);
	inspect = flow_hint_wanted(flow, dir, pkt);
	/* A new record is announced with its first packet counted. */
	if (flow_account(flow, dir, pkt, now, &tr) && !created)
		flowmon_event_state(net, flow, &tr, now);
	/* A new record's first payload is told in its NEW event. */
	if (inspect && flowmon_inspect(fn, flow, dir, skb, pkt) && !created)
		flowmon_event_hint(net, flow, now);
	if (created)
		flowmon_event_new(net, flow, now);
}

static bool flowmon_skip(const struct nf_hook_state *state)
{
	return state->hook == NF_INET_PRE_ROUTING &&
	       (state->in->flags & IFF_LOOPBACK);
}

static void flowmon_count_parse(struct net *net, enum parse_result result)
{
	struct flowmon_stats *stats = &flowmon_pernet(net)->stats;

	if (result == PARSE_FRAGMENT)
		atomic64_inc(&stats->fragments);
	else
		atomic64_inc(&stats->parse_errors);
}

/* Accounts a parsed packet, or counts why it could not be. */
static unsigned int flowmon_hook_account(struct sk_buff *skb,
					 const struct nf_hook_state *state,
					 struct flow_packet *pkt,
					 enum parse_result result)
{
	const struct nf_conn *ct;

	if (result != PARSE_OK) {
		flowmon_count_parse(state->net, result);
		return NF_ACCEPT;
	}
	ct = flow_nat_orient(skb, pkt);
	flowmon_track(state->net, skb, pkt, ct);
	return NF_ACCEPT;
}

static unsigned int flowmon_ipv4_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct flow_packet pkt = {};

	if (flowmon_skip(state))
		return NF_ACCEPT;
	return flowmon_hook_account(skb, state, &pkt, parse_ipv4(skb, &pkt));
}

static unsigned int flowmon_ipv6_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct flow_packet pkt = {};

	if (flowmon_skip(state))
		return NF_ACCEPT;
	return flowmon_hook_account(skb, state, &pkt, parse_ipv6(skb, &pkt));
}

static const struct nf_hook_ops flowmon_nf_ops[] = {
	{
		.hook = flowmon_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_CONNTRACK + 1,
	},
};

int flowmon_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, flowmon_nf_ops,
				     ARRAY_SIZE(flowmon_nf_ops));
}

void flowmon_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, flowmon_nf_ops, ARRAY_SIZE(flowmon_nf_ops));
}
