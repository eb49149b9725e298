/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_GC_H
#define _FLOWMON_GC_H

#include "netns.h"

extern unsigned int flowmon_gc_interval_ms;

void flowmon_gc_start(struct flowmon_net *fn);
void flowmon_gc_wake(struct flowmon_net *fn);
void flowmon_gc_replan(struct flowmon_net *fn);
void flowmon_gc_stop(struct flowmon_net *fn);

#endif /* _FLOWMON_GC_H */
