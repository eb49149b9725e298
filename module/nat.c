// SPDX-License-Identifier: GPL-2.0
/*
 * NAT: one record per connection, whatever the translation.
 *
 * flowmon's hooks run just after conntrack's, before NAT: a packet in the
 * original direction still carries the addresses its sender used, but a
 * reply carries the translated ones (the masquerading router's address,
 * the port-forward target), which NAT will undo only later. Keyed by its
 * own headers, a reply would miss its connection's record. So when the
 * packet carries a conntrack entry, a reply is keyed as if it travelled
 * the original tuple backwards: both directions find one record.
 *
 * Only inline accessors of struct nf_conn are used, so flowmon does not
 * depend on nf_conntrack: without conntrack in a namespace (and so without
 * NAT) packets carry no entry and are keyed by their headers, as always.
 * No reference to the entry is kept: its tuples are read while the packet
 * holds it. An unconfirmed entry (a connection's first packet) has its
 * original tuple already; if it is dropped or loses a clash, the record
 * stays keyed by that tuple, which is the connection's either way.
 *
 * NAT binds a new entry after flowmon's hook, so the translation is read
 * from the connection's second packet on, and again whenever it changes
 * (an entry replaced by one with another binding).
 */
#include <linux/in.h>
#include <linux/slab.h>
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
#include <net/netfilter/nf_conntrack.h>
#endif

#include "ext.h"
#include "nat.h"

#if IS_ENABLED(CONFIG_NF_CONNTRACK)

static bool flow_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE;
}

/*
 * Conntrack's tuple @t of direction @dir as flowmon keys a packet that
 * carries it: an echo request has the identifier as its source port, an
 * echo reply as its destination port; protocols that flowmon keys by
 * address only have no ports.
 */
static void flow_ct_tuple(const struct nf_conntrack_tuple *t,
			  enum ip_conntrack_dir dir,
			  const struct flow_packet *pkt, struct flow_tuple *out)
{
	memset(out, 0, sizeof(*out));
	out->family = pkt->tuple.family;
	out->proto = pkt->tuple.proto;
	out->src = t->src.u3;
	out->dst = t->dst.u3;
	if (pkt->icmp_echo) {
		if (dir == IP_CT_DIR_ORIGINAL)
			out->sport = t->src.u.icmp.id;
		else
			out->dport = t->src.u.icmp.id;
	} else if (flow_proto_has_ports(out->proto)) {
		out->sport = t->src.u.all;
		out->dport = t->dst.u.all;
	}
}

static bool flow_tuple_equal(const struct flow_tuple *a,
			     const struct flow_tuple *b)
{
	return !memcmp(a, b, offsetofend(struct flow_tuple, proto));
}

/*
 * Keys @pkt by its connection's original tuple and returns the conntrack
 * entry it carries, or NULL (and @pkt unchanged) when there is none. An
 * ICMP error carries the entry of the connection it is about, whose tuple
 * is not the error's own: such packets are keyed by their headers.
 */
const struct nf_conn *flow_nat_orient(const struct sk_buff *skb,
				      struct flow_packet *pkt)
{
	enum ip_conntrack_info ctinfo;
	struct flow_tuple seen, orig;
	enum ip_conntrack_dir dir;
	const struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_template(ct))
		return NULL;
	if (pkt->tuple.proto == IPPROTO_ICMP ||
	    pkt->tuple.proto == IPPROTO_ICMPV6) {
		if (!pkt->icmp_echo)
			return NULL;
	}
	dir = CTINFO2DIR(ctinfo);
	flow_ct_tuple(nf_ct_tuple(ct, dir), dir, pkt, &seen);
	if (!flow_tuple_equal(&seen, &pkt->tuple))
		return NULL;
	if (dir == IP_CT_DIR_ORIGINAL) {
		pkt->ct_dir = FLOW_CT_ORIGINAL;
		return ct;
	}
	flow_ct_tuple(nf_ct_tuple(ct, IP_CT_DIR_ORIGINAL), IP_CT_DIR_ORIGINAL,
		      pkt, &orig);
	flow_tuple_reverse(&pkt->tuple, &orig);
	pkt->ct_dir = FLOW_CT_REPLY;
	return ct;
}

/*
 * The translation of @ct for @flow. The reply tuple holds each endpoint on
 * the far side of the NAT: the client as the server sees it (reply's
 * destination), the server as really reached (reply's source). A record
 * whose client is conntrack's reply source (a connection both picked up
 * mid-stream, each choosing the other end) reads the tuple the other way.
 */
static void flow_nat_of(const struct flow *flow, const struct nf_conn *ct,
			const struct flow_packet *pkt, bool ct_client,
			struct flow_nat *nat)
{
	const struct flow_tuple *key = &flow->key;
	struct flow_tuple reply;

	flow_ct_tuple(nf_ct_tuple(ct, IP_CT_DIR_REPLY), IP_CT_DIR_REPLY, pkt,
		      &reply);
	memset(nat, 0, sizeof(*nat));
	if (ct_client) {
		nat->client = reply.dst;
		nat->client_port = reply.dport;
		nat->server = reply.src;
		nat->server_port = reply.sport;
	} else {
		nat->client = reply.src;
		nat->client_port = reply.sport;
		nat->server = reply.dst;
		nat->server_port = reply.dport;
	}
	if (!flow_endpoint_equal(&nat->client, nat->client_port,
				 &key->src, key->sport))
		nat->flags |= FLOWMON_NAT_F_CLIENT;
	if (!flow_endpoint_equal(&nat->server, nat->server_port,
				 &key->dst, key->dport))
		nat->flags |= FLOWMON_NAT_F_SERVER;
}

static bool flow_nat_equal(const struct flow_nat *a, const struct flow_nat *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* flow_ext_build_t: the translation @arg, unless the part holds it. */
static size_t flow_nat_build(void *part, size_t max, const void *old,
			     size_t old_size, const void *arg)
{
	if (old && flow_nat_equal(old, arg))
		return 0;
	memcpy(part, arg, sizeof(struct flow_nat));
	return sizeof(struct flow_nat);
}

/*
 * Under RCU, from the hooks: records the translation of @ct, the entry of
 * @pkt, which travels @dir in @flow. Costs one test of the entry's status
 * unless NAT changed its tuple, and a comparison unless the translation
 * is new.
 */
void flow_nat_learn(struct flow *flow, const struct nf_conn *ct,
		    const struct flow_packet *pkt, enum flow_direction dir)
{
	bool ct_client = (pkt->ct_dir == FLOW_CT_ORIGINAL) ==
			 (dir == FLOW_DIR_UP);
	const struct flow_nat *old;
	struct flow_nat now;

	if (!(READ_ONCE(ct->status) & IPS_NAT_MASK))
		return;
	flow_nat_of(flow, ct, pkt, ct_client, &now);
	old = flow_ext_find(flow, FLOW_EXT_NAT);
	if (!now.flags || (old && flow_nat_equal(old, &now)))
		return;
	/* No memory now: the next packet tries again. */
	flow_ext_update(flow, FLOW_EXT_NAT, flow_nat_build, &now);
}

#else /* !CONFIG_NF_CONNTRACK */

const struct nf_conn *flow_nat_orient(const struct sk_buff *skb,
				      struct flow_packet *pkt)
{
	return NULL;
}

void flow_nat_learn(struct flow *flow, const struct nf_conn *ct,
		    const struct flow_packet *pkt, enum flow_direction dir)
{
}

#endif
