// SPDX-License-Identifier: GPL-2.0
/*
 * Fast writes to a stdio stream (write.h).
 */
#include "write.h"

void write_u64(FILE *out, uint64_t value)
{
	char digits[20], *p = digits + sizeof(digits);

	do {
		*--p = '0' + value % 10;
		value /= 10;
	} while (value);
	write_mem(out, p, digits + sizeof(digits) - p);
}
