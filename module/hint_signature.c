// SPDX-License-Identifier: GPL-2.0
/*
 * Protocols known by their first bytes alone: SSH, QUIC, WireGuard,
 * BitTorrent, NTP, and the greetings of SMTP, FTP, IMAP and POP3 servers.
 * A signature of one or two bytes (NTP, a "220" greeting) counts only on
 * the protocol's port.
 */
#include <linux/in.h>
#include <linux/string.h>

#include "hint_parse.h"

static bool sig_starts(const struct hint_payload *p, const char *s)
{
	size_t n = strlen(s);

	return p->len >= n && !memcmp(p->data, s, n);
}

/* RFC 4253 section 4.2: "SSH-protoversion-softwareversion". */
static u8 sig_ssh(const struct hint_payload *p)
{
	return sig_starts(p, "SSH-2.0-") || sig_starts(p, "SSH-1.99-") ?
	       FLOW_L5_SSH : FLOW_L5_NONE;
}

/* BEP 3's handshake; a DHT query or response (BEP 5) over UDP. */
static u8 sig_bittorrent(const struct hint_payload *p)
{
	if (p->proto == IPPROTO_TCP)
		return sig_starts(p, "\023BitTorrent protocol") ?
		       FLOW_L5_BITTORRENT : FLOW_L5_NONE;
	return sig_starts(p, "d1:ad2:id20:") || sig_starts(p, "d1:rd2:id20:") ?
	       FLOW_L5_BITTORRENT : FLOW_L5_NONE;
}

#define QUIC_V1		0x00000001
#define QUIC_V2		0x6b3343cf
#define QUIC_MIN_INITIAL 1200	/* a client's Initial datagram (RFC 9000 14.1) */

/*
 * A long header (RFC 9000 section 17.2): form and fixed bits set, a known
 * version (or 0: version negotiation), a connection id of at most 20
 * bytes. The client's first datagram is an Initial, padded to 1200.
 */
static u8 sig_quic(const struct hint_payload *p)
{
	const u8 *d = p->data;
	u32 version;
	u8 type, initial;

	if (p->proto != IPPROTO_UDP || p->len < 7 || (d[0] & 0xc0) != 0xc0 ||
	    d[5] > 20)
		return FLOW_L5_NONE;
	version = get_unaligned_be32(d + 1);
	type = (d[0] >> 4) & 3;
	if (version != QUIC_V1 && version != QUIC_V2 &&
	    (version >> 8) != 0xff0000 && (version || p->dir == FLOW_DIR_UP))
		return FLOW_L5_NONE;
	/* The Initial packet type is 0, but 1 in QUIC v2 (RFC 9369 3.2). */
	initial = version == QUIC_V2 ? 1 : 0;
	if (p->dir == FLOW_DIR_UP &&
	    (p->size < QUIC_MIN_INITIAL || type != initial))
		return FLOW_L5_NONE;
	return FLOW_L5_QUIC;
}

/*
 * The four message types of the WireGuard protocol, each with its size:
 * type byte, three reserved zero bytes.
 */
static u8 sig_wireguard(const struct hint_payload *p)
{
	const u8 *d = p->data;
	bool size_ok;

	if (p->proto != IPPROTO_UDP || p->len < 4 || d[1] || d[2] || d[3])
		return FLOW_L5_NONE;
	switch (d[0]) {
	case 1:
		size_ok = p->size == 148;	/* handshake initiation */
		break;
	case 2:
		size_ok = p->size == 92;	/* handshake response */
		break;
	case 3:
		size_ok = p->size == 64;	/* cookie reply */
		break;
	case 4:
		size_ok = p->size >= 32 && !(p->size % 16);	/* data */
		break;
	default:
		size_ok = false;
	}
	return size_ok ? FLOW_L5_WIREGUARD : FLOW_L5_NONE;
}

/* RFC 5905 section 7.3: version 1-4, a client's or a server's mode. */
static u8 sig_ntp(const struct hint_payload *p)
{
	u8 version = (p->data[0] >> 3) & 7, mode = p->data[0] & 7;
	u8 want = p->dir == FLOW_DIR_UP ? 3 : 4;

	if (p->proto != IPPROTO_UDP || !hint_port_is(p, FLOW_L5_NTP) || p->size < 48 ||
	    !version || version > 4 || (mode != want && mode != want - 2))
		return FLOW_L5_NONE;
	return FLOW_L5_NTP;
}

/* Does the first line of the payload name @word? */
static bool sig_first_line_has(const struct hint_payload *p, const char *word)
{
	const u8 *lf = memchr(p->data, '\n', p->len);
	unsigned int line = lf ? lf - p->data : p->len;

	return strnstr((const char *)p->data, word, line);
}

/* A server's greeting (RFC 5321 4.2, RFC 959 5.4, RFC 9051 7.1, RFC 1939 4). */
static u8 sig_greeting(const struct hint_payload *p)
{
	if (p->proto != IPPROTO_TCP)
		return FLOW_L5_NONE;
	if (p->dir == FLOW_DIR_UP)
		return sig_starts(p, "EHLO ") || sig_starts(p, "HELO ") ?
		       FLOW_L5_SMTP : FLOW_L5_NONE;
	if (sig_starts(p, "* OK"))
		return FLOW_L5_IMAP;
	if (sig_starts(p, "+OK"))
		return FLOW_L5_POP3;
	if (!sig_starts(p, "220 ") && !sig_starts(p, "220-"))
		return FLOW_L5_NONE;
	if (sig_first_line_has(p, "FTP") || hint_port_is(p, FLOW_L5_FTP))
		return FLOW_L5_FTP;
	if (sig_first_line_has(p, "SMTP") || hint_port_is(p, FLOW_L5_SMTP))
		return FLOW_L5_SMTP;
	return FLOW_L5_NONE;
}

static u8 (*const sig_checks[])(const struct hint_payload *p) = {
	sig_ssh,
	sig_quic,
	sig_wireguard,
	sig_bittorrent,
	sig_ntp,
	sig_greeting,
};

enum hint_match hint_parse_signature(const struct hint_payload *p,
				     struct hint_found *found)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sig_checks); i++) {
		found->l5 = sig_checks[i](p);
		if (found->l5 != FLOW_L5_NONE)
			return HINT_YES;
	}
	return HINT_NO;
}
