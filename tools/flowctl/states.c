// SPDX-License-Identifier: GPL-2.0
/*
 * TCP state names and groups of ss(8), for --state.
 */
#include <string.h>
#include <strings.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "states.h"

#define S(state) STATE_BIT(FLOWMON_TCP_##state)
#define ALL (STATE_BIT(__FLOWMON_TCP_STATE_MAX) - 1)
#define CONNECTED (ALL & ~(S(LISTEN) | S(CLOSED)))
#define SYNCHRONIZED (CONNECTED & ~S(SYN_SENT))
#define BUCKET (S(SYN_RECEIVED) | S(TIME_WAIT))
#define BIG (ALL & ~BUCKET)

#define MAX_NAMES 3

struct state_name {
	const char *names[MAX_NAMES];	/* the ss(8) name, then aliases */
	uint32_t mask;
};

static const struct state_name state_names[] = {
	{ { "established", "estab" }, S(ESTABLISHED) },
	{ { "syn-sent" }, S(SYN_SENT) },
	{ { "syn-recv", "syn-rcv", "syn-received" }, S(SYN_RECEIVED) },
	{ { "fin-wait-1" }, S(FIN_WAIT_1) },
	{ { "fin-wait-2" }, S(FIN_WAIT_2) },
	{ { "time-wait" }, S(TIME_WAIT) },
	{ { "close-wait" }, S(CLOSE_WAIT) },
	{ { "last-ack" }, S(LAST_ACK) },
	{ { "closing" }, S(CLOSING) },
	{ { "closed", "close" }, S(CLOSED) },
	{ { "listening", "listen" }, S(LISTEN) },
	{ { "all" }, ALL },
	{ { "connected" }, CONNECTED },
	{ { "synchronized" }, SYNCHRONIZED },
	{ { "bucket" }, BUCKET },
	{ { "big" }, BIG },
};

/* Mask for the @len-byte name or group at @name, 0 when unknown. */
static uint32_t state_mask(const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(state_names); i++)
		for (j = 0; j < MAX_NAMES && state_names[i].names[j]; j++)
			if (strlen(state_names[i].names[j]) == len &&
			    !strncasecmp(name, state_names[i].names[j], len))
				return state_names[i].mask;
	return 0;
}

void states_print_names(FILE *out)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(state_names); i++) {
		const char *const *names = state_names[i].names;

		fprintf(out, "%s%s", i ? ", " : "", names[0]);
		for (j = 1; j < MAX_NAMES && names[j]; j++)
			fprintf(out, "%s%s", j == 1 ? " (" : ", ", names[j]);
		if (j > 1)
			fputc(')', out);
	}
	fputc('\n', out);
}

const char *states_parse(const char *list, uint32_t *mask, int *len)
{
	const char *name = list;

	for (;;) {
		size_t n = strcspn(name, ",");
		uint32_t bits = state_mask(name, n);

		if (!bits) {
			*len = (int)n;
			return name;
		}
		*mask |= bits;
		if (!name[n])
			return NULL;
		name += n + 1;
	}
}

const char *states_name(unsigned int state)
{
	size_t i;

	if (state > FLOWMON_TCP_STATE_MAX)
		return "?";
	for (i = 0; i < ARRAY_SIZE(state_names); i++)
		if (state_names[i].mask == STATE_BIT(state))
			return state_names[i].names[0];
	return "?";
}
