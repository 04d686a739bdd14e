/* check.h - the RFC 3261 conformance checker: one finding per protocol
 * problem, pinned to the message that shows it, with the rule broken.
 *
 * The checker reads what the store and the tracker hold, in capture
 * order: each message's bytes are fetched and parsed again, and rules
 * look at the message alone (mandatory headers, Content-Length, tags),
 * at its transaction (responses against their request, retransmission
 * timing, Timer B/F, CANCEL), at its dialog (CSeq order, Record-Route and
 * the route set, ACK of a 2xx) and at its SDP offer/answer (RFC 3264).
 * It runs incrementally (check_update() takes the messages appended since
 * the last call), so the viewer checks a live capture as it grows; rules
 * that wait for time (a request without final response 64*T1 on) fire as
 * capture time passes, and check_finish() settles them at the end.
 *
 * A rule that concerns what a proxy forwards unchanged (a missing Contact,
 * a From without tag) is reported once, on the first hop where the
 * message appears; rules about one hop (Via, Max-Forwards, Content-Length,
 * retransmissions) are reported on each hop.  Retransmissions are not
 * checked again as messages.  Messages the capture cut short (snaplen, a
 * lost TCP segment) are not checked: their bytes are not what was sent. */
#ifndef SIPSCOPE_CHECK_H
#define SIPSCOPE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/store.h"
#include "sipscope/track.h"

enum check_severity {
	CHECK_INFO = 0,
	CHECK_WARNING,
	CHECK_ERROR
};

enum check_rule {
	CHECK_PARSE_ERROR = 0,
	CHECK_MISSING_HEADER,
	CHECK_MISSING_FROM_TAG,
	CHECK_CSEQ_METHOD_MISMATCH,
	CHECK_CONTENT_LENGTH_MISMATCH,
	CHECK_CONTENT_LENGTH_MISSING,
	CHECK_BODY_WITHOUT_CONTENT_TYPE,
	CHECK_INVITE_WITHOUT_CONTACT,
	CHECK_2XX_WITHOUT_CONTACT,
	CHECK_RESPONSE_WITHOUT_TO_TAG,
	CHECK_BRANCH_WITHOUT_COOKIE,
	CHECK_VIA_SENT_BY_NAT,
	CHECK_MAX_FORWARDS_EXHAUSTED,
	CHECK_MAX_FORWARDS_NOT_DECREMENTED,
	CHECK_RESPONSE_WITHOUT_REQUEST,
	CHECK_RESPONSE_MISMATCH,
	CHECK_RESPONSE_VIA_MISMATCH,
	CHECK_NO_FINAL_RESPONSE,
	CHECK_SECOND_FINAL_RESPONSE,
	CHECK_RETRANS_TOO_EARLY,
	CHECK_RETRANS_INTERVAL,
	CHECK_RETRANS_ON_RELIABLE,
	CHECK_RETRANS_AFTER_PROVISIONAL,
	CHECK_ACK_MISSING,
	CHECK_ACK_WITHOUT_INVITE,
	CHECK_CANCEL_AFTER_FINAL,
	CHECK_CANCEL_UNANSWERED,
	CHECK_CANCEL_WITHOUT_INVITE,
	CHECK_CANCEL_MISMATCH,
	CHECK_CSEQ_NOT_INCREASING,
	CHECK_CSEQ_REUSED,
	CHECK_RECORD_ROUTE_NOT_MIRRORED,
	CHECK_ROUTE_SET_IGNORED,
	CHECK_SDP_MLINE_COUNT,
	CHECK_SDP_CODEC_NOT_OFFERED,
	CHECK_SDP_NO_COMMON_CODEC,
	CHECK_IDENTITY_SIGNATURE, /* STIR/SHAKEN (check_identity.c) */
	CHECK_IDENTITY_TN_MISMATCH,
	CHECK_IDENTITY_STALE,
	CHECK_IDENTITY_UNVERIFIED,
	CHECK_IDENTITY_MISSING,
	/* --- issue 25: attacks --- */
	CHECK_SCANNER,
	CHECK_EXTENSION_ENUMERATION,
	CHECK_PASSWORD_GUESSING,
	CHECK_REGISTER_FLOOD,
	CHECK_INVITE_FLOOD,
	CHECK_TOLL_FRAUD,
	CHECK_RULE__COUNT
};

/* A rule as documented (man page, `sipscope check --rules`). */
struct check_rule_info {
	const char *id;      /* stable id: "missing-header" */
	const char *rfc;     /* "RFC 3261 8.1.1" */
	uint8_t severity;    /* enum check_severity (a finding may say less) */
	const char *summary; /* one line: what the rule checks */
};

const struct check_rule_info *check_rule_info(enum check_rule r);
const char *check_severity_name(enum check_severity s); /* "error" ... */
/* Rule by id ("cseq-reused"), or -1. */
int check_rule_parse(const char *id);

struct check_finding {
	uint32_t msg;      /* store index of the message it points at */
	uint32_t call;     /* the leg (1-based) the message belongs to, or 0 */
	uint16_t rule;     /* enum check_rule */
	uint8_t severity;  /* enum check_severity */
	uint32_t text;     /* offset of the text in the checker's arena */
	uint32_t next;     /* next finding of the same message: index+1, or 0 */
};

struct checker;

/* New checker over s and t (borrowed; they must outlive it).  NULL when
 * memory ran out.  Owner frees with check_free(). */
struct checker *check_new(struct store *s, const struct tracker *t);
void check_free(struct checker *c);

/* Check the messages appended to the store since the last call (they
 * must be tracked already).  Returns 0, or -1 when memory ran out or a
 * message's bytes could not be read again (that message is skipped; the
 * rest is checked). */
int check_update(struct checker *c);
/* The same, for at most max messages (the rest on the next call): the
 * viewer spreads a re-check over its redraws.  check_pending() says how
 * many messages wait. */
int check_update_max(struct checker *c, size_t max);
size_t check_pending(const struct checker *c);

/* End of the capture: rules still waiting for time are decided against
 * the last message's time (a request without final response is reported
 * only when the capture ran 64*T1 past it), and findings are sorted by
 * message.  Call after track_finish() and a last check_update(). */
void check_finish(struct checker *c);

size_t check_count(const struct checker *c);
/* Finding i (0-based; after check_finish() in message order). */
const struct check_finding *check_at(const struct checker *c, size_t i);
/* Its text: one sentence naming the header or value (wire bytes as they
 * were, not escaped: escape before printing). */
const char *check_text(const struct checker *c, const struct check_finding *f);

/* First finding of store message idx (index+1), or 0; follow ->next. */
uint32_t check_msg_first(const struct checker *c, size_t idx);
/* Worst severity among message idx's findings, or -1 when it has none. */
int check_msg_worst(const struct checker *c, size_t idx);

/* Findings of a call (1-based root id as the calls list shows it; its
 * B2BUA legs count too), by severity: counts[CHECK_INFO..CHECK_ERROR]. */
void check_call_counts(const struct checker *c, uint32_t call, size_t counts[3]);
/* Findings per rule over the whole capture. */
size_t check_rule_hits(const struct checker *c, enum check_rule r);
/* Messages checked so far. */
size_t check_checked(const struct checker *c);
/* State entries the checker holds now (transactions, calls, 2xx waiting
 * for ACK, dialogs, senders, CSeqs): those of the transactions and calls
 * still going, not of all the capture ever had (they go a while after
 * they end, in capture time). */
size_t check_live(const struct checker *c);

/* --- issue 25: attacks --- */
/* The attack rules (scanner ... toll-fraud) count per source address in
 * capture time; what counts as an attack is set here, process-wide: a
 * checker made after check_attack_configure() uses it. */
#define CHECK_ATTACK_MAX_PREFIXES 32
struct check_attack_conf {
	unsigned window_s;        /* the counting window (scanner, enumeration, guessing, toll) */
	unsigned scanner_targets; /* distinct ip:port probed by one source in the window */
	unsigned enum_users;      /* distinct users tried by one source in the window */
	unsigned auth_failures;   /* failed digest attempts by one source in the window */
	unsigned flood_window_s;
	unsigned register_flood;  /* REGISTERs from one source in flood_window_s */
	unsigned invite_flood;    /* INVITEs from one source in flood_window_s */
	unsigned toll_burst;      /* distinct toll numbers called by one source in the window */
	char home_cc[8];          /* country code: +CC... numbers are not international */
	char premium[CHECK_ATTACK_MAX_PREFIXES][16]; /* premium prefixes, normalised (+881) */
	unsigned npremium;
	int premium_given;        /* a toll-prefix was set: the defaults are gone */
};

/* The defaults (the man page's ATTACK DETECTION lists them). */
void check_attack_defaults(struct check_attack_conf *c);
/* One "name=value" setting (the --attack option and the config key):
 * 0, or -1 with the reason in err.  The first toll-prefix replaces the
 * default list, the next ones add to it. */
int check_attack_set(struct check_attack_conf *c, const char *setting, char *err, size_t errlen);
/* The settings in force (the defaults until configured). */
void check_attack_current(struct check_attack_conf *c);
/* The settings checkers made from now on use (copied). */
void check_attack_configure(const struct check_attack_conf *c);
/* Is rule r one of the attack rules (a syslog line per finding)? */
int check_rule_is_attack(enum check_rule r);

/* The 64*T1 wait of RFC 3261 17.1.1.2 (Timer B) and 17.1.2.2 (Timer F). */
#define CHECK_T1_US 500000LL
#define CHECK_T2_US 4000000LL
#define CHECK_TIMER_B_US (64 * CHECK_T1_US)
#define CHECK_TIMER_C_US 180000000LL /* RFC 3261 16.6 step 11: > 3 min */

#endif
