/* srtp.h - SRTP and SRTCP receive sessions from SDES keys (RFC 3711,
 * RFC 4568 a=crypto, RFC 6188 AES-256, RFC 7714 AES-GCM), on libsrtp2.
 *
 * In SDES each side's a=crypto carries the key it encrypts what it SENDS
 * with; a receive session for a stream is made from the sender's key.
 * A session authenticates and decrypts in place.  libsrtp's replay window
 * rejects a packet it has already taken (a duplicate in the capture) or
 * one too old for the window before authenticating it: it is reported as
 * SRTP_RX_REPLAY, so the caller can still count it from the clear header.
 *
 * The rollover counter (RFC 3711 3.3.1) is estimated by libsrtp from the
 * sequence numbers it sees, starting at 0: a capture that starts after
 * the sender's sequence number wrapped fails authentication throughout.
 *
 * Key material is never printed; srtp_rx_key_wipe() and srtp_rx_free()
 * clear it from memory (OPENSSL_cleanse; libsrtp clears its own copies
 * when the session is deallocated). */
#ifndef SIPSCOPE_SRTP_H
#define SIPSCOPE_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sdp.h"

#define SRTP_RX_KEY_MAX 46   /* AES-256 key (32) + salt (14) */
#define SRTP_RX_WINDOW 1024  /* replay window, packets */

/* A master key and salt, decoded from an a=crypto line. */
struct srtp_rx_key {
	uint8_t suite;    /* enum sdp_srtp_suite */
	uint8_t len;      /* bytes in key (key || salt); 0: no usable key */
	uint8_t mki_len;  /* MKI bytes in each packet, 0 none */
	uint32_t mki;
	uint8_t key[SRTP_RX_KEY_MAX];
};

enum srtp_rx_result {
	SRTP_RX_OK = 0,    /* authenticated and decrypted */
	SRTP_RX_AUTH_FAIL, /* failed authentication (or could not be read as SRTP) */
	SRTP_RX_REPLAY     /* seen before or too old for the replay window: untouched */
};

/* Bytes of key || salt a suite takes (30, 46, 28, 44), 0 for unknown. */
size_t srtp_rx_key_len(enum sdp_srtp_suite suite);
/* The key of an a=crypto line: its base64 inline key decoded (padding
 * optional) and checked against the suite's length.  Returns 0, or -1
 * (unknown suite, no key, bad base64, wrong length) with out->len 0. */
int srtp_rx_key_from_sdp(const struct sdp_crypto *c, struct srtp_rx_key *out);
/* Clear a key from memory. */
void srtp_rx_key_wipe(struct srtp_rx_key *k);

struct srtp_rx;

/* A receive session for any SSRC with key k (copied: the caller may wipe
 * its own).  NULL when the key is not usable or libsrtp refused it;
 * the owner frees with srtp_rx_free(). */
struct srtp_rx *srtp_rx_new(const struct srtp_rx_key *k);
/* Deallocate the session; its keys are cleared. */
void srtp_rx_free(struct srtp_rx *rx);
/* Authenticate and decrypt one SRTP (srtp_rx_rtp) or SRTCP (srtp_rx_rtcp)
 * packet in place: on SRTP_RX_OK, p[0..*len) is the plain RTP or RTCP
 * packet (tag, MKI and SRTCP index removed).  p must be 4-byte aligned.
 * Any other result leaves *len as it was. */
enum srtp_rx_result srtp_rx_rtp(struct srtp_rx *rx, uint8_t *p, size_t *len);
enum srtp_rx_result srtp_rx_rtcp(struct srtp_rx *rx, uint8_t *p, size_t *len);

#endif
