// SPDX-License-Identifier: GPL-2.0
/*
 * Printing flows: an aligned table, a stable plain format, or JSON.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/flowmon.h>

#include "json.h"
#include "output.h"

#define NSEC_PER_SEC 1000000000ULL
#define CELL_LEN 64
#define SIZE_LEN 16

enum column {
	COL_PROTO,
	COL_CLIENT,
	COL_SERVER,
	COL_STATE,
	COL_PACKETS,
	COL_BYTES,
	COL_AGE,
	NR_COLUMNS
};

static const char *const column_names[NR_COLUMNS] = {
	[COL_PROTO] = "Proto",
	[COL_CLIENT] = "Client",
	[COL_SERVER] = "Server",
	[COL_STATE] = "State",
	[COL_PACKETS] = "Packets(up/down)",
	[COL_BYTES] = "Bytes(up/down)",
	[COL_AGE] = "Age",
};

static const char plain_header[] =
	"family proto client client_port server server_port state client_state "
	"server_state packets_up bytes_up payload_up packets_down bytes_down "
	"payload_down first_seen last_seen age\n";

struct row {
	char cell[NR_COLUMNS][CELL_LEN];
};

int output_parse_format(const char *name, enum output_format *format)
{
	if (!strcmp(name, "table"))
		*format = OUTPUT_TABLE;
	else if (!strcmp(name, "plain"))
		*format = OUTPUT_PLAIN;
	else if (!strcmp(name, "json"))
		*format = OUTPUT_JSON;
	else
		return -1;
	return 0;
}

static uint64_t age_seconds(const struct flow *f, uint64_t now_ns)
{
	return now_ns > f->first_seen ? (now_ns - f->first_seen) / NSEC_PER_SEC : 0;
}

/* 512B, 1.5KiB, 20.0MiB, ... */
static void format_size(char buf[SIZE_LEN], uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double value = (double)bytes / 1024;
	size_t unit = 0;

	if (bytes < 1024) {
		snprintf(buf, SIZE_LEN, "%" PRIu64 "B", bytes);
		return;
	}
	/* Move up at 1023.95 so that "%.1f" never prints 1024.0. */
	while (value >= 1023.95 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, SIZE_LEN, "%.1f%s", value, units[unit]);
}

/* 5s, 3m12s, 2h5m, 4d7h */
static void format_age(char buf[CELL_LEN], uint64_t secs)
{
	if (secs < 60)
		snprintf(buf, CELL_LEN, "%" PRIu64 "s", secs);
	else if (secs < 3600)
		snprintf(buf, CELL_LEN, "%" PRIu64 "m%" PRIu64 "s", secs / 60, secs % 60);
	else if (secs < 86400)
		snprintf(buf, CELL_LEN, "%" PRIu64 "h%" PRIu64 "m", secs / 3600,
			 secs % 3600 / 60);
	else
		snprintf(buf, CELL_LEN, "%" PRIu64 "d%" PRIu64 "h", secs / 86400,
			 secs % 86400 / 3600);
}

/* addr:port, [addr]:port for IPv6, the bare address without ports. */
static void format_endpoint(char buf[CELL_LEN], const struct flow *f,
			    const char *addr, uint16_t port)
{
	if (!flow_has_ports(f))
		snprintf(buf, CELL_LEN, "%s", addr);
	else if (f->family == AF_INET6)
		snprintf(buf, CELL_LEN, "[%s]:%u", addr, port);
	else
		snprintf(buf, CELL_LEN, "%s:%u", addr, port);
}

static void format_row(struct row *row, const struct flow *f, uint64_t now_ns)
{
	char addr[INET6_ADDRSTRLEN], proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];
	char up[SIZE_LEN], down[SIZE_LEN];

	snprintf(row->cell[COL_PROTO], CELL_LEN, "%s", flow_proto_name(f, proto));
	flow_client_addr(f, addr);
	format_endpoint(row->cell[COL_CLIENT], f, addr, f->client_port);
	flow_server_addr(f, addr);
	format_endpoint(row->cell[COL_SERVER], f, addr, f->server_port);
	snprintf(row->cell[COL_STATE], CELL_LEN, "%s", flow_state(f, state));
	snprintf(row->cell[COL_PACKETS], CELL_LEN, "%" PRIu64 "/%" PRIu64,
		 f->up.packets, f->down.packets);
	format_size(up, f->up.bytes);
	format_size(down, f->down.bytes);
	snprintf(row->cell[COL_BYTES], CELL_LEN, "%s/%s", up, down);
	format_age(row->cell[COL_AGE], age_seconds(f, now_ns));
}

static void update_widths(size_t widths[NR_COLUMNS], const struct row *row)
{
	size_t col;

	for (col = 0; col < NR_COLUMNS; col++) {
		size_t len = strlen(row->cell[col]);
		if (len > widths[col])
			widths[col] = len;
	}
}

static void print_row(FILE *out, const size_t widths[NR_COLUMNS],
		      const struct row *row)
{
	size_t col;

	for (col = 0; col + 1 < NR_COLUMNS; col++)
		fprintf(out, "%-*s  ", (int)widths[col], row->cell[col]);
	fprintf(out, "%s\n", row->cell[NR_COLUMNS - 1]);
}

static void format_header(struct row *row)
{
	size_t col;

	for (col = 0; col < NR_COLUMNS; col++)
		snprintf(row->cell[col], CELL_LEN, "%s", column_names[col]);
}

/* Two passes over the flows: measure the columns, then print them. */
static void print_table(FILE *out, const struct flow_list *list, uint64_t now_ns)
{
	size_t widths[NR_COLUMNS] = { 0 };
	struct row row;
	size_t i;

	format_header(&row);
	update_widths(widths, &row);
	for (i = 0; i < list->len; i++) {
		format_row(&row, &list->flows[i], now_ns);
		update_widths(widths, &row);
	}

	format_header(&row);
	print_row(out, widths, &row);
	for (i = 0; i < list->len; i++) {
		format_row(&row, &list->flows[i], now_ns);
		print_row(out, widths, &row);
	}
}

static const char *tcp_state_or_dash(const struct flow *f, uint8_t state)
{
	return flow_is_tcp(f) ? flow_tcp_state_name(state) : "-";
}

static void print_plain_flow(FILE *out, const struct flow *f, uint64_t now_ns)
{
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];

	flow_client_addr(f, client);
	flow_server_addr(f, server);
	fprintf(out, "%s %s %s %u %s %u %s %s %s ",
		flow_family_name(f), flow_proto_name(f, proto),
		client, f->client_port, server, f->server_port,
		flow_state(f, state), tcp_state_or_dash(f, f->client_state),
		tcp_state_or_dash(f, f->server_state));
	fprintf(out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		f->up.packets, f->up.bytes, f->up.payload,
		f->down.packets, f->down.bytes, f->down.payload,
		f->first_seen, f->last_seen, age_seconds(f, now_ns));
}

static void print_plain(FILE *out, const struct flow_list *list, uint64_t now_ns)
{
	size_t i;

	fputs(plain_header, out);
	for (i = 0; i < list->len; i++)
		print_plain_flow(out, &list->flows[i], now_ns);
}

static void print_json_flow(FILE *out, const struct flow *f)
{
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];
	struct json j;

	flow_client_addr(f, client);
	flow_server_addr(f, server);
	json_object_begin(&j, out);
	json_u64(&j, "id", f->id);
	json_string(&j, "family", flow_family_name(f));
	json_string(&j, "proto", flow_proto_name(f, proto));
	json_string(&j, "client", client);
	json_u64(&j, "client_port", f->client_port);
	json_string(&j, "server", server);
	json_u64(&j, "server_port", f->server_port);
	json_string(&j, "state", flow_state(f, state));
	if (flow_is_tcp(f)) {
		json_string(&j, "client_state", flow_tcp_state_name(f->client_state));
		json_string(&j, "server_state", flow_tcp_state_name(f->server_state));
	}
	json_bool(&j, "picked_up", f->flags & FLOWMON_FLOW_F_PICKED_UP);
	json_u64(&j, "packets_up", f->up.packets);
	json_u64(&j, "bytes_up", f->up.bytes);
	json_u64(&j, "payload_up", f->up.payload);
	json_u64(&j, "packets_down", f->down.packets);
	json_u64(&j, "bytes_down", f->down.bytes);
	json_u64(&j, "payload_down", f->down.payload);
	json_u64(&j, "first_seen", f->first_seen);
	json_u64(&j, "last_seen", f->last_seen);
	json_object_end(&j);
}

/* One array, one object per line: valid JSON that is also easy to grep. */
static void print_json(FILE *out, const struct flow_list *list)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < list->len; i++) {
		fputs(i ? ",\n" : "\n", out);
		print_json_flow(out, &list->flows[i]);
	}
	fputs(list->len ? "\n]\n" : "]\n", out);
}

void output_flows(FILE *out, enum output_format format,
		  const struct flow_list *list, uint64_t now_ns)
{
	switch (format) {
	case OUTPUT_TABLE:
		print_table(out, list, now_ns);
		break;
	case OUTPUT_PLAIN:
		print_plain(out, list, now_ns);
		break;
	case OUTPUT_JSON:
		print_json(out, list);
		break;
	}
}
