// SPDX-License-Identifier: GPL-2.0
/*
 * Flow records: parsing from netlink attributes, and their names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/flowmon.h>

#include "flow.h"

#define FLOW_LIST_MIN_CAP 1024

static const struct nla_policy flow_policy[FLOWMON_FLOW_A_MAX + 1] = {
	[FLOWMON_FLOW_A_ID] = { .type = NLA_U64 },
	[FLOWMON_FLOW_A_FAMILY] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_PROTO] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_CLIENT_ADDR] = { .minlen = 4, .maxlen = 16 },
	[FLOWMON_FLOW_A_CLIENT_PORT] = { .type = NLA_U16 },
	[FLOWMON_FLOW_A_SERVER_ADDR] = { .minlen = 4, .maxlen = 16 },
	[FLOWMON_FLOW_A_SERVER_PORT] = { .type = NLA_U16 },
	[FLOWMON_FLOW_A_CLIENT_STATE] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_SERVER_STATE] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_FLAGS] = { .type = NLA_U32 },
	[FLOWMON_FLOW_A_FIRST_SEEN] = { .type = NLA_U64 },
	[FLOWMON_FLOW_A_LAST_SEEN] = { .type = NLA_U64 },
	[FLOWMON_FLOW_A_UP] = { .type = NLA_NESTED },
	[FLOWMON_FLOW_A_DOWN] = { .type = NLA_NESTED },
	[FLOWMON_FLOW_A_STATE_SINCE] = { .type = NLA_U64 },
	[FLOWMON_FLOW_A_HISTORY] = { .type = NLA_STRING,
				     .maxlen = FLOWMON_HISTORY_MAX + 1 },
	[FLOWMON_FLOW_A_RTT_SYN_US] = { .type = NLA_U32 },
	[FLOWMON_FLOW_A_RTT_ACK_US] = { .type = NLA_U32 },
	[FLOWMON_FLOW_A_NAT] = { .type = NLA_NESTED },
	[FLOWMON_FLOW_A_L5] = { .type = NLA_STRING, .maxlen = FLOW_L5_LEN },
	[FLOWMON_FLOW_A_L5_SOURCE] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_SECURED] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_NAME] = { .type = NLA_STRING,
				  .maxlen = FLOWMON_NAME_MAX + 1 },
	[FLOWMON_FLOW_A_DNS] = { .type = NLA_NESTED },
	[FLOWMON_FLOW_A_DROP_REASON] = { .type = NLA_STRING,
					 .maxlen = FLOWMON_DROP_REASON_MAX + 1 },
	[FLOWMON_FLOW_A_RTT_SERVER] = { .type = NLA_NESTED },
	[FLOWMON_FLOW_A_RTT_CLIENT] = { .type = NLA_NESTED },
};

static const struct nla_policy rtt_policy[FLOWMON_RTT_A_MAX + 1] = {
	[FLOWMON_RTT_A_SAMPLES] = { .type = NLA_U32 },
	[FLOWMON_RTT_A_MIN_US] = { .type = NLA_U32 },
	[FLOWMON_RTT_A_SRTT_US] = { .type = NLA_U32 },
	[FLOWMON_RTT_A_LATEST_US] = { .type = NLA_U32 },
	[FLOWMON_RTT_A_MAX_US] = { .type = NLA_U32 },
};

static const struct nla_policy dns_policy[FLOWMON_DNS_A_MAX + 1] = {
	[FLOWMON_DNS_A_QTYPE] = { .type = NLA_U16 },
	[FLOWMON_DNS_A_RCODE] = { .type = NLA_U8 },
	[FLOWMON_DNS_A_ANSWERS] = { .type = NLA_U16 },
	[FLOWMON_DNS_A_ADDR] = { .minlen = 4, .maxlen = 16 },
	[FLOWMON_DNS_A_RESPONSE_US] = { .type = NLA_U32 },
};

static const struct nla_policy nat_policy[FLOWMON_NAT_A_MAX + 1] = {
	[FLOWMON_NAT_A_FLAGS] = { .type = NLA_U32 },
	[FLOWMON_NAT_A_CLIENT_ADDR] = { .minlen = 4, .maxlen = 16 },
	[FLOWMON_NAT_A_CLIENT_PORT] = { .type = NLA_U16 },
	[FLOWMON_NAT_A_SERVER_ADDR] = { .minlen = 4, .maxlen = 16 },
	[FLOWMON_NAT_A_SERVER_PORT] = { .type = NLA_U16 },
};

static const struct nla_policy dir_policy[FLOWMON_DIR_A_MAX + 1] = {
	[FLOWMON_DIR_A_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_BYTES] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_PAYLOAD] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_ISN] = { .type = NLA_U32 },
	[FLOWMON_DIR_A_SND_NXT] = { .type = NLA_U32 },
	[FLOWMON_DIR_A_MAX_ACK] = { .type = NLA_U32 },
	[FLOWMON_DIR_A_WINDOW] = { .type = NLA_U32 },
	[FLOWMON_DIR_A_WSCALE] = { .type = NLA_U8 },
	[FLOWMON_DIR_A_MSS] = { .type = NLA_U16 },
	[FLOWMON_DIR_A_SACK_PERM] = { .type = NLA_FLAG },
	[FLOWMON_DIR_A_RETRANS_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_RETRANS_BYTES] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_OUT_OF_WINDOW] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_ZERO_WINDOW] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_UNEXPECTED] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_DROPPED_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_DIR_A_DROPPED_BYTES] = { .type = NLA_U64 },
};

/* Without these a record does not name a flow; the rest default to 0. */
static const int required_attrs[] = {
	FLOWMON_FLOW_A_ID,
	FLOWMON_FLOW_A_FAMILY,
	FLOWMON_FLOW_A_PROTO,
	FLOWMON_FLOW_A_CLIENT_ADDR,
	FLOWMON_FLOW_A_SERVER_ADDR,
};

static const char *const tcp_state_names[] = {
	[FLOWMON_TCP_CLOSED] = "CLOSED",
	[FLOWMON_TCP_LISTEN] = "LISTEN",
	[FLOWMON_TCP_SYN_SENT] = "SYN-SENT",
	[FLOWMON_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[FLOWMON_TCP_ESTABLISHED] = "ESTABLISHED",
	[FLOWMON_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[FLOWMON_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[FLOWMON_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[FLOWMON_TCP_CLOSING] = "CLOSING",
	[FLOWMON_TCP_LAST_ACK] = "LAST-ACK",
	[FLOWMON_TCP_TIME_WAIT] = "TIME-WAIT",
};

static uint8_t get_u8(const struct nlattr *attr)
{
	return attr ? nla_get_u8(attr) : 0;
}

static uint16_t get_u16(const struct nlattr *attr)
{
	return attr ? nla_get_u16(attr) : 0;
}

static uint32_t get_u32(const struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

static uint64_t get_u64(const struct nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

/* Returns @attr, after setting @bit in @has if it is there: the value is known. */
static const struct nlattr *known(const struct nlattr *attr, uint32_t *has,
				  uint32_t bit)
{
	if (attr)
		*has |= bit;
	return attr;
}

static int parse_addr(uint8_t dst[16], const struct nlattr *attr, uint8_t family)
{
	int len = family == AF_INET ? 4 : 16;

	if (nla_len(attr) != len)
		return -EBADMSG;
	memcpy(dst, nla_data(attr), len);
	return 0;
}

/* Facts about a TCP sender: optional ones absent are unknown, counters 0. */
static void parse_tcb(struct flow_dir *dir, struct nlattr **tb)
{
	uint32_t *has = &dir->has;

	dir->isn = get_u32(known(tb[FLOWMON_DIR_A_ISN], has, FLOW_DIR_HAS_ISN));
	dir->snd_nxt = get_u32(known(tb[FLOWMON_DIR_A_SND_NXT], has,
				     FLOW_DIR_HAS_SND_NXT));
	dir->max_ack = get_u32(known(tb[FLOWMON_DIR_A_MAX_ACK], has,
				     FLOW_DIR_HAS_MAX_ACK));
	dir->window = get_u32(known(tb[FLOWMON_DIR_A_WINDOW], has,
				    FLOW_DIR_HAS_WINDOW));
	dir->wscale = get_u8(known(tb[FLOWMON_DIR_A_WSCALE], has,
				   FLOW_DIR_HAS_WSCALE));
	dir->mss = get_u16(known(tb[FLOWMON_DIR_A_MSS], has, FLOW_DIR_HAS_MSS));
	dir->sack_perm = tb[FLOWMON_DIR_A_SACK_PERM] != NULL;
	dir->retrans_packets = get_u64(tb[FLOWMON_DIR_A_RETRANS_PACKETS]);
	dir->retrans_bytes = get_u64(tb[FLOWMON_DIR_A_RETRANS_BYTES]);
	dir->out_of_window = get_u64(tb[FLOWMON_DIR_A_OUT_OF_WINDOW]);
	dir->zero_window = get_u64(tb[FLOWMON_DIR_A_ZERO_WINDOW]);
	dir->unexpected = get_u64(tb[FLOWMON_DIR_A_UNEXPECTED]);
}

/* No attribute: no sample taken (samples 0). */
static int parse_rtt(struct flow_rtt *rtt, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_RTT_A_MAX + 1];

	if (!attr)
		return 0;
	if (nla_parse_nested(tb, FLOWMON_RTT_A_MAX, attr, rtt_policy) < 0)
		return -EBADMSG;
	rtt->samples = get_u32(tb[FLOWMON_RTT_A_SAMPLES]);
	rtt->min_us = get_u32(tb[FLOWMON_RTT_A_MIN_US]);
	rtt->srtt_us = get_u32(tb[FLOWMON_RTT_A_SRTT_US]);
	rtt->latest_us = get_u32(tb[FLOWMON_RTT_A_LATEST_US]);
	rtt->max_us = get_u32(tb[FLOWMON_RTT_A_MAX_US]);
	return 0;
}

/* The per-flow TCP facts; absent ones stay unknown. */
static int parse_tcp(struct flow *f, struct nlattr **tb)
{
	f->state_since = get_u64(known(tb[FLOWMON_FLOW_A_STATE_SINCE], &f->has,
				       FLOW_HAS_STATE_SINCE));
	f->rtt_syn_us = get_u32(known(tb[FLOWMON_FLOW_A_RTT_SYN_US], &f->has,
				      FLOW_HAS_RTT_SYN));
	f->rtt_ack_us = get_u32(known(tb[FLOWMON_FLOW_A_RTT_ACK_US], &f->has,
				      FLOW_HAS_RTT_ACK));
	if (known(tb[FLOWMON_FLOW_A_HISTORY], &f->has, FLOW_HAS_HISTORY))
		nla_strlcpy(f->history, tb[FLOWMON_FLOW_A_HISTORY],
			    sizeof(f->history));
	if (parse_rtt(&f->rtt_client, tb[FLOWMON_FLOW_A_RTT_CLIENT]) ||
	    parse_rtt(&f->rtt_server, tb[FLOWMON_FLOW_A_RTT_SERVER]))
		return -EBADMSG;
	return 0;
}

/* The kernel sends a flow's drops (all of them) once it has one. */
static int parse_dir(struct flow *f, struct flow_dir *dir, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_DIR_A_MAX + 1];

	if (!attr)
		return 0;
	if (nla_parse_nested(tb, FLOWMON_DIR_A_MAX, attr, dir_policy) < 0)
		return -EBADMSG;
	dir->packets = get_u64(tb[FLOWMON_DIR_A_PACKETS]);
	dir->bytes = get_u64(tb[FLOWMON_DIR_A_BYTES]);
	dir->payload = get_u64(tb[FLOWMON_DIR_A_PAYLOAD]);
	parse_tcb(dir, tb);
	dir->dropped_packets = get_u64(known(tb[FLOWMON_DIR_A_DROPPED_PACKETS],
					     &f->has, FLOW_HAS_DROPS));
	dir->dropped_bytes = get_u64(tb[FLOWMON_DIR_A_DROPPED_BYTES]);
	return 0;
}

/* No FLOWMON_FLOW_A_NAT: not translated (flags 0). */
static int parse_nat(struct flow_nat *nat, struct nlattr *attr, uint8_t family)
{
	struct nlattr *tb[FLOWMON_NAT_A_MAX + 1];

	if (!attr)
		return 0;
	if (nla_parse_nested(tb, FLOWMON_NAT_A_MAX, attr, nat_policy) < 0 ||
	    !tb[FLOWMON_NAT_A_FLAGS] || !tb[FLOWMON_NAT_A_CLIENT_ADDR] ||
	    !tb[FLOWMON_NAT_A_SERVER_ADDR] ||
	    parse_addr(nat->client_addr, tb[FLOWMON_NAT_A_CLIENT_ADDR], family) ||
	    parse_addr(nat->server_addr, tb[FLOWMON_NAT_A_SERVER_ADDR], family))
		return -EBADMSG;
	nat->flags = nla_get_u32(tb[FLOWMON_NAT_A_FLAGS]);
	nat->client_port = get_u16(tb[FLOWMON_NAT_A_CLIENT_PORT]);
	nat->server_port = get_u16(tb[FLOWMON_NAT_A_SERVER_PORT]);
	return 0;
}

static bool has_required(struct nlattr **tb)
{
	size_t i;

	for (i = 0; i < sizeof(required_attrs) / sizeof(required_attrs[0]); i++)
		if (!tb[required_attrs[i]])
			return false;
	return true;
}

static int parse_dns(struct flow_app *app, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_DNS_A_MAX + 1];

	if (!attr)
		return 0;
	if (nla_parse_nested(tb, FLOWMON_DNS_A_MAX, attr, dns_policy) < 0)
		return -EBADMSG;
	app->dns = true;
	app->dns_qtype = get_u16(tb[FLOWMON_DNS_A_QTYPE]);
	app->dns_response = tb[FLOWMON_DNS_A_RCODE];
	app->dns_rcode = get_u8(tb[FLOWMON_DNS_A_RCODE]);
	app->dns_answers = get_u16(tb[FLOWMON_DNS_A_ANSWERS]);
	app->dns_response_us = get_u32(tb[FLOWMON_DNS_A_RESPONSE_US]);
	if (tb[FLOWMON_DNS_A_ADDR]) {
		app->dns_addr_len = nla_len(tb[FLOWMON_DNS_A_ADDR]);
		if (app->dns_addr_len != 4 && app->dns_addr_len != 16)
			return -EBADMSG;
		memcpy(app->dns_addr, nla_data(tb[FLOWMON_DNS_A_ADDR]),
		       app->dns_addr_len);
	}
	return 0;
}

/* What the flow is; the kernel's strings are NUL-terminated (policy). */
static int parse_app(struct flow_app *app, struct nlattr **tb)
{
	if (tb[FLOWMON_FLOW_A_L5])
		nla_strlcpy(app->l5, tb[FLOWMON_FLOW_A_L5], sizeof(app->l5));
	app->l5_source = get_u8(tb[FLOWMON_FLOW_A_L5_SOURCE]);
	app->secured = get_u8(tb[FLOWMON_FLOW_A_SECURED]);
	if (tb[FLOWMON_FLOW_A_NAME]) {
		app->name = strndup(nla_data(tb[FLOWMON_FLOW_A_NAME]),
				    nla_len(tb[FLOWMON_FLOW_A_NAME]));
		if (!app->name)
			return -ENOMEM;
	}
	return parse_dns(app, tb[FLOWMON_FLOW_A_DNS]);
}

void flow_release(struct flow *f)
{
	free(f->app.name);
	f->app.name = NULL;
}

int flow_parse(struct flow *f, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_FLOW_A_MAX + 1];
	int err;

	memset(f, 0, sizeof(*f));
	if (nla_parse_nested(tb, FLOWMON_FLOW_A_MAX, attr, flow_policy) < 0 ||
	    !has_required(tb))
		return -EBADMSG;
	f->family = nla_get_u8(tb[FLOWMON_FLOW_A_FAMILY]);
	if (f->family != AF_INET && f->family != AF_INET6)
		return -EBADMSG;
	if (parse_addr(f->client_addr, tb[FLOWMON_FLOW_A_CLIENT_ADDR], f->family) ||
	    parse_addr(f->server_addr, tb[FLOWMON_FLOW_A_SERVER_ADDR], f->family))
		return -EBADMSG;
	f->id = nla_get_u64(tb[FLOWMON_FLOW_A_ID]);
	f->proto = nla_get_u8(tb[FLOWMON_FLOW_A_PROTO]);
	f->client_port = get_u16(tb[FLOWMON_FLOW_A_CLIENT_PORT]);
	f->server_port = get_u16(tb[FLOWMON_FLOW_A_SERVER_PORT]);
	f->client_state = get_u8(tb[FLOWMON_FLOW_A_CLIENT_STATE]);
	f->server_state = get_u8(tb[FLOWMON_FLOW_A_SERVER_STATE]);
	f->flags = get_u32(tb[FLOWMON_FLOW_A_FLAGS]);
	f->first_seen = get_u64(tb[FLOWMON_FLOW_A_FIRST_SEEN]);
	f->last_seen = get_u64(tb[FLOWMON_FLOW_A_LAST_SEEN]);
	if (parse_tcp(f, tb))
		return -EBADMSG;
	if (known(tb[FLOWMON_FLOW_A_DROP_REASON], &f->has, FLOW_HAS_DROPS))
		nla_strlcpy(f->drop_reason, tb[FLOWMON_FLOW_A_DROP_REASON],
			    sizeof(f->drop_reason));
	if (parse_dir(f, &f->up, tb[FLOWMON_FLOW_A_UP]) ||
	    parse_dir(f, &f->down, tb[FLOWMON_FLOW_A_DOWN]) ||
	    parse_nat(&f->nat, tb[FLOWMON_FLOW_A_NAT], f->family))
		return -EBADMSG;
	err = parse_app(&f->app, tb);
	if (err)
		flow_release(f);
	return err;
}

bool flow_is_tcp(const struct flow *f)
{
	return f->proto == IPPROTO_TCP;
}

bool flow_path_rtt_us(const struct flow *f, uint64_t *us)
{
	*us = (uint64_t)f->rtt_client.srtt_us + f->rtt_server.srtt_us;
	return f->rtt_client.samples || f->rtt_server.samples;
}

bool flow_has_ports(const struct flow *f)
{
	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return true;
	default:
		return false;
	}
}

const char *flow_family_name(const struct flow *f)
{
	return f->family == AF_INET ? "ipv4" : "ipv6";
}

const char *flow_proto_name(const struct flow *f, char buf[FLOW_PROTO_LEN])
{
	switch (f->proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, FLOW_PROTO_LEN, "%u", f->proto);
		return buf;
	}
}

const char *flow_tcp_state_name(unsigned int state)
{
	if (state > FLOWMON_TCP_STATE_MAX)
		return "?";
	return tcp_state_names[state];
}

const char *flow_tcp_states_name(uint8_t client, uint8_t server,
				 char buf[FLOW_STATE_LEN])
{
	if (client == server)
		return flow_tcp_state_name(client);
	snprintf(buf, FLOW_STATE_LEN, "%s/%s", flow_tcp_state_name(client),
		 flow_tcp_state_name(server));
	return buf;
}

/* The same rule as the state column of /proc/net/flowmon. */
const char *flow_state(const struct flow *f, char buf[FLOW_STATE_LEN])
{
	bool replied = f->flags & FLOWMON_FLOW_F_REPLIED;

	if (flow_is_tcp(f))
		return flow_tcp_states_name(f->client_state, f->server_state, buf);
	if (f->flags & FLOWMON_FLOW_F_ECHO)
		return replied ? "REPLY" : "REQUEST";
	if (f->proto == IPPROTO_UDP)
		return replied ? "REPLIED" : "UNREPLIED";
	return "SEEN";
}

/*
 * Dotted quads by hand: glibc's inet_ntop() formats each one with
 * sprintf(), which was the largest cost of printing a dump. IPv6 keeps
 * inet_ntop() and its RFC 5952 zero compression.
 */
static void format_ipv4(const uint8_t *addr, char buf[INET_ADDRSTRLEN])
{
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++) {
		uint8_t octet = addr[i];

		if (octet >= 100)
			*p++ = '0' + octet / 100;
		if (octet >= 10)
			*p++ = '0' + octet / 10 % 10;
		*p++ = '0' + octet % 10;
		*p++ = i < 3 ? '.' : '\0';
	}
}

void flow_addr(const struct flow *f, const uint8_t *addr,
	       char buf[INET6_ADDRSTRLEN])
{
	if (f->family == AF_INET)
		format_ipv4(addr, buf);
	else
		inet_ntop(f->family, addr, buf, INET6_ADDRSTRLEN);
}

void flow_client_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN])
{
	flow_addr(f, f->client_addr, buf);
}

void flow_server_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN])
{
	flow_addr(f, f->server_addr, buf);
}

/* The same words as the nat column of /proc/net/flowmon. */
const char *flow_nat_name(const struct flow *f)
{
	switch (f->nat.flags & (FLOWMON_NAT_F_CLIENT | FLOWMON_NAT_F_SERVER)) {
	case FLOWMON_NAT_F_CLIENT:
		return "snat";
	case FLOWMON_NAT_F_SERVER:
		return "dnat";
	case FLOWMON_NAT_F_CLIENT | FLOWMON_NAT_F_SERVER:
		return "snat,dnat";
	}
	return NULL;
}

/*
 * Records are allocated in blocks, each twice the size of the one before
 * up to FLOW_BLOCK_MAX_LEN records: a large dump then lives in a few
 * blocks of megabytes, which the kernel backs with 2 MiB pages where they
 * fit (a list of 1M flows took 14.5k page faults instead of 136k).
 */
#define FLOW_BLOCK_MIN_LEN 64
#define FLOW_BLOCK_MAX_LEN 65536

struct flow_block {
	struct flow_block *next;
	size_t used;
	size_t len;
	struct flow flows[];
};

/* Takes a free slot for a record, in a new block if the newest is full. */
static struct flow *flow_list_slot(struct flow_list *list)
{
	struct flow_block *b = list->blocks;
	size_t len = FLOW_BLOCK_MIN_LEN;

	if (!b || b->used == b->len) {
		if (b)
			len = b->len < FLOW_BLOCK_MAX_LEN ? 2 * b->len : b->len;
		b = malloc(sizeof(*b) + len * sizeof(b->flows[0]));
		if (!b)
			return NULL;
		b->next = list->blocks;
		b->used = 0;
		b->len = len;
		list->blocks = b;
	}
	return &b->flows[b->used++];
}

static int flow_list_reserve(struct flow_list *list)
{
	size_t cap = list->cap ? list->cap * 2 : FLOW_LIST_MIN_CAP;
	struct flow **flows = NULL;

	if (list->len < list->cap)
		return 0;
	if (cap <= SIZE_MAX / sizeof(*flows))
		flows = realloc(list->flows, cap * sizeof(*flows));
	if (!flows)
		return -ENOMEM;
	list->flows = flows;
	list->cap = cap;
	return 0;
}

int flow_list_parse(struct flow_list *list, struct nlattr *attr)
{
	struct flow *slot = NULL;
	int err;

	if (!flow_list_reserve(list))
		slot = flow_list_slot(list);
	if (!slot)
		return -ENOMEM;
	err = flow_parse(slot, attr);
	if (err) {
		flow_release(slot);
		list->blocks->used--;
		return err;
	}
	list->flows[list->len++] = slot;
	return 0;
}

void flow_list_free(struct flow_list *list)
{
	struct flow_block *b, *next;
	size_t i;

	for (i = 0; i < list->len; i++)
		flow_release(list->flows[i]);
	for (b = list->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(list->flows);
	memset(list, 0, sizeof(*list));
}
