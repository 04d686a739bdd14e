/* tls_int.h - shared by the TLS connection decoder's files only
 * (tls_conn.c: records, resync, pending queue, the API; tls_hs.c: the
 * handshake messages and the key schedule).  tls.h is the door. */
#ifndef SIPSCOPE_TLS_INT_H
#define SIPSCOPE_TLS_INT_H

#include "sipscope/tls.h"

#define TLS_HS_MAX (64u << 10)          /* one handshake message; longer ones are skipped */
#define TLS_TRANSCRIPT_MAX (256u << 10) /* the RFC 7627 session hash input (RSA path only) */
#define TLS_REC_MAX TLS_PLAINTEXT_MAX   /* the longest record fragment */
#define TLS_SEQ_TRIALS 512u             /* seq recovery: expected + 1 .. + TLS_SEQ_TRIALS */
#define TLS_TRIAL_FAILS 8u              /* failed records in a row after which trials stop */
#define TLS_TICKET_MAX 4096u
#define TLS_CKE_MAX 2048u

/* Key epochs of one direction. */
enum { TLS_EP_PLAIN, TLS_EP_HS, TLS_EP_APP };

/* What happened to a record: done (opened, dropped or queued), or blocked
 * (replayed from the queue and its key is still missing). */
enum { TLS_REC_DONE, TLS_REC_BLOCKED };

struct tls_dir {
	struct tls_cipher *ciph;  /* the epoch's cipher; NULL: plaintext, or no key yet */
	struct tls_cipher *early; /* 1.3 client: 0-RTT (CLIENT_EARLY_TRAFFIC_SECRET) */
	uint64_t seq, early_seq;
	uint8_t ep;
	uint8_t secret[TLS_SECRET_MAX]; /* 1.3: the epoch's traffic secret */
	uint8_t slen;
	uint8_t lost;       /* plaintext lost since the last emit */
	uint8_t resync;     /* scanning for a record header */
	uint8_t recover;    /* after a gap: the next record may need another seq */
	uint8_t finished;   /* 1.3: this direction's Finished was read */
	uint8_t switch_app; /* 1.3: Finished ends this record: app keys from the next */
	uint8_t key_update; /* 1.3: KeyUpdate ends this record */
	uint8_t early_done; /* 1.3 client: EndOfEarlyData read or early keys failed */
	uint8_t early_tried;
	uint32_t fail_streak;
	uint64_t ok_in_epoch;
	uint8_t *hs; /* a handshake message that spans records (freed once whole) */
	size_t hs_len, hs_cap, hs_skip;
	uint8_t *q; /* pending records: {u64 len, u64 frame, i64 ts, header + fragment} */
	size_t q_len, q_cap, q_n;
};

struct tls_conn {
	struct tls_env *env;
	struct tls_conn_info info;
	const struct tls_suite *suite;
	struct tls_dir d[2];
	uint8_t sr[32];
	uint8_t ch_seen, sh_seen, v13, v13_offered, early_offered, ems_c, etm_c, ems, etm;
	uint8_t sid_c[32], sid_c_len, sid_s[32], sid_s_len;
	uint8_t saw_shd, resumed_counted, counted_decrypted, unsupported;
	uint16_t client_version;
	uint8_t *ch_ticket, *nst, *cke;
	size_t ch_ticket_len, nst_len, cke_len;
	uint8_t ms[48];
	uint8_t have_ms, ms_from_rsa, rsa_tried;
	uint8_t kb[2 * 48 + 2 * 32 + 2 * 12]; /* TLS 1.2 key_block */
	uint8_t *tr; /* TLS 1.2 transcript CH..CKE, when RSA keys are loaded (freed once used) */
	size_t tr_len, tr_cap;
	uint8_t tr_broken, tr_done;
	size_t pend_bytes;
	uint8_t *out; /* env->out: one record's plaintext */
};

static inline unsigned tls_u16be(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static inline size_t tls_u24be(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static inline size_t tls_hash_len(int hash)
{
	return hash == TLS_HASH_SHA384 ? 48 : 32;
}

static inline int tls_client_dir(const struct tls_conn *c)
{
	return c->info.client_dir;
}

/* ---- tls_hs.c ---- */

/* Problems that explain more than "no key" are kept; NO_KEY and OK give way. */
void tls_hs_set_reason(struct tls_conn *c, int r);
/* A new epoch of d: the old cipher and secret wiped, seq 0. */
void tls_hs_new_epoch(struct tls_dir *d, int ep);
/* A TLS 1.3 record cipher from a traffic secret (NULL on failure). */
struct tls_cipher *tls_hs_cipher13(struct tls_conn *c, const struct tls_suite *s, const uint8_t *secret,
				   size_t slen);
/* The key store's secret of that kind for this connection's client_random
 * (want: its required length, 0 any), copied to out; its length or 0. */
size_t tls_hs_find_secret(struct tls_conn *c, int kind, size_t want, uint8_t *out);
/* TLS 1.3: dir's cipher for its current epoch.  0, or -1 (no key yet). */
int tls_hs_install13(struct tls_conn *c, int dir);
/* The current epoch's cipher of an encrypted direction (1.2 or 1.3), when
 * it can be had now.  0, or -1. */
int tls_hs_obtain_key(struct tls_conn *c, int dir);
/* 1.3: the cipher of the epoch after dir's current one (a lost Finished or
 * KeyUpdate), its secret left in next (*nl bytes); NULL if none. */
struct tls_cipher *tls_hs_next_epoch13(struct tls_conn *c, int dir, uint8_t *next, size_t *nl);
/* Drop (and wipe) what dir gathered of a message spanning records. */
void tls_hs_release(struct tls_dir *d);
/* Handshake bytes of dir (enc: they came out of a decrypted record). */
void tls_hs_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, int enc);

#endif
