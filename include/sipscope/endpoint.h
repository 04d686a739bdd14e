/* endpoint.h - an IP address and port, as every layer from the decoders
 * up passes them.  It keeps the store's name (the store interns them,
 * store_endpoint_id()) but lives with the utilities, so that capture and
 * decode, below the store, fill them without including it. */
#ifndef SIPSCOPE_ENDPOINT_H
#define SIPSCOPE_ENDPOINT_H

#include <stdint.h>
#include <string.h>

struct store_endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/* The same address (of an IPv4 one only its 4 bytes count). */
static inline int store_endpoint_same_ip(const struct store_endpoint *a, const struct store_endpoint *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

/* The same address and port. */
static inline int store_endpoint_equal(const struct store_endpoint *a, const struct store_endpoint *b)
{
	return store_endpoint_same_ip(a, b) && a->port == b->port;
}

#endif
