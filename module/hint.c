// SPDX-License-Identifier: GPL-2.0
/*
 * Application hints (hint.h): the first payload of each direction goes
 * through the parsers of hint_*.c; what they find sets the record's l5
 * byte and, for a name or DNS facts, its hint part (ext.h).
 *
 * By payload first, port second: a signature in the payload decides, and
 * a payload that matches none makes the flow unknown even on a well-known
 * port (a non-TLS stream on 443 is not TLS). Only while no payload has
 * been inspected (none sent yet, or a TCP connection picked up mid-stream)
 * do the ports speak, and then the flow is not said to be secured or not.
 *
 * A flow costs nothing here after its first payload of each direction:
 * flow_hint_wanted() is one read of a counter the packet updates anyway.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/percpu.h>

#include "ext.h"
#include "hint.h"
#include "hint_parse.h"

struct flow_l5_info {
	const char *name;
	u8 secured;		/* enum flowmon_secured */
};

static const struct flow_l5_info flow_l5_info[FLOW_L5_NUM] = {
	[FLOW_L5_DNS] = { "dns", FLOWMON_SECURED_NO },
	[FLOW_L5_MDNS] = { "mdns", FLOWMON_SECURED_NO },
	[FLOW_L5_LLMNR] = { "llmnr", FLOWMON_SECURED_NO },
	[FLOW_L5_DHCP] = { "dhcp", FLOWMON_SECURED_NO },
	[FLOW_L5_NTP] = { "ntp", FLOWMON_SECURED_NO },
	[FLOW_L5_TLS] = { "tls", FLOWMON_SECURED_YES },
	[FLOW_L5_QUIC] = { "quic", FLOWMON_SECURED_YES },
	[FLOW_L5_HTTP] = { "http", FLOWMON_SECURED_NO },
	[FLOW_L5_SSH] = { "ssh", FLOWMON_SECURED_YES },
	[FLOW_L5_SMTP] = { "smtp", FLOWMON_SECURED_NO },
	[FLOW_L5_IMAP] = { "imap", FLOWMON_SECURED_NO },
	[FLOW_L5_POP3] = { "pop3", FLOWMON_SECURED_NO },
	[FLOW_L5_FTP] = { "ftp", FLOWMON_SECURED_NO },
	[FLOW_L5_BITTORRENT] = { "bittorrent", FLOWMON_SECURED_NO },
	[FLOW_L5_WIREGUARD] = { "wireguard", FLOWMON_SECURED_YES },
	[FLOW_L5_ESP] = { "esp", FLOWMON_SECURED_YES },
	[FLOW_L5_AH] = { "ah", FLOWMON_SECURED_YES },
};

const char *flow_l5_name(u8 l5)
{
	return l5 < FLOW_L5_NUM ? flow_l5_info[l5].name : NULL;
}

/* The protocol called @name, or FLOW_L5_NONE. */
u8 flow_l5_lookup(const char *name)
{
	u8 l5;

	for (l5 = 0; l5 < FLOW_L5_NUM; l5++)
		if (flow_l5_info[l5].name && !strcmp(flow_l5_info[l5].name, name))
			return l5;
	return FLOW_L5_NONE;
}

/* Well-known ports (IANA) and the protocol each is assigned to. */
static const struct {
	u16 port;
	u8 tcp;			/* enum flow_l5 over TCP, */
	u8 udp;			/* and over UDP */
} flow_l5_ports[] = {
	{ 21, FLOW_L5_FTP, FLOW_L5_NONE },
	{ 22, FLOW_L5_SSH, FLOW_L5_NONE },
	{ 25, FLOW_L5_SMTP, FLOW_L5_NONE },
	{ 53, FLOW_L5_DNS, FLOW_L5_DNS },
	{ 67, FLOW_L5_NONE, FLOW_L5_DHCP },
	{ 68, FLOW_L5_NONE, FLOW_L5_DHCP },
	{ 80, FLOW_L5_HTTP, FLOW_L5_NONE },
	{ 110, FLOW_L5_POP3, FLOW_L5_NONE },
	{ 123, FLOW_L5_NONE, FLOW_L5_NTP },
	{ 143, FLOW_L5_IMAP, FLOW_L5_NONE },
	{ 443, FLOW_L5_TLS, FLOW_L5_QUIC },
	{ 465, FLOW_L5_TLS, FLOW_L5_NONE },
	{ 587, FLOW_L5_SMTP, FLOW_L5_NONE },
	{ 853, FLOW_L5_TLS, FLOW_L5_NONE },
	{ 993, FLOW_L5_TLS, FLOW_L5_NONE },
	{ 995, FLOW_L5_TLS, FLOW_L5_NONE },
	{ 5353, FLOW_L5_MDNS, FLOW_L5_MDNS },
	{ 5355, FLOW_L5_LLMNR, FLOW_L5_LLMNR },
	{ 8080, FLOW_L5_HTTP, FLOW_L5_NONE },
	{ 8443, FLOW_L5_TLS, FLOW_L5_NONE },
	{ 51820, FLOW_L5_NONE, FLOW_L5_WIREGUARD },
};

/* The protocol @port is assigned to over @proto, if any. */
u8 flow_l5_of_port(u8 proto, u16 port)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flow_l5_ports); i++)
		if (flow_l5_ports[i].port == port)
			return proto == IPPROTO_UDP ? flow_l5_ports[i].udp :
						      flow_l5_ports[i].tcp;
	return FLOW_L5_NONE;
}

static u8 flow_l5_of_protocol(u8 proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return FLOW_L5_ESP;
	case IPPROTO_AH:
		return FLOW_L5_AH;
	}
	return FLOW_L5_NONE;
}

/* Under RCU. */
void flow_hint_view(const struct flow *flow, struct flow_hint_view *view)
{
	const struct flow_tuple *key = &flow->key;
	u8 l5 = READ_ONCE(flow->l5), proto_l5 = flow_l5_of_protocol(key->proto);

	view->hint = flow_ext_find(flow, FLOW_EXT_HINT);
	view->l5 = FLOW_L5_NONE;
	view->source = 0;
	view->secured = 0;
	if (l5 > FLOW_L5_UNKNOWN) {
		view->l5 = l5;
		view->source = FLOWMON_L5_SOURCE_PAYLOAD;
	} else if (proto_l5) {
		view->l5 = proto_l5;
		view->source = FLOWMON_L5_SOURCE_PROTOCOL;
	} else if (l5 == FLOW_L5_NONE) {
		view->l5 = flow_l5_of_port(key->proto, ntohs(key->dport));
		if (!view->l5)
			view->l5 = flow_l5_of_port(key->proto, ntohs(key->sport));
		view->source = view->l5 ? FLOWMON_L5_SOURCE_PORT : 0;
		return;
	}
	view->secured = flow_l5_info[view->l5].secured;
}

/*
 * @name, @len bytes, as a hint's name: lower case; ASCII letters, digits,
 * '-', '_' and '.' only; no empty label; one trailing dot dropped. False,
 * with no name kept, for anything else. The kernel's isalnum() takes the
 * Latin-1 letters (0xc0-0xff) too: those would make the name invalid
 * UTF-8 in every tool that shows it.
 */
bool hint_set_name(struct hint_found *found, const u8 *name,
		   unsigned int len)
{
	struct flow_hint *hint = &found->hint;
	unsigned int i;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > FLOWMON_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		u8 c = name[i];

		if (c == '.' ? !i || name[i - 1] == '.' :
		    !(isascii(c) && isalnum(c)) && c != '-' && c != '_')
			return false;
		hint->name[i] = tolower(c);
	}
	hint->name[len] = '\0';
	hint->name_len = len;
	found->part = true;
	return true;
}

/* Sets the record's l5 byte: a protocol once, unknown only over none. */
static void flow_hint_set_l5(struct flow *flow, u8 l5)
{
	u8 old = READ_ONCE(flow->l5);

	do {
		if (old > FLOW_L5_UNKNOWN || old == l5)
			return;
	} while (!try_cmpxchg(&flow->l5, &old, l5));
}

static size_t flow_hint_size(const struct flow_hint *hint)
{
	return offsetof(struct flow_hint, name) + hint->name_len + 1;
}

/* The DNS facts of @new, a query or a response, added to @hint. */
static void flow_hint_merge_dns(struct flow_hint *hint,
				const struct flow_hint *new)
{
	if ((new->dns & FLOW_HINT_DNS_QUERY) &&
	    !(hint->dns & FLOW_HINT_DNS_QUERY)) {
		hint->dns_query_time = new->dns_query_time;
		hint->dns_id = new->dns_id;
		hint->dns_qtype = new->dns_qtype;
		hint->dns |= FLOW_HINT_DNS_QUERY;
		return;
	}
	if (!(new->dns & FLOW_HINT_DNS_RESPONSE) ||
	    (hint->dns & FLOW_HINT_DNS_RESPONSE))
		return;
	/* A response to a query seen: the time between them. */
	if (hint->dns & FLOW_HINT_DNS_QUERY) {
		if (hint->dns_id != new->dns_id)
			return;
		if (new->dns_query_time > hint->dns_query_time)
			hint->dns_response_us =
				max_t(u64, 1, div_u64(new->dns_query_time -
						      hint->dns_query_time,
						      NSEC_PER_USEC));
	} else {
		hint->dns_id = new->dns_id;
		hint->dns_qtype = new->dns_qtype;
	}
	hint->dns_rcode = new->dns_rcode;
	hint->dns_answers = new->dns_answers;
	hint->dns_addr = new->dns_addr;
	hint->dns_addr_family = new->dns_addr_family;
	hint->dns |= new->dns & (FLOW_HINT_DNS_RESPONSE | FLOW_HINT_DNS_ADDR);
}

/* flow_ext_build_t: the hint part with what one payload told added. */
static size_t flow_hint_build(void *part, size_t max, const void *old,
			      size_t old_size, const void *arg)
{
	const struct hint_found *found = arg;
	const struct flow_hint *new = &found->hint;
	struct flow_hint *hint = part;

	BUILD_BUG_ON(sizeof(struct flow_hint) > FLOW_EXT_PART_MAX);
	if (old)
		memcpy(hint, old, old_size);
	else
		memset(hint, 0, offsetof(struct flow_hint, name));
	/* The first name stays: the client's question, not the echo. */
	if (!hint->name_len && new->name_len) {
		memcpy(hint->name, new->name, new->name_len + 1);
		hint->name_len = new->name_len;
	}
	hint->name[hint->name_len] = '\0';
	flow_hint_merge_dns(hint, new);
	/* Nothing new (a second answer, a name already known): no change. */
	if (old && flow_hint_size(hint) == old_size &&
	    !memcmp(hint, old, old_size))
		return 0;
	return flow_hint_size(hint);
}

typedef enum hint_match (*hint_parser_t)(const struct hint_payload *p,
					 struct hint_found *found);

static const hint_parser_t hint_tcp_parsers[] = {
	hint_parse_tls,
	hint_parse_http,
	hint_parse_signature,
	hint_parse_dns,
};

static const hint_parser_t hint_udp_parsers[] = {
	hint_parse_dns,
	hint_parse_dhcp,
	hint_parse_signature,
};

/* The first parser that knows @p's protocol decides. */
static enum hint_match hint_parse(const struct hint_payload *p,
				  struct hint_found *found)
{
	bool tcp = p->proto == IPPROTO_TCP;
	const hint_parser_t *parsers = tcp ? hint_tcp_parsers : hint_udp_parsers;
	size_t i, n = tcp ? ARRAY_SIZE(hint_tcp_parsers) :
			    ARRAY_SIZE(hint_udp_parsers);
	enum hint_match match;

	for (i = 0; i < n; i++) {
		found->l5 = FLOW_L5_UNKNOWN;
		found->part = false;
		memset(&found->hint, 0, offsetof(struct flow_hint, name));
		match = parsers[i](p, found);
		if (match != HINT_NO)
			return match;
	}
	return HINT_NO;
}

/* Where a payload that is not in the skb's linear part is copied to. */
struct flow_hint_window {
	u8 data[FLOW_HINT_WINDOW];
};

static DEFINE_PER_CPU(struct flow_hint_window, flow_hint_window);

static enum hint_match hint_read(const struct sk_buff *skb,
				 const struct flow_packet *pkt,
				 struct hint_payload *p,
				 struct hint_found *found)
{
	enum hint_match match = HINT_NO;

	p->size = min_t(u64, pkt->payload, UINT_MAX);
	p->len = min_t(unsigned int, p->size, FLOW_HINT_WINDOW);
	/* The window is this CPU's until the parsers are done with it. */
	local_bh_disable();
	p->data = skb_header_pointer(skb, pkt->payload_offset, p->len,
				     this_cpu_ptr(&flow_hint_window)->data);
	if (p->data)
		match = hint_parse(p, found);
	local_bh_enable();
	return match;
}

/* Keeps what a parser found; sets @changed if the hint part changed. */
static enum flow_hint_result flow_hint_apply(struct flow *flow,
					     enum hint_match match,
					     const struct hint_found *found,
					     bool *changed)
{
	int ret;

	switch (match) {
	case HINT_NO:
		flow_hint_set_l5(flow, FLOW_L5_UNKNOWN);
		return FLOW_HINT_DONE;
	case HINT_BROKEN:
		flow_hint_set_l5(flow, found->l5);
		return FLOW_HINT_MALFORMED;
	case HINT_YES:
		break;
	}
	flow_hint_set_l5(flow, found->l5);
	if (!found->part)
		return FLOW_HINT_DONE;
	ret = flow_ext_update(flow, FLOW_EXT_HINT, flow_hint_build, found);
	if (ret < 0)
		return FLOW_HINT_LOST;
	*changed = ret > 0;
	return FLOW_HINT_DONE;
}

static bool flow_hint_view_equal(const struct flow_hint_view *a,
				 const struct flow_hint_view *b)
{
	return a->l5 == b->l5 && a->source == b->source &&
	       a->secured == b->secured;
}

/*
 * Under RCU, from the hooks, for a packet flow_hint_wanted(): what its
 * payload says of its flow. Sets @changed if that changed what the record
 * tells of its application (as flow_hint_view() shows it).
 */
enum flow_hint_result flow_hint_inspect(struct flow *flow,
					enum flow_direction dir,
					const struct sk_buff *skb,
					const struct flow_packet *pkt,
					bool *changed)
{
	const struct flow_tuple *key = &flow->key;
	struct hint_payload p = {
		.dir = dir,
		.proto = key->proto,
		.client_port = ntohs(key->sport),
		.server_port = ntohs(key->dport),
	};
	struct flow_hint_view before, after;
	enum flow_hint_result result;
	struct hint_found found;

	*changed = false;
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP)
		return FLOW_HINT_DONE;
	flow_hint_view(flow, &before);
	result = flow_hint_apply(flow, hint_read(skb, pkt, &p, &found), &found,
				 changed);
	flow_hint_view(flow, &after);
	if (!flow_hint_view_equal(&before, &after))
		*changed = true;
	return result;
}
