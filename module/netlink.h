/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETLINK_H
#define _FLOWMON_NETLINK_H

int flowmon_genetlink_init(void);
void flowmon_genetlink_uninit(void);

#endif /* _FLOWMON_NETLINK_H */
