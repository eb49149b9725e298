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
void json_write_string(struct writer *w, const char *s)
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
