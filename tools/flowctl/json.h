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

void json_object_begin(struct json *j, struct writer *w);
void json_object_end(struct json *j);
/* Begin @inner, an object that is the value of @key in @j. */
void json_object_begin_key(struct json *j, const char *key, struct json *inner);
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);

#endif /* FLOWCTL_JSON_H */
