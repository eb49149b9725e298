/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the exporter has reported of each flow it follows: the counts at
 * the flow's last report, from which the next one's deltas are taken.
 */
#ifndef FLOWCTL_REPORTED_H
#define FLOWCTL_REPORTED_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "ipfix.h"

struct reported {
	uint64_t id;
	struct ipfix_delta up;
	struct ipfix_delta down;
	uint64_t time_ns;	/* of the last report; first seen before one */
	uint32_t dump;		/* the last dump that listed the flow */
};

/* The flows followed, by id (a tsearch() tree). */
struct reported_table {
	void *root;
	size_t len;
};

struct reported *reported_find(struct reported_table *t, uint64_t id);
/* @f's entry, made if it has none (nothing reported yet); NULL: no memory. */
struct reported *reported_learn(struct reported_table *t, const struct flow *f);
void reported_forget(struct reported_table *t, struct reported *r);
/* Forget the entries that dump @dump did not list; returns how many. */
size_t reported_sweep(struct reported_table *t, uint32_t dump);
void reported_free(struct reported_table *t);

/*
 * @rec's deltas: what @f did since @r (NULL: since it began). A count
 * below the last report's was reset (flowctl reset): it counts from zero.
 */
void reported_delta(struct ipfix_record *rec, const struct flow *f,
		    const struct reported *r);
/* Whether @rec has no packet, forwarded or dropped, either way. */
bool reported_delta_empty(const struct ipfix_record *rec);
/* @f was reported at @now_ns with its counts of now. */
void reported_update(struct reported *r, const struct flow *f, uint64_t now_ns);

#endif /* FLOWCTL_REPORTED_H */
