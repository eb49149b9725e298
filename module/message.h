/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_MESSAGE_H
#define _FLOWMON_MESSAGE_H

#include <linux/skbuff.h>

#include "flow.h"

int flowmon_put_flow(struct sk_buff *skb, struct flow *flow,
		     const struct flow_counts *counts);

#endif /* _FLOWMON_MESSAGE_H */
