// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of option values.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "flowctl.h"
#include "parse.h"

/* "[" + an IPv6 address + "]:65535" + NUL */
#define ENDPOINT_LEN (INET6_ADDRSTRLEN + 8)

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit size_units[] = {
	{ "", 1 },
	{ "K", 1ULL << 10 },
	{ "M", 1ULL << 20 },
	{ "G", 1ULL << 30 },
	{ "T", 1ULL << 40 },
};

static const struct unit duration_units[] = {
	{ "", 1000 },
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 86400 * 1000 },
};

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
};

/* Leading decimal digits of @s into @value; @end past them. */
static int parse_digits(const char *s, uint64_t *value, const char **end)
{
	char *stop;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*value = strtoull(s, &stop, 10);
	if (errno)
		return -1;
	*end = stop;
	return 0;
}

const char *parse_u64(const char *s, uint64_t *value)
{
	const char *end;

	if (parse_digits(s, value, &end) || *end)
		return "expected a decimal number";
	return NULL;
}

/* A number followed by one of @units (case-insensitive), which scales it. */
static int parse_scaled(const char *s, const struct unit *units, size_t n,
			uint64_t *value)
{
	const char *end;
	size_t i;

	if (parse_digits(s, value, &end))
		return -1;
	for (i = 0; i < n; i++) {
		if (strcasecmp(end, units[i].name))
			continue;
		if (*value > UINT64_MAX / units[i].factor)
			return -1;
		*value *= units[i].factor;
		return 0;
	}
	return -1;
}

const char *parse_size(const char *s, uint64_t *bytes)
{
	if (parse_scaled(s, size_units, ARRAY_SIZE(size_units), bytes))
		return "expected a number, optionally followed by K, M, G or T (powers of 1024)";
	return NULL;
}

const char *parse_duration_ms(const char *s, uint64_t *ms)
{
	if (parse_scaled(s, duration_units, ARRAY_SIZE(duration_units), ms))
		return "expected a duration such as 500ms, 30s, 5m, 2h or 1d (a bare number is in seconds)";
	return NULL;
}

const char *parse_proto(const char *s, uint8_t *proto)
{
	uint64_t value;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proto_names); i++) {
		if (!strcasecmp(s, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return NULL;
		}
	}
	if (parse_u64(s, &value) || value < 1 || value > UINT8_MAX)
		return "expected tcp, udp, icmp, icmpv6 or a protocol number from 1 to 255";
	*proto = value;
	return NULL;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t value;

	if (parse_u64(s, &value) || value > UINT16_MAX)
		return -1;
	*port = value;
	return 0;
}

const char *parse_port_range(const char *s, struct port_range *range)
{
	const char *dash = strchr(s, '-');
	char first[8];

	if (!dash) {
		if (parse_port(s, &range->first))
			return "expected a port from 0 to 65535, or a range N-M";
		range->last = range->first;
	} else {
		if ((size_t)(dash - s) >= sizeof(first))
			return "expected a port from 0 to 65535, or a range N-M";
		memcpy(first, s, dash - s);
		first[dash - s] = '\0';
		if (parse_port(first, &range->first) ||
		    parse_port(dash + 1, &range->last))
			return "expected a port from 0 to 65535, or a range N-M";
		if (range->last < range->first)
			return "the range ends below its first port";
	}
	range->set = true;
	return NULL;
}

/* An IPv4 or IPv6 address, whole: the prefix covers every bit. */
static int parse_addr(const char *s, struct prefix *addr)
{
	if (inet_pton(AF_INET, s, addr->addr) == 1) {
		addr->family = AF_INET;
		addr->len = 32;
	} else if (inet_pton(AF_INET6, s, addr->addr) == 1) {
		addr->family = AF_INET6;
		addr->len = 128;
	} else {
		return -1;
	}
	return 0;
}

const char *parse_prefix(const char *s, struct prefix *prefix)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t bits;

	if (len >= sizeof(addr))
		return "expected an IPv4 or IPv6 address, optionally followed by /LEN";
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (parse_addr(addr, prefix))
		return "expected an IPv4 or IPv6 address, optionally followed by /LEN";
	if (!slash)
		return NULL;
	if (parse_u64(slash + 1, &bits) || bits > prefix->len)
		return prefix->family == AF_INET ?
		       "the prefix length of an IPv4 address is 0 to 32" :
		       "the prefix length of an IPv6 address is 0 to 128";
	prefix->len = bits;
	return NULL;
}

/* The endpoint parsers' errors: the address or the port is bad. */
#define BAD_ADDRESS (-1)
#define BAD_PORT (-2)

/* "[ADDR]" or "[ADDR]:PORT" */
static int parse_bracketed(const char *s, struct prefix *addr, uint16_t *port)
{
	char buf[ENDPOINT_LEN];
	char *close;

	if (strlen(s) >= sizeof(buf))
		return BAD_ADDRESS;
	strcpy(buf, s + 1);
	close = strchr(buf, ']');
	if (!close)
		return BAD_ADDRESS;
	*close = '\0';
	if (parse_addr(buf, addr) || addr->family != AF_INET6)
		return BAD_ADDRESS;
	if (!close[1])
		return 0;
	if (close[1] != ':')
		return BAD_ADDRESS;
	return parse_port(close + 2, port) ? BAD_PORT : 0;
}

/* "ADDR:PORT" for IPv4 */
static int parse_addr_port(const char *s, const char *colon,
			   struct prefix *addr, uint16_t *port)
{
	char buf[INET_ADDRSTRLEN];

	if ((size_t)(colon - s) >= sizeof(buf))
		return BAD_ADDRESS;
	memcpy(buf, s, colon - s);
	buf[colon - s] = '\0';
	if (inet_pton(AF_INET, buf, addr->addr) != 1)
		return BAD_ADDRESS;
	addr->family = AF_INET;
	addr->len = 32;
	return parse_port(colon + 1, port) ? BAD_PORT : 0;
}

const char *parse_endpoint(const char *s, struct prefix *addr, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	int ret;

	if (strchr(s, '/'))
		return "expected an address, not a prefix";
	if (*s == '[')
		ret = parse_bracketed(s, addr, port);
	else if (colon && !strchr(colon + 1, ':'))
		ret = parse_addr_port(s, colon, addr, port);
	else
		ret = parse_addr(s, addr);
	if (ret == BAD_PORT)
		return "expected a port from 0 to 65535";
	if (ret)
		return "expected ADDR or ADDR:PORT, with an IPv6 address as ADDR or [ADDR]:PORT";
	return NULL;
}
