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

/* A character that JSON does not allow unescaped in a string. */
static void print_escape(struct writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

	if (c == '"' || c == '\\') {
		write_char(w, '\\');
		write_char(w, c);
		return;
	}
	write_mem(w, u, sizeof(u));
}

/*
 * A JSON string literal: quotes, backslashes and control characters
 * escaped. Names and addresses rarely need it: they go out in one piece.
 */
static void print_string(struct writer *w, const char *s)
{
	size_t plain;

	write_char(w, '"');
	for (;;) {
		plain = plain_span(s);
		write_mem(w, s, plain);
		s += plain;
		if (!*s)
			break;
		print_escape(w, *s++);
	}
	write_char(w, '"');
}

static void print_key(struct json *j, const char *key)
{
	if (j->need_comma)
		write_char(j->w, ',');
	j->need_comma = true;
	write_char(j->w, '"');
	write_str(j->w, key);
	write_mem(j->w, "\":", 2);
}

void json_object_begin(struct json *j, struct writer *w)
{
	j->w = w;
	j->need_comma = false;
	write_char(w, '{');
}

void json_object_end(struct json *j)
{
	write_char(j->w, '}');
}

void json_object_begin_key(struct json *j, const char *key, struct json *inner)
{
	print_key(j, key);
	json_object_begin(inner, j->w);
}

void json_string(struct json *j, const char *key, const char *value)
{
	print_key(j, key);
	print_string(j->w, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
	print_key(j, key);
	write_u64(j->w, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	print_key(j, key);
	write_str(j->w, value ? "true" : "false");
}
