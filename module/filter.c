// SPDX-License-Identifier: GPL-2.0
/*
 * Flow filters, applied in the kernel so that a dump, reset or flush of a
 * few flows costs no copy of the others (conntrack filters state and
 * addresses only in userspace, after a full dump).
 */
#include <linux/ctype.h>
#include <linux/glob.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <net/ipv6.h>

#include "ext.h"
#include "filter.h"
#include "hint.h"
#include "nat.h"
#include "tcp.h"

static const struct nla_policy flowmon_prefix_policy[FLOWMON_PREFIX_A_MAX + 1] = {
	[FLOWMON_PREFIX_A_ADDR] = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[FLOWMON_PREFIX_A_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy flowmon_range_policy[FLOWMON_RANGE_A_MAX + 1] = {
	[FLOWMON_RANGE_A_FIRST] = { .type = NLA_U16 },
	[FLOWMON_RANGE_A_LAST] = { .type = NLA_U16 },
};

/* Also the nested policy of FLOWMON_A_FILTER, so genl checks it first. */
const struct nla_policy flow_filter_policy[FLOWMON_FILTER_A_MAX + 1] = {
	[FLOWMON_FILTER_A_STATES] =
		NLA_POLICY_MASK(NLA_U32, (1U << (FLOWMON_TCP_STATE_MAX + 1)) - 1),
	[FLOWMON_FILTER_A_PROTO] = { .type = NLA_U8 },
	[FLOWMON_FILTER_A_FAMILY] = { .type = NLA_U8 },
	[FLOWMON_FILTER_A_CLIENT_PREFIX] =
		NLA_POLICY_NESTED(flowmon_prefix_policy),
	[FLOWMON_FILTER_A_SERVER_PREFIX] =
		NLA_POLICY_NESTED(flowmon_prefix_policy),
	[FLOWMON_FILTER_A_ANY_PREFIX] = NLA_POLICY_NESTED(flowmon_prefix_policy),
	[FLOWMON_FILTER_A_CLIENT_PORTS] = NLA_POLICY_NESTED(flowmon_range_policy),
	[FLOWMON_FILTER_A_SERVER_PORTS] = NLA_POLICY_NESTED(flowmon_range_policy),
	[FLOWMON_FILTER_A_ANY_PORTS] = NLA_POLICY_NESTED(flowmon_range_policy),
	[FLOWMON_FILTER_A_MIN_BYTES] = { .type = NLA_U64 },
	[FLOWMON_FILTER_A_MIN_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_FILTER_A_IDLE_MS] = { .type = NLA_U64 },
	[FLOWMON_FILTER_A_AGE_MS] = { .type = NLA_U64 },
	[FLOWMON_FILTER_A_NAT] = { .type = NLA_FLAG },
	[FLOWMON_FILTER_A_NAT_PREFIX] = NLA_POLICY_NESTED(flowmon_prefix_policy),
	[FLOWMON_FILTER_A_NAT_PORTS] = NLA_POLICY_NESTED(flowmon_range_policy),
	[FLOWMON_FILTER_A_L5] = { .type = NLA_NUL_STRING,
				  .len = FLOWMON_L5_NAME_MAX },
	[FLOWMON_FILTER_A_SECURED] = NLA_POLICY_RANGE(NLA_U8, FLOWMON_SECURED_NO,
						      FLOWMON_SECURED_YES),
	[FLOWMON_FILTER_A_NAME] = { .type = NLA_NUL_STRING,
				    .len = FLOWMON_NAME_MAX },
	[FLOWMON_FILTER_A_DROPPED] = { .type = NLA_FLAG },
	[FLOWMON_FILTER_A_MIN_RTT_US] = { .type = NLA_U32 },
};

static int flow_prefix_parse(struct flow_prefix *prefix,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FLOWMON_PREFIX_A_MAX + 1];
	unsigned int addr_len, max_len;
	int ret;

	ret = nla_parse_nested(tb, FLOWMON_PREFIX_A_MAX, attr,
			       flowmon_prefix_policy, extack);
	if (ret)
		return ret;
	if (!tb[FLOWMON_PREFIX_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "prefix without an address");
		return -EINVAL;
	}
	addr_len = nla_len(tb[FLOWMON_PREFIX_A_ADDR]);
	if (addr_len == sizeof(struct in_addr)) {
		prefix->family = AF_INET;
	} else if (addr_len == sizeof(struct in6_addr)) {
		prefix->family = AF_INET6;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, tb[FLOWMON_PREFIX_A_ADDR],
				    "address must be 4 or 16 bytes");
		return -EINVAL;
	}
	max_len = addr_len * 8;
	prefix->len = max_len;
	if (tb[FLOWMON_PREFIX_A_LEN])
		prefix->len = nla_get_u8(tb[FLOWMON_PREFIX_A_LEN]);
	if (prefix->len > max_len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FLOWMON_PREFIX_A_LEN],
				    "prefix longer than the address");
		return -EINVAL;
	}
	nla_memcpy(&prefix->addr, tb[FLOWMON_PREFIX_A_ADDR], addr_len);
	return 0;
}

static int flow_range_parse(struct flow_port_range *range,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FLOWMON_RANGE_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, FLOWMON_RANGE_A_MAX, attr,
			       flowmon_range_policy, extack);
	if (ret)
		return ret;
	if (!tb[FLOWMON_RANGE_A_FIRST]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "port range without a first port");
		return -EINVAL;
	}
	range->first = nla_get_u16(tb[FLOWMON_RANGE_A_FIRST]);
	range->last = range->first;
	if (tb[FLOWMON_RANGE_A_LAST])
		range->last = nla_get_u16(tb[FLOWMON_RANGE_A_LAST]);
	if (range->last < range->first) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FLOWMON_RANGE_A_LAST],
				    "last port below the first");
		return -EINVAL;
	}
	range->set = true;
	return 0;
}

static u64 flow_filter_ms(const struct nlattr *attr)
{
	u64 ms = nla_get_u64(attr);

	return ms > U64_MAX / NSEC_PER_MSEC ? U64_MAX : ms * NSEC_PER_MSEC;
}

static int flow_filter_parse_endpoints(struct flow_filter *filter,
				       struct nlattr **tb,
				       struct netlink_ext_ack *extack)
{
	const struct {
		int attr;
		struct flow_prefix *prefix;
	} prefixes[] = {
		{ FLOWMON_FILTER_A_CLIENT_PREFIX, &filter->client_prefix },
		{ FLOWMON_FILTER_A_SERVER_PREFIX, &filter->server_prefix },
		{ FLOWMON_FILTER_A_ANY_PREFIX, &filter->any_prefix },
		{ FLOWMON_FILTER_A_NAT_PREFIX, &filter->nat_prefix },
	};
	const struct {
		int attr;
		struct flow_port_range *range;
	} ranges[] = {
		{ FLOWMON_FILTER_A_CLIENT_PORTS, &filter->client_ports },
		{ FLOWMON_FILTER_A_SERVER_PORTS, &filter->server_ports },
		{ FLOWMON_FILTER_A_ANY_PORTS, &filter->any_ports },
		{ FLOWMON_FILTER_A_NAT_PORTS, &filter->nat_ports },
	};
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (!tb[prefixes[i].attr])
			continue;
		ret = flow_prefix_parse(prefixes[i].prefix,
					tb[prefixes[i].attr], extack);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		if (!tb[ranges[i].attr])
			continue;
		ret = flow_range_parse(ranges[i].range, tb[ranges[i].attr],
				       extack);
		if (ret)
			return ret;
	}
	return 0;
}

/* The application conditions: a protocol by name, secured, a name glob. */
static int flow_filter_parse_hint(struct flow_filter *filter,
				  struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	const struct nlattr *l5 = tb[FLOWMON_FILTER_A_L5];
	const struct nlattr *name = tb[FLOWMON_FILTER_A_NAME];
	size_t i;

	if (l5) {
		filter->l5 = flow_l5_lookup(nla_data(l5));
		if (!filter->l5) {
			NL_SET_ERR_MSG_ATTR(extack, l5,
					    "unknown application protocol");
			return -EINVAL;
		}
	}
	if (tb[FLOWMON_FILTER_A_SECURED])
		filter->secured = nla_get_u8(tb[FLOWMON_FILTER_A_SECURED]);
	if (name) {
		nla_strscpy(filter->name, name, sizeof(filter->name));
		if (!filter->name[0]) {
			NL_SET_ERR_MSG_ATTR(extack, name, "empty name pattern");
			return -EINVAL;
		}
		/* Names are kept in lower case: so is the pattern. */
		for (i = 0; filter->name[i]; i++)
			filter->name[i] = tolower(filter->name[i]);
	}
	return 0;
}

/* Fills @filter from FLOWMON_A_FILTER; a NULL @attr is the empty filter. */
int flow_filter_parse(struct flow_filter *filter, const struct nlattr *attr,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FLOWMON_FILTER_A_MAX + 1];
	int ret;

	memset(filter, 0, sizeof(*filter));
	if (!attr)
		return 0;
	ret = nla_parse_nested(tb, FLOWMON_FILTER_A_MAX, attr,
			       flow_filter_policy, extack);
	if (ret)
		return ret;

	if (tb[FLOWMON_FILTER_A_STATES])
		filter->states = nla_get_u32(tb[FLOWMON_FILTER_A_STATES]);
	if (tb[FLOWMON_FILTER_A_PROTO])
		filter->proto = nla_get_u8(tb[FLOWMON_FILTER_A_PROTO]);
	if (tb[FLOWMON_FILTER_A_FAMILY]) {
		filter->family = nla_get_u8(tb[FLOWMON_FILTER_A_FAMILY]);
		if (filter->family != AF_INET && filter->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[FLOWMON_FILTER_A_FAMILY],
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	if (tb[FLOWMON_FILTER_A_MIN_BYTES])
		filter->min_bytes = nla_get_u64(tb[FLOWMON_FILTER_A_MIN_BYTES]);
	if (tb[FLOWMON_FILTER_A_MIN_PACKETS])
		filter->min_packets = nla_get_u64(tb[FLOWMON_FILTER_A_MIN_PACKETS]);
	if (tb[FLOWMON_FILTER_A_IDLE_MS])
		filter->idle_ns = flow_filter_ms(tb[FLOWMON_FILTER_A_IDLE_MS]);
	if (tb[FLOWMON_FILTER_A_AGE_MS])
		filter->age_ns = flow_filter_ms(tb[FLOWMON_FILTER_A_AGE_MS]);
	filter->nat = nla_get_flag(tb[FLOWMON_FILTER_A_NAT]);
	filter->dropped = nla_get_flag(tb[FLOWMON_FILTER_A_DROPPED]);
	if (tb[FLOWMON_FILTER_A_MIN_RTT_US])
		filter->min_rtt_us = nla_get_u32(tb[FLOWMON_FILTER_A_MIN_RTT_US]);

	ret = flow_filter_parse_hint(filter, tb, extack);
	if (ret)
		return ret;
	return flow_filter_parse_endpoints(filter, tb, extack);
}

static bool flow_prefix_match(const struct flow_prefix *prefix, u8 family,
			      const union nf_inet_addr *addr)
{
	if (prefix->family != family)
		return false;
	if (family == AF_INET)
		return !((addr->ip ^ prefix->addr.ip) &
			 inet_make_mask(prefix->len));
	return ipv6_prefix_equal(&addr->in6, &prefix->addr.in6, prefix->len);
}

static bool flow_port_match(const struct flow_port_range *range, __be16 port)
{
	u16 p = ntohs(port);

	return p >= range->first && p <= range->last;
}

static bool flow_filter_match_key(const struct flow_filter *filter,
				  const struct flow_tuple *key)
{
	if ((filter->proto && filter->proto != key->proto) ||
	    (filter->family && filter->family != key->family))
		return false;
	if ((filter->client_prefix.family &&
	     !flow_prefix_match(&filter->client_prefix, key->family, &key->src)) ||
	    (filter->server_prefix.family &&
	     !flow_prefix_match(&filter->server_prefix, key->family, &key->dst)) ||
	    (filter->any_prefix.family &&
	     !flow_prefix_match(&filter->any_prefix, key->family, &key->src) &&
	     !flow_prefix_match(&filter->any_prefix, key->family, &key->dst)))
		return false;
	if ((filter->client_ports.set &&
	     !flow_port_match(&filter->client_ports, key->sport)) ||
	    (filter->server_ports.set &&
	     !flow_port_match(&filter->server_ports, key->dport)) ||
	    (filter->any_ports.set &&
	     !flow_port_match(&filter->any_ports, key->sport) &&
	     !flow_port_match(&filter->any_ports, key->dport)))
		return false;
	return true;
}

static u64 flow_total(const atomic64_t *up, const atomic64_t *down)
{
	return atomic64_read(up) + atomic64_read(down);
}

static bool flow_filter_match_states(const struct flow_filter *filter,
				     struct flow *flow)
{
	u8 client, server;

	if (!filter->states)
		return true;
	if (flow->key.proto != IPPROTO_TCP)
		return false;
	flow_tcp_states(flow, &client, &server);
	return filter->states & (BIT(client) | BIT(server));
}

/* Under RCU: the NAT conditions, on the translated endpoints. */
static bool flow_filter_match_nat(const struct flow_filter *filter,
				  struct flow *flow)
{
	const struct flow_prefix *prefix = &filter->nat_prefix;
	const struct flow_port_range *ports = &filter->nat_ports;
	u8 family = flow->key.family;
	const struct flow_nat *nat;

	if (!filter->nat && !prefix->family && !ports->set)
		return true;
	nat = flow_ext_find(flow, FLOW_EXT_NAT);
	if (!nat)
		return false;
	if (prefix->family &&
	    !flow_prefix_match(prefix, family, &nat->client) &&
	    !flow_prefix_match(prefix, family, &nat->server))
		return false;
	return !ports->set || flow_port_match(ports, nat->client_port) ||
	       flow_port_match(ports, nat->server_port);
}

/* Under RCU. */
static bool flow_filter_match_hint(const struct flow_filter *filter,
				   struct flow *flow)
{
	struct flow_hint_view view;

	if (!filter->l5 && !filter->secured && !filter->name[0])
		return true;
	flow_hint_view(flow, &view);
	if ((filter->l5 && view.l5 != filter->l5) ||
	    (filter->secured && view.secured != filter->secured))
		return false;
	return !filter->name[0] ||
	       (view.hint && view.hint->name_len &&
		glob_match(filter->name, view.hint->name));
}

static bool flow_filter_match_rtt(const struct flow_filter *filter,
				  struct flow *flow)
{
	struct flow_rtt_side side[2];

	if (!filter->min_rtt_us)
		return true;
	if (flow->key.proto != IPPROTO_TCP)
		return false;
	flow_tcp_rtt(flow, side);
	if (!side[FLOW_DIR_UP].samples && !side[FLOW_DIR_DOWN].samples)
		return false;
	return (u64)flow_rtt_srtt_us(&side[FLOW_DIR_UP]) +
	       flow_rtt_srtt_us(&side[FLOW_DIR_DOWN]) >= filter->min_rtt_us;
}

/* Does @flow satisfy every condition of @filter, at time @now? */
bool flow_filter_match(const struct flow_filter *filter, struct flow *flow,
		       u64 now)
{
	const struct flow_counters *up = &flow->count[FLOW_DIR_UP];
	const struct flow_counters *down = &flow->count[FLOW_DIR_DOWN];
	u64 last_seen = READ_ONCE(flow->last_seen);

	if (!flow_filter_match_key(filter, &flow->key))
		return false;
	if ((filter->min_bytes &&
	     flow_total(&up->bytes, &down->bytes) < filter->min_bytes) ||
	    (filter->min_packets &&
	     flow_total(&up->packets, &down->packets) < filter->min_packets))
		return false;
	if ((filter->idle_ns &&
	     (now <= last_seen || now - last_seen <= filter->idle_ns)) ||
	    (filter->age_ns && now > flow->first_seen &&
	     now - flow->first_seen >= filter->age_ns))
		return false;
	if (filter->dropped && !flow_ext_find(flow, FLOW_EXT_DROPS))
		return false;
	return flow_filter_match_nat(filter, flow) &&
	       flow_filter_match_hint(filter, flow) &&
	       flow_filter_match_states(filter, flow) &&
	       flow_filter_match_rtt(filter, flow);
}
