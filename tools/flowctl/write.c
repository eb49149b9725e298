// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered writes to a stdio stream (write.h).
 */
#include "write.h"

void writer_init(struct writer *w, FILE *out)
{
	w->out = out;
	w->len = 0;
}

void writer_flush(struct writer *w)
{
	fwrite_unlocked(w->buf, 1, w->len, w->out);
	w->len = 0;
}

void write_mem_slow(struct writer *w, const char *s, size_t len)
{
	writer_flush(w);
	if (len > sizeof(w->buf)) {
		fwrite_unlocked(s, 1, len, w->out);
		return;
	}
	memcpy(w->buf, s, len);
	w->len = len;
}

void write_u64(struct writer *w, uint64_t value)
{
	char digits[20], *p = digits + sizeof(digits);

	do {
		*--p = '0' + value % 10;
		value /= 10;
	} while (value);
	write_mem(w, p, digits + sizeof(digits) - p);
}
