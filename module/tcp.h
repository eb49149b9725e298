/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_TCP_H
#define _FLOWMON_TCP_H

#include "flow.h"

bool flow_tcp_client_is_sender(const struct flow_packet *pkt);
bool flow_tcp_is_mid_stream(const struct flow_packet *pkt);
void flow_tcp_init(struct flow *flow, const struct flow_packet *pkt);
void flow_tcp_segment(struct flow *flow, enum flow_direction dir,
		      const struct flow_packet *pkt);
bool flow_tcp_syn_reopens(struct flow *flow, const struct flow_packet *pkt);
const char *flow_tcp_state_name(u8 state);

#endif /* _FLOWMON_TCP_H */
