/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of the flowmon multicast group: parsing, and printing one per line.
 */
#ifndef FLOWCTL_EVENT_H
#define FLOWCTL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/netlink.h>

#include "flow.h"

struct event {
	uint8_t cmd;			/* FLOWMON_CMD_EVENT_NEW to _HINT */
	uint64_t time;			/* ns since the epoch */
	uint8_t old_client_state;	/* FLOWMON_CMD_EVENT_STATE */
	uint8_t old_server_state;
	uint8_t reason;			/* FLOWMON_CMD_EVENT_DESTROY */
	struct flow flow;		/* DESTROY: the final values */
};

/* Parse an event message of the flowmon family. Returns 0 or -EBADMSG. */
int event_parse(struct event *ev, struct nlmsghdr *nlh);

/*
 * One line: "[NEW] tcp 10.0.1.1:40000 -> 10.0.1.2:5000 SYN-SENT", or with
 * @json one JSON object.
 */
void event_print(FILE *out, const struct event *ev, bool json);

#endif /* FLOWCTL_EVENT_H */
