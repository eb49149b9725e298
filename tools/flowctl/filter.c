// SPDX-License-Identifier: GPL-2.0
/*
 * Flow filters: options, FLOWMON_A_FILTER, and matching in userspace.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <linux/flowmon.h>

#include "filter.h"
#include "states.h"

#define NSEC_PER_MSEC 1000000ULL

const char filter_help[] =
	"\n"
	"Filters (a flow must meet every one given):\n"
	"  -4, --ipv4            IPv4 flows only\n"
	"  -6, --ipv6            IPv6 flows only\n"
	"      --state LIST      TCP flows with either endpoint in one of the\n"
	"                        comma-separated states or groups; may be repeated\n"
	"  -p, --proto PROTO     tcp, udp, icmp, icmpv6 or a protocol number\n"
	"  -s, --src ADDR[/LEN]  client address in this prefix\n"
	"  -d, --dst ADDR[/LEN]  server address in this prefix\n"
	"      --addr ADDR[/LEN] client or server address in this prefix\n"
	"      --sport N[-M]     client port (ICMP echo: identifier) in this range\n"
	"      --dport N[-M]     server port in this range\n"
	"      --port N[-M]      client or server port in this range\n"
	"      --min-bytes SIZE  at least SIZE bytes, up and down together; SIZE\n"
	"                        may end in K, M, G or T (powers of 1024)\n"
	"      --min-packets N   at least N packets, up and down together\n"
	"      --idle DURATION   no packet for longer than DURATION\n"
	"      --age DURATION    first seen less than DURATION ago\n"
	"      --nat             flows that NAT translated\n"
	"      --nat-addr ADDR[/LEN]  translated flows whose NAT client or NAT\n"
	"                        server address is in this prefix\n"
	"      --nat-port N[-M]  translated flows whose NAT client or NAT server\n"
	"                        port is in this range\n"
	"      --l5 PROTO        flows of this application protocol: dns, tls,\n"
	"                        http, ssh, quic... (see flowmon(4))\n"
	"      --secured yes|no  flows whose payload is (not) encrypted\n"
	"      --name PATTERN    flows whose name (DNS query, TLS SNI, HTTP Host)\n"
	"                        matches PATTERN, case-insensitively: '*' any\n"
	"                        characters, '?' one, [...] a set\n"
	"      --dropped         flows of which this box dropped a packet\n"
	"      --min-rtt DURATION  TCP flows whose round trip through this box\n"
	"                        (smoothed, to the client plus to the server) is\n"
	"                        at least DURATION\n"
	"  -n, --numeric         accepted for compatibility: names are never resolved\n"
	"Durations: 500ms, 30s, 5m, 2h, 1d; a bare number is in seconds.\n"
	"An address gives the family; -4, -6 and the addresses must agree.\n"
	"\n"
	"States (case-insensitive, as in ss(8)):\n"
	"  established (estab), syn-sent, syn-recv (syn-rcv, syn-received),\n"
	"  fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, closing,\n"
	"  closed (close), listening (listen)\n"
	"Groups:\n"
	"  all, connected (all but listening and closed), synchronized (connected\n"
	"  but syn-sent), bucket (syn-recv and time-wait), big (all but bucket)\n";

/* The filter options that take one value, given at most once. */
struct value_option {
	int opt;
	const char *name;
	/* Returns NULL, or what was expected. */
	const char *(*apply)(struct filter *f, const char *arg);
};

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static const char *set_family(struct filter *f, uint8_t family)
{
	static char why[96];

	if (f->family && f->family != family) {
		snprintf(why, sizeof(why),
			 "an %s address, but -4, -6 or another address asked for %s",
			 family_name(family), family_name(f->family));
		return why;
	}
	f->family = family;
	return NULL;
}

static const char *apply_prefix(struct filter *f, struct prefix *prefix,
				const char *arg)
{
	const char *why = parse_prefix(arg, prefix);

	return why ? why : set_family(f, prefix->family);
}

static const char *apply_src(struct filter *f, const char *arg)
{
	return apply_prefix(f, &f->client, arg);
}

static const char *apply_dst(struct filter *f, const char *arg)
{
	return apply_prefix(f, &f->server, arg);
}

static const char *apply_addr(struct filter *f, const char *arg)
{
	return apply_prefix(f, &f->any, arg);
}

static const char *apply_nat_addr(struct filter *f, const char *arg)
{
	return apply_prefix(f, &f->nat_addr, arg);
}

static const char *apply_proto(struct filter *f, const char *arg)
{
	return parse_proto(arg, &f->proto);
}

static const char *apply_sport(struct filter *f, const char *arg)
{
	return parse_port_range(arg, &f->client_ports);
}

static const char *apply_dport(struct filter *f, const char *arg)
{
	return parse_port_range(arg, &f->server_ports);
}

static const char *apply_port(struct filter *f, const char *arg)
{
	return parse_port_range(arg, &f->any_ports);
}

static const char *apply_nat_port(struct filter *f, const char *arg)
{
	return parse_port_range(arg, &f->nat_ports);
}

static const char *apply_min_bytes(struct filter *f, const char *arg)
{
	return parse_size(arg, &f->min_bytes);
}

static const char *apply_min_packets(struct filter *f, const char *arg)
{
	return parse_u64(arg, &f->min_packets);
}

/* The kernel takes 0 as "no condition": refuse it rather than surprise. */
static const char *parse_positive_ms(const char *arg, uint64_t *ms)
{
	const char *why = parse_duration_ms(arg, ms);

	if (!why && !*ms)
		return "the duration must be at least 1ms";
	return why;
}

static const char *apply_idle(struct filter *f, const char *arg)
{
	return parse_positive_ms(arg, &f->idle_ms);
}

static const char *apply_age(struct filter *f, const char *arg)
{
	return parse_positive_ms(arg, &f->age_ms);
}

/* The kernel takes microseconds in 32 bits: up to 71 minutes. */
static const char *apply_min_rtt(struct filter *f, const char *arg)
{
	uint64_t ms;
	const char *why = parse_positive_ms(arg, &ms);

	if (why)
		return why;
	if (ms > UINT32_MAX / 1000)
		return "longer than any round trip flowmon measures";
	f->min_rtt_us = ms * 1000;
	return NULL;
}

static const char *apply_l5(struct filter *f, const char *arg)
{
	if (!*arg || strlen(arg) >= FLOW_L5_LEN)
		return "not a protocol name";
	f->l5 = arg;
	return NULL;
}

static const char *apply_secured(struct filter *f, const char *arg)
{
	if (!strcmp(arg, "yes"))
		f->secured = FLOWMON_SECURED_YES;
	else if (!strcmp(arg, "no"))
		f->secured = FLOWMON_SECURED_NO;
	else
		return "yes or no";
	return NULL;
}

static const char *apply_name(struct filter *f, const char *arg)
{
	if (!*arg)
		return "empty pattern";
	if (strlen(arg) > FLOWMON_NAME_MAX)
		return "longer than any name";
	f->name = arg;
	return NULL;
}

static const struct value_option value_options[] = {
	{ 'p', "--proto", apply_proto },
	{ 's', "--src", apply_src },
	{ 'd', "--dst", apply_dst },
	{ OPT_ADDR, "--addr", apply_addr },
	{ OPT_SPORT, "--sport", apply_sport },
	{ OPT_DPORT, "--dport", apply_dport },
	{ OPT_PORT, "--port", apply_port },
	{ OPT_MIN_BYTES, "--min-bytes", apply_min_bytes },
	{ OPT_MIN_PACKETS, "--min-packets", apply_min_packets },
	{ OPT_IDLE, "--idle", apply_idle },
	{ OPT_AGE, "--age", apply_age },
	{ OPT_NAT_ADDR, "--nat-addr", apply_nat_addr },
	{ OPT_NAT_PORT, "--nat-port", apply_nat_port },
	{ OPT_L5, "--l5", apply_l5 },
	{ OPT_SECURED, "--secured", apply_secured },
	{ OPT_NAME, "--name", apply_name },
	{ OPT_MIN_RTT, "--min-rtt", apply_min_rtt },
};

void filter_init(struct filter *f, const struct options *opts)
{
	memset(f, 0, sizeof(*f));
	f->family = opts->family;
}

static int apply_states(struct filter *f, const struct command *cmd,
			const char *arg)
{
	const char *bad;
	int len;

	bad = states_parse(arg, &f->states, &len);
	if (!bad)
		return 0;
	if (!len)
		return usage_error(cmd, "empty name in the state list '%s'", arg);
	fprintf(stderr, "flowctl: unknown TCP state '%.*s'; valid states: ",
		len, bad);
	states_print_names(stderr);
	return usage_hint(cmd);
}

static int apply_family(struct filter *f, const struct command *cmd,
			uint8_t family)
{
	if (f->family && f->family != family)
		return usage_error(cmd, "-%c: the filter is %s already (-4, -6 or an address)",
				   family == AF_INET ? '4' : '6',
				   family_name(f->family));
	f->family = family;
	return 0;
}

static int apply_value(struct filter *f, const struct command *cmd,
		       size_t index, const char *arg)
{
	const struct value_option *vo = &value_options[index];
	const char *why;

	if (f->given & (1U << index))
		return usage_error(cmd, "%s given twice", vo->name);
	f->given |= 1U << index;
	why = vo->apply(f, arg);
	if (why)
		return usage_error(cmd, "bad %s '%s': %s", vo->name, arg, why);
	return 0;
}

int filter_option(struct filter *f, const struct command *cmd, int opt,
		  const char *arg)
{
	size_t i;

	switch (opt) {
	case '4':
		return apply_family(f, cmd, AF_INET);
	case '6':
		return apply_family(f, cmd, AF_INET6);
	case 'n':	/* flowctl never resolves names */
		return 0;
	case OPT_STATE:
		return apply_states(f, cmd, arg);
	case OPT_NAT:
		f->nat = true;
		return 0;
	case OPT_DROPPED:
		f->dropped = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(value_options); i++)
		if (value_options[i].opt == opt)
			return apply_value(f, cmd, i, arg);
	return 1;
}

static bool filter_is_empty(const struct filter *f)
{
	return !f->states && !f->proto && !f->family && !f->client.family &&
	       !f->server.family && !f->any.family && !f->client_ports.set &&
	       !f->server_ports.set && !f->any_ports.set && !f->min_bytes &&
	       !f->min_packets && !f->idle_ms && !f->age_ms && !f->nat &&
	       !f->nat_addr.family && !f->nat_ports.set && !f->l5 &&
	       !f->secured && !f->name && !f->dropped && !f->min_rtt_us;
}

static int put_prefix(struct nl_msg *msg, int attr, const struct prefix *p)
{
	struct nlattr *nest;

	if (!p->family)
		return 0;
	nest = nla_nest_start(msg, attr);
	if (!nest ||
	    nla_put(msg, FLOWMON_PREFIX_A_ADDR, p->family == AF_INET ? 4 : 16,
		    p->addr) ||
	    nla_put_u8(msg, FLOWMON_PREFIX_A_LEN, p->len))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_range(struct nl_msg *msg, int attr, const struct port_range *r)
{
	struct nlattr *nest;

	if (!r->set)
		return 0;
	nest = nla_nest_start(msg, attr);
	if (!nest || nla_put_u16(msg, FLOWMON_RANGE_A_FIRST, r->first) ||
	    nla_put_u16(msg, FLOWMON_RANGE_A_LAST, r->last))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

/* A condition that is 0 is not sent: the kernel takes 0 as "any" too. */
static int put_u64(struct nl_msg *msg, int attr, uint64_t value)
{
	return value ? nla_put_u64(msg, attr, value) : 0;
}

static int put_scalars(struct nl_msg *msg, const struct filter *f)
{
	if ((f->states && nla_put_u32(msg, FLOWMON_FILTER_A_STATES, f->states)) ||
	    (f->proto && nla_put_u8(msg, FLOWMON_FILTER_A_PROTO, f->proto)) ||
	    (f->family && nla_put_u8(msg, FLOWMON_FILTER_A_FAMILY, f->family)) ||
	    put_u64(msg, FLOWMON_FILTER_A_MIN_BYTES, f->min_bytes) ||
	    put_u64(msg, FLOWMON_FILTER_A_MIN_PACKETS, f->min_packets) ||
	    put_u64(msg, FLOWMON_FILTER_A_IDLE_MS, f->idle_ms) ||
	    put_u64(msg, FLOWMON_FILTER_A_AGE_MS, f->age_ms) ||
	    (f->nat && nla_put_flag(msg, FLOWMON_FILTER_A_NAT)) ||
	    (f->l5 && nla_put_string(msg, FLOWMON_FILTER_A_L5, f->l5)) ||
	    (f->secured &&
	     nla_put_u8(msg, FLOWMON_FILTER_A_SECURED, f->secured)) ||
	    (f->name && nla_put_string(msg, FLOWMON_FILTER_A_NAME, f->name)) ||
	    (f->dropped && nla_put_flag(msg, FLOWMON_FILTER_A_DROPPED)) ||
	    (f->min_rtt_us &&
	     nla_put_u32(msg, FLOWMON_FILTER_A_MIN_RTT_US, f->min_rtt_us)))
		return -NLE_NOMEM;
	return 0;
}

int filter_put(struct nl_msg *msg, const struct filter *f)
{
	struct nlattr *nest;

	if (filter_is_empty(f))
		return 0;
	nest = nla_nest_start(msg, FLOWMON_A_FILTER);
	if (!nest || put_scalars(msg, f) ||
	    put_prefix(msg, FLOWMON_FILTER_A_CLIENT_PREFIX, &f->client) ||
	    put_prefix(msg, FLOWMON_FILTER_A_SERVER_PREFIX, &f->server) ||
	    put_prefix(msg, FLOWMON_FILTER_A_ANY_PREFIX, &f->any) ||
	    put_range(msg, FLOWMON_FILTER_A_CLIENT_PORTS, &f->client_ports) ||
	    put_range(msg, FLOWMON_FILTER_A_SERVER_PORTS, &f->server_ports) ||
	    put_range(msg, FLOWMON_FILTER_A_ANY_PORTS, &f->any_ports) ||
	    put_prefix(msg, FLOWMON_FILTER_A_NAT_PREFIX, &f->nat_addr) ||
	    put_range(msg, FLOWMON_FILTER_A_NAT_PORTS, &f->nat_ports))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

/* An unset prefix matches every address. */
static bool prefix_match(const struct prefix *p, uint8_t family,
			 const uint8_t *addr)
{
	unsigned int whole = p->len / 8, bits = p->len % 8;
	uint8_t mask = 0xff << (8 - bits);

	if (p->family != family)
		return false;
	if (memcmp(addr, p->addr, whole))
		return false;
	return !bits || !((addr[whole] ^ p->addr[whole]) & mask);
}

static bool range_match(const struct port_range *r, uint16_t port)
{
	return port >= r->first && port <= r->last;
}

static bool match_addresses(const struct filter *f, const struct flow *fl)
{
	return (!f->client.family ||
		prefix_match(&f->client, fl->family, fl->client_addr)) &&
	       (!f->server.family ||
		prefix_match(&f->server, fl->family, fl->server_addr)) &&
	       (!f->any.family ||
		prefix_match(&f->any, fl->family, fl->client_addr) ||
		prefix_match(&f->any, fl->family, fl->server_addr));
}

static bool match_ports(const struct filter *f, const struct flow *fl)
{
	return (!f->client_ports.set ||
		range_match(&f->client_ports, fl->client_port)) &&
	       (!f->server_ports.set ||
		range_match(&f->server_ports, fl->server_port)) &&
	       (!f->any_ports.set ||
		range_match(&f->any_ports, fl->client_port) ||
		range_match(&f->any_ports, fl->server_port));
}

/* As the kernel: the NAT conditions need a translated flow. */
static bool match_nat(const struct filter *f, const struct flow *fl)
{
	const struct flow_nat *nat = &fl->nat;

	if (!f->nat && !f->nat_addr.family && !f->nat_ports.set)
		return true;
	return nat->flags &&
	       (!f->nat_addr.family ||
		prefix_match(&f->nat_addr, fl->family, nat->client_addr) ||
		prefix_match(&f->nat_addr, fl->family, nat->server_addr)) &&
	       (!f->nat_ports.set ||
		range_match(&f->nat_ports, nat->client_port) ||
		range_match(&f->nat_ports, nat->server_port));
}

static bool match_counters(const struct filter *f, const struct flow *fl)
{
	return fl->up.bytes + fl->down.bytes >= f->min_bytes &&
	       fl->up.packets + fl->down.packets >= f->min_packets;
}

/* As the kernel: a clock set backwards makes a flow neither idle nor old. */
static bool match_times(const struct filter *f, const struct flow *fl,
			uint64_t now)
{
	uint64_t idle_ns = f->idle_ms * NSEC_PER_MSEC;
	uint64_t age_ns = f->age_ms * NSEC_PER_MSEC;

	if (f->idle_ms > UINT64_MAX / NSEC_PER_MSEC)
		idle_ns = UINT64_MAX;
	if (f->age_ms > UINT64_MAX / NSEC_PER_MSEC)
		age_ns = UINT64_MAX;
	if (f->idle_ms && (now <= fl->last_seen || now - fl->last_seen <= idle_ns))
		return false;
	return !f->age_ms || now <= fl->first_seen ||
	       now - fl->first_seen < age_ns;
}

static bool state_in(uint32_t states, uint8_t state)
{
	return state <= FLOWMON_TCP_STATE_MAX && (states & STATE_BIT(state));
}

static bool match_states(const struct filter *f, const struct flow *fl)
{
	if (!f->states)
		return true;
	return flow_is_tcp(fl) && (state_in(f->states, fl->client_state) ||
				   state_in(f->states, fl->server_state));
}

/* As the kernel: the glob as the kernel's glob_match() reads it. */
static bool match_app(const struct filter *f, const struct flow *fl)
{
	const struct flow_app *app = &fl->app;

	return (!f->l5 || !strcmp(f->l5, app->l5)) &&
	       (!f->secured || f->secured == app->secured) &&
	       (!f->name ||
		(app->name &&
		 !fnmatch(f->name, app->name, FNM_NOESCAPE | FNM_CASEFOLD)));
}

/* As the kernel: flows without a sample never match. */
static bool match_rtt(const struct filter *f, const struct flow *fl)
{
	uint64_t us;

	return !f->min_rtt_us ||
	       (flow_path_rtt_us(fl, &us) && us >= f->min_rtt_us);
}

bool filter_match(const struct filter *f, const struct flow *flow,
		  uint64_t now_ns)
{
	return (!f->proto || f->proto == flow->proto) &&
	       (!f->family || f->family == flow->family) &&
	       match_addresses(f, flow) && match_ports(f, flow) &&
	       match_counters(f, flow) && match_times(f, flow, now_ns) &&
	       match_nat(f, flow) && match_app(f, flow) &&
	       (!f->dropped || (flow->has & FLOW_HAS_DROPS)) &&
	       match_rtt(f, flow) && match_states(f, flow);
}
