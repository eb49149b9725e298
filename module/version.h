/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_VERSION_H
#define _FLOWMON_VERSION_H

#define FLOWMON_VERSION "0.1.0"

#endif /* _FLOWMON_VERSION_H */
