// SPDX-License-Identifier: GPL-2.0
/*
 * Printing flows: an aligned table (optionally with the TCP facts of each
 * flow), a stable plain format, or JSON.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/flowmon.h>

#include "app.h"
#include "json.h"
#include "output.h"
#include "write.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_DSEC 100000000ULL
#define CELL_LEN OUTPUT_ENDPOINT_LEN
#define SIZE_LEN 16
/* "out_of_window_down" plus NUL, rounded up. */

enum column {
	COL_PROTO,
	COL_CLIENT,
	COL_SERVER,
	COL_STATE,
	COL_PACKETS,
	COL_BYTES,
	COL_AGE,
	COL_APP,
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
	[COL_APP] = "App",
};

static const char plain_header[] =
	"family proto client client_port server server_port state client_state "
	"server_state packets_up bytes_up payload_up packets_down bytes_down "
	"payload_down first_seen last_seen age nat nat_client nat_client_port "
	"nat_server nat_server_port l5 secured name drops_up drops_down "
	"drop_reason rtt_client_us rtt_server_us\n";

struct row {
	char cell[NR_COLUMNS][CELL_LEN];
};

/* One indented line of "key:value" facts under a row, as in ss -ti. */
struct fact_line {
	FILE *out;
	const char *label;
	bool started;
};

void output_choice_init(struct output_choice *choice, const struct options *opts)
{
	if (opts->json)
		choice->format = OUTPUT_JSON;
	else
		choice->format = isatty(STDOUT_FILENO) ? OUTPUT_TABLE : OUTPUT_PLAIN;
	choice->extended = false;
}

static int parse_format(const char *name, enum output_format *format)
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

int output_option(struct output_choice *choice, const struct command *cmd,
		  int opt, const char *arg)
{
	switch (opt) {
	case 'o':
		if (parse_format(arg, &choice->format))
			return usage_error(cmd, "unknown output format '%s': use table, plain or json",
					   arg);
		return 0;
	case 'j':
		choice->format = OUTPUT_JSON;
		return 0;
	case 'e':
		choice->extended = true;
		return 0;
	}
	return 1;
}

/* -e is for people, whatever the format; JSON always has every fact. */
enum output_format output_format(const struct output_choice *choice)
{
	if (choice->extended && choice->format != OUTPUT_JSON)
		return OUTPUT_EXTENDED;
	return choice->format;
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

/* 0.4s, 12.3s under a minute, then as format_age(). */
static void format_duration(char buf[CELL_LEN], uint64_t ns)
{
	uint64_t secs = ns / NSEC_PER_SEC;
	unsigned int tenths = ns / NSEC_PER_DSEC % 10;

	if (secs < 60)
		snprintf(buf, CELL_LEN, "%" PRIu64 ".%us", secs, tenths);
	else
		format_age(buf, secs);
}

/* Microseconds as milliseconds with 3 decimals: 0.151ms. */
static void format_ms(char buf[CELL_LEN], uint64_t us)
{
	snprintf(buf, CELL_LEN, "%" PRIu64 ".%03" PRIu64 "ms", us / 1000, us % 1000);
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

void output_endpoint(char buf[OUTPUT_ENDPOINT_LEN], const struct flow *f,
		     bool server)
{
	char addr[INET6_ADDRSTRLEN];

	if (server)
		flow_server_addr(f, addr);
	else
		flow_client_addr(f, addr);
	format_endpoint(buf, f, addr, server ? f->server_port : f->client_port);
}

void output_nat_endpoint(char buf[OUTPUT_ENDPOINT_LEN], const struct flow *f,
			 bool server)
{
	char addr[INET6_ADDRSTRLEN];

	flow_addr(f, server ? f->nat.server_addr : f->nat.client_addr, addr);
	format_endpoint(buf, f, addr,
			server ? f->nat.server_port : f->nat.client_port);
}

/* A translated endpoint's cell ends in '*': its far side is in -e. */
static void mark_translated(char cell[CELL_LEN], const struct flow *f,
			    uint32_t side)
{
	size_t len = strlen(cell);

	if ((f->nat.flags & side) && len + 1 < CELL_LEN) {
		cell[len] = '*';
		cell[len + 1] = '\0';
	}
}

/*
 * "dns example.com": the protocol and the name; "ssh?" when only the port
 * says so.
 */
static void format_app(char cell[CELL_LEN], const struct flow_app *app)
{
	bool guess = app->l5_source == FLOWMON_L5_SOURCE_PORT;

	if (!app->l5[0] && !app->name) {
		snprintf(cell, CELL_LEN, "-");
		return;
	}
	snprintf(cell, CELL_LEN, "%s%s%s%s", app->l5[0] ? app->l5 : "-",
		 guess ? "?" : "", app->name ? " " : "",
		 app->name ? app->name : "");
}

static void format_row(struct row *row, const struct flow *f, uint64_t now_ns)
{
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];
	char up[SIZE_LEN], down[SIZE_LEN];

	snprintf(row->cell[COL_PROTO], CELL_LEN, "%s", flow_proto_name(f, proto));
	output_endpoint(row->cell[COL_CLIENT], f, false);
	output_endpoint(row->cell[COL_SERVER], f, true);
	mark_translated(row->cell[COL_CLIENT], f, FLOWMON_NAT_F_CLIENT);
	mark_translated(row->cell[COL_SERVER], f, FLOWMON_NAT_F_SERVER);
	snprintf(row->cell[COL_STATE], CELL_LEN, "%s", flow_state(f, state));
	snprintf(row->cell[COL_PACKETS], CELL_LEN, "%" PRIu64 "/%" PRIu64,
		 f->up.packets, f->down.packets);
	format_size(up, f->up.bytes);
	format_size(down, f->down.bytes);
	snprintf(row->cell[COL_BYTES], CELL_LEN, "%s/%s", up, down);
	format_age(row->cell[COL_AGE], age_seconds(f, now_ns));
	format_app(row->cell[COL_APP], &f->app);
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

/* The label (e.g. "up:") starts the line, at its first fact. */
static void fact_line_begin(struct fact_line *line, FILE *out, const char *label)
{
	line->out = out;
	line->label = label;
	line->started = false;
}

static void fact(struct fact_line *line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fact(struct fact_line *line, const char *fmt, ...)
{
	va_list ap;

	if (line->started)
		fputc(' ', line->out);
	else
		fprintf(line->out, "\t%s", line->label);
	line->started = true;
	va_start(ap, fmt);
	vfprintf(line->out, fmt, ap);
	va_end(ap);
}

static void fact_line_end(struct fact_line *line)
{
	if (line->started)
		fputc('\n', line->out);
}

/* history, how long the current state has lasted, handshake RTTs. */
static void print_flow_facts(FILE *out, const struct flow *f, uint64_t now_ns)
{
	struct fact_line line;
	char buf[CELL_LEN];

	fact_line_begin(&line, out, "");
	if (f->has & FLOW_HAS_HISTORY)
		fact(&line, "history:%s", f->history);
	if (f->has & FLOW_HAS_STATE_SINCE) {
		format_duration(buf, now_ns > f->state_since ? now_ns - f->state_since : 0);
		fact(&line, "state_since:%s", buf);
	}
	if ((f->has & FLOW_HAS_RTT_SYN) && (f->has & FLOW_HAS_RTT_ACK)) {
		format_ms(buf, (uint64_t)f->rtt_syn_us + f->rtt_ack_us);
		fact(&line, "rtt:%s", buf);
	}
	if (f->has & FLOW_HAS_RTT_SYN) {
		format_ms(buf, f->rtt_syn_us);
		fact(&line, "rtt_syn:%s", buf);
	}
	if (f->has & FLOW_HAS_RTT_ACK) {
		format_ms(buf, f->rtt_ack_us);
		fact(&line, "rtt_ack:%s", buf);
	}
	fact_line_end(&line);
}

/* What the sender of one direction said: sequence space, options, anomalies. */
static void print_dir_facts(FILE *out, const char *label, const struct flow_dir *d)
{
	struct fact_line line;
	char bytes[SIZE_LEN];

	fact_line_begin(&line, out, label);
	if (d->has & FLOW_DIR_HAS_ISN)
		fact(&line, "isn:%" PRIu32, d->isn);
	if (d->has & FLOW_DIR_HAS_SND_NXT)
		fact(&line, "snd_nxt:%" PRIu32, d->snd_nxt);
	if (d->has & FLOW_DIR_HAS_MAX_ACK)
		fact(&line, "ack:%" PRIu32, d->max_ack);
	if (d->has & FLOW_DIR_HAS_WINDOW)
		fact(&line, "window:%" PRIu32, d->window);
	if (d->has & FLOW_DIR_HAS_MSS)
		fact(&line, "mss:%u", d->mss);
	if (d->has & FLOW_DIR_HAS_WSCALE)
		fact(&line, "wscale:%u", d->wscale);
	if (d->sack_perm)
		fact(&line, "sack");
	format_size(bytes, d->retrans_bytes);
	fact(&line, "retrans:%" PRIu64 "/%s", d->retrans_packets, bytes);
	fact(&line, "out_of_window:%" PRIu64, d->out_of_window);
	fact(&line, "zero_window:%" PRIu64, d->zero_window);
	fact(&line, "unexpected:%" PRIu64, d->unexpected);
	fact_line_end(&line);
}

/* What NAT made of each endpoint, as conntrack's reply tuple says. */
static void print_nat_facts(FILE *out, const struct flow *f)
{
	char client[OUTPUT_ENDPOINT_LEN], server[OUTPUT_ENDPOINT_LEN];
	struct fact_line line;

	output_nat_endpoint(client, f, false);
	output_nat_endpoint(server, f, true);
	fact_line_begin(&line, out, "");
	fact(&line, "nat:%s", flow_nat_name(f));
	fact(&line, "client:%s", client);
	fact(&line, "server:%s", server);
	fact_line_end(&line);
}

/* What this box dropped of the flow, each way, and the last reason. */
static void print_drop_facts(FILE *out, const struct flow *f)
{
	char up[SIZE_LEN], down[SIZE_LEN];
	struct fact_line line;

	format_size(up, f->up.dropped_bytes);
	format_size(down, f->down.dropped_bytes);
	fact_line_begin(&line, out, "");
	fact(&line, "drops:%" PRIu64 "/%s,%" PRIu64 "/%s",
	     f->up.dropped_packets, up, f->down.dropped_packets, down);
	if (f->drop_reason[0])
		fact(&line, "drop_reason:%s", f->drop_reason);
	fact_line_end(&line);
}

/* The round trips to one side all along the flow, once sampled. */
static void print_rtt_facts(FILE *out, const char *label,
			    const struct flow_rtt *rtt)
{
	struct fact_line line;
	char buf[CELL_LEN];

	if (!rtt->samples)
		return;
	fact_line_begin(&line, out, label);
	format_ms(buf, rtt->srtt_us);
	fact(&line, "srtt:%s", buf);
	format_ms(buf, rtt->min_us);
	fact(&line, "min:%s", buf);
	format_ms(buf, rtt->max_us);
	fact(&line, "max:%s", buf);
	format_ms(buf, rtt->latest_us);
	fact(&line, "latest:%s", buf);
	fact(&line, "samples:%" PRIu32, rtt->samples);
	fact_line_end(&line);
}

static void print_tcp_facts(FILE *out, const struct flow *f, uint64_t now_ns)
{
	print_flow_facts(out, f, now_ns);
	print_dir_facts(out, "up:   ", &f->up);
	print_dir_facts(out, "down: ", &f->down);
	print_rtt_facts(out, "rtt_client: ", &f->rtt_client);
	print_rtt_facts(out, "rtt_server: ", &f->rtt_server);
}

/*
 * Two passes over the flows: measure the columns, then print them, each TCP
 * flow followed by its facts when @extended.
 */
static void print_table(FILE *out, const struct flow_list *list, uint64_t now_ns,
			bool extended)
{
	size_t widths[NR_COLUMNS] = { 0 };
	struct row row;
	size_t i;

	format_header(&row);
	update_widths(widths, &row);
	for (i = 0; i < list->len; i++) {
		format_row(&row, list->flows[i], now_ns);
		update_widths(widths, &row);
	}

	format_header(&row);
	print_row(out, widths, &row);
	for (i = 0; i < list->len; i++) {
		const struct flow *f = list->flows[i];

		format_row(&row, f, now_ns);
		print_row(out, widths, &row);
		if (extended && flow_is_tcp(f))
			print_tcp_facts(out, f, now_ns);
		if (extended && flow_nat_name(f))
			print_nat_facts(out, f);
		if (extended && (f->has & FLOW_HAS_DROPS))
			print_drop_facts(out, f);
	}
}

static const char *tcp_state_or_dash(const struct flow *f, uint8_t state)
{
	return flow_is_tcp(f) ? flow_tcp_state_name(state) : "-";
}

/* A column of the plain format after the first: a space, then @s. */
static void plain_str(struct writer *w, const char *s)
{
	write_char(w, ' ');
	write_str(w, s);
}

static void plain_u64(struct writer *w, uint64_t value)
{
	write_char(w, ' ');
	write_u64(w, value);
}

static void plain_endpoint(struct writer *w, const struct flow *f,
			   const uint8_t *addr, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];

	flow_addr(f, addr, buf);
	plain_str(w, buf);
	plain_u64(w, port);
}

/* The l5, secured and name columns, each "-" when unknown. */
static void print_plain_app(struct writer *w, const struct flow_app *app)
{
	plain_str(w, app->l5[0] ? app->l5 : "-");
	plain_str(w, app_secured_name(app));
	plain_str(w, app->name ? app->name : "-");
}

/* Packets dropped each way, 0 0 - for a flow that never lost one. */
static void print_plain_drops(struct writer *w, const struct flow *f)
{
	plain_u64(w, f->up.dropped_packets);
	plain_u64(w, f->down.dropped_packets);
	plain_str(w, f->drop_reason[0] ? f->drop_reason : "-");
}

/* The smoothed round trips to the client and to the server, "-" if none. */
static void print_plain_rtt(struct writer *w, const struct flow *f)
{
	const struct flow_rtt *side[] = { &f->rtt_client, &f->rtt_server };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (side[i]->samples)
			plain_u64(w, side[i]->srtt_us);
		else
			plain_str(w, "-");
	}
}

/* The NAT columns, each "-" when NAT did not translate the flow. */
static void print_plain_nat(struct writer *w, const struct flow *f)
{
	const char *nat = flow_nat_name(f);

	if (!nat) {
		write_str(w, " - - - - -");
		return;
	}
	plain_str(w, nat);
	plain_endpoint(w, f, f->nat.client_addr, f->nat.client_port);
	plain_endpoint(w, f, f->nat.server_addr, f->nat.server_port);
}

/* Written column by column: a dump of a million flows prints it a million times. */
static void print_plain_flow(struct writer *w, const struct flow *f, uint64_t now_ns)
{
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];

	write_str(w, flow_family_name(f));
	plain_str(w, flow_proto_name(f, proto));
	plain_endpoint(w, f, f->client_addr, f->client_port);
	plain_endpoint(w, f, f->server_addr, f->server_port);
	plain_str(w, flow_state(f, state));
	plain_str(w, tcp_state_or_dash(f, f->client_state));
	plain_str(w, tcp_state_or_dash(f, f->server_state));
	plain_u64(w, f->up.packets);
	plain_u64(w, f->up.bytes);
	plain_u64(w, f->up.payload);
	plain_u64(w, f->down.packets);
	plain_u64(w, f->down.bytes);
	plain_u64(w, f->down.payload);
	plain_u64(w, f->first_seen);
	plain_u64(w, f->last_seen);
	plain_u64(w, age_seconds(f, now_ns));
	print_plain_nat(w, f);
	print_plain_app(w, &f->app);
	print_plain_drops(w, f);
	print_plain_rtt(w, f);
	write_char(w, '\n');
}

static void print_plain(struct writer *w, const struct flow_list *list, uint64_t now_ns)
{
	size_t i;

	write_str(w, plain_header);
	for (i = 0; i < list->len; i++)
		print_plain_flow(w, list->flows[i], now_ns);
}

/* The keys of one direction's TCP facts, e.g. "isn_up" for TCB_KEYS("up"). */
struct tcb_keys {
	const char *isn, *snd_nxt, *max_ack, *window, *mss, *wscale, *sack_perm;
	const char *retrans, *retrans_bytes, *out_of_window, *zero_window;
	const char *unexpected;
};

#define TCB_KEYS(dir) {							\
	.isn = "isn_" dir, .snd_nxt = "snd_nxt_" dir,			\
	.max_ack = "max_ack_" dir, .window = "window_" dir,		\
	.mss = "mss_" dir, .wscale = "wscale_" dir,			\
	.sack_perm = "sack_perm_" dir, .retrans = "retrans_" dir,	\
	.retrans_bytes = "retrans_bytes_" dir,				\
	.out_of_window = "out_of_window_" dir,				\
	.zero_window = "zero_window_" dir,				\
	.unexpected = "unexpected_" dir,				\
}

static const struct tcb_keys tcb_keys_up = TCB_KEYS("up");
static const struct tcb_keys tcb_keys_down = TCB_KEYS("down");

/* The facts about the sender of one direction; unknown ones are left out. */
static void print_json_tcb(struct json *j, const struct tcb_keys *k,
			   const struct flow_dir *d)
{
	if (d->has & FLOW_DIR_HAS_ISN)
		json_u64(j, k->isn, d->isn);
	if (d->has & FLOW_DIR_HAS_SND_NXT)
		json_u64(j, k->snd_nxt, d->snd_nxt);
	if (d->has & FLOW_DIR_HAS_MAX_ACK)
		json_u64(j, k->max_ack, d->max_ack);
	if (d->has & FLOW_DIR_HAS_WINDOW)
		json_u64(j, k->window, d->window);
	if (d->has & FLOW_DIR_HAS_MSS)
		json_u64(j, k->mss, d->mss);
	if (d->has & FLOW_DIR_HAS_WSCALE)
		json_u64(j, k->wscale, d->wscale);
	json_bool(j, k->sack_perm, d->sack_perm);
	json_u64(j, k->retrans, d->retrans_packets);
	json_u64(j, k->retrans_bytes, d->retrans_bytes);
	json_u64(j, k->out_of_window, d->out_of_window);
	json_u64(j, k->zero_window, d->zero_window);
	json_u64(j, k->unexpected, d->unexpected);
}

/* An object of the figures once sampled, in microseconds. */
static void print_json_rtt(struct json *j, const char *key,
			   const struct flow_rtt *rtt)
{
	struct json inner;

	if (!rtt->samples)
		return;
	json_object_begin_key(j, key, &inner);
	json_u64(&inner, "samples", rtt->samples);
	json_u64(&inner, "min", rtt->min_us);
	json_u64(&inner, "srtt", rtt->srtt_us);
	json_u64(&inner, "latest", rtt->latest_us);
	json_u64(&inner, "max", rtt->max_us);
	json_object_end(&inner);
}

static void print_json_tcp(struct json *j, const struct flow *f)
{
	if (f->has & FLOW_HAS_HISTORY)
		json_string(j, "history", f->history);
	if (f->has & FLOW_HAS_STATE_SINCE)
		json_u64(j, "state_since", f->state_since);
	if ((f->has & FLOW_HAS_RTT_SYN) && (f->has & FLOW_HAS_RTT_ACK))
		json_u64(j, "rtt_us", (uint64_t)f->rtt_syn_us + f->rtt_ack_us);
	if (f->has & FLOW_HAS_RTT_SYN)
		json_u64(j, "rtt_syn_us", f->rtt_syn_us);
	if (f->has & FLOW_HAS_RTT_ACK)
		json_u64(j, "rtt_ack_us", f->rtt_ack_us);
	print_json_rtt(j, "rtt_client_us", &f->rtt_client);
	print_json_rtt(j, "rtt_server_us", &f->rtt_server);
	print_json_tcb(j, &tcb_keys_up, &f->up);
	print_json_tcb(j, &tcb_keys_down, &f->down);
}

static void print_json_nat(struct json *j, const struct flow *f)
{
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];

	json_bool(j, "snat", f->nat.flags & FLOWMON_NAT_F_CLIENT);
	json_bool(j, "dnat", f->nat.flags & FLOWMON_NAT_F_SERVER);
	if (!flow_nat_name(f))
		return;
	flow_addr(f, f->nat.client_addr, client);
	flow_addr(f, f->nat.server_addr, server);
	json_string(j, "nat_client", client);
	json_u64(j, "nat_client_port", f->nat.client_port);
	json_string(j, "nat_server", server);
	json_u64(j, "nat_server_port", f->nat.server_port);
}

static void print_json_dns(struct json *j, const struct flow_app *app)
{
	char buf[APP_DNS_NAME_LEN], addr[INET6_ADDRSTRLEN];

	json_string(j, "dns_qtype", app_dns_type_name(app->dns_qtype, buf));
	if (app->dns_response) {
		json_string(j, "dns_rcode", app_dns_rcode_name(app->dns_rcode, buf));
		json_u64(j, "dns_answers", app->dns_answers);
	}
	if (app->dns_addr_len) {
		app_dns_addr(app, addr);
		json_string(j, "dns_addr", addr);
	}
	if (app->dns_response_us)
		json_u64(j, "dns_response_us", app->dns_response_us);
}

/* What the flow is; each field only when known. */
static void print_json_app(struct json *j, const struct flow_app *app)
{
	if (app->l5[0]) {
		json_string(j, "l5", app->l5);
		json_string(j, "l5_source", app_l5_source_name(app));
	}
	if (app->secured)
		json_bool(j, "secured", app->secured == FLOWMON_SECURED_YES);
	if (app->name)
		json_string(j, "name", app->name);
	if (app->dns)
		print_json_dns(j, app);
}

/* Only for a flow of which this box dropped a packet. */
static void print_json_drops(struct json *j, const struct flow *f)
{
	if (!(f->has & FLOW_HAS_DROPS))
		return;
	json_u64(j, "drops_up", f->up.dropped_packets);
	json_u64(j, "drop_bytes_up", f->up.dropped_bytes);
	json_u64(j, "drops_down", f->down.dropped_packets);
	json_u64(j, "drop_bytes_down", f->down.dropped_bytes);
	if (f->drop_reason[0])
		json_string(j, "drop_reason", f->drop_reason);
}

void output_json_flow_fields(struct json *j, const struct flow *f)
{
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN];

	flow_client_addr(f, client);
	flow_server_addr(f, server);
	json_u64(j, "id", f->id);
	json_string(j, "family", flow_family_name(f));
	json_string(j, "proto", flow_proto_name(f, proto));
	json_string(j, "client", client);
	json_u64(j, "client_port", f->client_port);
	json_string(j, "server", server);
	json_u64(j, "server_port", f->server_port);
	json_string(j, "state", flow_state(f, state));
	if (flow_is_tcp(f)) {
		json_string(j, "client_state", flow_tcp_state_name(f->client_state));
		json_string(j, "server_state", flow_tcp_state_name(f->server_state));
	}
	json_bool(j, "picked_up", f->flags & FLOWMON_FLOW_F_PICKED_UP);
	print_json_nat(j, f);
	json_u64(j, "packets_up", f->up.packets);
	json_u64(j, "bytes_up", f->up.bytes);
	json_u64(j, "payload_up", f->up.payload);
	json_u64(j, "packets_down", f->down.packets);
	json_u64(j, "bytes_down", f->down.bytes);
	json_u64(j, "payload_down", f->down.payload);
	json_u64(j, "first_seen", f->first_seen);
	json_u64(j, "last_seen", f->last_seen);
	if (flow_is_tcp(f))
		print_json_tcp(j, f);
	print_json_app(j, &f->app);
	print_json_drops(j, f);
}

/* One array, one object per line: valid JSON that is also easy to grep. */
static void print_json(struct writer *w, const struct flow_list *list)
{
	struct json j;
	size_t i;

	write_char(w, '[');
	for (i = 0; i < list->len; i++) {
		write_str(w, i ? ",\n" : "\n");
		json_object_begin(&j, w);
		output_json_flow_fields(&j, list->flows[i]);
		json_object_end(&j);
	}
	write_str(w, list->len ? "\n]\n" : "]\n");
}

void output_flows(FILE *out, enum output_format format,
		  const struct flow_list *list, uint64_t now_ns)
{
	struct writer w;

	switch (format) {
	case OUTPUT_TABLE:
	case OUTPUT_EXTENDED:
		print_table(out, list, now_ns, format == OUTPUT_EXTENDED);
		break;
	case OUTPUT_PLAIN:
		writer_init(&w, out);
		print_plain(&w, list, now_ns);
		writer_flush(&w);
		break;
	case OUTPUT_JSON:
		writer_init(&w, out);
		print_json(&w, list);
		writer_flush(&w);
		break;
	}
}
