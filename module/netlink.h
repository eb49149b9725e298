/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETLINK_H
#define _FLOWMON_NETLINK_H

#include <linux/flowmon.h>
#include <net/net_namespace.h>

#include "flow.h"

int flowmon_genetlink_init(void);
void flowmon_genetlink_uninit(void);
bool flowmon_unprivileged_read(void);

#endif /* _FLOWMON_NETLINK_H */
