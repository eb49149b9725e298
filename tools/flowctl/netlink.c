// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for flowctl, on top of libnl-genl-3.
 */
#include <errno.h>
#include <inttypes.h>
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
struct pending {
	const struct flowmon_request *req;
	const struct nlmsghdr *sent;	/* to check NLMSGERR_ATTR_OFFS */
	struct flowmon_error error;	/* code 0: none */
	int reply_error;	/* positive errno from the reply function */
	bool done;		/* NLMSG_DONE or the ACK arrived */
	bool interrupted;	/* NLM_F_DUMP_INTR seen */
};

static const struct nla_policy top_policy[FLOWMON_A_MAX + 1] = {
	[FLOWMON_A_FLOW] = { .type = NLA_NESTED },
	[FLOWMON_A_STATS] = { .type = NLA_NESTED },
	[FLOWMON_A_FLUSHED] = { .type = NLA_U64 },
	[FLOWMON_A_CONFIG] = { .type = NLA_NESTED },
	[FLOWMON_A_EVENT] = { .type = NLA_NESTED },
};

static void report_permission(void)
{
	fputs("flowctl: permission denied: needs CAP_NET_ADMIN: run with sudo\n",
	      stderr);
}

void flowmon_report(const char *what, const struct flowmon_error *err)
{
	if (err->code == EPERM || err->code == EACCES)
		report_permission();
	else if (err->code == EBADMSG)
		fprintf(stderr, "flowctl: %s: malformed reply from the kernel\n", what);
	else if (err->extack[0] && err->has_range)
		fprintf(stderr, "flowctl: %s: %s (valid: %" PRIu64 " to %" PRIu64 ")\n",
			what, err->extack, err->min, err->max);
	else if (err->extack[0])
		fprintf(stderr, "flowctl: %s: %s\n", what, err->extack);
	else
		fprintf(stderr, "flowctl: %s: %s\n", what, strerror(err->code));
}

/* Report a libnl error code (negative) for @what. */
static void flowmon_report_nlerr(const char *what, int nlerr)
{
	if (nlerr == -NLE_PERM || nlerr == -NLE_NOACCESS)
		report_permission();
	else
		fprintf(stderr, "flowctl: %s: %s\n", what, nl_geterror(nlerr));
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

static void report_not_loaded(void)
{
	fputs("flowctl: flowmon module is not loaded: run 'sudo modprobe flowmon' (or 'sudo insmod flowmon.ko')\n",
	      stderr);
}

static void report_resolve(const char *what, int nlerr)
{
	if (nlerr == -NLE_OBJ_NOTFOUND)
		report_not_loaded();
	else
		flowmon_report_nlerr(what, nlerr);
}

int flowmon_open(struct flowmon_sock *fs)
{
	int err = connect_socket(&fs->sk);

	if (err < 0) {
		flowmon_report_nlerr("netlink socket", err);
		return -1;
	}
	fs->family = genl_ctrl_resolve(fs->sk, FLOWMON_GENL_NAME);
	if (fs->family < 0) {
		report_resolve("resolve the flowmon genl family", fs->family);
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

/* The valid range of a rejected integer, from NLMSGERR_ATTR_POLICY. */
static void copy_range(struct flowmon_error *err, struct nlattr *policy)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, policy, NULL) < 0 ||
	    !tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] ||
	    !tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] ||
	    nla_len(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]) != sizeof(uint64_t) ||
	    nla_len(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) != sizeof(uint64_t))
		return;
	err->min = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
	err->max = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
	err->has_range = true;
}

/* The extended ack attributes found @offset bytes into @nlh's payload. */
static void copy_ack_tlvs(struct flowmon_error *err, const struct nlmsghdr *nlh,
			  size_t offset)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t datalen = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset > datalen ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(nlh) + offset),
		      (int)(datalen - offset), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(err->extack, sizeof(err->extack), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    nla_len(tb[NLMSGERR_ATTR_OFFS]) == sizeof(uint32_t))
		err->offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_POLICY])
		copy_range(err, tb[NLMSGERR_ATTR_POLICY]);
}

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct pending *p = arg;
	struct nlattr *attrs[FLOWMON_A_MAX + 1];
	int err;

	if (!p->req->reply) {
		p->reply_error = EBADMSG;
		return NL_STOP;
	}
	err = genlmsg_parse(nlmsg_hdr(msg), 0, attrs, FLOWMON_A_MAX, top_policy);
	err = err < 0 ? -EBADMSG : p->req->reply(attrs, p->req->arg);
	if (err < 0) {
		p->reply_error = -err;
		return NL_STOP;
	}
	return NL_OK;
}

/* NLMSG_DONE carries the dump's final error code, and extack after it. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct pending *p = arg;
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	p->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		p->error.code = -err;
		copy_ack_tlvs(&p->error, nlh, NLMSG_ALIGN(sizeof(err)));
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct pending *p = arg;

	(void)msg;
	p->done = true;
	return NL_STOP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct pending *p = arg;

	(void)msg;
	p->interrupted = true;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct pending *p = arg;
	size_t offset = sizeof(*e);

	(void)nla;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	p->error.code = e->error < 0 ? -e->error : e->error;
	p->done = true;
	copy_ack_tlvs(&p->error, nlh, NLMSG_ALIGN(offset));
	if (p->error.offset >= p->sent->nlmsg_len)
		p->error.offset = 0;
	return NL_STOP;
}

static void set_callbacks(struct nl_sock *sk, struct pending *p)
{
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, p);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, p);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, p);
	nl_socket_modify_cb(sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, p);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, p);
}

static int build_request(const struct flowmon_sock *fs,
			 const struct flowmon_request *req, struct nl_msg **msgp)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -NLE_NOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fs->family, 0,
			 req->flags, req->cmd, FLOWMON_GENL_VERSION))
		err = -NLE_NOMEM;
	else
		err = req->put ? req->put(msg, req->arg) : 0;
	if (err < 0) {
		nlmsg_free(msg);
		return err;
	}
	*msgp = msg;
	return 0;
}

/* Receive until the request is answered. Returns 0 or a libnl error. */
static int receive_replies(struct flowmon_sock *fs, struct pending *p)
{
	int err = 0;

	set_callbacks(fs->sk, p);
	while (!p->done && !p->error.code && !p->reply_error) {
		err = nl_recvmsgs_default(fs->sk);
		if (err < 0)
			break;
	}
	return err < 0 ? err : 0;
}

static int finish_request(const struct flowmon_request *req,
			  const struct pending *p, int nlerr)
{
	struct flowmon_error reply_error = { .code = p->reply_error };

	if (p->error.code) {
		if (!req->error || !req->error(&p->error, req->arg))
			flowmon_report(req->what, &p->error);
		return -1;
	}
	if (p->reply_error) {
		flowmon_report(req->what, &reply_error);
		return -1;
	}
	if (nlerr < 0) {
		flowmon_report_nlerr(req->what, nlerr);
		return -1;
	}
	return p->interrupted ? FLOWMON_DUMP_INTR : 0;
}

/*
 * Whether the family @fs resolved is gone: unregistered, or registered
 * anew by a module loaded since, under another id.
 */
static bool family_gone(const struct flowmon_sock *fs)
{
	struct nl_sock *sk;
	int id;

	if (connect_socket(&sk) < 0)
		return false;
	id = genl_ctrl_resolve(sk, FLOWMON_GENL_NAME);
	nl_socket_free(sk);
	return id == -NLE_OBJ_NOTFOUND || (id >= 0 && id != fs->family);
}

/*
 * A request that raced the module's unload: a dump that started while the
 * module was going (netlink_dump_start() cannot take a reference on it:
 * EPROTONOSUPPORT, which flowmon never answers), or a message to a family
 * id that no longer exists (ENOENT).
 */
static bool raced_unload(const struct flowmon_sock *fs, const struct pending *p)
{
	if (p->error.code == EPROTONOSUPPORT)
		return true;
	return p->error.code == ENOENT && family_gone(fs);
}

/* libnl adds NLM_F_REQUEST, and NLM_F_ACK so that a doit ends with an ACK. */
int flowmon_request(struct flowmon_sock *fs, const struct flowmon_request *req)
{
	struct pending p = { .req = req };
	struct nl_msg *msg;
	int err;

	err = build_request(fs, req, &msg);
	if (err < 0) {
		flowmon_report_nlerr(req->what, err);
		return -1;
	}
	p.sent = nlmsg_hdr(msg);
	err = nl_send_auto(fs->sk, msg);
	if (err >= 0)
		err = receive_replies(fs, &p);
	nlmsg_free(msg);
	if (raced_unload(fs, &p)) {
		report_not_loaded();
		return -1;
	}
	return finish_request(req, &p, err);
}

int flowmon_call(const struct flowmon_request *req)
{
	struct flowmon_sock fs;
	int ret;

	if (flowmon_open(&fs))
		return -1;
	ret = flowmon_request(&fs, req);
	flowmon_close(&fs);
	return ret;
}

int flowmon_subscribe(struct flowmon_sock *fs, const char *family,
		      const char *group)
{
	int id = genl_ctrl_resolve_grp(fs->sk, family, group);
	int err;

	if (id < 0) {
		report_resolve("resolve the event group", id);
		return -1;
	}
	err = nl_socket_add_membership(fs->sk, id);
	if (err < 0) {
		flowmon_report_nlerr("join the event group", err);
		return -1;
	}
	return 0;
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
		flowmon_report_nlerr("netlink socket", err);
		return -1;
	}
	err = genl_ctrl_alloc_cache(sk, &cache);
	if (err < 0) {
		flowmon_report_nlerr("list genl families", err);
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
