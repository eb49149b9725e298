/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of option values: numbers, sizes, durations, protocols, ports,
 * addresses and endpoints.
 *
 * Every parser returns NULL on success, or a short description of what was
 * expected, for the caller to print after the option and the bad value.
 */
#ifndef FLOWCTL_PARSE_H
#define FLOWCTL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* An address with its family; a prefix when @len is below the full length. */
struct prefix {
	uint8_t family;		/* AF_INET or AF_INET6; 0: none given */
	uint8_t len;		/* prefix length in bits */
	uint8_t addr[16];	/* network order, 4 or 16 bytes used */
};

/* Ports @first to @last, both included. */
struct port_range {
	uint16_t first;
	uint16_t last;
	bool set;
};

/* A decimal integer. */
const char *parse_u64(const char *s, uint64_t *value);
/* A decimal integer with an optional K, M, G or T suffix (powers of 1024). */
const char *parse_size(const char *s, uint64_t *bytes);
/* 500ms, 30s, 5m, 2h, 1d; a bare number is in seconds. */
const char *parse_duration_ms(const char *s, uint64_t *ms);
/* tcp, udp, icmp, icmpv6 (ipv6-icmp), or a protocol number from 1 to 255. */
const char *parse_proto(const char *s, uint8_t *proto);
/* N or N-M, from 0 to 65535. */
const char *parse_port_range(const char *s, struct port_range *range);
/* An IPv4 or IPv6 address, optionally followed by /LEN. */
const char *parse_prefix(const char *s, struct prefix *prefix);
/*
 * ADDR, ADDR:PORT for IPv4; ADDR, [ADDR] or [ADDR]:PORT for IPv6. @port is
 * left alone when there is none.
 */
const char *parse_endpoint(const char *s, struct prefix *addr, uint16_t *port);

#endif /* FLOWCTL_PARSE_H */
