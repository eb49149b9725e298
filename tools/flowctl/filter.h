/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow filters: the options that build them, FLOWMON_A_FILTER for the
 * kernel, and the same rules applied here to the flows of events, which the
 * kernel does not filter.
 */
#ifndef FLOWCTL_FILTER_H
#define FLOWCTL_FILTER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "flow.h"
#include "flowctl.h"
#include "parse.h"

/* The conditions of a filter; a flow matches when it meets every one set. */
struct filter {
	uint32_t states;	/* STATE_BIT()s: TCP, either endpoint; 0: any */
	uint8_t proto;		/* 0: any */
	uint8_t family;		/* 0: any */
	struct prefix client;	/* family 0: any */
	struct prefix server;
	struct prefix any;	/* client or server */
	struct port_range client_ports;
	struct port_range server_ports;
	struct port_range any_ports;
	uint64_t min_bytes;	/* up + down; 0: any */
	uint64_t min_packets;
	uint64_t idle_ms;	/* no packet for longer than this; 0: any */
	uint64_t age_ms;	/* first seen less than this ago; 0: any */
	bool nat;		/* translated flows only */
	struct prefix nat_addr;	/* NAT client or server; family 0: any */
	struct port_range nat_ports;
	const char *l5;		/* an application protocol; NULL: any */
	uint8_t secured;	/* enum flowmon_secured; 0: any */
	const char *name;	/* a glob; NULL: any */
	bool dropped;		/* flows of which this box dropped a packet */
	uint32_t min_rtt_us;	/* path round trip (srtt) at least; 0: any */
	uint32_t given;		/* while parsing: options seen, against repeats */
};

/* Long options of the filter without a short one; commands number theirs after. */
enum {
	OPT_STATE = 256,
	OPT_ADDR,
	OPT_SPORT,
	OPT_DPORT,
	OPT_PORT,
	OPT_MIN_BYTES,
	OPT_MIN_PACKETS,
	OPT_IDLE,
	OPT_AGE,
	OPT_NAT,
	OPT_NAT_ADDR,
	OPT_NAT_PORT,
	OPT_L5,
	OPT_SECURED,
	OPT_NAME,
	OPT_DROPPED,
	OPT_MIN_RTT,
	FILTER_OPT_END
};

/* -n is here too: every command that takes a filter prints or parses addresses. */
#define FILTER_SHORT_OPTIONS "46np:s:d:"

#define FILTER_LONG_OPTIONS						\
	{ "ipv4", no_argument, NULL, '4' },				\
	{ "ipv6", no_argument, NULL, '6' },				\
	{ "numeric", no_argument, NULL, 'n' },				\
	{ "state", required_argument, NULL, OPT_STATE },		\
	{ "proto", required_argument, NULL, 'p' },			\
	{ "src", required_argument, NULL, 's' },			\
	{ "dst", required_argument, NULL, 'd' },			\
	{ "addr", required_argument, NULL, OPT_ADDR },			\
	{ "sport", required_argument, NULL, OPT_SPORT },		\
	{ "dport", required_argument, NULL, OPT_DPORT },		\
	{ "port", required_argument, NULL, OPT_PORT },			\
	{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },	\
	{ "min-packets", required_argument, NULL, OPT_MIN_PACKETS },	\
	{ "idle", required_argument, NULL, OPT_IDLE },			\
	{ "age", required_argument, NULL, OPT_AGE },			\
	{ "nat", no_argument, NULL, OPT_NAT },				\
	{ "nat-addr", required_argument, NULL, OPT_NAT_ADDR },		\
	{ "nat-port", required_argument, NULL, OPT_NAT_PORT },		\
	{ "l5", required_argument, NULL, OPT_L5 },			\
	{ "secured", required_argument, NULL, OPT_SECURED },		\
	{ "name", required_argument, NULL, OPT_NAME },			\
	{ "dropped", no_argument, NULL, OPT_DROPPED },			\
	{ "min-rtt", required_argument, NULL, OPT_MIN_RTT }

/* The help of the filter options, printed after a command's own. */
extern const char filter_help[];

/* An empty filter, restricted to the family of the global -4 or -6. */
void filter_init(struct filter *f, const struct options *opts);

/*
 * Apply option @opt (as getopt_long() returned it) with argument @arg.
 * Returns 0, 1 when @opt is not a filter option, or EXIT_USAGE after
 * reporting a bad value.
 */
int filter_option(struct filter *f, const struct command *cmd, int opt,
		  const char *arg);

/* Append FLOWMON_A_FILTER to @msg, unless @f is empty. Returns 0 or -NLE_*. */
int filter_put(struct nl_msg *msg, const struct filter *f);

/*
 * Whether @flow meets every condition of @f at @now_ns (ns since the
 * epoch), by the kernel's rules (module/filter.c).
 */
bool filter_match(const struct filter *f, const struct flow *flow,
		  uint64_t now_ns);

#endif /* FLOWCTL_FILTER_H */
