// SPDX-License-Identifier: GPL-2.0
/*
 * The connection to an IPFIX collector; see collector.h.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "collector.h"
#include "ipfix.h"

/* IANA's port for IPFIX, over UDP and TCP. */
#define IPFIX_PORT "4739"
#define HOST_MAX 256
#define IPV4_HEADERS (20 + 8)		/* IP and UDP; TCP's 20 counted apart */
#define IPV6_HEADERS (40 + 8)
#define TCP_EXTRA 12
/* A stuck collector must not hold the events up for long. */
#define SEND_TIMEOUT_S 5
#define BACKOFF_MIN_NS 1000000000ULL
#define BACKOFF_MAX_NS (60 * 1000000000ULL)

/* Split HOST[:PORT] or [HOST][:PORT]. Returns 0, or -1 if malformed. */
static int split_spec(const char *spec, char host[HOST_MAX], const char **port)
{
	const char *end, *colon;
	size_t len;

	*port = IPFIX_PORT;
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		len = end - spec - 1;
		spec++;
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		len = colon ? (size_t)(colon - spec) : strlen(spec);
	}
	if (!len || len >= HOST_MAX || (colon && !colon[1]))
		return -1;
	memcpy(host, spec, len);
	host[len] = '\0';
	if (colon)
		*port = colon + 1;
	return 0;
}

static int resolve(struct collector *c, const char *spec)
{
	struct addrinfo hints = {
		.ai_socktype = c->tcp ? SOCK_STREAM : SOCK_DGRAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res;
	char host[HOST_MAX];
	const char *port;
	int err;

	if (split_spec(spec, host, &port)) {
		fprintf(stderr, "flowctl: bad collector '%s': expected HOST, HOST:PORT or [IPV6]:PORT\n",
			spec);
		return -1;
	}
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "flowctl: collector '%s': %s\n", spec,
			gai_strerror(err));
		return -1;
	}
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* What one message may take on the route: its MTU less the headers. */
static size_t route_message_max(const struct collector *c)
{
	bool v6 = c->addr.ss_family == AF_INET6;
	int mtu = 0;
	socklen_t len = sizeof(mtu);

	if (getsockopt(c->fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_MTU : IP_MTU, &mtu, &len) || mtu <= 0)
		return IPFIX_MESSAGE_MIN;
	mtu -= v6 ? IPV6_HEADERS : IPV4_HEADERS;
	if (c->tcp)
		mtu -= TCP_EXTRA;
	return mtu < IPFIX_MESSAGE_MIN ? IPFIX_MESSAGE_MIN :
	       mtu > IPFIX_MESSAGE_MAX ? IPFIX_MESSAGE_MAX : (size_t)mtu;
}

static int open_socket(struct collector *c)
{
	struct timeval timeout = { .tv_sec = SEND_TIMEOUT_S };
	int fd;

	fd = socket(c->addr.ss_family,
		    (c->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* On Linux, SO_SNDTIMEO bounds connect() too. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (struct sockaddr *)&c->addr, c->addr_len)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	c->fd = fd;
	c->sequence = 0;
	return 0;
}

/* Send all of @buf; a TCP stream takes it in pieces. Returns 0 or -1. */
static int send_all(struct collector *c, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!c->tcp && (size_t)n != len)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static void disconnect(struct collector *c, uint64_t now_ns)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->backoff_ns = c->backoff_ns ? c->backoff_ns * 2 : BACKOFF_MIN_NS;
	if (c->backoff_ns > BACKOFF_MAX_NS)
		c->backoff_ns = BACKOFF_MAX_NS;
	c->retry_ns = now_ns + c->backoff_ns;
}

/* Send one message with the session's next sequence number. */
static int send_message(struct collector *c, struct collector_message *msg,
			uint64_t now_ns)
{
	ipfix_set_sequence(msg->buf, c->sequence);
	if (send_all(c, msg->buf, msg->len)) {
		c->stats.send_errors++;
		if (c->tcp) {
			fprintf(stderr, "flowctl: collector %s: %s; trying again\n",
				c->name, strerror(errno));
			disconnect(c, now_ns);
		}
		return -1;
	}
	c->sequence += msg->records;
	c->stats.bytes += msg->len;
	if (msg != &c->templates) {
		c->stats.messages++;
		c->stats.records += msg->records;
	}
	return 0;
}

static int send_templates(struct collector *c, uint64_t now_ns)
{
	if (send_message(c, &c->templates, now_ns))
		return -1;
	c->stats.template_messages++;
	c->templates_sent_ns = now_ns;
	c->messages_since_templates = 0;
	return 0;
}

/* UDP: the templates are due again by time or by count. */
static bool templates_due(const struct collector *c, uint64_t now_ns)
{
	return !c->tcp &&
	       (now_ns - c->templates_sent_ns >= c->template_refresh_ns ||
		c->messages_since_templates >= c->template_messages);
}

static bool connect_tcp(struct collector *c, uint64_t now_ns)
{
	if (c->fd >= 0)
		return true;
	if (now_ns < c->retry_ns)
		return false;
	if (open_socket(c)) {
		int err = errno;

		disconnect(c, now_ns);
		fprintf(stderr, "flowctl: collector %s: %s; trying again in %llu s\n",
			c->name, strerror(err),
			(unsigned long long)(c->backoff_ns / 1000000000ULL));
		return false;
	}
	c->stats.connects++;
	if (send_templates(c, now_ns))
		return false;
	c->backoff_ns = 0;
	return true;
}

static struct collector_message *queue_at(struct collector *c, size_t i)
{
	return &c->queue[(c->queue_head + i) % c->queue_max];
}

static void queue_pop(struct collector *c)
{
	free(queue_at(c, 0)->buf);
	c->queue_head = (c->queue_head + 1) % c->queue_max;
	c->queue_len--;
}

static void queue_push(struct collector *c, const uint8_t *buf, size_t len,
		       uint32_t records)
{
	struct collector_message *msg;

	if (c->queue_len == c->queue_max) {
		c->stats.records_dropped += queue_at(c, 0)->records;
		queue_pop(c);
	}
	msg = queue_at(c, c->queue_len);
	msg->buf = malloc(len);
	if (!msg->buf) {
		c->stats.records_dropped += records;
		return;
	}
	memcpy(msg->buf, buf, len);
	msg->len = len;
	msg->records = records;
	c->queue_len++;
}

/* TCP: send what waits, oldest first, while the collector takes it. */
static void flush_queue(struct collector *c, uint64_t now_ns)
{
	while (c->queue_len && connect_tcp(c, now_ns)) {
		if (send_message(c, queue_at(c, 0), now_ns))
			return;
		queue_pop(c);
	}
}

int collector_open(struct collector *c, const char *spec,
		   const struct collector_options *opts)
{
	bool tcp = opts->tcp;

	memset(c, 0, sizeof(*c));
	c->name = spec;
	c->tcp = tcp;
	c->fd = -1;
	c->template_refresh_ns = opts->template_refresh_ns;
	c->template_messages = opts->template_messages;
	if (resolve(c, spec))
		return -1;
	c->queue_max = opts->queue_max ? opts->queue_max : 1;
	c->queue = calloc(c->queue_max, sizeof(*c->queue));
	if (!c->queue) {
		perror("flowctl: queue");
		return -1;
	}
	if (open_socket(c)) {
		if (!tcp) {
			fprintf(stderr, "flowctl: collector %s: %s\n", spec,
				strerror(errno));
			return -1;
		}
		fprintf(stderr, "flowctl: collector %s: %s; trying again\n",
			spec, strerror(errno));
		c->message_max = opts->mtu ? opts->mtu : IPFIX_MESSAGE_MIN;
		return 0;
	}
	if (tcp)
		c->stats.connects++;
	c->message_max = opts->mtu ? opts->mtu : route_message_max(c);
	return 0;
}

int collector_set_templates(struct collector *c, const uint8_t *buf, size_t len)
{
	c->templates.buf = malloc(len);
	if (!c->templates.buf) {
		perror("flowctl: templates");
		return -1;
	}
	memcpy(c->templates.buf, buf, len);
	c->templates.len = len;
	c->templates.records = 0;
	/* Due at once: over UDP as over a TCP connection just made. */
	c->templates_sent_ns = 0;
	c->messages_since_templates = c->template_messages;
	return 0;
}

/*
 * A collector never sends: a readable TCP socket means it closed the
 * connection (or reset it), and what is sent next would be lost.
 */
static void check_closed(struct collector *c, uint64_t now_ns)
{
	char byte;
	ssize_t n;

	if (c->fd < 0)
		return;
	n = recv(c->fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	fprintf(stderr, "flowctl: collector %s closed the connection; trying again\n",
		c->name);
	disconnect(c, now_ns);
}

void collector_send(struct collector *c, uint8_t *buf, size_t len,
		    uint32_t records, uint64_t now_ns)
{
	struct collector_message msg = { buf, len, records };

	if (c->tcp) {
		queue_push(c, buf, len, records);
		check_closed(c, now_ns);
		flush_queue(c, now_ns);
		return;
	}
	if (templates_due(c, now_ns))
		(void)send_templates(c, now_ns);
	if (send_message(c, &msg, now_ns))
		c->stats.records_dropped += records;
	c->messages_since_templates++;
}

void collector_tick(struct collector *c, uint64_t now_ns)
{
	if (!c->tcp) {
		if (templates_due(c, now_ns))
			(void)send_templates(c, now_ns);
		return;
	}
	check_closed(c, now_ns);
	flush_queue(c, now_ns);
}

void collector_close(struct collector *c, uint64_t now_ns)
{
	if (c->tcp) {
		c->retry_ns = 0;
		flush_queue(c, now_ns);
	}
	while (c->queue_len) {
		c->stats.records_dropped += queue_at(c, 0)->records;
		queue_pop(c);
	}
	free(c->queue);
	free(c->templates.buf);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
