/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writes a dump of a million flows makes millions of times: numbers and
 * strings copied into a buffer of flowctl's own, which goes to its stdio
 * stream in one fwrite() when it is full or done. A call to stdio for each
 * of a flow's fifty pieces was a sixth of a dump's time.
 */
#ifndef FLOWCTL_WRITE_H
#define FLOWCTL_WRITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WRITER_BUF_LEN 4096

struct writer {
	FILE *out;
	size_t len;
	char buf[WRITER_BUF_LEN];
};

void writer_init(struct writer *w, FILE *out);
/* Hands what is buffered to the stream; call it before using the stream. */
void writer_flush(struct writer *w);
/* The decimal digits of @value. */
void write_u64(struct writer *w, uint64_t value);
/* A piece larger than the space left: flushes, then copies or writes it. */
void write_mem_slow(struct writer *w, const char *s, size_t len);

static inline void write_mem(struct writer *w, const char *s, size_t len)
{
	if (len > sizeof(w->buf) - w->len) {
		write_mem_slow(w, s, len);
		return;
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

static inline void write_char(struct writer *w, char c)
{
	if (w->len == sizeof(w->buf))
		writer_flush(w);
	w->buf[w->len++] = c;
}

static inline void write_str(struct writer *w, const char *s)
{
	write_mem(w, s, strlen(s));
}

#endif /* FLOWCTL_WRITE_H */
