/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels flowmon builds for (6.1 to 6.12), in
 * one place. FLOWMON_HAVE_* come from the feature probes in Kbuild.
 */
#ifndef _FLOWMON_COMPAT_H
#define _FLOWMON_COMPAT_H

#include <net/genetlink.h>

/* Since 6.2, a dump's attributes are in a struct genl_info. */
static inline struct nlattr **flowmon_dump_attrs(struct netlink_callback *cb)
{
#ifdef FLOWMON_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _FLOWMON_COMPAT_H */
