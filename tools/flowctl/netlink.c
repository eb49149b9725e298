// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for flowctl, on top of libnl-genl-3.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <linux/flowmon.h>

#include "netlink.h"

/* Big dumps: let the kernel queue plenty, and read whole dump skbs at once. */
#define RCVBUF_SIZE (1 << 20)
#define MSGBUF_SIZE (1 << 16)

/* State of one request while its replies come in. */
struct request {
	flowmon_reply_fn fn;
	void *arg;
	int error;		/* positive errno from the kernel or from @fn */
	bool done;		/* NLMSG_DONE or the ACK arrived */
	bool interrupted;	/* NLM_F_DUMP_INTR seen */
	char extack[256];	/* the kernel's extack message, if any */
};

static const struct nla_policy top_policy[FLOWMON_A_MAX + 1] = {
	[FLOWMON_A_FLOW] = { .type = NLA_NESTED },
	[FLOWMON_A_STATS] = { .type = NLA_NESTED },
};

static void report_errno(const char *what, int err, const char *extack)
{
	if (err == EPERM || err == EACCES)
		fputs("flowctl: permission denied: needs CAP_NET_ADMIN: run with sudo\n",
		      stderr);
	else if (err == EBADMSG)
		fprintf(stderr, "flowctl: %s: malformed reply from the kernel\n", what);
	else if (extack[0])
		fprintf(stderr, "flowctl: %s: %s (%s)\n", what, strerror(err), extack);
	else
		fprintf(stderr, "flowctl: %s: %s\n", what, strerror(err));
}

/* @err is a negative libnl error code. */
static void report_nlerr(const char *what, int err)
{
	if (err == -NLE_PERM || err == -NLE_NOACCESS)
		report_errno(what, EPERM, "");
	else
		fprintf(stderr, "flowctl: %s: %s\n", what, nl_geterror(err));
}

static int connect_socket(struct nl_sock **skp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -NLE_NOMEM;
	err = genl_connect(sk);
	if (err < 0) {
		nl_socket_free(sk);
		return err;
	}
	*skp = sk;
	return 0;
}

/* Best effort: older kernels lack extended acks, and small buffers still work. */
static void tune_socket(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk);
	int one = 1;

	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)nl_socket_set_buffer_size(sk, RCVBUF_SIZE, 0);
	(void)nl_socket_set_msg_buf_size(sk, MSGBUF_SIZE);
}

int flowmon_open(struct flowmon_sock *fs)
{
	int err = connect_socket(&fs->sk);

	if (err < 0) {
		report_nlerr("netlink socket", err);
		return -1;
	}
	fs->family = genl_ctrl_resolve(fs->sk, FLOWMON_GENL_NAME);
	if (fs->family < 0) {
		if (fs->family == -NLE_OBJ_NOTFOUND)
			fputs("flowctl: flowmon module is not loaded: run 'sudo modprobe flowmon' (or 'sudo insmod flowmon.ko')\n",
			      stderr);
		else
			report_nlerr("resolve the flowmon genl family", fs->family);
		flowmon_close(fs);
		return -1;
	}
	tune_socket(fs->sk);
	return 0;
}

void flowmon_close(struct flowmon_sock *fs)
{
	nl_socket_free(fs->sk);
	fs->sk = NULL;
}

/* Copy the NLMSGERR_ATTR_MSG found @offset bytes into @nlh's payload. */
static void copy_extack(const struct nlmsghdr *nlh, size_t offset,
			char *buf, size_t len)
{
	const struct nlattr *attr;
	size_t datalen = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset > datalen)
		return;
	attr = nla_find((const struct nlattr *)((const char *)NLMSG_DATA(nlh) + offset),
			(int)(datalen - offset), NLMSGERR_ATTR_MSG);
	if (attr)
		snprintf(buf, len, "%.*s", nla_len(attr), (const char *)nla_data(attr));
}

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct nlattr *attrs[FLOWMON_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, attrs, FLOWMON_A_MAX, top_policy);
	err = err < 0 ? -EBADMSG : req->fn(attrs, req->arg);
	if (err < 0) {
		req->error = -err;
		return NL_STOP;
	}
	return NL_OK;
}

/* NLMSG_DONE carries the dump's final error code, and extack after it. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	req->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		req->error = -err;
		copy_extack(nlh, NLMSG_ALIGN(sizeof(err)), req->extack,
			    sizeof(req->extack));
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->interrupted = true;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct request *req = arg;
	size_t offset = sizeof(*e);

	(void)nla;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	req->error = e->error < 0 ? -e->error : e->error;
	req->done = true;
	copy_extack(nlh, NLMSG_ALIGN(offset), req->extack, sizeof(req->extack));
	return NL_STOP;
}

static void set_callbacks(struct nl_sock *sk, struct request *req)
{
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, req);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, req);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, req);
	nl_socket_modify_cb(sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, req);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, req);
}

/* libnl adds NLM_F_REQUEST, and NLM_F_ACK so that a doit ends with an ACK. */
static int send_request(const struct flowmon_sock *fs, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -NLE_NOMEM;
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fs->family, 0, flags,
			cmd, FLOWMON_GENL_VERSION))
		err = nl_send_auto(fs->sk, msg);
	else
		err = -NLE_NOMEM;
	nlmsg_free(msg);
	return err;
}

int flowmon_request(struct flowmon_sock *fs, uint8_t cmd, int flags,
		    const char *what, flowmon_reply_fn fn, void *arg)
{
	struct request req = { .fn = fn, .arg = arg };
	int err;

	err = send_request(fs, cmd, flags);
	if (err < 0) {
		report_nlerr(what, err);
		return -1;
	}
	set_callbacks(fs->sk, &req);
	while (!req.done && !req.error) {
		err = nl_recvmsgs_default(fs->sk);
		if (err < 0)
			break;
	}
	if (req.error) {
		report_errno(what, req.error, req.extack);
		return -1;
	}
	if (err < 0) {
		report_nlerr(what, err);
		return -1;
	}
	return req.interrupted ? FLOWMON_DUMP_INTR : 0;
}

int flowmon_module_version(unsigned int *version)
{
	struct genl_family *family;
	struct nl_cache *cache;
	struct nl_sock *sk;
	bool found;
	int err;

	err = connect_socket(&sk);
	if (err < 0) {
		report_nlerr("netlink socket", err);
		return -1;
	}
	err = genl_ctrl_alloc_cache(sk, &cache);
	if (err < 0) {
		report_nlerr("list genl families", err);
		nl_socket_free(sk);
		return -1;
	}
	family = genl_ctrl_search_by_name(cache, FLOWMON_GENL_NAME);
	found = family != NULL;
	if (found) {
		*version = genl_family_get_version(family);
		genl_family_put(family);
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return found;
}
