/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal JSON writer: objects of strings, integers, booleans and objects.
 * Keys are flowctl's own names: they are written as they are, unescaped.
 */
#ifndef FLOWCTL_JSON_H
#define FLOWCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "write.h"

struct json {
	struct writer *w;
	bool need_comma;
};

/* A JSON string literal of @s, escaped as needed (json.c). */
void json_write_string(struct writer *w, const char *s);

/*
 * The rest is inline: a list writes a key some fifty times per flow, and
 * inlined, the length of a literal key is known where it is written (its
 * strlen() and memcpy() calls were 5% of a dump's time).
 */
static inline void json_key(struct json *j, const char *key)
{
	if (j->need_comma)
		write_char(j->w, ',');
	j->need_comma = true;
	write_char(j->w, '"');
	write_str(j->w, key);
	write_mem(j->w, "\":", 2);
}

static inline void json_object_begin(struct json *j, struct writer *w)
{
	j->w = w;
	j->need_comma = false;
	write_char(w, '{');
}

static inline void json_object_end(struct json *j)
{
	write_char(j->w, '}');
}

/* Begin @inner, an object that is the value of @key in @j. */
static inline void json_object_begin_key(struct json *j, const char *key,
					 struct json *inner)
{
	json_key(j, key);
	json_object_begin(inner, j->w);
}

static inline void json_string(struct json *j, const char *key,
			       const char *value)
{
	json_key(j, key);
	json_write_string(j->w, value);
}

static inline void json_u64(struct json *j, const char *key, uint64_t value)
{
	json_key(j, key);
	write_u64(j->w, value);
}

static inline void json_bool(struct json *j, const char *key, bool value)
{
	json_key(j, key);
	write_str(j->w, value ? "true" : "false");
}

#endif /* FLOWCTL_JSON_H */
