// SPDX-License-Identifier: GPL-2.0
/*
 * Events of the flowmon multicast group: parsing, and printing one per line.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <linux/flowmon.h>

#include "event.h"
#include "json.h"
#include "output.h"

static const struct nla_policy top_policy[FLOWMON_A_MAX + 1] = {
	[FLOWMON_A_FLOW] = { .type = NLA_NESTED },
	[FLOWMON_A_EVENT] = { .type = NLA_NESTED },
};

static const struct nla_policy event_policy[FLOWMON_EVENT_A_MAX + 1] = {
	[FLOWMON_EVENT_A_TIME] = { .type = NLA_U64 },
	[FLOWMON_EVENT_A_OLD_CLIENT_STATE] = { .type = NLA_U8 },
	[FLOWMON_EVENT_A_OLD_SERVER_STATE] = { .type = NLA_U8 },
	[FLOWMON_EVENT_A_REASON] = { .type = NLA_U8 },
};

static const char *const event_names[] = {
	[FLOWMON_CMD_EVENT_NEW] = "new",
	[FLOWMON_CMD_EVENT_STATE] = "state",
	[FLOWMON_CMD_EVENT_DESTROY] = "destroy",
	[FLOWMON_CMD_EVENT_HINT] = "hint",
};

static const char *const event_tags[] = {
	[FLOWMON_CMD_EVENT_NEW] = "[NEW]",
	[FLOWMON_CMD_EVENT_STATE] = "[STATE]",
	[FLOWMON_CMD_EVENT_DESTROY] = "[DESTROY]",
	[FLOWMON_CMD_EVENT_HINT] = "[HINT]",
};

static const char *const reason_names[] = {
	[FLOWMON_END_TIMEOUT] = "timeout",
	[FLOWMON_END_EVICTED] = "evicted",
	[FLOWMON_END_FLUSHED] = "flushed",
	[FLOWMON_END_UNLOAD] = "unload",
	[FLOWMON_END_REUSED] = "reused",
};

static const char *reason_name(uint8_t reason)
{
	return reason <= FLOWMON_END_MAX ? reason_names[reason] : "unknown";
}

/* The attributes each kind of event must have in FLOWMON_A_EVENT. */
static int parse_event_attrs(struct event *ev, struct nlattr **tb)
{
	if (!tb[FLOWMON_EVENT_A_TIME])
		return -EBADMSG;
	ev->time = nla_get_u64(tb[FLOWMON_EVENT_A_TIME]);
	if (ev->cmd == FLOWMON_CMD_EVENT_STATE) {
		if (!tb[FLOWMON_EVENT_A_OLD_CLIENT_STATE] ||
		    !tb[FLOWMON_EVENT_A_OLD_SERVER_STATE])
			return -EBADMSG;
		ev->old_client_state = nla_get_u8(tb[FLOWMON_EVENT_A_OLD_CLIENT_STATE]);
		ev->old_server_state = nla_get_u8(tb[FLOWMON_EVENT_A_OLD_SERVER_STATE]);
	}
	if (ev->cmd == FLOWMON_CMD_EVENT_DESTROY) {
		if (!tb[FLOWMON_EVENT_A_REASON])
			return -EBADMSG;
		ev->reason = nla_get_u8(tb[FLOWMON_EVENT_A_REASON]);
	}
	return 0;
}

int event_parse(struct event *ev, struct nlmsghdr *nlh)
{
	struct nlattr *attrs[FLOWMON_A_MAX + 1];
	struct nlattr *tb[FLOWMON_EVENT_A_MAX + 1];
	struct genlmsghdr *ghdr;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EBADMSG;
	ghdr = nlmsg_data(nlh);
	ev->cmd = ghdr->cmd;
	if (ev->cmd < FLOWMON_CMD_EVENT_NEW || ev->cmd > FLOWMON_CMD_EVENT_HINT ||
	    genlmsg_parse(nlh, 0, attrs, FLOWMON_A_MAX, top_policy) < 0 ||
	    !attrs[FLOWMON_A_FLOW] || !attrs[FLOWMON_A_EVENT] ||
	    nla_parse_nested(tb, FLOWMON_EVENT_A_MAX, attrs[FLOWMON_A_EVENT],
			     event_policy) < 0 ||
	    parse_event_attrs(ev, tb))
		return -EBADMSG;
	return flow_parse(&ev->flow, attrs[FLOWMON_A_FLOW]);
}

/* " l5=dns name=example.com", "l5=tls?" when only the port says so. */
static void print_app(FILE *out, const struct flow_app *app)
{
	if (app->l5[0])
		fprintf(out, " l5=%s%s", app->l5,
			app->l5_source == FLOWMON_L5_SOURCE_PORT ? "?" : "");
	if (app->name)
		fprintf(out, " name=%s", app->name);
}

static void print_line(FILE *out, const struct event *ev)
{
	char client[OUTPUT_ENDPOINT_LEN], server[OUTPUT_ENDPOINT_LEN];
	char proto[FLOW_PROTO_LEN], state[FLOW_STATE_LEN], old[FLOW_STATE_LEN];
	const struct flow *f = &ev->flow;
	const char *nat = flow_nat_name(f);

	output_endpoint(client, f, false);
	output_endpoint(server, f, true);
	fprintf(out, "%s %s %s -> %s ", event_tags[ev->cmd],
		flow_proto_name(f, proto), client, server);
	if (ev->cmd == FLOWMON_CMD_EVENT_STATE)
		fprintf(out, "%s -> ",
			flow_tcp_states_name(ev->old_client_state,
					     ev->old_server_state, old));
	fputs(flow_state(f, state), out);
	if (ev->cmd == FLOWMON_CMD_EVENT_DESTROY)
		fprintf(out, " reason=%s packets=%" PRIu64 "/%" PRIu64
			" bytes=%" PRIu64 "/%" PRIu64,
			reason_name(ev->reason), f->up.packets, f->down.packets,
			f->up.bytes, f->down.bytes);
	if (nat) {
		output_nat_endpoint(client, f, false);
		output_nat_endpoint(server, f, true);
		fprintf(out, " %s=%s->%s", nat, client, server);
	}
	print_app(out, &f->app);
	fputc('\n', out);
}

static void print_json(FILE *out, const struct event *ev)
{
	struct json j;
	struct writer w;

	writer_init(&w, out);
	json_object_begin(&j, &w);
	json_string(&j, "event", event_names[ev->cmd]);
	json_u64(&j, "time", ev->time);
	if (ev->cmd == FLOWMON_CMD_EVENT_STATE) {
		json_string(&j, "old_client_state",
			    flow_tcp_state_name(ev->old_client_state));
		json_string(&j, "old_server_state",
			    flow_tcp_state_name(ev->old_server_state));
	}
	if (ev->cmd == FLOWMON_CMD_EVENT_DESTROY)
		json_string(&j, "reason", reason_name(ev->reason));
	output_json_flow_fields(&j, &ev->flow);
	json_object_end(&j);
	write_char(&w, '\n');
	writer_flush(&w);
}

void event_print(FILE *out, const struct event *ev, bool json)
{
	if (json)
		print_json(out, ev);
	else
		print_line(out, ev);
}
