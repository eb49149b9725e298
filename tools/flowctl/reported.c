// SPDX-License-Identifier: GPL-2.0
/*
 * What the exporter has reported of each flow; see reported.h.
 */
#define _GNU_SOURCE	/* twalk_r(), tdestroy() */
#include <search.h>
#include <stdlib.h>

#include "reported.h"

static int compare_reported(const void *a, const void *b)
{
	const struct reported *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct reported *reported_find(struct reported_table *t, uint64_t id)
{
	struct reported key = { .id = id };
	struct reported **node = tfind(&key, &t->root, compare_reported);

	return node ? *node : NULL;
}

struct reported *reported_learn(struct reported_table *t, const struct flow *f)
{
	struct reported *r = reported_find(t, f->id), **node;

	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->id = f->id;
	r->time_ns = f->first_seen;
	node = tsearch(r, &t->root, compare_reported);
	if (!node) {
		free(r);
		return NULL;
	}
	t->len++;
	return r;
}

void reported_forget(struct reported_table *t, struct reported *r)
{
	tdelete(r, &t->root, compare_reported);
	t->len--;
	free(r);
}

/* Entries that a dump did not list. */
struct unlisted {
	uint32_t dump;
	struct reported **entries;
	size_t len;
	size_t cap;
};

static void find_unlisted(const void *node, VISIT which, void *arg)
{
	struct reported *r = *(struct reported *const *)node;
	struct unlisted *u = arg;
	struct reported **bigger;

	if ((which != postorder && which != leaf) || r->dump == u->dump)
		return;
	if (u->len == u->cap) {
		bigger = realloc(u->entries, (u->cap ? u->cap * 2 : 64) *
					     sizeof(*bigger));
		if (!bigger)
			return;	/* forgotten at the next sweep */
		u->entries = bigger;
		u->cap = u->cap ? u->cap * 2 : 64;
	}
	u->entries[u->len++] = r;
}

size_t reported_sweep(struct reported_table *t, uint32_t dump)
{
	struct unlisted u = { .dump = dump };
	size_t i;

	twalk_r(t->root, find_unlisted, &u);
	for (i = 0; i < u.len; i++)
		reported_forget(t, u.entries[i]);
	free(u.entries);
	return u.len;
}

void reported_free(struct reported_table *t)
{
	tdestroy(t->root, free);
	t->root = NULL;
	t->len = 0;
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

static void dir_delta(struct ipfix_delta *d, const struct flow_dir *dir,
		      const struct ipfix_delta *then)
{
	d->packets = since(dir->packets, then->packets);
	d->bytes = since(dir->bytes, then->bytes);
	d->payload = since(dir->payload, then->payload);
	d->dropped_packets = since(dir->dropped_packets, then->dropped_packets);
	d->dropped_bytes = since(dir->dropped_bytes, then->dropped_bytes);
}

void reported_delta(struct ipfix_record *rec, const struct flow *f,
		    const struct reported *r)
{
	static const struct reported none;

	if (!r)
		r = &none;
	dir_delta(&rec->up, &f->up, &r->up);
	dir_delta(&rec->down, &f->down, &r->down);
}

bool reported_delta_empty(const struct ipfix_record *rec)
{
	return !rec->up.packets && !rec->down.packets &&
	       !rec->up.dropped_packets && !rec->down.dropped_packets;
}

static void totals(struct ipfix_delta *t, const struct flow_dir *dir)
{
	t->packets = dir->packets;
	t->bytes = dir->bytes;
	t->payload = dir->payload;
	t->dropped_packets = dir->dropped_packets;
	t->dropped_bytes = dir->dropped_bytes;
}

void reported_update(struct reported *r, const struct flow *f, uint64_t now_ns)
{
	totals(&r->up, &f->up);
	totals(&r->down, &f->down);
	r->time_ns = now_ns;
}
