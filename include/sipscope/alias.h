/* alias.h - names for addresses, as sngrep's ~/.sngreprc has them:
 * "alias 10.0.0.1 proxy" or "alias 10.0.0.1:5060 proxy".  The ladders,
 * the call list and the exporters show the name instead of the address.
 *
 * One table for the process, filled by the command line (config files,
 * --alias) before any capture is read and only looked up afterwards: the
 * exporters find it without every caller passing it along. */
#ifndef SIPSCOPE_ALIAS_H
#define SIPSCOPE_ALIAS_H

#include <stddef.h>

#include "sipscope/endpoint.h"

#define ALIAS_NAME_MAX 32 /* bytes of a name */
#define ALIAS_MAX 4096    /* aliases in the table */

/* Add "IP[:PORT]" (IPv6 as "[ADDR]:PORT", or a bare ADDR) named name.
 * A name is 1 to ALIAS_NAME_MAX printable ASCII characters without
 * spaces (so it is safe on a terminal and in every export format).  The
 * same address again replaces the name.  Returns 0, or -1 with the
 * reason in err. */
int alias_add(const char *addr, const char *name, char *err, size_t errlen);
/* The name of ep: an alias of its ip:port, else of its address alone;
 * NULL when none applies. */
const char *alias_lookup(const struct store_endpoint *ep);
/* The name of ep's address alone (an alias without a port), or NULL. */
const char *alias_lookup_host(const struct store_endpoint *ep);
/* What every surface shows for ep when an alias applies: the name of
 * its ip:port, or "NAME:PORT" from an alias of the address alone (two
 * ports of one host stay apart).  Returns 1 with it in buf, or 0 (buf
 * untouched) when no alias applies. */
int alias_format(const struct store_endpoint *ep, char *buf, size_t n);
size_t alias_count(void);
/* Forget every alias (tests). */
void alias_clear(void);

#endif
