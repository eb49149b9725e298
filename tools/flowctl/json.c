// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON writer: objects of strings, integers, booleans and objects.
 */

#include "json.h"

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

	fputc('"', out);
	for (;;) {
		plain = plain_span(s);
		fwrite(s, 1, plain, out);
		s += plain;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else
			fprintf(out, "\\u%04x", (unsigned char)*s);
		s++;
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
	char digits[20], *p = digits + sizeof(digits);

	/* A dump prints millions of these: no printf format to interpret. */
	do {
		*--p = '0' + value % 10;
		value /= 10;
	} while (value);
	print_key(j, key);
	fwrite(p, 1, digits + sizeof(digits) - p, j->out);
}

void json_bool(struct json *j, const char *key, bool value)
{
	print_key(j, key);
	fputs(value ? "true" : "false", j->out);
}
