/* endpoint.h - an IP address and port, as every layer from the decoders
 * up passes them.  It keeps the store's name (the store interns them,
 * store_endpoint_id()) but lives with the utilities, so that capture and
 * decode, below the store, fill them without including it. */
#ifndef SIPSCOPE_ENDPOINT_H
#define SIPSCOPE_ENDPOINT_H

#include <stdint.h>

struct store_endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

#endif
