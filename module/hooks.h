/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_HOOKS_H
#define _FLOWMON_HOOKS_H

#include <net/net_namespace.h>

int flowmon_hooks_register(struct net *net);
void flowmon_hooks_unregister(struct net *net);

#endif /* _FLOWMON_HOOKS_H */
