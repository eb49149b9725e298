/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a flow is (struct flow_app): the names of its facts, as flowctl
 * prints them.
 */
#ifndef FLOWCTL_APP_H
#define FLOWCTL_APP_H

#include <arpa/inet.h>

#include "flow.h"

/* "TYPE65535" plus NUL. */
#define APP_DNS_NAME_LEN 12

/* "payload", "port" or "protocol". */
const char *app_l5_source_name(const struct flow_app *app);
/* "yes", "no", or "-" when unknown. */
const char *app_secured_name(const struct flow_app *app);
/* The mnemonic of a DNS type (RFC 1035, 3596...), else "TYPE<n>". */
const char *app_dns_type_name(uint16_t type, char buf[APP_DNS_NAME_LEN]);
/* The mnemonic of a DNS response code, else "RCODE<n>". */
const char *app_dns_rcode_name(uint8_t rcode, char buf[APP_DNS_NAME_LEN]);
/* The DNS answer's address as text. */
void app_dns_addr(const struct flow_app *app, char buf[INET6_ADDRSTRLEN]);

#endif /* FLOWCTL_APP_H */
