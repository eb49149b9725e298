/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writes a dump of a million flows makes millions of times: numbers and
 * strings into a stdio stream, without a printf format to interpret and
 * without stdio's locking (flowctl has one thread).
 */
#ifndef FLOWCTL_WRITE_H
#define FLOWCTL_WRITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The decimal digits of @value. */
void write_u64(FILE *out, uint64_t value);

static inline void write_char(FILE *out, char c)
{
	putc_unlocked(c, out);
}

static inline void write_mem(FILE *out, const char *s, size_t len)
{
	fwrite_unlocked(s, 1, len, out);
}

static inline void write_str(FILE *out, const char *s)
{
	write_mem(out, s, strlen(s));
}

#endif /* FLOWCTL_WRITE_H */
