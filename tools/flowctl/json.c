// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON writer: objects of strings, integers, booleans and objects.
 */
#include "json.h"
#include "write.h"

/* The length of the start of @s that needs no escaping. */
static size_t plain_span(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p != '"' && *p != '\\')
		p++;
	return p - (const unsigned char *)s;
}

/*
 * A JSON string literal: quotes, backslashes and control characters
 * escaped. Names and addresses rarely need it: they go out in one piece.
 */
static void print_string(FILE *out, const char *s)
{
	size_t plain;

	write_char(out, '"');
	for (;;) {
		plain = plain_span(s);
		write_mem(out, s, plain);
		s += plain;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else
			fprintf(out, "\\u%04x", (unsigned char)*s);
		s++;
	}
	write_char(out, '"');
}

static void print_key(struct json *j, const char *key)
{
	if (j->need_comma)
		write_char(j->out, ',');
	j->need_comma = true;
	print_string(j->out, key);
	write_char(j->out, ':');
}

void json_object_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->need_comma = false;
	write_char(out, '{');
}

void json_object_end(struct json *j)
{
	write_char(j->out, '}');
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
	write_u64(j->out, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	print_key(j, key);
	write_str(j->out, value ? "true" : "false");
}
