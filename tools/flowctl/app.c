// SPDX-License-Identifier: GPL-2.0
/*
 * Names of what a flow is (app.h).
 */
#include <stdio.h>
#include <sys/socket.h>

#include "app.h"
#include "flowctl.h"

const char *app_l5_source_name(const struct flow_app *app)
{
	switch (app->l5_source) {
	case FLOWMON_L5_SOURCE_PAYLOAD:
		return "payload";
	case FLOWMON_L5_SOURCE_PORT:
		return "port";
	case FLOWMON_L5_SOURCE_PROTOCOL:
		return "protocol";
	}
	return "?";
}

const char *app_secured_name(const struct flow_app *app)
{
	switch (app->secured) {
	case FLOWMON_SECURED_YES:
		return "yes";
	case FLOWMON_SECURED_NO:
		return "no";
	}
	return "-";
}

/* The types a resolver's log would show by name (IANA DNS parameters). */
static const struct {
	uint16_t type;
	const char *name;
} dns_types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
	{ 35, "NAPTR" }, { 43, "DS" }, { 46, "RRSIG" }, { 48, "DNSKEY" },
	{ 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" },
};

const char *app_dns_type_name(uint16_t type, char buf[APP_DNS_NAME_LEN])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dns_types); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	snprintf(buf, APP_DNS_NAME_LEN, "TYPE%u", type);
	return buf;
}

static const char *const dns_rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

const char *app_dns_rcode_name(uint8_t rcode, char buf[APP_DNS_NAME_LEN])
{
	if (rcode < ARRAY_SIZE(dns_rcodes))
		return dns_rcodes[rcode];
	snprintf(buf, APP_DNS_NAME_LEN, "RCODE%u", rcode);
	return buf;
}

void app_dns_addr(const struct flow_app *app, char buf[INET6_ADDRSTRLEN])
{
	inet_ntop(app->dns_addr_len == 4 ? AF_INET : AF_INET6, app->dns_addr,
		  buf, INET6_ADDRSTRLEN);
}
