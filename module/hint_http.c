// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.x (RFC 9112): a request line, then the Host header's name
 * without its port (RFC 9110 section 7.2); a status line from the server.
 * An HTTP/2 connection preface (RFC 9113 section 3.4) is HTTP too, its
 * authority being compressed. Only the segment is read: a header cut by
 * its end is not known.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/string.h>

#include "hint_parse.h"

static const char *const http_methods[] = {
	"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ",
	"CONNECT ", "TRACE ",
};

static const char http2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static bool http_starts(const u8 *d, unsigned int len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && !memcmp(d, s, n);
}

static bool http_starts_nocase(const u8 *d, unsigned int len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && !strncasecmp((const char *)d, s, n);
}

/* The length of the line at @d (to its LF), or @len if it does not end. */
static unsigned int http_line_len(const u8 *d, unsigned int len)
{
	const u8 *lf = memchr(d, '\n', len);

	return lf ? lf - d : len;
}

static bool http_is_request_line(const u8 *d, unsigned int len)
{
	unsigned int i, line = http_line_len(d, len), end = line;

	for (i = 0; i < ARRAY_SIZE(http_methods); i++)
		if (http_starts(d, line, http_methods[i]))
			break;
	if (i == ARRAY_SIZE(http_methods) || line == len)
		return false;
	/* "GET / HTTP/1.1\r\n": the version ends the line. */
	if (end && d[end - 1] == '\r')
		end--;
	return end > 9 && !memcmp(d + end - 9, " HTTP/1.", 8) &&
	       isdigit(d[end - 1]);
}

/* The name of a Host header's value, @len bytes at @v. */
static bool http_host_name(const u8 *v, unsigned int len,
			   struct hint_found *found)
{
	const u8 *colon;

	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
		       v[len - 1] == '\r'))
		len--;
	colon = memchr(v, ':', len);
	if (colon)
		len = colon - v;
	return hint_set_name(found, v, len);
}

/* The request's headers, from @off: the Host one. */
static enum hint_match http_read_host(const u8 *d, unsigned int len,
				      unsigned int off,
				      struct hint_found *found)
{
	unsigned int line;

	/* Each line takes a byte at least: the loop ends. */
	for (; off < len; off += line + 1) {
		line = http_line_len(d + off, len - off);
		if (off + line == len)
			break;			/* cut by the segment's end */
		if (line <= 1)
			break;			/* the empty line: no Host */
		if (http_starts_nocase(d + off, line, "host:"))
			return http_host_name(d + off + 5, line - 5, found) ?
			       HINT_YES : HINT_BROKEN;
	}
	return HINT_YES;
}

enum hint_match hint_parse_http(const struct hint_payload *p,
				struct hint_found *found)
{
	const u8 *d = p->data;
	unsigned int len = p->len;

	if (p->proto != IPPROTO_TCP)
		return HINT_NO;
	if (p->dir == FLOW_DIR_DOWN) {
		if ((!http_starts(d, len, "HTTP/1.0 ") &&
		     !http_starts(d, len, "HTTP/1.1 ")) ||
		    len < 12 || !isdigit(d[9]))
			return HINT_NO;
		found->l5 = FLOW_L5_HTTP;
		return HINT_YES;
	}
	if (http_starts(d, len, http2_preface)) {
		found->l5 = FLOW_L5_HTTP;
		return HINT_YES;
	}
	if (!http_is_request_line(d, len))
		return HINT_NO;
	found->l5 = FLOW_L5_HTTP;
	return http_read_host(d, len, http_line_len(d, len) + 1, found);
}
