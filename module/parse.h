/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A packet's headers, from its network header on, as a struct flow_packet:
 * for the hooks, and for the packets the kernel drops (drop.c).
 */
#ifndef _FLOWMON_PARSE_H
#define _FLOWMON_PARSE_H

#include <linux/skbuff.h>

#include "flow.h"

enum flow_parse_result {
	FLOW_PARSE_OK,
	FLOW_PARSE_ERROR,	/* truncated or malformed headers */
	FLOW_PARSE_FRAGMENT,	/* a non-first fragment: no L4 header */
};

enum flow_parse_result flow_parse_ipv4(const struct sk_buff *skb,
				       struct flow_packet *pkt);
enum flow_parse_result flow_parse_ipv6(const struct sk_buff *skb,
				       struct flow_packet *pkt);

#endif /* _FLOWMON_PARSE_H */
