// SPDX-License-Identifier: GPL-2.0
/*
 * DHCP (RFC 2131, options RFC 2132): a BOOTP message with the DHCP magic
 * cookie; the client's host name (option 12).
 */
#include <linux/in.h>

#include "hint_parse.h"

#define DHCP_OPTIONS		240	/* after the fixed part and the cookie */
#define DHCP_COOKIE		236
#define DHCP_OPT_PAD		0
#define DHCP_OPT_HOST_NAME	12
#define DHCP_OPT_END		255

static const u8 dhcp_cookie[] = { 0x63, 0x82, 0x53, 0x63 };

enum hint_match hint_parse_dhcp(const struct hint_payload *p,
				struct hint_found *found)
{
	const u8 *d = p->data;
	unsigned int off, len;
	u8 code;

	if (p->proto != IPPROTO_UDP || p->len < DHCP_OPTIONS ||
	    (d[0] != 1 && d[0] != 2) || d[2] > 16 ||
	    memcmp(d + DHCP_COOKIE, dhcp_cookie, sizeof(dhcp_cookie)))
		return HINT_NO;
	found->l5 = FLOW_L5_DHCP;
	/* Each option takes a byte at least: the loop ends. */
	off = DHCP_OPTIONS;
	while (off < p->len) {
		code = d[off];
		if (code == DHCP_OPT_PAD) {
			off++;
			continue;
		}
		if (code == DHCP_OPT_END)
			break;
		if (off + 2 > p->len || off + 2 + d[off + 1] > p->len)
			return HINT_BROKEN;
		len = d[off + 1];
		if (code == DHCP_OPT_HOST_NAME)
			return hint_set_name(found, d + off + 2, len) ?
			       HINT_YES : HINT_BROKEN;
		off += 2 + len;
	}
	return HINT_YES;
}
