/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_PROC_H
#define _FLOWMON_PROC_H

#include <net/net_namespace.h>

int flowmon_proc_init(struct net *net);
void flowmon_proc_exit(struct net *net);

#endif /* _FLOWMON_PROC_H */
