// SPDX-License-Identifier: GPL-2.0
/*
 * TLS (RFC 8446 section 4.1): a ClientHello's server name (SNI, RFC 6066
 * section 3), a ServerHello's existence. A ClientHello may go on past
 * the segment: what is missing is not read, and the name is not known
 * if it comes later. A length that overruns its enclosing structure is a
 * lie: no name then.
 */
#include <linux/in.h>

#include "hint_parse.h"

#define TLS_CONTENT_HANDSHAKE	0x16
#define TLS_HELLO_CLIENT	1
#define TLS_HELLO_SERVER	2
#define TLS_RECORD_LEN		5
#define TLS_EXT_SERVER_NAME	0
#define TLS_SNI_HOST_NAME	0

/* The ClientHello as far as this segment has it, within its record. */
struct tls_reader {
	const u8 *data;
	unsigned int have;	/* bytes in the segment */
	unsigned int end;	/* the record's end, as its header says */
};

/*
 * Can @n bytes at @off be read? HINT_YES if they can, HINT_NO if the
 * segment ends first, HINT_BROKEN if they overrun @limit (the end of
 * what encloses them).
 */
static enum hint_match tls_need(const struct tls_reader *r, unsigned int off,
				unsigned int n, unsigned int limit)
{
	if (off + n > limit)
		return HINT_BROKEN;
	return off + n > r->have ? HINT_NO : HINT_YES;
}

/* The host name of a server_name extension of @len bytes at @off. */
static enum hint_match tls_read_sni(const struct tls_reader *r,
				    unsigned int off, unsigned int len,
				    struct hint_found *found)
{
	unsigned int end = off + len, list, name;
	enum hint_match need;

	need = tls_need(r, off, 5, end);
	if (need != HINT_YES)
		return need;
	list = get_unaligned_be16(r->data + off);
	name = get_unaligned_be16(r->data + off + 3);
	if (off + 2 + list > end || r->data[off + 2] != TLS_SNI_HOST_NAME ||
	    3 + name > list)
		return HINT_BROKEN;
	need = tls_need(r, off + 5, name, end);
	if (need != HINT_YES)
		return need;
	return hint_set_name(found, r->data + off + 5, name) ? HINT_YES :
							       HINT_BROKEN;
}

/* The extensions of a ClientHello, from @off: the server_name one. */
static enum hint_match tls_read_extensions(const struct tls_reader *r,
					   unsigned int off,
					   struct hint_found *found)
{
	unsigned int end, type, len;
	enum hint_match need;

	need = tls_need(r, off, 2, r->end);
	if (need != HINT_YES)
		return need;
	end = off + 2 + get_unaligned_be16(r->data + off);
	if (end > r->end)
		return HINT_BROKEN;
	/* Each extension takes 4 bytes at least: the loop ends. */
	for (off += 2; off + 4 <= end; off += 4 + len) {
		need = tls_need(r, off, 4, end);
		if (need != HINT_YES)
			return need;
		type = get_unaligned_be16(r->data + off);
		len = get_unaligned_be16(r->data + off + 2);
		if (off + 4 + len > end)
			return HINT_BROKEN;
		if (type == TLS_EXT_SERVER_NAME)
			return tls_read_sni(r, off + 4, len, found);
	}
	return HINT_YES;
}

/*
 * After the record and handshake headers: version, random, then the
 * session id, cipher suites and compression methods, each after its
 * length; then the extensions.
 */
static enum hint_match tls_read_client_hello(const struct tls_reader *r,
					     struct hint_found *found)
{
	unsigned int off = TLS_RECORD_LEN + 4 + 2 + 32, len;
	enum hint_match need;

	need = tls_need(r, off, 1, r->end);
	if (need != HINT_YES)
		return need;
	len = r->data[off];
	if (len > 32)
		return HINT_BROKEN;
	off += 1 + len;
	need = tls_need(r, off, 2, r->end);
	if (need != HINT_YES)
		return need;
	len = get_unaligned_be16(r->data + off);
	if (len < 2 || len % 2)
		return HINT_BROKEN;
	off += 2 + len;
	need = tls_need(r, off, 1, r->end);
	if (need != HINT_YES)
		return need;
	len = r->data[off];
	if (!len)
		return HINT_BROKEN;
	return tls_read_extensions(r, off + 1 + len, found);
}

enum hint_match hint_parse_tls(const struct hint_payload *p,
			       struct hint_found *found)
{
	const u8 *d = p->data;
	struct tls_reader r = { .data = d, .have = p->len };
	enum hint_match match;

	if (p->proto != IPPROTO_TCP || p->len < TLS_RECORD_LEN + 4 ||
	    d[0] != TLS_CONTENT_HANDSHAKE || d[1] != 3 || d[2] > 4)
		return HINT_NO;
	if (d[5] != (p->dir == FLOW_DIR_UP ? TLS_HELLO_CLIENT :
					     TLS_HELLO_SERVER))
		return HINT_NO;
	found->l5 = FLOW_L5_TLS;
	if (p->dir != FLOW_DIR_UP)
		return HINT_YES;
	r.end = TLS_RECORD_LEN + get_unaligned_be16(d + 3);
	match = tls_read_client_hello(&r, found);
	/* Cut short by the segment's end: TLS, the name unknown. */
	return match == HINT_NO ? HINT_YES : match;
}
