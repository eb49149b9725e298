// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl export ipfix: send the flows of this namespace to an IPFIX
 * collector, one bidirectional record per flow and report.
 *
 * A flow is reported when it ends (its DESTROY event carries the final
 * counts), every --active-timeout while it lasts (a dump finds the flows
 * due), and when the exporter stops (SIGINT, SIGTERM: a last dump, every
 * flow with flowEndReason "forced end"). Each report carries the counts
 * since the flow's previous one, so the exporter keeps, per flow, what it
 * reported so far. The first dump, made after the subscription, learns the
 * flows already there: their first report has everything since they began.
 *
 * Events lost to a full socket buffer are noticed (ENOBUFS) and followed by
 * a dump: flows it no longer lists, and whose end did not come, ended
 * unseen; they are counted, as are the events the kernel dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/flowmon.h>

#include "collector.h"
#include "event_socket.h"
#include "flowctl.h"
#include "ipfix.h"
#include "metrics.h"
#include "parse.h"
#include "prometheus.h"
#include "reported.h"
#include "stats.h"

#define EXPORT_OPTSTRING ":h"
#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
#define DEFAULT_ACTIVE_TIMEOUT_MS (60 * 1000)
#define DEFAULT_TEMPLATE_REFRESH_MS (60 * 1000)
#define DEFAULT_TEMPLATE_MESSAGES 128
#define DEFAULT_QUEUE 1024
#define QUEUE_MAX (1024 * 1024)
#define NETNS_PATH "/proc/self/ns/net"

enum {
	OPT_UDP = 256,
	OPT_TCP,
	OPT_ACTIVE_TIMEOUT,
	OPT_TEMPLATE_REFRESH,
	OPT_TEMPLATE_MESSAGES,
	OPT_MTU,
	OPT_QUEUE,
	OPT_DOMAIN,
	OPT_BUFFER,
	OPT_METRICS,
};

static const struct option export_options[] = {
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "active-timeout", required_argument, NULL, OPT_ACTIVE_TIMEOUT },
	{ "template-refresh", required_argument, NULL, OPT_TEMPLATE_REFRESH },
	{ "template-messages", required_argument, NULL, OPT_TEMPLATE_MESSAGES },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct export_stats {
	uint64_t ended;		/* flows reported at their end */
	uint64_t active;	/* reports of flows going on */
	uint64_t forced;	/* flows reported at the exporter's stop */
	uint64_t overflows;	/* ENOBUFS: events lost, a dump made */
	uint64_t events_lost;	/* by the kernel's count */
	uint64_t ends_missed;	/* flows that ended while events were lost */
};

struct exporter {
	const char *collector_spec;
	struct collector_options copts;
	uint64_t active_timeout_ns;
	uint64_t buffer;
	const char *metrics_spec;
	uint32_t domain;
	bool domain_given;
	bool help;

	struct event_socket es;
	struct event_handler handler;
	struct collector collector;
	struct metrics_server metrics;
	struct ipfix_message msg;
	struct reported_table flows;
	uint32_t dump;		/* dumps made */
	bool overflowed;	/* events were lost since the last dump */
	uint64_t next_scan_ns;
	struct export_stats stats;
};

static int parse_ms_option(const struct command *cmd, const char *name,
			   const char *arg, uint64_t *ns)
{
	uint64_t ms;
	const char *why = parse_duration_ms(arg, &ms);

	if (!why && !ms)
		why = "expected more than 0";
	if (why)
		return usage_error(cmd, "bad --%s '%s': %s", name, arg, why);
	*ns = ms * NS_PER_MS;
	return 0;
}

static int parse_number_option(const struct command *cmd, const char *name,
			       const char *arg, uint64_t min, uint64_t max,
			       uint64_t *value)
{
	const char *why = parse_u64(arg, value);

	if (!why && (*value < min || *value > max))
		why = "out of range";
	if (why)
		return usage_error(cmd, "bad --%s '%s': %s (%" PRIu64 " to %" PRIu64 ")",
				   name, arg, why, min, max);
	return 0;
}

static int export_option(struct exporter *ex, const struct command *cmd,
			 int opt, const char *arg)
{
	uint64_t value;
	int ret;

	switch (opt) {
	case 'h':
		ex->help = true;
		return 0;
	case OPT_UDP:
		ex->copts.tcp = false;
		return 0;
	case OPT_TCP:
		ex->copts.tcp = true;
		return 0;
	case OPT_ACTIVE_TIMEOUT:
		return parse_ms_option(cmd, "active-timeout", arg,
				       &ex->active_timeout_ns);
	case OPT_TEMPLATE_REFRESH:
		return parse_ms_option(cmd, "template-refresh", arg,
				       &ex->copts.template_refresh_ns);
	case OPT_TEMPLATE_MESSAGES:
		ret = parse_number_option(cmd, "template-messages", arg, 1,
					  UINT32_MAX, &value);
		ex->copts.template_messages = value;
		return ret;
	case OPT_MTU:
		ret = parse_number_option(cmd, "mtu", arg, IPFIX_MESSAGE_MIN,
					  IPFIX_MESSAGE_MAX, &value);
		ex->copts.mtu = value;
		return ret;
	case OPT_QUEUE:
		ret = parse_number_option(cmd, "queue", arg, 1, QUEUE_MAX, &value);
		ex->copts.queue_max = value;
		return ret;
	case OPT_DOMAIN:
		ret = parse_number_option(cmd, "domain", arg, 0, UINT32_MAX, &value);
		ex->domain = value;
		ex->domain_given = true;
		return ret;
	case OPT_METRICS:
		ex->metrics_spec = arg;
		return 0;
	case OPT_BUFFER:
		return event_socket_buffer_option(cmd, arg, &ex->buffer);
	}
	return 1;
}

static int parse_args(const struct command *cmd, int argc, char **argv,
		      struct exporter *ex)
{
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, EXPORT_OPTSTRING, export_options,
				  NULL)) != -1) {
		ret = export_option(ex, cmd, opt, optarg);
		if (ret == 1)
			return option_error(cmd, EXPORT_OPTSTRING, opt, argv);
		if (ret)
			return ret;
	}
	if (ex->help)
		return 0;
	if (optind >= argc)
		return usage_error(cmd, "missing the format and the collector: export ipfix HOST:PORT");
	if (strcmp(argv[optind], "ipfix"))
		return usage_error(cmd, "unknown format '%s': use ipfix", argv[optind]);
	if (optind + 1 >= argc)
		return usage_error(cmd, "missing the collector: export ipfix HOST:PORT");
	ex->collector_spec = argv[optind + 1];
	optind += 2;
	return no_arguments(cmd, argc, argv);
}

/* By default, a namespace is its own observation domain: its inode number. */
static uint32_t namespace_domain(void)
{
	struct stat st;

	return stat(NETNS_PATH, &st) ? 0 : (uint32_t)st.st_ino;
}

static void send_message(struct exporter *ex)
{
	uint64_t now = now_ns();
	size_t len;

	if (ipfix_message_empty(&ex->msg))
		return;
	len = ipfix_finish(&ex->msg, now / NS_PER_S, 0, ex->domain);
	collector_send(&ex->collector, ex->msg.buf, len, ex->msg.records, now);
	ipfix_message_init(&ex->msg, ex->collector.message_max);
}

static void add_record(struct exporter *ex, const struct ipfix_record *rec)
{
	if (!ipfix_add_record(&ex->msg, rec))
		return;
	send_message(ex);
	/* An empty message takes the longest record. */
	(void)ipfix_add_record(&ex->msg, rec);
}

/*
 * Report what @f did since its last report. With @final, its entry goes:
 * the flow ended, or the exporter stops. Returns whether a record went:
 * one that is not final needs something new.
 */
static bool report(struct exporter *ex, const struct flow *f, uint8_t reason,
		   bool final)
{
	struct reported *r = reported_find(&ex->flows, f->id);
	struct ipfix_record rec = { .flow = f, .end_reason = reason };
	bool send;

	reported_delta(&rec, f, r);
	send = final || !reported_delta_empty(&rec);
	if (send)
		add_record(ex, &rec);
	if (final) {
		if (r)
			reported_forget(&ex->flows, r);
		return send;
	}
	if (!r)
		r = reported_learn(&ex->flows, f);
	if (r)
		reported_update(r, f, now_ns());
	return send;
}

/* A TCP flow that closed ended for its own reasons, not for being idle. */
static bool closed(const struct flow *f)
{
	return flow_is_tcp(f) && strpbrk(f->history, "FfRr");
}

static uint8_t end_reason(const struct event *ev)
{
	switch (ev->reason) {
	case FLOWMON_END_TIMEOUT:
		return closed(&ev->flow) ? IPFIX_END_OF_FLOW : IPFIX_END_IDLE;
	case FLOWMON_END_EVICTED:
		return IPFIX_END_RESOURCES;
	case FLOWMON_END_REUSED:
		return IPFIX_END_OF_FLOW;
	default:	/* flushed, unload */
		return IPFIX_END_FORCED;
	}
}

static int handle_event(const struct event *ev, void *arg)
{
	struct exporter *ex = arg;

	if (ev->cmd == FLOWMON_CMD_EVENT_NEW)
		(void)reported_learn(&ex->flows, &ev->flow);
	else if (ev->cmd == FLOWMON_CMD_EVENT_DESTROY) {
		report(ex, &ev->flow, end_reason(ev), true);
		ex->stats.ended++;
	}
	return 0;
}

static int handle_lost(uint64_t lost, void *arg)
{
	struct exporter *ex = arg;

	ex->overflowed = true;
	ex->stats.overflows++;
	ex->stats.events_lost += lost;
	return 0;
}


/* What a dump does with each flow it lists. */
enum dump_purpose {
	DUMP_LEARN,	/* note it: after a start or an overflow */
	DUMP_ACTIVE,	/* report it if its active timeout passed */
	DUMP_FORCED,	/* report it: the exporter stops */
};

struct dump {
	struct exporter *ex;
	enum dump_purpose purpose;
	uint64_t now_ns;
};

static int dumped_flow(struct nlattr **attrs, void *arg)
{
	struct dump *d = arg;
	struct exporter *ex = d->ex;
	struct reported *r;
	struct flow f;
	int err;

	if (!attrs[FLOWMON_A_FLOW])
		return -EBADMSG;
	err = flow_parse(&f, attrs[FLOWMON_A_FLOW]);
	if (err) {
		flow_release(&f);
		return err;
	}
	r = reported_learn(&ex->flows, &f);
	if (r)
		r->dump = ex->dump;
	if (d->purpose == DUMP_FORCED) {
		report(ex, &f, IPFIX_END_FORCED, true);
		ex->stats.forced++;
	} else if (d->purpose == DUMP_ACTIVE && r &&
		   d->now_ns - r->time_ns >= ex->active_timeout_ns &&
		   report(ex, &f, IPFIX_END_ACTIVE, false)) {
		ex->stats.active++;
	}
	flow_release(&f);
	return 0;
}

static int dump_flows(struct exporter *ex, enum dump_purpose purpose)
{
	struct dump d = { .ex = ex, .purpose = purpose, .now_ns = now_ns() };
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_GET_FLOW,
		.flags = NLM_F_DUMP,
		.what = "list flows",
		.reply = dumped_flow,
		.arg = &d,
	};

	ex->dump++;
	return flowmon_call(&req) < 0 ? -1 : 0;
}

/*
 * After an overflow: a dump lists the flows there are; then the events that
 * came meanwhile are read, ends among them. What is left unlisted ended
 * while events were lost.
 */
static int reconcile(struct exporter *ex)
{
	while (ex->overflowed) {
		ex->overflowed = false;
		if (dump_flows(ex, DUMP_LEARN) ||
		    event_socket_drain(&ex->es, &ex->handler))
			return -1;
		if (!ex->overflowed)
			ex->stats.ends_missed += reported_sweep(&ex->flows,
								ex->dump);
	}
	return 0;
}

/* A 1 s tick: template refresh, reconnection, active timeouts. */
static int open_timer(void)
{
	struct itimerspec every_second = {
		.it_interval = { .tv_sec = 1 },
		.it_value = { .tv_sec = 1 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0 || timerfd_settime(fd, 0, &every_second, NULL)) {
		perror("flowctl: timerfd");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Flows are looked at for their active timeout every half timeout (at
 * least every second): a report comes at most half a timeout late.
 */
static int tick(struct exporter *ex, int timer_fd)
{
	uint64_t expirations, now = now_ns();

	if (read(timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return -1;
	if (now >= ex->next_scan_ns) {
		ex->next_scan_ns = now + ex->active_timeout_ns / 2;
		if (dump_flows(ex, DUMP_ACTIVE))
			return -1;
	}
	send_message(ex);
	collector_tick(&ex->collector, now_ns());
	return 0;
}

/* SIGINT, SIGTERM: the ends already queued, then every flow left. */
static int stop(struct exporter *ex)
{
	if (event_socket_drain(&ex->es, &ex->handler) ||
	    (!ex->es.unloaded && dump_flows(ex, DUMP_FORCED)))
		return -1;
	send_message(ex);
	return 0;
}

/* The exporter's own figures, each a metric. */
static const struct {
	const char *name;
	const char *help;
	size_t offset;
	bool collector;		/* in struct collector_stats, else export_stats */
} export_metrics[] = {
#define EXPORT_METRIC(name, field, help) \
	{ name, help, offsetof(struct export_stats, field), false }
#define COLLECTOR_METRIC(name, field, help) \
	{ name, help, offsetof(struct collector_stats, field), true }
	COLLECTOR_METRIC("flowmon_export_records_total", records,
			 "IPFIX data records sent."),
	COLLECTOR_METRIC("flowmon_export_messages_total", messages,
			 "IPFIX messages of data records sent."),
	COLLECTOR_METRIC("flowmon_export_bytes_total", bytes,
			 "Bytes of IPFIX messages sent, templates too."),
	COLLECTOR_METRIC("flowmon_export_template_messages_total",
			 template_messages, "IPFIX template messages sent."),
	COLLECTOR_METRIC("flowmon_export_records_dropped_total", records_dropped,
			 "Records never sent: send errors, a full queue."),
	COLLECTOR_METRIC("flowmon_export_send_errors_total", send_errors,
			 "Messages the collector's socket refused."),
	COLLECTOR_METRIC("flowmon_export_connects_total", connects,
			 "TCP connections to the collector made."),
	EXPORT_METRIC("flowmon_export_flows_ended_total", ended,
		      "Flows reported at their end."),
	EXPORT_METRIC("flowmon_export_active_reports_total", active,
		      "Reports of flows going on (active timeout)."),
	EXPORT_METRIC("flowmon_export_overflows_total", overflows,
		      "Event socket overflows, each followed by a dump."),
	EXPORT_METRIC("flowmon_export_events_lost_total", events_lost,
		      "Events the kernel dropped for a full socket buffer."),
	EXPORT_METRIC("flowmon_export_ends_missed_total", ends_missed,
		      "Flows that ended while events were lost."),
#undef EXPORT_METRIC
#undef COLLECTOR_METRIC
};

/* /metrics: the flow table's, then the exporter's own. */
static int write_metrics(FILE *out, void *arg)
{
	const struct exporter *ex = arg;
	struct stats stats;
	size_t i;

	if (stats_get(&stats))
		return -1;
	prometheus_write_stats(out, &stats);
	for (i = 0; i < ARRAY_SIZE(export_metrics); i++) {
		const char *base = export_metrics[i].collector ?
				   (const char *)&ex->collector.stats :
				   (const char *)&ex->stats;
		uint64_t value;

		memcpy(&value, base + export_metrics[i].offset, sizeof(value));
		prometheus_family(out, export_metrics[i].name, true,
				  export_metrics[i].help);
		prometheus_sample(out, export_metrics[i].name, NULL, value);
	}
	prometheus_family(out, "flowmon_export_flows", false,
			  "Flows the exporter follows.");
	prometheus_sample(out, "flowmon_export_flows", NULL, ex->flows.len);
	prometheus_family(out, "flowmon_export_queued_messages", false,
			  "Messages waiting for the TCP collector.");
	prometheus_sample(out, "flowmon_export_queued_messages", NULL,
			  ex->collector.queue_len);
	prometheus_family(out, "flowmon_export_collector_up", false,
			  "Whether the collector's socket is connected (UDP: always 1).");
	prometheus_sample(out, "flowmon_export_collector_up", NULL,
			  ex->collector.fd >= 0);
	return 0;
}

static int run(struct exporter *ex)
{
	struct pollfd fds[4] = {
		{ .fd = event_socket_fd(&ex->es), .events = POLLIN },
		{ .fd = ex->es.signal_fd, .events = POLLIN },
		{ .fd = open_timer(), .events = POLLIN },
		{ .fd = ex->metrics.fd, .events = POLLIN },
	};
	int ret = 0;

	if (fds[2].fd < 0)
		return -1;
	while (!ret && !ex->es.unloaded) {
		if (poll(fds, ARRAY_SIZE(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("flowctl: poll");
			ret = -1;
			break;
		}
		if (fds[1].revents) {
			ret = stop(ex);
			break;
		}
		if (fds[0].revents)
			ret = event_socket_drain(&ex->es, &ex->handler);
		if (!ret)
			ret = reconcile(ex);
		if (!ret && fds[2].revents)
			ret = tick(ex, fds[2].fd);
		if (!ret && fds[3].revents)
			metrics_answer(&ex->metrics, write_metrics, ex);
		if (!ret)
			send_message(ex);
	}
	if (ex->es.unloaded)
		fputs("flowctl: the flowmon module was unloaded\n", stderr);
	close(fds[2].fd);
	return ret;
}

static int prepare(struct exporter *ex)
{
	struct ipfix_message *templates = &ex->msg;
	size_t len;

	ipfix_message_init(templates, ex->collector.message_max);
	if (ipfix_add_templates(templates))
		return -1;
	len = ipfix_finish(templates, now_ns() / NS_PER_S, 0, ex->domain);
	if (collector_set_templates(&ex->collector, templates->buf, len))
		return -1;
	ipfix_message_init(&ex->msg, ex->collector.message_max);
	ex->handler = (struct event_handler){
		.event = handle_event,
		.lost = handle_lost,
		.arg = ex,
	};
	/* Subscribed first: no flow falls between the dump and the events. */
	if (dump_flows(ex, DUMP_LEARN))
		return -1;
	ex->next_scan_ns = now_ns() + ex->active_timeout_ns / 2;
	return 0;
}

static void print_stats(const struct exporter *ex)
{
	const struct collector_stats *c = &ex->collector.stats;
	const struct export_stats *s = &ex->stats;

	fprintf(stderr, "flowctl: exported %" PRIu64 " records in %" PRIu64
		" messages (%" PRIu64 " bytes, %" PRIu64 " template messages): %"
		PRIu64 " ended, %" PRIu64 " active, %" PRIu64 " at exit; %" PRIu64
		" records dropped, %" PRIu64 " send errors, %" PRIu64
		" connections; %" PRIu64 " overflows, %" PRIu64 " events lost, %"
		PRIu64 " ends missed\n",
		c->records, c->messages, c->bytes, c->template_messages,
		s->ended, s->active, s->forced, c->records_dropped,
		c->send_errors, c->connects, s->overflows, s->events_lost,
		s->ends_missed);
}

static int cmd_export(const struct command *cmd, int argc, char **argv,
		      const struct options *opts)
{
	struct exporter ex = {
		.copts = {
			.queue_max = DEFAULT_QUEUE,
			.template_refresh_ns = DEFAULT_TEMPLATE_REFRESH_MS * NS_PER_MS,
			.template_messages = DEFAULT_TEMPLATE_MESSAGES,
		},
		.active_timeout_ns = DEFAULT_ACTIVE_TIMEOUT_MS * NS_PER_MS,
	};
	int ret;

	(void)opts;
	ret = parse_args(cmd, argc, argv, &ex);
	if (ret)
		return ret;
	if (ex.help)
		return print_command_help(cmd);
	if (!ex.domain_given)
		ex.domain = namespace_domain();
	ex.metrics.fd = -1;
	if (ex.metrics_spec && metrics_open(&ex.metrics, ex.metrics_spec))
		return EXIT_FAILURE;
	ret = EXIT_FAILURE;
	if (collector_open(&ex.collector, ex.collector_spec, &ex.copts))
		goto out_metrics;
	if (event_socket_open(&ex.es, ex.buffer))
		goto out_collector;
	if (!prepare(&ex) && !run(&ex))
		ret = EXIT_SUCCESS;
	event_socket_close(&ex.es);
	collector_close(&ex.collector, now_ns());
	print_stats(&ex);
	reported_free(&ex.flows);
	metrics_close(&ex.metrics);
	return ret;

out_collector:
	collector_close(&ex.collector, now_ns());
out_metrics:
	metrics_close(&ex.metrics);
	return ret;
}

const struct command export_command = {
	.name = "export",
	.run = cmd_export,
	.summary = "send the flows to an IPFIX collector",
	.usage = "export ipfix HOST[:PORT] [--udp|--tcp] [--active-timeout DURATION] [--metrics [ADDR:]PORT] [OPTIONS]",
	.help =
		"Send the flows of this network namespace to an IPFIX collector (RFC\n"
		"7011), one bidirectional record (RFC 5103) per flow and report: the\n"
		"client is the source, its counts the forward ones, the server's the\n"
		"reverse IEs (PEN 29305). A flow is reported when it ends, every\n"
		"active timeout while it lasts, and when the exporter stops; each\n"
		"report has the packets and bytes since the flow's previous one.\n"
		"Flows already in the table at the start are reported in full.\n"
		"SIGINT and SIGTERM report every flow left (flowEndReason: forced\n"
		"end), send what waits and exit 0; so does the module's unload. The\n"
		"exporter's figures go to stderr at the end. Events lost to a full\n"
		"socket buffer are noticed, a dump takes stock, and the flows that\n"
		"ended unseen are counted (\"ends missed\"). The port defaults to\n"
		"4739; the observation domain is the namespace's inode number. Needs\n"
		"CAP_NET_ADMIN unless the module was loaded with unprivileged_read=1.\n"
		"\n"
		"Options:\n"
		"      --udp                    over UDP (the default): templates again\n"
		"                               by time and by message count\n"
		"      --tcp                    over TCP: templates on each connection;\n"
		"                               a collector that is down is tried again\n"
		"                               (1 s, doubling to 60 s) while messages\n"
		"                               wait in a queue\n"
		"      --active-timeout DURATION  report flows going on this often\n"
		"                               (default 60s)\n"
		"      --template-refresh DURATION  UDP: templates again after this\n"
		"                               (default 60s)\n"
		"      --template-messages N    UDP: or after N messages (default 128)\n"
		"      --mtu BYTES              largest message (default: the route's\n"
		"                               MTU less the headers; 1024 to 65535)\n"
		"      --queue N                TCP: messages kept while the collector\n"
		"                               is down (default 1024); the oldest go\n"
		"      --domain N               observation domain ID\n"
		"      --buffer SIZE            event socket receive buffer, e.g. 8M\n"
		"      --metrics [ADDR:]PORT    serve Prometheus metrics on /metrics:\n"
		"                               the flow table's and the exporter's\n"
		"  -h, --help                   show this help\n",
};
