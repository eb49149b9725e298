// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/flowmon: one line per flow of the reader's namespace.
 *
 * The format is a stable interface for scripts (see README): a header line
 * naming the columns, then whitespace-separated fields. A read that spans
 * many chunks resumes from a cursor kept in the iterator, so reading the
 * whole table costs time linear in its size, unlike nf_conntrack's file
 * which walks again from the first bucket for every chunk.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file_net.h>

#include "netlink.h"
#include "netns.h"
#include "proc.h"

#define FLOWMON_PROC_HEADER \
	"family proto client client_port server server_port state " \
	"client_state server_state packets_up bytes_up payload_up " \
	"packets_down bytes_down payload_down first_seen last_seen age " \
	"nat nat_client nat_client_port nat_server nat_server_port " \
	"l5 secured name drops_up drops_down drop_reason " \
	"rtt_client_us rtt_server_us\n"

/*
 * @cursor stands just before the flow at position @pos; @peek just after
 * it. A chunk that ends because a line did not fit restarts at @pos, which
 * @cursor still finds; only moving on commits @peek to @cursor.
 */
struct flowmon_proc_iter {
	struct seq_net_private p;
	struct flow_cursor cursor;
	struct flow_cursor peek;
	loff_t pos;
	u64 now;
};

static struct flow_table *flowmon_proc_table(struct seq_file *seq)
{
	return &flowmon_pernet(seq_file_net(seq))->table;
}

/* Positions are 1-based: 0 is the header line. */
static void *flowmon_proc_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct flowmon_proc_iter *iter = seq->private;
	struct flow_table *table = flowmon_proc_table(seq);

	flow_table_walk_start(table);
	iter->now = ktime_get_real_ns();
	if (*pos == 0 || *pos != iter->pos) {
		iter->cursor = (struct flow_cursor){};
		iter->pos = 1;
	}
	if (*pos == 0)
		return SEQ_START_TOKEN;

	/* Only a seek lands elsewhere than where the last chunk stopped. */
	while (iter->pos < *pos) {
		if (!flow_table_next(table, &iter->cursor))
			return NULL;
		iter->pos++;
	}
	iter->peek = iter->cursor;
	return flow_table_next(table, &iter->peek);
}

static void *flowmon_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct flowmon_proc_iter *iter = seq->private;

	++*pos;
	if (v != SEQ_START_TOKEN) {
		iter->cursor = iter->peek;
		iter->pos++;
	}
	iter->peek = iter->cursor;
	return flow_table_next(flowmon_proc_table(seq), &iter->peek);
}

static void flowmon_proc_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	flow_table_walk_stop(flowmon_proc_table(seq));
}

static int flowmon_proc_show(struct seq_file *seq, void *v)
{
	struct flowmon_proc_iter *iter = seq->private;

	if (v == SEQ_START_TOKEN)
		seq_puts(seq, FLOWMON_PROC_HEADER);
	else
		flow_seq_print(seq, v, iter->now);
	return 0;
}

static const struct seq_operations flowmon_proc_ops = {
	.start = flowmon_proc_start,
	.next = flowmon_proc_next,
	.stop = flowmon_proc_stop,
	.show = flowmon_proc_show,
};

int flowmon_proc_init(struct net *net)
{
	/* Root only, as /proc/net/nf_conntrack, unless reading is open. */
	umode_t mode = flowmon_unprivileged_read() ? 0444 : 0440;

	if (!proc_create_net("flowmon", mode, net->proc_net, &flowmon_proc_ops,
			     sizeof(struct flowmon_proc_iter)))
		return -ENOMEM;
	return 0;
}

void flowmon_proc_exit(struct net *net)
{
	remove_proc_entry("flowmon", net->proc_net);
}
