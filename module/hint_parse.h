/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The payload parsers of the application hints (hint.c and hint_*.c).
 *
 * A parser reads one payload, at most FLOW_HINT_WINDOW bytes of it, from
 * a flat buffer: every read is checked against @len, every loop is bounded
 * by it or by a constant, nothing is allocated and nothing is trusted.
 */
#ifndef _FLOWMON_HINT_PARSE_H
#define _FLOWMON_HINT_PARSE_H

#include "compat.h"
#include "hint.h"

/* The start of a payload that parsers see: a full Ethernet segment. */
#define FLOW_HINT_WINDOW 1500

struct hint_payload {
	const u8 *data;
	unsigned int len;	/* of @data: the payload, or its window */
	unsigned int size;	/* of the whole payload */
	enum flow_direction dir;
	u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	u16 client_port;	/* host order */
	u16 server_port;
};

/* What a parser made of a payload. */
struct hint_found {
	u8 l5;			/* enum flow_l5 */
	bool part;		/* @hint holds a name or DNS facts */
	struct flow_hint hint;
};

enum hint_match {
	HINT_NO,		/* not this protocol */
	HINT_YES,		/* this protocol; @found filled in */
	HINT_BROKEN,		/* its signature, then a field that lies */
};

u8 flow_l5_of_port(u8 proto, u16 port);

/* Is either port of @p assigned to @l5 (hint.c's table)? */
static inline bool hint_port_is(const struct hint_payload *p, u8 l5)
{
	return flow_l5_of_port(p->proto, p->client_port) == l5 ||
	       flow_l5_of_port(p->proto, p->server_port) == l5;
}

bool hint_set_name(struct hint_found *found, const u8 *name,
		   unsigned int len);

enum hint_match hint_parse_dns(const struct hint_payload *p,
			       struct hint_found *found);
enum hint_match hint_parse_tls(const struct hint_payload *p,
			       struct hint_found *found);
enum hint_match hint_parse_http(const struct hint_payload *p,
				struct hint_found *found);
enum hint_match hint_parse_dhcp(const struct hint_payload *p,
				struct hint_found *found);
enum hint_match hint_parse_signature(const struct hint_payload *p,
				     struct hint_found *found);

#endif /* _FLOWMON_HINT_PARSE_H */
