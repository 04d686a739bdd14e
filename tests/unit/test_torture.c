/* test_torture.c - the SIP parser on the torture messages of RFC 4475 and
 * RFC 5118 (tests/data/rfc4475, tests/data/rfc5118; tests/data/README.md
 * says where each file comes from and what the RFC expects of it).
 *
 * One table row per file: what the parser must report for it, read from
 * the RFC's text.  Each file is parsed as a datagram ending right before a
 * guard page, and so is every prefix of it.  The run ends with a pass
 * count per RFC section.  Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "sipscope/sip.h"

#define MAXH 128
#define MAXFILE 8192

static struct sip_header hdrs[MAXH];

/* A string expectation that is not checked. */
static const char any_[] = "<any>";
#define ANY any_

#define WHOLE 0          /* rc: the whole file is one message */
#define NOSDP (-1)       /* sdp_len: sip_body_sdp() gives SV_NULL */

struct torture_case {
	const char *file;  /* relative to the repository root */
	const char *group; /* the RFC section the pass count is kept for */
	int rc;            /* WHOLE, a message length, or SIP_PARSE_NOT_SIP */
	/* NULL below means "absent" (views unset), ANY "not checked". */
	const char *method; /* NULL for a response */
	int status;
	const char *reason; /* responses; NULL: not checked */
	const char *uri;
	const char *call_id;
	uint32_t cseq;
	const char *cseq_method; /* NULL: no valid CSeq */
	const char *branch;
	const char *sent_by;
	const char *from_tag;
	const char *to_tag;
	long content_length; /* -1: absent or unusable */
	long body_len;
	long sdp_len;
	const char *malformed;
	const char *lenient;
};

#define G_VALID "rfc4475 3.1.1 valid"
#define G_INVALID "rfc4475 3.1.2 invalid"
#define G_TXN "rfc4475 3.2 transaction layer"
#define G_APP "rfc4475 3.3 application layer"
#define G_COMPAT "rfc4475 3.4 backward compatibility"
#define G_V6 "rfc5118 4 valid"
#define G_V6BAD "rfc5118 4 invalid"

#define D4 "tests/data/rfc4475/"
#define D5 "tests/data/rfc5118/"

static const struct torture_case cases[] = {
	/* 3.1.1.1 folding, escaped quotes, LWS around ':' ';' '=', compact
	 * and long forms mixed, leading zeros: well-formed. */
	{ .file = D4 "3.1.1.1-wsinv.sip", .group = G_VALID, .method = "INVITE",
	  .uri = "sip:vivekg@chair-dnrc.example.com;unknownparam",
	  .call_id = "wsinv.ndaksdj@192.0.2.1", .cseq = 9, .cseq_method = "INVITE",
	  .branch = "390skdjuw", .sent_by = "192.0.2.2", .from_tag = "98asjd8",
	  .to_tag = "1918181833n", .content_length = 150, .body_len = 150, .sdp_len = 150 },
	/* 3.1.1.2 every token character in method, branch, tag; quoted NUL;
	 * UTF-8 parameter values: well-formed. */
	{ .file = D4 "3.1.1.2-intmeth.sip", .group = G_VALID,
	  .method = "!interesting-Method0123456789_*+`.%indeed'~",
	  .uri = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
	  .call_id = "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", .cseq = 139122385,
	  .cseq_method = "!interesting-Method0123456789_*+`.%indeed'~",
	  .branch = "z9hG4bK-.!%66*_+`'~", .sent_by = "host1.example.com",
	  .from_tag = "_token~1'+`*%!-.", .content_length = 0, .sdp_len = NOSDP },
	/* 3.1.1.3 %-escapes in Request-URI and headers: valid as written. */
	{ .file = D4 "3.1.1.3-esc01.sip", .group = G_VALID, .method = "INVITE",
	  .uri = "sip:sips%3Auser%40example.com@example.net",
	  .call_id = "esc01.239409asdfakjkn23onasd0-3234", .cseq = 234234, .cseq_method = "INVITE",
	  .branch = "z9hG4bKkdjuw", .sent_by = "host5.example.net", .from_tag = "938",
	  .content_length = 150, .body_len = 150, .sdp_len = 150 },
	/* 3.1.1.4 %00 in URIs. */
	{ .file = D4 "3.1.1.4-escnull.sip", .group = G_VALID, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
	  .cseq = 14398234, .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw",
	  .sent_by = "host5.example.com", .from_tag = "839923423", .content_length = 0,
	  .sdp_len = NOSDP },
	/* 3.1.1.5 '%' that is no escape: the method is RE%47IST%45R. */
	{ .file = D4 "3.1.1.5-esc02.sip", .group = G_VALID, .method = "RE%47IST%45R",
	  .uri = "sip:registrar.example.com", .call_id = "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
	  .cseq = 29344, .cseq_method = "RE%47IST%45R", .branch = "z9hG4bK209%fzsnel234",
	  .sent_by = "host.example.com", .from_tag = "f232jadfj23", .content_length = 0,
	  .sdp_len = NOSDP },
	/* 3.1.1.6 no LWS between display name and '<'. */
	{ .file = D4 "3.1.1.6-lwsdisp.sip", .group = G_VALID, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "lwsdisp.1234abcd@funky.example.com",
	  .cseq = 60, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw",
	  .sent_by = "funky.example.com", .from_tag = "323", .content_length = 0, .sdp_len = NOSDP },
	/* 3.1.1.7 long values, 34 Vias (the top one without branch). */
	{ .file = D4 "3.1.1.7-longreq.sip", .group = G_VALID, .method = "INVITE",
	  .uri = "sip:user@example.com",
	  .call_id = "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
	             "reallyreallyreallyreallyreallyreallyreallyreallyreallyreallylongcallid",
	  .cseq = 3882340, .cseq_method = "INVITE", .branch = NULL, .sent_by = "sip33.example.com",
	  .from_tag = "1298298298298298298298298298298298298298298298298298298298298298298298298298"
	              "2982982982982982982982982982982982982982982982982982982982982982982982982982424",
	  .content_length = 150, .body_len = 150, .sdp_len = 150 },
	/* 3.1.1.8 a REGISTER, then octets to ignore (RFC 3261 18.3). */
	{ .file = D4 "3.1.1.8-dblreq.sip", .group = G_VALID, .rc = 300, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "dblreq.0ha0isndaksdj99sdfafnl3lk233412", .cseq = 8,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw23492", .sent_by = "192.0.2.125",
	  .from_tag = "43251j3j324", .content_length = 0, .sdp_len = NOSDP },
	/* 3.1.1.9 ';' in the user part. */
	{ .file = D4 "3.1.1.9-semiuri.sip", .group = G_VALID, .method = "OPTIONS",
	  .uri = "sip:user;par=u%40example.net@example.com", .call_id = "semiuri.0ha0isndaksdj",
	  .cseq = 8, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw", .sent_by = "192.0.2.1",
	  .from_tag = "33242", .content_length = 0, .sdp_len = NOSDP },
	/* 3.1.1.10 UDP, SCTP, TLS, UNKNOWN, TCP Vias. */
	{ .file = D4 "3.1.1.10-transports.sip", .group = G_VALID, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "transports.kijh4akdnaqjkwendsasfdj", .cseq = 60,
	  .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw", .sent_by = "t1.example.com",
	  .from_tag = "323", .content_length = 0, .sdp_len = NOSDP },
	/* 3.1.1.11 multipart/mixed, text/plain + binary CMS: no SDP in it. */
	{ .file = D4 "3.1.1.11-mpart01.sip", .group = G_VALID, .method = "MESSAGE",
	  .uri = "sip:kumiko@example.org", .call_id = "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
	  .cseq = 1, .cseq_method = "MESSAGE", .branch = "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-",
	  .sent_by = "127.0.0.1:5070", .from_tag = "2fb0dcc9", .content_length = 553,
	  .body_len = 553, .sdp_len = NOSDP },
	/* 3.1.1.12 UTF-8 reason phrase. */
	{ .file = D4 "3.1.1.12-unreason.sip", .group = G_VALID, .status = 200,
	  .reason = "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2"
	            "\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f"
	            "\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5",
	  .call_id = "unreason.1234ksdfak3j2erwedfsASdf", .cseq = 35, .cseq_method = "INVITE",
	  .branch = "z9hG4bK1324923", .sent_by = "192.0.2.198", .from_tag = "11141343",
	  .to_tag = "2229", .content_length = 154, .body_len = 154, .sdp_len = 154 },
	/* 3.1.1.13 empty reason phrase. */
	{ .file = D4 "3.1.1.13-noreason.sip", .group = G_VALID, .status = 100, .reason = "",
	  .call_id = "noreason.asndj203insdf99223ndf", .cseq = 35, .cseq_method = "INVITE",
	  .branch = "z9hG4bK2398ndaoe", .sent_by = "192.0.2.105", .from_tag = "39ansfi3",
	  .to_tag = "902jndnke3", .content_length = 0, .sdp_len = NOSDP },

	/* 3.1.2.1 ";;,;,," in Via, ";;;;" in Contact: 400. */
	{ .file = D4 "3.1.2.1-badinv01.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "badinv01.0ha0isndaksdjasdf3234nas", .cseq = 8,
	  .cseq_method = "INVITE", .branch = NULL, .sent_by = "192.0.2.15",
	  .from_tag = "134161461246", .content_length = 152, .body_len = 152, .sdp_len = 152,
	  .malformed = "bad Via" },
	/* 3.1.2.2 Content-Length 9999 over UDP: 400. */
	{ .file = D4 "3.1.2.2-clerr.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "clerr.0ha0isndaksdjweiafasdk3", .cseq = 8,
	  .cseq_method = "INVITE", .branch = "z9hG4bK-39234-23523", .sent_by = "host5.example.com",
	  .from_tag = "93942939o2", .content_length = 9999, .body_len = 154, .sdp_len = 154,
	  .malformed = "body shorter than Content-Length" },
	/* 3.1.2.3 Content-Length -999. */
	{ .file = D4 "3.1.2.3-ncl.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "ncl.0ha0isndaksdj2193423r542w35", .cseq = 0,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "192.0.2.53",
	  .from_tag = "32394234", .content_length = -1, .body_len = 152, .sdp_len = 152,
	  .malformed = "bad Content-Length" },
	/* 3.1.2.4 CSeq > 2**32-1 (Max-Forwards, Expires too): 400 for CSeq. */
	{ .file = D4 "3.1.2.4-scalar02.sip", .group = G_INVALID, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32",
	  .cseq_method = NULL, .branch = "z9hG4bK342sdfoi3", .sent_by = "host129.example.com",
	  .from_tag = "239232jh3", .content_length = 0, .sdp_len = NOSDP, .malformed = "bad CSeq" },
	/* 3.1.2.5 the same in a response: discarded. */
	{ .file = D4 "3.1.2.5-scalarlg.sip", .group = G_INVALID, .status = 503,
	  .reason = "Service Unavailable", .call_id = "scalarlg.noase0of0234hn2qofoaf0232aewf2394r",
	  .cseq_method = NULL, .branch = "z9hG4bKzzxdiwo34sw", .sent_by = "host129.example.com",
	  .from_tag = "2easdjfejw", .content_length = 0, .sdp_len = NOSDP, .malformed = "bad CSeq" },
	/* 3.1.2.6 To: "Mr. J. User <sip:j.user@example.com> */
	{ .file = D4 "3.1.2.6-quotbal.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "quotbal.aksdj", .cseq = 8,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw39234", .sent_by = "192.0.2.59:5050",
	  .from_tag = "93334", .content_length = 152, .body_len = 152, .sdp_len = 152,
	  .malformed = "unterminated quoted string" },
	/* 3.1.2.7 INVITE <sip:user@example.com>: the URI is given unbracketed. */
	{ .file = D4 "3.1.2.7-ltgtruri.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "ltgtruri.1@192.0.2.5", .cseq = 1,
	  .cseq_method = "INVITE", .branch = NULL, .sent_by = "192.0.2.5", .from_tag = "39291",
	  .content_length = 159, .body_len = 159, .sdp_len = 159,
	  .malformed = "<> around Request-URI" },
	/* 3.1.2.8 "sip:user@example.com; lr" */
	{ .file = D4 "3.1.2.8-lwsruri.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com; lr", .call_id = "lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423",
	  .cseq = 2130706432, .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw2395",
	  .sent_by = "192.0.2.1:5060", .from_tag = "231413434", .to_tag = "3xfe-9921883-z9f",
	  .content_length = 159, .body_len = 159, .sdp_len = 159, .malformed = "LWS in Request-URI" },
	/* 3.1.2.9 "INVITE  sip:user@example.com  SIP/2.0" */
	{ .file = D4 "3.1.2.9-lwsstart.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "lwsstart.dfknq234oi243099adsdfnawe3@example.com",
	  .cseq = 1893884, .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw3923",
	  .sent_by = "host1.example.com", .from_tag = "8814", .content_length = 150, .body_len = 150,
	  .sdp_len = 150, .malformed = "extra SP in Request-Line" },
	/* 3.1.2.10 "... SIP/2.0  " */
	{ .file = D4 "3.1.2.10-trws.sip", .group = G_INVALID, .method = "OPTIONS",
	  .uri = "sip:remote-target@example.com", .call_id = "trws.oicu34958239neffasdhr2345r",
	  .cseq = 238923, .cseq_method = "OPTIONS", .branch = "z9hG4bK299342093",
	  .sent_by = "host1.examle.com", .from_tag = "329429089", .content_length = 0,
	  .sdp_len = NOSDP, .malformed = "trailing SP in Request-Line" },
	/* 3.1.2.11 ?Route=... in a SIP Request-URI */
	{ .file = D4 "3.1.2.11-escruri.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com?Route=%3Csip:example.com%3E",
	  .call_id = "escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5", .cseq = 149209342,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "host-of-the-hour.example.com",
	  .from_tag = "341518", .content_length = 150, .body_len = 150, .sdp_len = 150,
	  .malformed = "headers in Request-URI" },
	/* 3.1.2.12 Date: ... EST */
	{ .file = D4 "3.1.2.12-baddate.sip", .group = G_INVALID, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "baddate.239423mnsadf3j23lj42--sedfnm234",
	  .cseq = 1392934, .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw",
	  .sent_by = "host.example.com", .from_tag = "2234923", .content_length = 150,
	  .body_len = 150, .sdp_len = 150, .malformed = "bad Date" },
	/* 3.1.2.13 Contact: sip:...?Route=... without <> */
	{ .file = D4 "3.1.2.13-regbadct.sip", .group = G_INVALID, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "regbadct.k345asrl3fdbv@10.0.0.1", .cseq = 1,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw", .sent_by = "135.180.130.133:5060",
	  .from_tag = "998332", .content_length = 0, .sdp_len = NOSDP,
	  .malformed = "URI with headers not in <>" },
	/* 3.1.2.14 To: "Watson, Thomas" < sip:t.watson@example.org > */
	{ .file = D4 "3.1.2.14-badaspec.sip", .group = G_INVALID, .method = "OPTIONS",
	  .uri = "sip:user@example.org", .call_id = "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3",
	  .cseq = 3923239, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdju43234",
	  .sent_by = "host4.example.com:5060", .from_tag = "433423", .content_length = 0,
	  .sdp_len = NOSDP, .malformed = "space in addr-spec" },
	/* 3.1.2.15 From: Bell, Alexander <...> (the archive also lacks the
	 * empty line: the display name is the better reason). */
	{ .file = D4 "3.1.2.15-baddn.sip", .group = G_INVALID, .method = "OPTIONS",
	  .uri = "sip:t.watson@example.org", .call_id = "baddn.31415@c.example.com",
	  .cseq = 3923239, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw",
	  .sent_by = "c.example.com:5060", .from_tag = "43", .content_length = -1,
	  .sdp_len = NOSDP, .malformed = "bad display name" },
	/* 3.1.2.16 SIP/7.0: 505.  Framed (a SIP start line) and flagged. */
	{ .file = D4 "3.1.2.16-badvers.sip", .group = G_INVALID, .method = "OPTIONS",
	  .uri = "sip:t.watson@example.org", .call_id = "badvers.31417@c.example.com",
	  .cseq = 1, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw",
	  .sent_by = "c.example.com", .from_tag = "qweoiqpe", .content_length = 0,
	  .sdp_len = NOSDP, .malformed = "unsupported SIP version" },
	/* 3.1.2.17 OPTIONS with CSeq: 8 INVITE */
	{ .file = D4 "3.1.2.17-mismatch01.sip", .group = G_INVALID, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "mismatch01.dj0234sxdfl3", .cseq = 8,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "host.example.com",
	  .from_tag = "34525", .content_length = 0, .sdp_len = NOSDP,
	  .malformed = "CSeq method differs from request method" },
	/* 3.1.2.18 NEWMETHOD with CSeq: 8 INVITE */
	{ .file = D4 "3.1.2.18-mismatch02.sip", .group = G_INVALID, .method = "NEWMETHOD",
	  .uri = "sip:user@example.com", .call_id = "mismatch02.dj0234sxdfl3", .cseq = 8,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "host.example.net",
	  .from_tag = "34525", .content_length = 138, .body_len = 138, .sdp_len = 138,
	  .malformed = "CSeq method differs from request method" },
	/* 3.1.2.19 SIP/2.0 4294967301 */
	{ .file = D4 "3.1.2.19-bigcode.sip", .group = G_INVALID, .status = 0,
	  .reason = "better not break the receiver",
	  .call_id = "bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i", .cseq = 353494,
	  .cseq_method = "INVITE", .branch = "z9hG4bK2398ndaoe", .sent_by = "192.0.2.105",
	  .from_tag = "39ansfi3", .to_tag = "902jndnke3", .content_length = 0, .sdp_len = NOSDP,
	  .malformed = "status code out of range" },

	/* 3.2.1 branch=z9hG4bK and nothing after: parses; the transaction
	 * layer decides. */
	{ .file = D4 "3.2.1-badbranch.sip", .group = G_TXN, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "badbranch.sadonfo23i420jv0as0derf3j3n",
	  .cseq = 8, .cseq_method = "OPTIONS", .branch = "z9hG4bK", .sent_by = "192.0.2.1",
	  .from_tag = "33242", .content_length = 0, .sdp_len = NOSDP },

	/* 3.3.1 no To, From, Call-ID, Max-Forwards: 400. */
	{ .file = D4 "3.3.1-insuf.sip", .group = G_APP, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = NULL, .cseq = 193942, .cseq_method = "INVITE",
	  .branch = "z9hG4bKkdj.insuf", .sent_by = "192.0.2.95", .content_length = 152,
	  .body_len = 152, .sdp_len = 152, .malformed = "missing Call-ID" },
	/* 3.3.2 unknown Request-URI scheme: parses (416 is the UA's). */
	{ .file = D4 "3.3.2-unkscm.sip", .group = G_APP, .method = "OPTIONS",
	  .uri = "nobodyKnowsThisScheme:totallyopaquecontent",
	  .call_id = "unkscm.nasdfasser0q239nwsdfasdkl34", .cseq = 3923423, .cseq_method = "OPTIONS",
	  .branch = "z9hG4bKkdjuw39234", .sent_by = "host9.example.com", .from_tag = "384",
	  .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.3 soap.beep: Request-URI. */
	{ .file = D4 "3.3.3-novelsc.sip", .group = G_APP, .method = "OPTIONS",
	  .uri = "soap.beep://192.0.2.103:3002", .call_id = "novelsc.asdfasser0q239nwsdfasdkl34",
	  .cseq = 3923423, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw39234",
	  .sent_by = "host9.example.com", .from_tag = "384", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.4 isbn:, http:, name: URIs in To, From, Contact. */
	{ .file = D4 "3.3.4-unksm2.sip", .group = G_APP, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "unksm2.daksdj@hyphenated-host.example.com",
	  .cseq = 234902, .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw",
	  .sent_by = "192.0.2.21:5060", .from_tag = "3234233", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.5 unsupported Require / Proxy-Require: parses (420). */
	{ .file = D4 "3.3.5-bext01.sip", .group = G_APP, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "bext01.0ha0isndaksdj", .cseq = 8,
	  .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw", .sent_by = "fold-and-staple.example.com",
	  .from_tag = "242etr", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.6 application/unknownformat body: parses (415), no SDP. */
	{ .file = D4 "3.3.6-invut.sip", .group = G_APP, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "invut.0ha0isndaksdjadsfij34n23d",
	  .cseq = 235448, .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw",
	  .sent_by = "somehost.example.com", .from_tag = "8392034", .content_length = 40,
	  .body_len = 40, .sdp_len = NOSDP },
	/* 3.3.7 unknown Authorization scheme: parses. */
	{ .file = D4 "3.3.7-regaut01.sip", .group = G_APP, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "regaut01.0ha0isndaksdj", .cseq = 9338,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw", .sent_by = "192.0.2.253",
	  .from_tag = "87321hj23128", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.8 two CSeq, Call-ID, To, From, Max-Forwards: 400. */
	{ .file = D4 "3.3.8-multi01.sip", .group = G_APP, .method = "INVITE",
	  .uri = "sip:user@company.com", .call_id = "multi01.98asdh@192.0.2.1", .cseq = 5,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "192.0.2.25",
	  .from_tag = "3413415", .content_length = 154, .body_len = 154, .sdp_len = 154,
	  .malformed = "conflicting CSeq" },
	/* 3.3.9 Content-Length 13 and 5: 400. */
	{ .file = D4 "3.3.9-mcl01.sip", .group = G_APP, .rc = 328, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "mcl01.fhn2323orihawfdoa3o4r52o3irsdf",
	  .cseq = 15932, .cseq_method = "OPTIONS", .branch = "z9hG4bK293423",
	  .sent_by = "host5.example.net", .from_tag = "3923942", .content_length = 13,
	  .body_len = 13, .sdp_len = NOSDP, .malformed = "conflicting Content-Length" },
	/* 3.3.10 200 OK with a 255.255.255.255 Via: parses. */
	{ .file = D4 "3.3.10-bcast.sip", .group = G_APP, .status = 200, .reason = "OK",
	  .call_id = "bcast.0384840201234ksdfak3j2erwedfsASdf", .cseq = 35, .cseq_method = "INVITE",
	  .branch = "z9hG4bK1324923", .sent_by = "192.0.2.198", .from_tag = "11141343",
	  .to_tag = "2229", .content_length = 154, .body_len = 154, .sdp_len = 154 },
	/* 3.3.11 Max-Forwards: 0 */
	{ .file = D4 "3.3.11-zeromf.sip", .group = G_APP, .method = "OPTIONS",
	  .uri = "sip:user@example.com", .call_id = "zeromf.jfasdlfnm2o2l43r5u0asdfas",
	  .cseq = 39234321, .cseq_method = "OPTIONS", .branch = "z9hG4bKkdjuw2349i",
	  .sent_by = "host1.example.com", .from_tag = "3ghsd41", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.12 Contact: sip:...;unknownparam (a Contact parameter). */
	{ .file = D4 "3.3.12-cparam01.sip", .group = G_APP, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "cparam01.70710@saturn.example.com", .cseq = 2,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw", .sent_by = "saturn.example.com:5060",
	  .from_tag = "DkfVgjkrtMwaerKKpe", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.13 Contact: <sip:...;unknownparam> (a URI parameter). */
	{ .file = D4 "3.3.13-cparam02.sip", .group = G_APP, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "cparam02.70710@saturn.example.com", .cseq = 3,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw", .sent_by = "saturn.example.com:5060",
	  .from_tag = "838293", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.14 Contact URI with an escaped header, in <>. */
	{ .file = D4 "3.3.14-regescrt.sip", .group = G_APP, .method = "REGISTER",
	  .uri = "sip:example.com", .call_id = "regescrt.k345asrl3fdbv@192.0.2.1", .cseq = 14398234,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKkdjuw", .sent_by = "host5.example.com",
	  .from_tag = "8", .content_length = 0, .sdp_len = NOSDP },
	/* 3.3.15 Accept: text/nobodyKnowsThis with an SDP offer: parses (406). */
	{ .file = D4 "3.3.15-sdp01.sip", .group = G_APP, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "sdp01.ndaksdj9342dasdd", .cseq = 8,
	  .cseq_method = "INVITE", .branch = "z9hG4bKkdjuw", .sent_by = "192.0.2.15",
	  .from_tag = "234", .content_length = 150, .body_len = 150, .sdp_len = 150 },

	/* 3.4.1 RFC 2543: no branch, no From tag, no Content-Length (body =
	 * rest of datagram), no Max-Forwards. */
	{ .file = D4 "3.4.1-inv2543.sip", .group = G_COMPAT, .method = "INVITE",
	  .uri = "sip:UserB@example.com", .call_id = "inv2543.1717@ift.client.example.com",
	  .cseq = 56, .cseq_method = "INVITE", .branch = NULL, .sent_by = "iftgw.example.com",
	  .content_length = -1, .body_len = 105, .sdp_len = 105 },

	/* RFC 5118.  Its archive has bare LF line ends (the parser takes
	 * them); see tests/data/README.md for the archive's other defects. */
	{ .file = D5 "4.1-ipv6-good.sip", .group = G_V6, .method = "REGISTER",
	  .uri = "sip:[2001:db8::10]", .call_id = "SSG9559905523997077@hlau_4100", .cseq = 98176,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKas3-111", .sent_by = "[2001:db8::9:1]",
	  .from_tag = "81x2", .content_length = 0, .sdp_len = NOSDP },
	{ .file = D5 "4.2-ipv6-bad.sip", .group = G_V6BAD, .method = "REGISTER",
	  .uri = "sip:2001:db8::10", .call_id = "SSG9559905523997077@hlau_4100", .cseq = 98176,
	  .cseq_method = "REGISTER", .branch = "z9hG4bKas3-111", .sent_by = "[2001:db8::9:1]",
	  .from_tag = "81x2", .content_length = 0, .sdp_len = NOSDP,
	  .malformed = "IPv6 address not in []" },
	/* 4.3 well-formed: 5070 is the last piece of the address. */
	{ .file = D5 "4.3-port-ambiguous.sip", .group = G_V6, .method = "REGISTER",
	  .uri = "sip:[2001:db8::10:5070]", .call_id = "SSG9559905523997077@hlau_4100",
	  .cseq = 98176, .cseq_method = "REGISTER", .branch = "z9hG4bKas3-111",
	  .sent_by = "[2001:db8::9:1]", .from_tag = "81x2", .content_length = 0, .sdp_len = NOSDP },
	{ .file = D5 "4.4-port-unambiguous.sip", .group = G_V6, .method = "REGISTER",
	  .uri = "sip:[2001:db8::10]:5070", .call_id = "SSG9559905523997077@hlau_4100",
	  .cseq = 98176, .cseq_method = "REGISTER", .branch = "z9hG4bKas3-111",
	  .sent_by = "[2001:db8::9:1]", .from_tag = "81x2", .content_length = 0, .sdp_len = NOSDP },
	/* 4.5 received=[...]: not RFC 3261 grammar, must be accepted. */
	{ .file = D5 "4.5-via-received-param-with-delim.sip", .group = G_V6, .method = "BYE",
	  .uri = "sip:[2001:db8::10]", .call_id = "SSG9559905523997077@hlau_4100", .cseq = 321,
	  .cseq_method = "BYE", .branch = "z9hG4bKas3-111", .sent_by = "[2001:db8::9:1]",
	  .from_tag = "81x2", .to_tag = "bd76ya", .content_length = 0, .sdp_len = NOSDP,
	  .lenient = "[] around Via received" },
	{ .file = D5 "4.5-via-received-param-no-delim.sip", .group = G_V6, .method = "OPTIONS",
	  .uri = "sip:[2001:db8::10]", .call_id = "SSG95523997077@hlau_4100", .cseq = 921,
	  .cseq_method = "OPTIONS", .branch = "z9hG4bKas3", .sent_by = "[2001:db8::9:1]",
	  .from_tag = "81x2", .content_length = 0, .sdp_len = NOSDP },
	/* 4.6 valid per the RFC, but its archive copy says Content-Length:
	 * 268 over a 242-octet body. */
	{ .file = D5 "4.6-ipv6-in-sdp.sip", .group = G_V6, .method = "INVITE",
	  .uri = "sip:user@[2001:db8::10]", .call_id = "SSG9559905523997077@hlau_4100",
	  .cseq = 8612, .cseq_method = "INVITE", .branch = "z9hG4bKas3-111",
	  .sent_by = "[2001:db8::20]", .from_tag = "81x2", .content_length = 268, .body_len = 242,
	  .sdp_len = 242, .malformed = "body shorter than Content-Length" },
	{ .file = D5 "4.7-mult-ip-in-header.sip", .group = G_V6, .method = "BYE",
	  .uri = "sip:user@host.example.net", .call_id = "997077@lau_4100", .cseq = 89187,
	  .cseq_method = "BYE", .branch = "z9hG4bKas3-111", .sent_by = "[2001:db8::9:1]:6050",
	  .from_tag = "81x2", .to_tag = "9817--94", .content_length = 0, .sdp_len = NOSDP },
	/* 4.8 valid per the RFC; the archive copy has 180 body octets for
	 * Content-Length: 181. */
	{ .file = D5 "4.8-mult-ip-in-sdp.sip", .group = G_V6, .method = "INVITE",
	  .uri = "sip:user@[2001:db8::10]", .call_id = "SSG9559905523997077@hlau_4100",
	  .cseq = 8912, .cseq_method = "INVITE", .branch = "z9hG4bKas3-111",
	  .sent_by = "[2001:db8::9:1]", .from_tag = "81x2", .content_length = 181, .body_len = 180,
	  .sdp_len = 180, .malformed = "body shorter than Content-Length" },
	{ .file = D5 "4.9-ipv4-mapped-ipv6.sip", .group = G_V6, .method = "INVITE",
	  .uri = "sip:user@example.com", .call_id = "SSG9559905523997077@hlau_4100", .cseq = 612,
	  .cseq_method = "INVITE", .branch = "z9hG4bKbh19", .sent_by = "[::ffff:192.0.2.10]:19823",
	  .from_tag = "81x2", .content_length = 236, .body_len = 236, .sdp_len = 236 },
	/* 4.10 "[2001:db8:::192.0.2.1]" must be tolerated.  The archive
	 * copies of both 4.10 messages end without the empty line. */
	{ .file = D5 "4.10-ipv6-bug-abnf-3-colons.sip", .group = G_V6, .method = "OPTIONS",
	  .uri = "sip:user@[2001:db8:::192.0.2.1]", .call_id = "G9559905523997077@hlau_4100",
	  .cseq = 689, .cseq_method = "OPTIONS", .branch = "z9hG4bKas3-111",
	  .sent_by = "lab1.east.example.com", .from_tag = "810x2", .content_length = -1,
	  .sdp_len = NOSDP, .malformed = "truncated: no end of headers",
	  .lenient = "extra ':' in IPv6 reference" },
	{ .file = D5 "4.10-ipv6-correct-abnf-2-colons.sip", .group = G_V6, .method = "OPTIONS",
	  .uri = "sip:user@[2001:db8::192.0.2.1]", .call_id = "G9559905523997077@hlau_4100",
	  .cseq = 689, .cseq_method = "OPTIONS", .branch = "z9hG4bKas3-111",
	  .sent_by = "lab1.east.example.com", .from_tag = "810x2", .content_length = -1,
	  .sdp_len = NOSDP, .malformed = "truncated: no end of headers" },
};

#define NCASES (sizeof cases / sizeof cases[0])

static size_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail_msg("cannot open %s (run the tests from the repository root)", path);
		return 0;
	}
	size_t n = fread(buf, 1, cap, f);
	int big = n == cap;
	fclose(f);
	if (big)
		fail_msg("%s is larger than %zu bytes", path, cap - 1);
	return n;
}

/* One mismatch: printed, counted. */
static int check_sv(const char *file, const char *what, struct sv got, const char *want)
{
	if (want == ANY)
		return 1;
	if (!want) {
		if (!sv_is_set(got))
			return 1;
		fprintf(stderr, "  %s: %s: want absent, got \"%.*s\"\n", file, what, (int)got.len, got.p);
		return 0;
	}
	size_t n = strlen(want);
	if (sv_is_set(got) && got.len == n && memcmp(got.p, want, n) == 0)
		return 1;
	if (sv_is_set(got))
		fprintf(stderr, "  %s: %s: want \"%s\", got \"%.*s\"\n", file, what, want, (int)got.len, got.p);
	else
		fprintf(stderr, "  %s: %s: want \"%s\", got absent\n", file, what, want);
	return 0;
}

static int check_str(const char *file, const char *what, const char *got, const char *want)
{
	if ((!got && !want) || (got && want && strcmp(got, want) == 0))
		return 1;
	fprintf(stderr, "  %s: %s: want %s%s%s, got %s%s%s\n", file, what, want ? "\"" : "",
	        want ? want : "NULL", want ? "\"" : "", got ? "\"" : "", got ? got : "NULL",
	        got ? "\"" : "");
	return 0;
}

static int check_long(const char *file, const char *what, long got, long want)
{
	if (got == want)
		return 1;
	fprintf(stderr, "  %s: %s: want %ld, got %ld\n", file, what, want, got);
	return 0;
}

/* Is every view inside the message bytes? */
static int view_in(struct sv v, const char *b, size_t len)
{
	return !v.p || (v.p >= b && v.p + v.len <= b + len);
}

static int views_in_buffer(const struct sip_msg *m, const char *b, size_t len)
{
	const struct sv v[] = { m->method, m->uri, m->version, m->reason, m->body, m->call_id,
		                m->from_tag, m->to_tag, m->branch, m->via_sent_by,
		                m->via_transport, m->cseq_method, sip_body_sdp(m) };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (!view_in(v[i], b, len))
			return 0;
	for (size_t i = 0; i < m->nheaders; i++)
		if (!view_in(m->headers[i].name, b, len) || !view_in(m->headers[i].value, b, len))
			return 0;
	return 1;
}

/* Parse one file and compare with its row; returns 1 when all agree. */
static int run_case(const struct torture_case *c)
{
	static char data[MAXFILE];
	size_t len = read_file(c->file, data, sizeof data);
	const char *p = guard_place(&g, data, len);
	struct sip_msg m;
	int rc = sip_parse(p, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAXH);
	int want_rc = c->rc == WHOLE ? (int)len : c->rc;
	int ok = check_long(c->file, "return", rc, want_rc);
	if (rc < 0 || !ok)
		return ok;
	ok &= check_long(c->file, "is_request", m.is_request, c->method != NULL);
	if (c->method) {
		ok &= check_sv(c->file, "method", m.method, c->method);
		ok &= check_sv(c->file, "Request-URI", m.uri, c->uri);
	} else {
		ok &= check_long(c->file, "status", m.status, c->status);
		if (c->reason)
			ok &= check_sv(c->file, "reason", m.reason, c->reason);
	}
	ok &= check_sv(c->file, "Call-ID", m.call_id, c->call_id);
	ok &= check_long(c->file, "CSeq valid", m.cseq_valid, c->cseq_method != NULL);
	if (c->cseq_method) {
		ok &= check_long(c->file, "CSeq number", (long)m.cseq, (long)c->cseq);
		ok &= check_sv(c->file, "CSeq method", m.cseq_method, c->cseq_method);
	}
	ok &= check_sv(c->file, "top Via branch", m.branch, c->branch);
	ok &= check_sv(c->file, "top Via sent-by", m.via_sent_by, c->sent_by);
	ok &= check_sv(c->file, "From tag", m.from_tag, c->from_tag);
	ok &= check_sv(c->file, "To tag", m.to_tag, c->to_tag);
	ok &= check_long(c->file, "Content-Length", m.content_length, c->content_length);
	ok &= check_long(c->file, "body length", (long)m.body.len, c->body_len);
	struct sv sdp = sip_body_sdp(&m);
	ok &= check_long(c->file, "SDP length", sv_is_set(sdp) ? (long)sdp.len : NOSDP, c->sdp_len);
	ok &= check_str(c->file, "malformed", m.malformed, c->malformed);
	ok &= check_str(c->file, "lenient", m.lenient, c->lenient);
	ok &= check_long(c->file, "msg_len", (long)m.msg_len, rc);
	ok &= check_long(c->file, "views inside the message", views_in_buffer(&m, p, len), 1);
	return ok;
}

static void test_torture_messages_parse_as_the_rfcs_say(void **state)
{
	(void)state;
	const char *groups[16];
	int pass[16] = { 0 }, total[16] = { 0 };
	size_t ngroups = 0, failed = 0;
	for (size_t i = 0; i < NCASES; i++) {
		size_t gi = 0;
		while (gi < ngroups && strcmp(groups[gi], cases[i].group) != 0)
			gi++;
		if (gi == ngroups) {
			assert_true(ngroups < sizeof groups / sizeof groups[0]);
			groups[ngroups++] = cases[i].group;
		}
		total[gi]++;
		if (run_case(&cases[i]))
			pass[gi]++;
		else
			failed++;
	}
	for (size_t gi = 0; gi < ngroups; gi++)
		printf("%s: %d/%d\n", groups[gi], pass[gi], total[gi]);
	fflush(stdout);
	assert_int_equal(failed, 0);
}

/* Every prefix of every message, as a datagram and as a stream: never a
 * read past the end (the guard page), a length within the prefix, views
 * inside it. */
static void test_torture_every_prefix_is_safe(void **state)
{
	(void)state;
	static char data[MAXFILE];
	for (size_t i = 0; i < NCASES; i++) {
		size_t len = read_file(cases[i].file, data, sizeof data);
		for (size_t n = 0; n <= len; n++) {
			const char *p = guard_place(&g, data, n);
			struct sip_msg m;
			int rc = sip_parse(p, n, SIP_PARSE_DATAGRAM, &m, hdrs, MAXH);
			assert_true(rc == SIP_PARSE_NOT_SIP || (rc > 0 && (size_t)rc <= n));
			if (rc > 0)
				assert_true(views_in_buffer(&m, p, n));
			rc = sip_parse(p, n, 0, &m, hdrs, MAXH);
			assert_true(rc == SIP_PARSE_NOT_SIP || rc == SIP_PARSE_INCOMPLETE ||
			            (rc > 0 && (size_t)rc <= n));
			if (rc > 0)
				assert_true(views_in_buffer(&m, p, n));
			(void)sip_looks_like(p, n);
		}
	}
}

static int has_case(const char *path)
{
	for (size_t i = 0; i < NCASES; i++)
		if (strcmp(cases[i].file, path) == 0)
			return 1;
	return 0;
}

/* A file added to the data directories without a row would go untested. */
static void test_torture_table_covers_every_file(void **state)
{
	(void)state;
	static const char *const dirs[] = { D4, D5 };
	size_t files = 0;
	for (size_t d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			fail_msg("cannot open %s (run the tests from the repository root)", dirs[d]);
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			size_t n = strlen(e->d_name);
			if (n < 4 || strcmp(e->d_name + n - 4, ".sip") != 0)
				continue;
			char path[256];
			snprintf(path, sizeof path, "%s%s", dirs[d], e->d_name);
			if (!has_case(path))
				fail_msg("%s has no row in the table", path);
			files++;
		}
		closedir(dir);
	}
	assert_int_equal(files, NCASES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torture_table_covers_every_file),
		cmocka_unit_test(test_torture_every_prefix_is_safe),
		/* last, so the per-section counts close the output */
		cmocka_unit_test(test_torture_messages_parse_as_the_rfcs_say),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
