/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing: socket setup, family resolution, requests.
 * Every function here reports its own errors on stderr.
 */
#ifndef FLOWCTL_NETLINK_H
#define FLOWCTL_NETLINK_H

#include <stdint.h>
#include <netlink/attr.h>

struct flowmon_sock {
	struct nl_sock *sk;
	int family;
};

/* Returned by flowmon_request() when the kernel flagged NLM_F_DUMP_INTR. */
#define FLOWMON_DUMP_INTR 1

/*
 * Called for each reply message with its top-level attributes, indexed by
 * FLOWMON_A_*. Returns 0, or a negative errno to abort the request.
 */
typedef int (*flowmon_reply_fn)(struct nlattr **attrs, void *arg);

/* Connect and resolve the flowmon family. Returns 0 or -1. */
int flowmon_open(struct flowmon_sock *fs);
void flowmon_close(struct flowmon_sock *fs);

/*
 * Send @cmd with @flags (0 or NLM_F_DUMP) and feed every reply to @fn.
 * @what names the request in error messages. Returns 0, FLOWMON_DUMP_INTR,
 * or -1 after reporting an error.
 */
int flowmon_request(struct flowmon_sock *fs, uint8_t cmd, int flags,
		    const char *what, flowmon_reply_fn fn, void *arg);

/*
 * Look up the version of the flowmon genl family. Returns 1 and sets
 * @version when the module is loaded, 0 when it is not, -1 on error.
 */
int flowmon_module_version(unsigned int *version);

#endif /* FLOWCTL_NETLINK_H */
