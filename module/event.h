/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_EVENT_H
#define _FLOWMON_EVENT_H

#include "netns.h"

void flowmon_event_state(struct flowmon_net *fn, struct flow *flow,
			 const struct flow_transition *tr, u64 now);

#endif /* _FLOWMON_EVENT_H */
