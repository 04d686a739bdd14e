/*
 * gen_capture.c - synthetic SIP capture generator for the sipscope benchmark.
 *
 * Writes a classic pcap file (LINKTYPE_ETHERNET, microsecond timestamps)
 * containing N complete SIP INVITE dialogs over UDP/IPv4, interleaved in
 * time, plus background REGISTER and OPTIONS transactions and a small share
 * of retransmissions.  Nothing is ever sent on a network: the packets are
 * only bytes written to a file.
 *
 *   usage: gen_capture -n CALLS -o FILE [-s SEED] [-t udp|tcp|frag] [-d SECS]
 *                      [-m MTU] [-M MSS]
 *
 * -t picks how the same SIP messages travel (the SIP text is the same for
 * a given seed, only Via/;transport= say TCP in the TCP mode):
 *   udp   one message per UDP datagram (the default; the output for a
 *         given seed is the same byte for byte as before -t existed)
 *   tcp   one TCP connection per endpoint pair, opened with SYN/SYN-ACK/
 *         ACK before its first message and closed with FIN at the end;
 *         messages cut into MSS-sized segments (-M, default 1460), about
 *         every 10th segment carries two messages back to back
 *   frag  UDP, datagrams longer than the MTU (-m, default 576) are sent
 *         as IPv4 fragments
 *
 * Per INVITE call (7 messages):
 *   A->B INVITE (SDP offer)      B->A 100 Trying     B->A 180 Ringing
 *   B->A 200 OK (SDP answer)     A->B ACK (new branch)
 *   A->B or B->A BYE             200 OK to the BYE
 * Background traffic:
 *   every 20th call: REGISTER -> 401 (digest challenge) -> REGISTER
 *                    (with Authorization, CSeq+1) -> 200 OK
 *   every 10th call: OPTIONS keep-alive -> 200 OK
 * About 7.5% of the calls retransmit either their INVITE or their 200 OK
 * 500 ms after the original (identical SIP bytes), i.e. ~1% of all
 * packets are retransmissions.
 *
 * Output is fully deterministic for a given (CALLS, SEED, mode).  Timestamps
 * are monotonic non-decreasing.  IPv4 header checksums and UDP/TCP checksums
 * are correct.  A summary line with the message count is printed on stdout:
 *
 *   gen_capture: calls=... registers=... options=... retransmissions=...
 *                messages=... bytes=... seed=... [MODE COUNTERS] file=...
 *
 * Plain C11, no dependencies beyond the C standard library.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Deterministic PRNG (splitmix64 seeding + xoshiro256**)                   */
/* ------------------------------------------------------------------------ */

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Bijective 64-bit mixer: distinct inputs give distinct outputs. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rnd(void)
{
    uint64_t r = rotl(rng_s[1] * 5, 7) * 9;
    uint64_t t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return r;
}

static void rng_seed(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&x);
}

/* Uniform integer in [lo, hi] (tiny modulo bias is irrelevant here). */
static uint64_t rrange(uint64_t lo, uint64_t hi)
{
    return lo + rnd() % (hi - lo + 1);
}

/* ------------------------------------------------------------------------ */
/* Fast string appenders (no printf on the hot path)                        */
/* ------------------------------------------------------------------------ */

static char *ap_s(char *d, const char *s)
{
    while (*s)
        *d++ = *s++;
    return d;
}

static char *ap_u(char *d, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *d++ = tmp[--n];
    return d;
}

static char *ap_hex(char *d, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--)
        *d++ = hx[(v >> (4 * i)) & 0xF];
    return d;
}

static char *ap_ip(char *d, uint32_t ip)
{
    d = ap_u(d, ip >> 24);
    *d++ = '.';
    d = ap_u(d, (ip >> 16) & 0xFF);
    *d++ = '.';
    d = ap_u(d, (ip >> 8) & 0xFF);
    *d++ = '.';
    return ap_u(d, ip & 0xFF);
}

#define CRLF(d) ((d)[0] = '\r', (d)[1] = '\n', (d) + 2)

/* ------------------------------------------------------------------------ */
/* Static vocabulary                                                        */
/* ------------------------------------------------------------------------ */

static const char *const user_agents[] = {
    "Linphone/5.2.6 (belle-sip/5.2.4)",
    "Zoiper rv2.10.19.2",
    "Asterisk PBX 18.20.0",
    "FreeSWITCH-mod_sofia/1.10.10-release~64bit",
    "Yealink SIP-T46S 66.86.0.15",
    "PolycomVVX-VVX_450-UA/6.4.3.5018",
    "Grandstream GXP2170 1.0.11.23",
    "MicroSIP/3.21.3",
    "Bria 6 release 6.5.3 stamp 109020",
    "Cisco-SIPGateway/IOS-15.7.3",
    "snom D785/10.1.141.13",
    "Obihai OBi200 3.2.2",
};
#define N_UA (sizeof user_agents / sizeof user_agents[0])

static const char *const display_names[] = {
    "Alice Martin", "Bob Schmidt", "Carol Rossi", "David Kowalski",
    "Eve Johansson", "Frank Dubois", "Grace Moreau", "Heidi Novak",
    "Ivan Petrov", "Judy Fernandez", "Mallory Chen", "Oscar Lindqvist",
    "Peggy Tanaka", "Trent O'Brien", "Victor Silva", "Walter Nguyen",
    "Reception", "Sales Desk", "Support Line 2", "Front Office",
};
#define N_NAMES (sizeof display_names / sizeof display_names[0])

static const char *const domains[] = {
    "example.com", "voip.example.net", "pbx.acme-corp.example",
    "sip.carrier.example.org", "tel.widgets.example", "ims.operator.example",
};
#define N_DOMAINS (sizeof domains / sizeof domains[0])

/* SDP offers: payload list + attribute lines. */
struct codec_set {
    const char *fmt;   /* "m=audio PORT RTP/AVP <fmt>" */
    const char *attrs; /* rtpmap/fmtp lines, CRLF terminated */
};
static const struct codec_set offers[] = {
    {"0 8 101",
     "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
     "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"},
    {"8 0 101",
     "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
     "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"},
    {"9 8 0 101",
     "a=rtpmap:9 G722/8000\r\na=rtpmap:8 PCMA/8000\r\n"
     "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"},
    {"18 0 101",
     "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
     "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"},
};
#define N_OFFERS (sizeof offers / sizeof offers[0])

static const struct codec_set answers[] = {
    {"0 101", "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-16\r\n"},
    {"8 101", "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-15\r\n"},
    {"9 101", "a=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-16\r\n"},
    {"18 101", "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
               "a=rtpmap:101 telephone-event/8000\r\n"},
};

/* ------------------------------------------------------------------------ */
/* Network model                                                            */
/* ------------------------------------------------------------------------ */

#define N_HOSTS 600
#define N_PAIRS 480
#define N_REGISTRARS 6

struct host {
    uint32_t ip;
    uint16_t port;
    uint8_t ua;
};

static struct host hosts[N_HOSTS];
static uint16_t pair_a[N_PAIRS], pair_b[N_PAIRS];
static uint8_t pair_dom[N_PAIRS];

static void build_network(void)
{
    static const uint16_t ports[] = {5060, 5060, 5060, 5062, 5070, 5080,
                                     5090, 5160, 6060, 7060, 15060, 0};
    const size_t nports = sizeof ports / sizeof ports[0];
    for (int i = 0; i < N_HOSTS; i++) {
        uint32_t ip;
        int dup;
        do { /* distinct 10.x.y.z addresses */
            ip = (UINT32_C(10) << 24) | (uint32_t)rrange(0, 0xFFFF) << 8 |
                 (uint32_t)rrange(1, 254);
            dup = 0;
            for (int j = 0; j < i; j++)
                if (hosts[j].ip == ip)
                    dup = 1;
        } while (dup);
        hosts[i].ip = ip;
        uint16_t p = ports[rnd() % nports];
        if (p == 0) /* some UAs use an ephemeral port */
            p = (uint16_t)rrange(20000, 60999);
        hosts[i].port = p;
        hosts[i].ua = (uint8_t)(rnd() % N_UA);
    }
    /* Hosts [0, N_REGISTRARS) are registrars/proxies listening on 5060. */
    for (int i = 0; i < N_REGISTRARS; i++) {
        hosts[i].port = 5060;
        hosts[i].ua = 3; /* FreeSWITCH-ish */
    }
    for (int i = 0; i < N_PAIRS; i++) {
        uint16_t a = (uint16_t)rrange(N_REGISTRARS, N_HOSTS - 1), b;
        do
            b = (uint16_t)rrange(N_REGISTRARS, N_HOSTS - 1);
        while (b == a);
        pair_a[i] = a;
        pair_b[i] = b;
        pair_dom[i] = (uint8_t)(rnd() % N_DOMAINS);
    }
}

/* ------------------------------------------------------------------------ */
/* Transactions / dialogs                                                   */
/* ------------------------------------------------------------------------ */

enum ctype { CT_INVITE, CT_REGISTER, CT_OPTIONS };

enum evkind {
    EV_INVITE, EV_100, EV_180, EV_200_INV, EV_ACK, EV_BYE, EV_200_BYE,
    EV_REG1, EV_401, EV_REG2, EV_200_REG,
    EV_OPTIONS, EV_200_OPT,
};

struct call {
    uint8_t type;
    uint8_t pending;     /* events still queued for this call */
    uint8_t bye_by_b;    /* BYE sent by the callee */
    uint8_t dom, name, offer, answer, ua_a, ua_b;
    uint16_t a_port, b_port, a_rtp, b_rtp;
    uint32_t a_ip, b_ip;
    uint32_t cseq, cseq_b;
    uint32_t ftag, ttag;
    uint32_t a_sess, b_sess;
    uint64_t a_num, b_num;
    uint64_t cid_hi;
    uint32_t cid_lo;
    uint64_t br[3];      /* branches: INVITE/REG1/OPT, ACK/REG2, BYE */
    uint64_t nonce;
};

struct event {
    uint64_t t;   /* microseconds since epoch */
    uint64_t seq; /* tie breaker: insertion order */
    struct call *c;
    uint32_t kind;
};

static struct event *heap;
static size_t heap_n, heap_cap;
static uint64_t ev_seq;

static int ev_less(const struct event *x, const struct event *y)
{
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void heap_push(uint64_t t, struct call *c, uint32_t kind)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 4096;
        heap = realloc(heap, heap_cap * sizeof *heap);
        if (!heap) {
            fprintf(stderr, "gen_capture: out of memory\n");
            exit(1);
        }
    }
    struct event e = {t, ev_seq++, c, kind};
    size_t i = heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &heap[p]))
            break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = e;
    c->pending++;
}

static struct event heap_pop(void)
{
    struct event top = heap[0];
    struct event last = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct event *mv = &last;
        if (l < heap_n && ev_less(&heap[l], mv)) {
            m = l;
            mv = &heap[l];
        }
        if (r < heap_n && ev_less(&heap[r], mv))
            m = r;
        if (m == i)
            break;
        heap[i] = heap[m];
        i = m;
    }
    if (heap_n)
        heap[i] = last;
    return top;
}

static struct call *call_new(void)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "gen_capture: out of memory\n");
        exit(1);
    }
    return c;
}

/* ------------------------------------------------------------------------ */
/* SIP rendering                                                            */
/* ------------------------------------------------------------------------ */

static uint64_t seed_salt;

/* Transport named in Via and in ;transport= URI parameters: the SIP text of
 * the TCP capture says TCP (same length, so all modes carry equal bytes). */
static const char *tp_via = "UDP", *tp_uri = "udp";

static char *ap_callid(char *d, const struct call *c)
{
    d = ap_hex(d, c->cid_hi, 16);
    d = ap_hex(d, c->cid_lo, 8);
    *d++ = '@';
    return ap_ip(d, c->a_ip);
}

static char *ap_num(char *d, uint64_t num)
{
    *d++ = '+';
    return ap_u(d, num);
}

/* Via of one side: its address, rport (with the value in responses), branch */
static char *ap_via(char *d, uint32_t ip, uint16_t port, uint64_t branch, int received)
{
    d = ap_s(d, "Via: SIP/2.0/");
    d = ap_s(d, tp_via);
    *d++ = ' ';
    d = ap_ip(d, ip);
    *d++ = ':';
    d = ap_u(d, port);
    if (received) {
        d = ap_s(d, ";rport=");
        d = ap_u(d, port);
    } else {
        d = ap_s(d, ";rport");
    }
    d = ap_s(d, ";branch=z9hG4bK");
    d = ap_hex(d, branch, 16);
    return CRLF(d);
}

static char *ap_via_a(char *d, const struct call *c, uint64_t branch, int received)
{
    return ap_via(d, c->a_ip, c->a_port, branch, received);
}

static char *ap_via_b(char *d, const struct call *c, uint64_t branch, int received)
{
    return ap_via(d, c->b_ip, c->b_port, branch, received);
}

/* caller identity: "Name" <sip:+num@domain>;tag=ftag */
static char *ap_id_a(char *d, const struct call *c)
{
    *d++ = '"';
    d = ap_s(d, display_names[c->name]);
    d = ap_s(d, "\" <sip:");
    d = ap_num(d, c->a_num);
    *d++ = '@';
    d = ap_s(d, domains[c->dom]);
    d = ap_s(d, ">;tag=");
    return ap_hex(d, c->ftag, 8);
}

/* callee identity: <sip:+num@domain>[;tag=ttag] */
static char *ap_id_b(char *d, const struct call *c, int with_tag)
{
    d = ap_s(d, "<sip:");
    d = ap_num(d, c->b_num);
    *d++ = '@';
    d = ap_s(d, domains[c->dom]);
    *d++ = '>';
    if (with_tag) {
        d = ap_s(d, ";tag=");
        d = ap_hex(d, c->ttag, 8);
    }
    return d;
}

static char *ap_contact(char *d, uint64_t num, uint32_t ip, uint16_t port)
{
    d = ap_s(d, "Contact: <sip:");
    d = ap_num(d, num);
    *d++ = '@';
    d = ap_ip(d, ip);
    *d++ = ':';
    d = ap_u(d, port);
    d = ap_s(d, ";transport=");
    d = ap_s(d, tp_uri);
    *d++ = '>';
    return CRLF(d);
}

static char *ap_cseq(char *d, uint32_t n, const char *method)
{
    d = ap_s(d, "CSeq: ");
    d = ap_u(d, n);
    *d++ = ' ';
    d = ap_s(d, method);
    return CRLF(d);
}

static char *ap_hdr(char *d, const char *name, const char *value)
{
    d = ap_s(d, name);
    d = ap_s(d, ": ");
    d = ap_s(d, value);
    return CRLF(d);
}

static char *ap_sdp(char *d, uint32_t sess, uint32_t ip, uint16_t rtp,
                    const struct codec_set *cs)
{
    d = ap_s(d, "v=0\r\no=- ");
    d = ap_u(d, sess);
    *d++ = ' ';
    d = ap_u(d, sess);
    d = ap_s(d, " IN IP4 ");
    d = ap_ip(d, ip);
    d = ap_s(d, "\r\ns=SIP Call\r\nc=IN IP4 ");
    d = ap_ip(d, ip);
    d = ap_s(d, "\r\nt=0 0\r\nm=audio ");
    d = ap_u(d, rtp);
    d = ap_s(d, " RTP/AVP ");
    d = ap_s(d, cs->fmt);
    d = CRLF(d);
    d = ap_s(d, cs->attrs);
    return ap_s(d, "a=ptime:20\r\na=sendrecv\r\n");
}

static const char allow_hdr[] =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY";

/*
 * Render the SIP message for event `kind` of call `c` into `out`.
 * Sets *from_a = 1 when the packet goes A->B, 0 when B->A.
 * Returns the message length.
 */
static size_t render(char *out, const struct call *c, uint32_t kind,
                     int *from_a)
{
    char body[1024];
    char *b = body;
    char *d = out;
    int a = 1;

    switch (kind) {
    case EV_INVITE:
        b = ap_sdp(b, c->a_sess, c->a_ip, c->a_rtp, &offers[c->offer]);
        d = ap_s(d, "INVITE sip:");
        d = ap_num(d, c->b_num);
        *d++ = '@';
        d = ap_ip(d, c->b_ip);
        *d++ = ':';
        d = ap_u(d, c->b_port);
        d = ap_s(d, " SIP/2.0\r\n");
        d = ap_via_a(d, c, c->br[0], 0);
        d = ap_s(d, "Max-Forwards: 70\r\nFrom: ");
        d = ap_id_a(d, c);
        d = ap_s(d, "\r\nTo: ");
        d = ap_id_b(d, c, 0);
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq, "INVITE");
        d = ap_contact(d, c->a_num, c->a_ip, c->a_port);
        d = ap_hdr(d, "Allow", allow_hdr);
        d = ap_hdr(d, "Supported", "replaces, timer");
        d = ap_hdr(d, "User-Agent", user_agents[c->ua_a]);
        d = ap_hdr(d, "Content-Type", "application/sdp");
        break;
    case EV_100:
    case EV_180:
    case EV_200_INV:
        a = 0;
        if (kind == EV_100)
            d = ap_s(d, "SIP/2.0 100 Trying\r\n");
        else if (kind == EV_180)
            d = ap_s(d, "SIP/2.0 180 Ringing\r\n");
        else
            d = ap_s(d, "SIP/2.0 200 OK\r\n");
        d = ap_via_a(d, c, c->br[0], 1);
        d = ap_s(d, "From: ");
        d = ap_id_a(d, c);
        d = ap_s(d, "\r\nTo: ");
        d = ap_id_b(d, c, kind != EV_100);
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq, "INVITE");
        if (kind != EV_100)
            d = ap_contact(d, c->b_num, c->b_ip, c->b_port);
        if (kind == EV_200_INV) {
            b = ap_sdp(b, c->b_sess, c->b_ip, c->b_rtp, &answers[c->answer]);
            d = ap_hdr(d, "Allow", allow_hdr);
        }
        if (kind != EV_100) /* 100 Trying is kept minimal, hop-by-hop */
            d = ap_hdr(d, "Server", user_agents[c->ua_b]);
        if (kind == EV_200_INV)
            d = ap_hdr(d, "Content-Type", "application/sdp");
        break;
    case EV_ACK:
        d = ap_s(d, "ACK sip:");
        d = ap_num(d, c->b_num);
        *d++ = '@';
        d = ap_ip(d, c->b_ip);
        *d++ = ':';
        d = ap_u(d, c->b_port);
        d = ap_s(d, ";transport=");
        d = ap_s(d, tp_uri);
        d = ap_s(d, " SIP/2.0\r\n");
        d = ap_via_a(d, c, c->br[1], 0);
        d = ap_s(d, "Max-Forwards: 70\r\nFrom: ");
        d = ap_id_a(d, c);
        d = ap_s(d, "\r\nTo: ");
        d = ap_id_b(d, c, 1);
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq, "ACK");
        break;
    case EV_BYE:
    case EV_200_BYE:
        /* BYE from A (caller) or from B (callee); 200 goes the other way. */
        a = (kind == EV_BYE) != (c->bye_by_b != 0);
        if (kind == EV_BYE) {
            d = ap_s(d, "BYE sip:");
            if (c->bye_by_b) {
                d = ap_num(d, c->a_num);
                *d++ = '@';
                d = ap_ip(d, c->a_ip);
                *d++ = ':';
                d = ap_u(d, c->a_port);
            } else {
                d = ap_num(d, c->b_num);
                *d++ = '@';
                d = ap_ip(d, c->b_ip);
                *d++ = ':';
                d = ap_u(d, c->b_port);
            }
            d = ap_s(d, ";transport=");
        d = ap_s(d, tp_uri);
        d = ap_s(d, " SIP/2.0\r\n");
        } else {
            d = ap_s(d, "SIP/2.0 200 OK\r\n");
        }
        if (c->bye_by_b)
            d = ap_via_b(d, c, c->br[2], kind == EV_200_BYE);
        else
            d = ap_via_a(d, c, c->br[2], kind == EV_200_BYE);
        if (kind == EV_BYE)
            d = ap_s(d, "Max-Forwards: 70\r\n");
        if (c->bye_by_b) {
            d = ap_s(d, "From: ");
            d = ap_id_b(d, c, 1);
            d = ap_s(d, "\r\nTo: ");
            d = ap_id_a(d, c);
        } else {
            d = ap_s(d, "From: ");
            d = ap_id_a(d, c);
            d = ap_s(d, "\r\nTo: ");
            d = ap_id_b(d, c, 1);
        }
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->bye_by_b ? c->cseq_b : c->cseq + 1, "BYE");
        if (kind == EV_BYE) {
            d = ap_hdr(d, "User-Agent",
                       user_agents[c->bye_by_b ? c->ua_b : c->ua_a]);
            d = ap_hdr(d, "Reason", "Q.850;cause=16;text=\"Normal call clearing\"");
        } else {
            d = ap_hdr(d, "Server",
                       user_agents[c->bye_by_b ? c->ua_a : c->ua_b]);
        }
        break;
    case EV_REG1:
    case EV_REG2:
        /* A = registering UA, B = registrar */
        d = ap_s(d, "REGISTER sip:");
        d = ap_s(d, domains[c->dom]);
        d = ap_s(d, " SIP/2.0\r\n");
        d = ap_via_a(d, c, c->br[kind == EV_REG1 ? 0 : 1], 0);
        d = ap_s(d, "Max-Forwards: 70\r\nFrom: <sip:");
        d = ap_num(d, c->a_num);
        *d++ = '@';
        d = ap_s(d, domains[c->dom]);
        d = ap_s(d, ">;tag=");
        d = ap_hex(d, c->ftag, 8);
        d = ap_s(d, "\r\nTo: <sip:");
        d = ap_num(d, c->a_num);
        *d++ = '@';
        d = ap_s(d, domains[c->dom]);
        d = ap_s(d, ">\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq + (kind == EV_REG2), "REGISTER");
        d = ap_contact(d, c->a_num, c->a_ip, c->a_port);
        if (kind == EV_REG2) {
            d = ap_s(d, "Authorization: Digest username=\"");
            d = ap_u(d, c->a_num);
            d = ap_s(d, "\", realm=\"");
            d = ap_s(d, domains[c->dom]);
            d = ap_s(d, "\", nonce=\"");
            d = ap_hex(d, c->nonce, 16);
            d = ap_s(d, "\", uri=\"sip:");
            d = ap_s(d, domains[c->dom]);
            d = ap_s(d, "\", response=\"");
            d = ap_hex(d, mix64(c->nonce ^ c->a_num), 16);
            d = ap_hex(d, mix64(c->nonce + c->a_num), 16);
            d = ap_s(d, "\", algorithm=MD5\r\n");
        }
        d = ap_hdr(d, "Expires", "3600");
        d = ap_hdr(d, "User-Agent", user_agents[c->ua_a]);
        break;
    case EV_401:
    case EV_200_REG:
        a = 0;
        d = ap_s(d, kind == EV_401 ? "SIP/2.0 401 Unauthorized\r\n"
                                   : "SIP/2.0 200 OK\r\n");
        d = ap_via_a(d, c, c->br[kind == EV_401 ? 0 : 1], 1);
        d = ap_s(d, "From: <sip:");
        d = ap_num(d, c->a_num);
        *d++ = '@';
        d = ap_s(d, domains[c->dom]);
        d = ap_s(d, ">;tag=");
        d = ap_hex(d, c->ftag, 8);
        d = ap_s(d, "\r\nTo: <sip:");
        d = ap_num(d, c->a_num);
        *d++ = '@';
        d = ap_s(d, domains[c->dom]);
        d = ap_s(d, ">;tag=");
        d = ap_hex(d, c->ttag, 8);
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq + (kind == EV_200_REG), "REGISTER");
        if (kind == EV_401) {
            d = ap_s(d, "WWW-Authenticate: Digest realm=\"");
            d = ap_s(d, domains[c->dom]);
            d = ap_s(d, "\", nonce=\"");
            d = ap_hex(d, c->nonce, 16);
            d = ap_s(d, "\", algorithm=MD5\r\n");
        } else {
            d = ap_s(d, "Contact: <sip:");
            d = ap_num(d, c->a_num);
            *d++ = '@';
            d = ap_ip(d, c->a_ip);
            *d++ = ':';
            d = ap_u(d, c->a_port);
            d = ap_s(d, ";transport=");
            d = ap_s(d, tp_uri);
            d = ap_s(d, ">;expires=3600\r\n");
        }
        d = ap_hdr(d, "Server", user_agents[c->ua_b]);
        break;
    case EV_OPTIONS:
    case EV_200_OPT:
        /* A = pinging proxy, B = UA */
        a = (kind == EV_OPTIONS);
        if (kind == EV_OPTIONS) {
            d = ap_s(d, "OPTIONS sip:");
            d = ap_num(d, c->b_num);
            *d++ = '@';
            d = ap_ip(d, c->b_ip);
            *d++ = ':';
            d = ap_u(d, c->b_port);
            d = ap_s(d, " SIP/2.0\r\n");
        } else {
            d = ap_s(d, "SIP/2.0 200 OK\r\n");
        }
        d = ap_via_a(d, c, c->br[0], kind == EV_200_OPT);
        if (kind == EV_OPTIONS)
            d = ap_s(d, "Max-Forwards: 70\r\n");
        d = ap_s(d, "From: <sip:keepalive@");
        d = ap_ip(d, c->a_ip);
        d = ap_s(d, ">;tag=");
        d = ap_hex(d, c->ftag, 8);
        d = ap_s(d, "\r\nTo: <sip:");
        d = ap_num(d, c->b_num);
        *d++ = '@';
        d = ap_ip(d, c->b_ip);
        *d++ = '>';
        if (kind == EV_200_OPT) {
            d = ap_s(d, ";tag=");
            d = ap_hex(d, c->ttag, 8);
        }
        d = ap_s(d, "\r\nCall-ID: ");
        d = ap_callid(d, c);
        d = CRLF(d);
        d = ap_cseq(d, c->cseq, "OPTIONS");
        if (kind == EV_OPTIONS) {
            d = ap_hdr(d, "User-Agent", user_agents[c->ua_a]);
        } else {
            d = ap_hdr(d, "Allow", allow_hdr);
            d = ap_hdr(d, "Accept", "application/sdp");
            d = ap_hdr(d, "Server", user_agents[c->ua_b]);
        }
        break;
    default:
        fprintf(stderr, "gen_capture: internal error: bad event %u\n",
                (unsigned)kind);
        exit(2);
    }

    size_t blen = (size_t)(b - body);
    d = ap_s(d, "Content-Length: ");
    d = ap_u(d, blen);
    d = ap_s(d, "\r\n\r\n");
    memcpy(d, body, blen);
    d += blen;
    *from_a = a;
    return (size_t)(d - out);
}

/* ------------------------------------------------------------------------ */
/* pcap output                                                              */
/* ------------------------------------------------------------------------ */

#define OUTBUF_SIZE (8u << 20)
#define MS(x) ((uint64_t)(x) * 1000u)
#define SEC(x) ((uint64_t)(x) * 1000000u)

static FILE *out_fp;
static unsigned char *obuf;
static size_t obuf_n;
static uint64_t bytes_written, last_ts;
static uint16_t ip_id;

static void out_flush(void)
{
    if (obuf_n && fwrite(obuf, 1, obuf_n, out_fp) != obuf_n) {
        perror("gen_capture: write");
        exit(1);
    }
    bytes_written += obuf_n;
    obuf_n = 0;
}

static unsigned char *out_reserve(size_t n)
{
    if (obuf_n + n > OUTBUF_SIZE)
        out_flush();
    unsigned char *p = obuf + obuf_n;
    obuf_n += n;
    return p;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_be16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t n)
{
    while (n > 1) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static void write_pcap_header(void)
{
    unsigned char *p = out_reserve(24);
    put_le32(p, 0xa1b2c3d4u); /* microsecond resolution */
    put_le16(p + 4, 2);
    put_le16(p + 6, 4);
    put_le32(p + 8, 0);       /* thiszone */
    put_le32(p + 12, 0);      /* sigfigs */
    put_le32(p + 16, 65535);  /* snaplen */
    put_le32(p + 20, 1);      /* LINKTYPE_ETHERNET */
}

static void mac_for(unsigned char *m, uint32_t ip)
{
    /* locally administered unicast MAC derived from the IP */
    m[0] = 0x02;
    m[1] = 0x53;
    put_be32(m + 2, ip);
}

/* Counters of the non-UDP modes (summary line). */
static uint64_t n_packets, n_fragmented, n_fragments;
static uint64_t n_conns, n_segments, n_coalesced, n_split;

/*
 * One frame: pcap record header, Ethernet, IPv4 header with `proto`, IP id
 * `id` and flags/fragment offset field `frag`, and room for `l4len` bytes
 * of IP payload, which the caller fills in.  Returns the IP payload.
 */
static unsigned char *put_ipv4(uint64_t ts, uint32_t sip, uint32_t dip,
                               uint8_t proto, uint16_t id, uint16_t frag,
                               size_t l4len)
{
    size_t frame = 14 + 20 + l4len;
    unsigned char *p = out_reserve(16 + frame);

    if (ts < last_ts) {
        fprintf(stderr, "gen_capture: internal error: time went backwards\n");
        exit(2);
    }
    last_ts = ts;
    n_packets++;

    put_le32(p, (uint32_t)(ts / 1000000u));
    put_le32(p + 4, (uint32_t)(ts % 1000000u));
    put_le32(p + 8, (uint32_t)frame);
    put_le32(p + 12, (uint32_t)frame);
    p += 16;

    /* Ethernet */
    mac_for(p, dip);
    mac_for(p + 6, sip);
    put_be16(p + 12, 0x0800);
    unsigned char *ip = p + 14;

    /* IPv4 */
    ip[0] = 0x45;
    ip[1] = 0x60; /* DSCP CS3, commonly used for SIP signalling */
    put_be16(ip + 2, (uint16_t)(20 + l4len));
    put_be16(ip + 4, id);
    put_be16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    put_be16(ip + 10, 0);
    put_be32(ip + 12, sip);
    put_be32(ip + 16, dip);
    put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    return ip + 20;
}

/* Transport checksum over the IPv4 pseudo header and `seg` (UDP or TCP). */
static uint16_t l4_csum(uint32_t sip, uint32_t dip, uint8_t proto,
                        const unsigned char *seg, size_t len)
{
    unsigned char ph[8];
    put_be32(ph, sip);
    put_be32(ph + 4, dip);
    uint32_t sum = csum_add(0, ph, 8);
    sum += (uint32_t)proto + (uint32_t)len;
    return csum_fold(csum_add(sum, seg, len));
}

static void fill_udp(unsigned char *udp, uint32_t sip, uint16_t sport,
                     uint32_t dip, uint16_t dport,
                     const char *payload, size_t plen)
{
    uint16_t ulen = (uint16_t)(8 + plen);
    put_be16(udp, sport);
    put_be16(udp + 2, dport);
    put_be16(udp + 4, ulen);
    put_be16(udp + 6, 0);
    memcpy(udp + 8, payload, plen);
    uint16_t ck = l4_csum(sip, dip, 17, udp, ulen);
    put_be16(udp + 6, ck ? ck : 0xFFFF);
}

enum { TP_UDP, TP_TCP, TP_FRAG };
static int transport = TP_UDP;
static size_t frag_mtu = 576;  /* -m: IPv4 datagrams above this fragment */
static size_t tcp_mss = 1460;  /* -M: TCP payload bytes per segment */

/* One SIP message in one UDP datagram; with -t frag, datagrams longer
 * than the MTU go out as IPv4 fragments (same IP id, 8-byte offsets). */
static void write_udp(uint64_t ts, uint32_t sip, uint16_t sport,
                      uint32_t dip, uint16_t dport,
                      const char *payload, size_t plen)
{
    if (transport != TP_FRAG || 20 + 8 + plen <= frag_mtu) {
        /* DF: the unfragmented packets are those of the UDP mode */
        unsigned char *udp = put_ipv4(ts, sip, dip, 17, ip_id++, 0x4000, 8 + plen);
        fill_udp(udp, sip, sport, dip, dport, payload, plen);
        return;
    }
    static unsigned char dgram[8 + 4096];
    size_t dlen = 8 + plen;
    size_t step = (frag_mtu - 20) & ~(size_t)7; /* all but the last */
    uint16_t id = ip_id++;
    fill_udp(dgram, sip, sport, dip, dport, payload, plen);
    for (size_t off = 0; off < dlen; off += step) {
        size_t n = dlen - off < step ? dlen - off : step;
        uint16_t frag = (uint16_t)(off / 8);
        if (off + n < dlen)
            frag |= 0x2000; /* MF */
        memcpy(put_ipv4(ts, sip, dip, 17, id, frag, n), dgram + off, n);
        n_fragments++;
    }
    n_fragmented++;
}

/*
 * TCP: one connection per unordered pair of the endpoints the UDP mode
 * uses (so Via/Contact stay true).  Side 0 is the client: the endpoint
 * that sent the first message on it.
 */
struct conn {
    uint32_t ip[2];
    uint16_t port[2];
    uint32_t nxt[2]; /* next sequence number each side sends */
    /* per side: a message held back for coalescing (see write_tcp) */
    char *hbuf[2];
    size_t hlen[2];
    uint64_t hcall[2], ht[2];
};

#define CONN_HASH (1u << 16) /* > the few thousand pairs ever used */

static struct conn *conns;
static uint32_t conn_hash[CONN_HASH]; /* index + 1, 0 = empty */
static size_t conns_cap;

static void tcp_segment(uint64_t ts, struct conn *k, int side, uint8_t flags,
                        const char *data, size_t len)
{
    int o = !side;
    unsigned char *t = put_ipv4(ts, k->ip[side], k->ip[o], 6, ip_id++,
                                0x4000, 20 + len);
    put_be16(t, k->port[side]);
    put_be16(t + 2, k->port[o]);
    put_be32(t + 4, k->nxt[side]);
    put_be32(t + 8, (flags & 0x10) ? k->nxt[o] : 0);
    t[12] = 5 << 4; /* 20-byte header, no options */
    t[13] = flags;
    put_be16(t + 14, 64240);
    put_be16(t + 16, 0);
    put_be16(t + 18, 0);
    if (len)
        memcpy(t + 20, data, len);
    put_be16(t + 16, l4_csum(k->ip[side], k->ip[o], 6, t, 20 + len));
    /* SYN and FIN take one sequence number each */
    k->nxt[side] += (uint32_t)len + ((flags & 0x03) ? 1u : 0u);
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

static uint64_t segs_since_coalesce;

/* Application bytes from `side`: MSS-sized segments, PSH on the last. */
static void tcp_send(uint64_t ts, struct conn *k, int side,
                     const char *data, size_t len)
{
    if (len > tcp_mss)
        n_split++;
    while (len) {
        size_t n = len < tcp_mss ? len : tcp_mss;
        tcp_segment(ts, k, side, TH_ACK | (n == len ? TH_PSH : 0), data, n);
        data += n;
        len -= n;
        n_segments++;
        segs_since_coalesce++;
    }
}

static struct conn *conn_get(uint64_t ts, uint32_t sip, uint16_t sport,
                             uint32_t dip, uint16_t dport, int *side)
{
    /* order-independent key: the same slot for both directions */
    uint64_t ea = (uint64_t)sip << 16 | sport, eb = (uint64_t)dip << 16 | dport;
    uint64_t lo = ea < eb ? ea : eb, hi = ea < eb ? eb : ea;
    uint32_t h = (uint32_t)mix64(lo * UINT64_C(0x100000001B3) ^ hi) & (CONN_HASH - 1);
    for (;; h = (h + 1) & (CONN_HASH - 1)) {
        uint32_t i = conn_hash[h];
        if (!i)
            break;
        struct conn *k = &conns[i - 1];
        if (k->ip[0] == sip && k->port[0] == sport && k->ip[1] == dip && k->port[1] == dport) {
            *side = 0;
            return k;
        }
        if (k->ip[1] == sip && k->port[1] == sport && k->ip[0] == dip && k->port[0] == dport) {
            *side = 1;
            return k;
        }
    }
    if (n_conns + 1 >= CONN_HASH / 2) {
        fprintf(stderr, "gen_capture: too many TCP connections\n");
        exit(2);
    }
    if (n_conns == conns_cap) {
        conns_cap = conns_cap ? conns_cap * 2 : 1024;
        conns = realloc(conns, conns_cap * sizeof *conns);
        if (!conns) {
            fprintf(stderr, "gen_capture: out of memory\n");
            exit(1);
        }
    }
    struct conn *k = &conns[n_conns];
    memset(k, 0, sizeof *k);
    conn_hash[h] = (uint32_t)++n_conns;
    k->ip[0] = sip;
    k->port[0] = sport;
    k->ip[1] = dip;
    k->port[1] = dport;
    /* Initial sequence numbers from their own mixer, not rnd(): the SIP
     * text stays that of the UDP mode for the same seed.  The first
     * connection starts just below 2^32 so its sequence numbers wrap. */
    if (n_conns == 1) {
        k->nxt[0] = UINT32_C(0xFFFFF000);
        k->nxt[1] = UINT32_C(0xFFFFFF00);
    } else {
        uint64_t r = mix64(seed_salt ^ (n_conns * UINT64_C(0x9E3779B97F4A7C15)));
        k->nxt[0] = (uint32_t)r;
        k->nxt[1] = (uint32_t)(r >> 32);
    }
    /* three-way handshake at the time of the first message */
    tcp_segment(ts, k, 0, TH_SYN, NULL, 0);
    tcp_segment(ts, k, 1, TH_SYN | TH_ACK, NULL, 0);
    tcp_segment(ts, k, 0, TH_ACK, NULL, 0);
    *side = 0;
    return k;
}

/*
 * Coalescing, as a sender does that writes a second message before the
 * first went out.  Once 9 or more segments went out since the last
 * coalesced one, each side that is not already holding a message holds
 * its next one back; it goes out in one write together with the next
 * message that side sends on that connection.  It is sent alone instead
 * when the other side sends a message of the same call (so no dialog is
 * ever reordered) or after HOLD_MAX.  Pairs longer than the MSS are split
 * across segments in mid-message.
 */
#define HOLD_MAX MS(250)

struct hold_ref {
    uint64_t t;
    uint32_t conn;
    uint8_t side;
};

static struct hold_ref *holdq; /* holds in time order (a FIFO) */
static size_t holdq_head, holdq_n, holdq_cap;

static void hold_send(uint64_t ts, struct conn *k, int side)
{
    tcp_send(ts, k, side, k->hbuf[side], k->hlen[side]);
    free(k->hbuf[side]);
    k->hbuf[side] = NULL;
}

/* Send, alone, the messages held for longer than HOLD_MAX. */
static void hold_expire(uint64_t ts)
{
    while (holdq_head < holdq_n) {
        const struct hold_ref *r = &holdq[holdq_head];
        struct conn *k = &conns[r->conn];
        /* a slot re-held later has its own, younger queue entry */
        if (k->hbuf[r->side] && k->ht[r->side] == r->t) {
            if (ts - r->t < HOLD_MAX)
                break;
            hold_send(ts, k, r->side);
        }
        holdq_head++;
    }
    if (holdq_head > 4096 && holdq_head * 2 > holdq_n) {
        memmove(holdq, holdq + holdq_head, (holdq_n - holdq_head) * sizeof *holdq);
        holdq_n -= holdq_head;
        holdq_head = 0;
    }
}

static void write_tcp(uint64_t ts, uint64_t call, uint32_t sip, uint16_t sport,
                      uint32_t dip, uint16_t dport,
                      const char *payload, size_t plen)
{
    static char pair[2 * 4096];
    int side, o;
    hold_expire(ts);
    struct conn *k = conn_get(ts, sip, sport, dip, dport, &side);
    o = !side;
    if (k->hbuf[o] && k->hcall[o] == call)
        hold_send(ts, k, o);
    if (k->hbuf[side]) {
        memcpy(pair, k->hbuf[side], k->hlen[side]);
        memcpy(pair + k->hlen[side], payload, plen);
        tcp_send(ts, k, side, pair, k->hlen[side] + plen);
        free(k->hbuf[side]);
        k->hbuf[side] = NULL;
        n_coalesced++;
        segs_since_coalesce = 0;
        return;
    }
    if (segs_since_coalesce >= 9) {
        k->hbuf[side] = malloc(plen);
        if (!k->hbuf[side]) {
            fprintf(stderr, "gen_capture: out of memory\n");
            exit(1);
        }
        memcpy(k->hbuf[side], payload, plen);
        k->hlen[side] = plen;
        k->hcall[side] = call;
        k->ht[side] = ts;
        if (holdq_n == holdq_cap) {
            holdq_cap = holdq_cap ? holdq_cap * 2 : 1024;
            holdq = realloc(holdq, holdq_cap * sizeof *holdq);
            if (!holdq) {
                fprintf(stderr, "gen_capture: out of memory\n");
                exit(1);
            }
        }
        holdq[holdq_n++] = (struct hold_ref){ts, (uint32_t)(k - conns), (uint8_t)side};
        return;
    }
    tcp_send(ts, k, side, payload, plen);
}

/* End of capture: send what is still held, then close every connection. */
static void tcp_finish(void)
{
    for (size_t i = 0; i < n_conns; i++) {
        struct conn *k = &conns[i];
        for (int side = 0; side < 2; side++)
            if (k->hbuf[side])
                hold_send(last_ts, k, side);
        tcp_segment(last_ts, k, 0, TH_FIN | TH_ACK, NULL, 0);
        tcp_segment(last_ts, k, 1, TH_FIN | TH_ACK, NULL, 0);
        tcp_segment(last_ts, k, 0, TH_ACK, NULL, 0);
    }
    free(conns);
    free(holdq);
}

/* `call` identifies the call (its Call-ID) for the TCP mode's holds. */
static void write_packet(uint64_t ts, uint64_t call, uint32_t sip, uint16_t sport,
                         uint32_t dip, uint16_t dport,
                         const char *payload, size_t plen)
{
    if (transport == TP_TCP)
        write_tcp(ts, call, sip, sport, dip, dport, payload, plen);
    else
        write_udp(ts, sip, sport, dip, dport, payload, plen);
}

/* ------------------------------------------------------------------------ */
/* Scenario                                                                 */
/* ------------------------------------------------------------------------ */

#define BASE_TIME SEC(1709251200) /* 2024-03-01 00:00:00 UTC */

static uint64_t talk_min = 5, talk_max = 180; /* -d: talk time range, seconds */

static uint64_t n_messages, n_retrans, n_registers, n_options;

static void fill_ids(struct call *c, uint64_t serial)
{
    /* Call-ID: 64 bits that are unique per serial (bijective mix) + salt */
    c->cid_hi = mix64(serial ^ seed_salt);
    c->cid_lo = (uint32_t)rnd();
    for (int i = 0; i < 3; i++)
        c->br[i] = rnd();
    c->ftag = (uint32_t)rnd();
    c->ttag = (uint32_t)rnd();
    c->cseq = (uint32_t)rrange(1, 30000);
}

static uint64_t rand_number(void)
{
    /* E.164-ish: +<country 1..49><9 digits> */
    return rrange(1, 49) * UINT64_C(1000000000) + rrange(100000000, 999999999);
}

static void start_invite(uint64_t t, uint64_t serial)
{
    struct call *c = call_new();
    int pr = (int)(rnd() % N_PAIRS);
    const struct host *ha = &hosts[pair_a[pr]], *hb = &hosts[pair_b[pr]];
    c->type = CT_INVITE;
    c->a_ip = ha->ip;
    c->a_port = ha->port;
    c->b_ip = hb->ip;
    c->b_port = hb->port;
    c->ua_a = ha->ua;
    c->ua_b = hb->ua;
    c->dom = pair_dom[pr];
    c->name = (uint8_t)(rnd() % N_NAMES);
    c->offer = (uint8_t)(rnd() % N_OFFERS);
    c->answer = c->offer; /* answer picks the offer's first codec */
    c->a_rtp = (uint16_t)(rrange(5000, 15999) * 2);
    c->b_rtp = (uint16_t)(rrange(5000, 15999) * 2);
    c->a_sess = (uint32_t)rrange(100000000, 4000000000u);
    c->b_sess = (uint32_t)rrange(100000000, 4000000000u);
    c->a_num = rand_number();
    c->b_num = rand_number();
    fill_ids(c, serial);
    c->cseq_b = (uint32_t)rrange(1, 30000);
    c->bye_by_b = (uint8_t)(rnd() % 3 == 0);

    /* ~7.5% of calls retransmit INVITE (1) or 200 OK (2) */
    int retr = 0;
    if (rnd() % 1000 < 75)
        retr = (int)(1 + rnd() % 2);

    uint64_t tt = t;
    heap_push(tt, c, EV_INVITE);
    if (retr == 1) { /* first INVITE lost: retransmitted at Timer A */
        tt += MS(500);
        heap_push(tt, c, EV_INVITE);
        n_retrans++;
    }
    tt += rrange(MS(5), MS(40));
    heap_push(tt, c, EV_100);
    tt += rrange(MS(20), MS(300));
    heap_push(tt, c, EV_180);
    tt += rrange(SEC(1), SEC(15));
    heap_push(tt, c, EV_200_INV);
    if (retr == 2) { /* ACK lost/late: UAS retransmits its 200 OK */
        tt += MS(500);
        heap_push(tt, c, EV_200_INV);
        n_retrans++;
    }
    tt += rrange(MS(5), MS(40));
    heap_push(tt, c, EV_ACK);
    tt += rrange(SEC(talk_min), SEC(talk_max));
    heap_push(tt, c, EV_BYE);
    tt += rrange(MS(5), MS(40));
    heap_push(tt, c, EV_200_BYE);
}

static void start_register(uint64_t t, uint64_t serial)
{
    struct call *c = call_new();
    const struct host *ua = &hosts[rrange(N_REGISTRARS, N_HOSTS - 1)];
    const struct host *reg = &hosts[rnd() % N_REGISTRARS];
    c->type = CT_REGISTER;
    c->a_ip = ua->ip;
    c->a_port = ua->port;
    c->ua_a = ua->ua;
    c->b_ip = reg->ip;
    c->b_port = reg->port;
    c->ua_b = reg->ua;
    c->dom = (uint8_t)(rnd() % N_DOMAINS);
    c->a_num = rand_number();
    c->nonce = rnd();
    fill_ids(c, serial);

    uint64_t tt = t + rrange(0, MS(1));
    heap_push(tt, c, EV_REG1);
    tt += rrange(MS(2), MS(20));
    heap_push(tt, c, EV_401);
    tt += rrange(MS(5), MS(30));
    heap_push(tt, c, EV_REG2);
    tt += rrange(MS(2), MS(20));
    heap_push(tt, c, EV_200_REG);
    n_registers++;
}

static void start_options(uint64_t t, uint64_t serial)
{
    struct call *c = call_new();
    const struct host *px = &hosts[rnd() % N_REGISTRARS];
    const struct host *ua = &hosts[rrange(N_REGISTRARS, N_HOSTS - 1)];
    c->type = CT_OPTIONS;
    c->a_ip = px->ip;
    c->a_port = px->port;
    c->ua_a = px->ua;
    c->b_ip = ua->ip;
    c->b_port = ua->port;
    c->ua_b = ua->ua;
    c->b_num = rand_number();
    fill_ids(c, serial);

    uint64_t tt = t + rrange(0, MS(2));
    heap_push(tt, c, EV_OPTIONS);
    tt += rrange(MS(1), MS(30));
    heap_push(tt, c, EV_200_OPT);
    n_options++;
}

static void emit(const struct event *e)
{
    static char msg[4096];
    int from_a;
    const struct call *c = e->c;
    size_t len = render(msg, c, e->kind, &from_a);
    if (from_a)
        write_packet(e->t, c->cid_hi, c->a_ip, c->a_port, c->b_ip, c->b_port, msg, len);
    else
        write_packet(e->t, c->cid_hi, c->b_ip, c->b_port, c->a_ip, c->a_port, msg, len);
    n_messages++;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_capture -n CALLS -o FILE [-s SEED] [-t udp|tcp|frag]"
            " [-m MTU] [-M MSS] [-d SECS]\n"
            "  -n CALLS  number of INVITE dialogs (7 messages each)\n"
            "  -o FILE   output pcap file ('-' for stdout)\n"
            "  -s SEED   PRNG seed (default 1); same seed => same file\n"
            "  -t MODE   udp (default); tcp: the same messages over TCP\n"
            "            connections; frag: UDP, IPv4-fragmented above MTU\n"
            "  -m MTU    frag: IPv4 MTU (default 576, min 68)\n"
            "  -M MSS    tcp: maximum segment size (default 1460)\n"
            "  -d SECS   longest talk time, seconds (default 180, shortest 5 or\n"
            "            SECS when less); the same draws, so only the BYE times\n"
            "            change\n");
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-')
        goto bad;
    v = strtoull(s, &end, 10);
    if (*end)
        goto bad;
    return (uint64_t)v;
bad:
    fprintf(stderr, "gen_capture: invalid %s: '%s'\n", what, s ? s : "");
    usage();
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t ncalls = 0, seed = 1;
    const char *path = NULL;
    int have_n = 0;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-n") && i + 1 < argc) {
            ncalls = parse_u64(argv[++i], "call count");
            have_n = 1;
        } else if (!strcmp(o, "-o") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(o, "-s") && i + 1 < argc) {
            seed = parse_u64(argv[++i], "seed");
        } else if (!strcmp(o, "-t") && i + 1 < argc) {
            const char *m = argv[++i];
            if (!strcmp(m, "udp")) {
                transport = TP_UDP;
            } else if (!strcmp(m, "tcp")) {
                transport = TP_TCP;
            } else if (!strcmp(m, "frag")) {
                transport = TP_FRAG;
            } else {
                fprintf(stderr, "gen_capture: unknown transport '%s'\n", m);
                usage();
            }
        } else if (!strcmp(o, "-m") && i + 1 < argc) {
            uint64_t v = parse_u64(argv[++i], "MTU");
            if (v < 68 || v > 65535) { /* RFC 791: every host takes 68 */
                fprintf(stderr, "gen_capture: MTU must be 68..65535\n");
                usage();
            }
            frag_mtu = (size_t)v;
        } else if (!strcmp(o, "-M") && i + 1 < argc) {
            uint64_t v = parse_u64(argv[++i], "MSS");
            if (v < 1 || v > 65495) {
                fprintf(stderr, "gen_capture: MSS must be 1..65495\n");
                usage();
            }
            tcp_mss = (size_t)v;
        } else if (!strcmp(o, "-d") && i + 1 < argc) {
            uint64_t v = parse_u64(argv[++i], "talk time");
            if (v < 1 || v > 86400) {
                fprintf(stderr, "gen_capture: talk time must be 1..86400 s\n");
                usage();
            }
            talk_max = v;
            talk_min = v < 5 ? v : 5;
        } else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage();
        } else {
            fprintf(stderr, "gen_capture: bad argument '%s'\n", o);
            usage();
        }
    }
    if (!have_n || !path)
        usage();
    if (ncalls > UINT64_C(100000000)) {
        fprintf(stderr, "gen_capture: too many calls (max 100000000)\n");
        return 2;
    }

    rng_seed(seed);
    {
        uint64_t x = seed ^ UINT64_C(0x5195c0be5195c0be);
        seed_salt = splitmix64(&x);
    }
    build_network();
    if (transport == TP_TCP) {
        tp_via = "TCP";
        tp_uri = "tcp";
    }

    int to_stdout = !strcmp(path, "-");
    if (to_stdout) {
        out_fp = stdout;
    } else {
        out_fp = fopen(path, "wb");
        if (!out_fp) {
            perror(path);
            return 1;
        }
    }
    obuf = malloc(OUTBUF_SIZE);
    if (!obuf) {
        fprintf(stderr, "gen_capture: out of memory\n");
        return 1;
    }
    write_pcap_header();

    uint64_t next_t = BASE_TIME + MS(10);
    uint64_t started = 0, serial = 0;
    while (started < ncalls || heap_n) {
        if (started < ncalls && (heap_n == 0 || next_t <= heap[0].t)) {
            start_invite(next_t, serial++);
            if (started % 20 == 7)
                start_register(next_t, serial++);
            if (started % 10 == 3)
                start_options(next_t, serial++);
            started++;
            next_t += rrange(MS(1), MS(5));
            continue;
        }
        struct event e = heap_pop();
        emit(&e);
        if (--e.c->pending == 0)
            free(e.c);
    }

    if (transport == TP_TCP)
        tcp_finish();
    out_flush();
    if (to_stdout ? fflush(out_fp) != 0 : fclose(out_fp) != 0) {
        perror("gen_capture: close");
        return 1;
    }
    free(obuf);
    free(heap);

    /* The UDP line is unchanged; the other modes add their counters
     * before file=, which stays last (bench.sh rewrites it). */
    char extra[256] = "";
    if (transport == TP_TCP)
        snprintf(extra, sizeof extra,
                 "transport=tcp mss=%zu packets=%llu connections=%llu "
                 "segments=%llu coalesced=%llu split=%llu ",
                 tcp_mss, (unsigned long long)n_packets,
                 (unsigned long long)n_conns, (unsigned long long)n_segments,
                 (unsigned long long)n_coalesced, (unsigned long long)n_split);
    else if (transport == TP_FRAG)
        snprintf(extra, sizeof extra,
                 "transport=frag mtu=%zu packets=%llu fragmented=%llu "
                 "fragments=%llu ",
                 frag_mtu, (unsigned long long)n_packets,
                 (unsigned long long)n_fragmented,
                 (unsigned long long)n_fragments);
    fprintf(to_stdout ? stderr : stdout,
            "gen_capture: calls=%llu registers=%llu options=%llu "
            "retransmissions=%llu messages=%llu bytes=%llu seed=%llu "
            "%sfile=%s\n",
            (unsigned long long)ncalls, (unsigned long long)n_registers,
            (unsigned long long)n_options, (unsigned long long)n_retrans,
            (unsigned long long)n_messages,
            (unsigned long long)bytes_written, (unsigned long long)seed,
            extra, path);
    return 0;
}
