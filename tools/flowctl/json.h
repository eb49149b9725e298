/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal JSON writer: flat objects of strings, integers and booleans.
 */
#ifndef FLOWCTL_JSON_H
#define FLOWCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	bool need_comma;
};

void json_object_begin(struct json *j, FILE *out);
void json_object_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);

#endif /* FLOWCTL_JSON_H */
