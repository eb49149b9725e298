// SPDX-License-Identifier: GPL-2.0
/*
 * A /metrics endpoint for Prometheus; see metrics.h.
 *
 * Prometheus sends "GET /metrics HTTP/1.1" and a few headers; the answer
 * is the whole body with its length, and the connection closes. A client
 * that does not send its request within a second is dropped, so that one
 * stuck connection cannot hold the exporter up for long.
 */
#define _GNU_SOURCE	/* accept4() */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "metrics.h"
#include "prometheus.h"

#define REQUEST_MAX 4096
#define HOST_MAX 256

/* Split PORT, ADDR:PORT or [ADDR]:PORT. Returns 0, or -1 if malformed. */
static int split_listen(const char *spec, char host[HOST_MAX], const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t len;

	if (!colon) {
		host[0] = '\0';
		*port = spec;
		return *spec ? 0 : -1;
	}
	*port = colon + 1;
	if (spec[0] == '[') {
		if (colon == spec || colon[-1] != ']')
			return -1;
		spec++;
		len = colon - spec - 1;
	} else {
		len = colon - spec;
	}
	if (len >= HOST_MAX || !**port)
		return -1;
	memcpy(host, spec, len);
	host[len] = '\0';
	return 0;
}

static int listen_on(const struct addrinfo *ai)
{
	int one = 1;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int metrics_open(struct metrics_server *m, const char *spec)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
		.ai_family = AF_INET6,
	};
	struct addrinfo *res;
	char host[HOST_MAX];
	const char *port;
	int err;

	m->fd = -1;
	m->name = spec;
	if (split_listen(spec, host, &port)) {
		fprintf(stderr, "flowctl: bad --metrics '%s': expected PORT, ADDR:PORT or [IPV6]:PORT\n",
			spec);
		return -1;
	}
	/* No address: both families on the IPv6 socket, or IPv4 without IPv6. */
	if (host[0])
		hints.ai_family = AF_UNSPEC;
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err) {
		fprintf(stderr, "flowctl: --metrics '%s': %s\n", spec,
			gai_strerror(err));
		return -1;
	}
	m->fd = listen_on(res);
	freeaddrinfo(res);
	if (m->fd < 0 && !host[0] && errno == EAFNOSUPPORT) {
		hints.ai_family = AF_INET;
		if (!getaddrinfo(NULL, port, &hints, &res)) {
			m->fd = listen_on(res);
			freeaddrinfo(res);
		}
	}
	if (m->fd < 0) {
		fprintf(stderr, "flowctl: --metrics '%s': %s\n", spec,
			strerror(errno));
		return -1;
	}
	return 0;
}

void metrics_close(struct metrics_server *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* Read the request up to its empty line. Returns 0, or -1. */
static int read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return 0;
	}
	return -1;
}

static void send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void respond(int fd, const char *status, const char *type,
		    const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, type, len);

	send_all(fd, head, n);
	send_all(fd, body, len);
}

static void respond_text(int fd, const char *status, const char *text)
{
	respond(fd, status, "text/plain", text, strlen(text));
}

static bool wants_metrics(const char *request)
{
	return !strncmp(request, "GET /metrics ", 13) ||
	       !strncmp(request, "GET /metrics?", 13);
}

static void answer(int fd, metrics_write_fn write, void *arg)
{
	char request[REQUEST_MAX];
	char *body = NULL;
	size_t len = 0;
	FILE *out;

	if (read_request(fd, request, sizeof(request)))
		return;
	if (!wants_metrics(request)) {
		respond_text(fd, "404 Not Found", "try /metrics\n");
		return;
	}
	out = open_memstream(&body, &len);
	if (!out) {
		respond_text(fd, "500 Internal Server Error", "");
		return;
	}
	if (write(out, arg)) {
		fclose(out);
		respond_text(fd, "503 Service Unavailable",
			     "flowmon statistics unavailable\n");
	} else {
		fclose(out);
		respond(fd, "200 OK", PROMETHEUS_CONTENT_TYPE, body, len);
	}
	free(body);
}

void metrics_answer(struct metrics_server *m, metrics_write_fn write, void *arg)
{
	struct timeval timeout = { .tv_sec = 1 };
	int fd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	answer(fd, write, arg);
	close(fd);
}
