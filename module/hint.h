/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application hints: what a flow is (DNS, TLS, HTTP...), whether its
 * payload is secured, and the name its client asked for, read from the
 * first payload of each direction, or else guessed from its ports.
 */
#ifndef _FLOWMON_HINT_H
#define _FLOWMON_HINT_H

#include <linux/flowmon.h>
#include <linux/skbuff.h>

#include "flow.h"

/* flow->l5: what the payload said. The names are in hint.c. */
enum flow_l5 {
	FLOW_L5_NONE,		/* no payload inspected: the ports may tell */
	FLOW_L5_UNKNOWN,	/* payload inspected, no signature matched */
	FLOW_L5_DNS,
	FLOW_L5_MDNS,
	FLOW_L5_LLMNR,
	FLOW_L5_DHCP,
	FLOW_L5_NTP,
	FLOW_L5_TLS,
	FLOW_L5_QUIC,
	FLOW_L5_HTTP,
	FLOW_L5_SSH,
	FLOW_L5_SMTP,
	FLOW_L5_IMAP,
	FLOW_L5_POP3,
	FLOW_L5_FTP,
	FLOW_L5_BITTORRENT,
	FLOW_L5_WIREGUARD,
	FLOW_L5_ESP,
	FLOW_L5_AH,
	FLOW_L5_NUM,
};

/* Which of flow_hint's DNS facts are known. */
#define FLOW_HINT_DNS_QUERY	BIT(0)
#define FLOW_HINT_DNS_RESPONSE	BIT(1)
#define FLOW_HINT_DNS_ADDR	BIT(2)

/*
 * The hint part of a record (ext.h), for the flows whose payload gave a
 * name or DNS facts. It is stored cut after the name's NUL: a DNS flow's
 * part is some 70 bytes, not the size of this struct.
 */
struct flow_hint {
	u64 dns_query_time;	/* clock, not coarse: for the response time */
	u32 dns_response_us;
	u16 dns_id;
	u16 dns_qtype;
	u16 dns_answers;
	u8 dns_rcode;
	u8 dns;			/* FLOW_HINT_DNS_* */
	u8 dns_addr_family;
	u8 name_len;		/* 0: no name */
	union nf_inet_addr dns_addr;
	char name[FLOWMON_NAME_MAX + 1];
};

/* What a record tells of its application, as dumps and /proc show it. */
struct flow_hint_view {
	u8 l5;			/* enum flow_l5; NONE: nothing known */
	u8 source;		/* enum flowmon_l5_source */
	u8 secured;		/* enum flowmon_secured; 0: unknown */
	const struct flow_hint *hint;	/* under RCU, or NULL */
};

enum flow_hint_result {
	FLOW_HINT_DONE,
	FLOW_HINT_MALFORMED,	/* a protocol's start, then nonsense */
	FLOW_HINT_LOST,		/* no memory to keep it */
};

/* Is @pkt the first payload of its direction, worth inspecting? */
static inline bool flow_hint_wanted(const struct flow *flow,
				    enum flow_direction dir,
				    const struct flow_packet *pkt)
{
	return pkt->payload && !flow->picked_up &&
	       !atomic64_read(&flow->count[dir].payload);
}

enum flow_hint_result flow_hint_inspect(struct flow *flow,
					enum flow_direction dir,
					const struct sk_buff *skb,
					const struct flow_packet *pkt,
					bool *changed);
void flow_hint_view(const struct flow *flow, struct flow_hint_view *view);
const char *flow_l5_name(u8 l5);
u8 flow_l5_lookup(const char *name);

#endif /* _FLOWMON_HINT_H */
