/* alias.c - the process's table of address names (alias.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/alias.h"

struct alias {
	struct store_endpoint ep; /* port 0 with any_port */
	int any_port;
	char name[ALIAS_NAME_MAX + 1];
};

/* A few dozen names at most in practice: a linear search is enough, and
 * an empty table costs one comparison per lookup. */
static struct alias *table;
static size_t nalias, cap;

/* "IP", "IP:PORT", "[IP6]:PORT", "[IP6]" or a bare IPv6 address. */
static int parse_addr(const char *s, struct store_endpoint *ep, int *any_port)
{
	char host[64];
	const char *port = NULL;
	memset(ep, 0, sizeof *ep);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || (size_t)(end - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -1;
	} else {
		const char *colon = strchr(s, ':');
		if (strlen(s) >= sizeof host)
			return -1;
		strcpy(host, s);
		if (colon && !strchr(colon + 1, ':')) { /* one colon: IPv4:PORT */
			host[colon - s] = '\0';
			port = colon + 1;
		}
	}
	if (inet_pton(AF_INET, host, ep->addr) == 1)
		ep->family = 4;
	else if (inet_pton(AF_INET6, host, ep->addr) == 1)
		ep->family = 6;
	else
		return -1;
	*any_port = port == NULL;
	if (port) {
		char *end;
		unsigned long p = strtoul(port, &end, 10);
		if (!*port || *end || port[0] == '-' || p == 0 || p > 65535)
			return -1;
		ep->port = (uint16_t)p;
	}
	return 0;
}

int alias_add(const char *addr, const char *name, char *err, size_t errlen)
{
	struct store_endpoint ep;
	int any_port;
	if (parse_addr(addr, &ep, &any_port) < 0) {
		snprintf(err, errlen, "alias: '%.80s' is not IP, IP:PORT or [IPv6]:PORT", addr);
		return -1;
	}
	size_t len = strlen(name);
	if (!len || len > ALIAS_NAME_MAX) {
		snprintf(err, errlen, "alias: a name has 1 to %d characters", ALIAS_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f) {
			snprintf(err, errlen, "%s", "alias: a name is printable ASCII without spaces");
			return -1;
		}
	for (size_t i = 0; i < nalias; i++)
		if (table[i].any_port == any_port && store_endpoint_equal(&table[i].ep, &ep)) {
			memcpy(table[i].name, name, len + 1);
			return 0;
		}
	if (nalias == ALIAS_MAX) {
		snprintf(err, errlen, "alias: at most %d aliases", ALIAS_MAX);
		return -1;
	}
	if (nalias == cap) {
		size_t ncap = cap ? cap * 2 : 16;
		struct alias *t = realloc(table, ncap * sizeof *t);
		if (!t) {
			snprintf(err, errlen, "%s", "alias: out of memory");
			return -1;
		}
		table = t;
		cap = ncap;
	}
	struct alias *a = &table[nalias++];
	a->ep = ep;
	a->any_port = any_port;
	memcpy(a->name, name, len + 1);
	return 0;
}

const char *alias_lookup(const struct store_endpoint *ep)
{
	if (!nalias || !ep)
		return NULL;
	for (size_t i = 0; i < nalias; i++)
		if (!table[i].any_port && store_endpoint_equal(&table[i].ep, ep))
			return table[i].name;
	return alias_lookup_host(ep);
}

const char *alias_lookup_host(const struct store_endpoint *ep)
{
	if (!ep)
		return NULL;
	for (size_t i = 0; i < nalias; i++)
		if (table[i].any_port && store_endpoint_same_ip(&table[i].ep, ep))
			return table[i].name;
	return NULL;
}

int alias_format(const struct store_endpoint *ep, char *buf, size_t n)
{
	if (!nalias || !ep)
		return 0;
	for (size_t i = 0; i < nalias; i++)
		if (!table[i].any_port && store_endpoint_equal(&table[i].ep, ep)) {
			snprintf(buf, n, "%s", table[i].name);
			return 1;
		}
	const char *host = alias_lookup_host(ep);
	if (!host)
		return 0;
	snprintf(buf, n, "%s:%u", host, ep->port);
	return 1;
}

size_t alias_count(void)
{
	return nalias;
}

void alias_clear(void)
{
	free(table);
	table = NULL;
	nalias = cap = 0;
}
