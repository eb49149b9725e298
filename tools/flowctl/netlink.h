/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing: socket setup, family resolution, requests,
 * error reports, multicast subscriptions.
 */
#ifndef FLOWCTL_NETLINK_H
#define FLOWCTL_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

struct flowmon_sock {
	struct nl_sock *sk;
	int family;
};

/* Returned by flowmon_request() when the kernel flagged NLM_F_DUMP_INTR. */
#define FLOWMON_DUMP_INTR 1

/* What the kernel said about a failed request. */
struct flowmon_error {
	int code;		/* positive errno */
	char extack[256];	/* NLMSGERR_ATTR_MSG, or "" */
	uint32_t offset;	/* NLMSGERR_ATTR_OFFS: where in the request the bad
				 * attribute starts, from its nlmsghdr; 0: unknown */
	bool has_range;		/* NLMSGERR_ATTR_POLICY gave the valid range: */
	uint64_t min;
	uint64_t max;
};

/* Adds the request's attributes to @msg. Returns 0 or a negative libnl error. */
typedef int (*flowmon_put_fn)(struct nl_msg *msg, void *arg);

/*
 * Called for each reply message with its top-level attributes, indexed by
 * FLOWMON_A_*. Returns 0, or a negative errno to abort the request.
 */
typedef int (*flowmon_reply_fn)(struct nlattr **attrs, void *arg);

/*
 * Called when the kernel refuses the request; returns true when it has
 * reported the error itself, false to leave it to flowmon_report().
 */
typedef bool (*flowmon_error_fn)(const struct flowmon_error *err, void *arg);

struct flowmon_request {
	uint8_t cmd;		/* FLOWMON_CMD_* */
	int flags;		/* 0, or NLM_F_DUMP */
	const char *what;	/* names the request in error messages */
	flowmon_put_fn put;	/* NULL: no attributes */
	flowmon_reply_fn reply;	/* NULL: no reply expected but the ACK */
	flowmon_error_fn error;	/* NULL: flowmon_report() */
	void *arg;		/* for the three functions */
};

/* Connect and resolve the flowmon family. Returns 0 or -1 after reporting. */
int flowmon_open(struct flowmon_sock *fs);
void flowmon_close(struct flowmon_sock *fs);

/*
 * Send @req and feed every reply to its reply function. Returns 0,
 * FLOWMON_DUMP_INTR, or -1 after reporting an error.
 */
int flowmon_request(struct flowmon_sock *fs, const struct flowmon_request *req);

/* flowmon_open(), flowmon_request(), flowmon_close(). */
int flowmon_call(const struct flowmon_request *req);

/* "flowctl: WHAT: MESSAGE", naming the fix where there is one. */
void flowmon_report(const char *what, const struct flowmon_error *err);

/*
 * Join multicast group @group of genl family @family. Returns 0 or -1 after
 * reporting.
 */
int flowmon_subscribe(struct flowmon_sock *fs, const char *family,
		      const char *group);

/*
 * Look up the version of the flowmon genl family. Returns 1 and sets
 * @version when the module is loaded, 0 when it is not, -1 on error.
 */
int flowmon_module_version(unsigned int *version);

#endif /* FLOWCTL_NETLINK_H */
