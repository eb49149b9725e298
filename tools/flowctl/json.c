// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON writer: objects of strings, integers, booleans and objects.
 */
#include <inttypes.h>

#include "json.h"

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_key(struct json *j, const char *key)
{
	if (j->need_comma)
		fputc(',', j->out);
	j->need_comma = true;
	print_string(j->out, key);
	fputc(':', j->out);
}

void json_object_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->need_comma = false;
	fputc('{', out);
}

void json_object_end(struct json *j)
{
	fputc('}', j->out);
}

void json_object_begin_key(struct json *j, const char *key, struct json *inner)
{
	print_key(j, key);
	json_object_begin(inner, j->out);
}

void json_string(struct json *j, const char *key, const char *value)
{
	print_key(j, key);
	print_string(j->out, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
	print_key(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	print_key(j, key);
	fputs(value ? "true" : "false", j->out);
}
