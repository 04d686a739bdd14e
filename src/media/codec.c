/* codec.c - RTP payload decoders: the built-in ones (G.711, L16) and the
 * table every decoder is found through (see codec.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec_lib.h"

/* ITU-T G.711 Table 2 (mu-law): the code word is sent inverted; its
 * 3-bit segment s and 4-bit step q give the magnitude
 * ((2q + 33) << s) - 33 in 14-bit units, here times 4. */
int16_t codec_ulaw_to_linear(uint8_t u)
{
	u = (uint8_t)~u;
	int seg = (u >> 4) & 7;
	int mag = (((u & 0x0f) << 3) + 0x84) << seg; /* ((2q + 33) << s) * 4 */
	mag -= 0x84;
	return (int16_t)(u & 0x80 ? -mag : mag);
}

/* ITU-T G.711 Table 1 (A-law): even bits are sent inverted (XOR 0x55);
 * segment 0 is linear, segment s > 0 gives (2q + 33) << (s - 1), in
 * 13-bit units (here times 8 with the half step added); bit 7 set is
 * positive. */
int16_t codec_alaw_to_linear(uint8_t a)
{
	a ^= 0x55;
	int seg = (a >> 4) & 7;
	int mag = ((a & 0x0f) << 4) + 8;
	if (seg)
		mag = (mag + 0x100) << (seg - 1);
	return (int16_t)(a & 0x80 ? mag : -mag);
}

/* ---- G.711 ---- */

static int g711_kind(const char *name)
{
	if (!strcasecmp(name, "PCMU"))
		return 1;
	if (!strcasecmp(name, "PCMA"))
		return 2;
	return 0;
}

static int g711_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if (!g711_kind(name) || clock != 8000 || channels != 1)
		return 0;
	*rate = 8000;
	return 1;
}

/* The state of a G.711 decoder is its 256-entry table. */
static void *g711_table(int16_t (*to_linear)(uint8_t))
{
	int16_t *t = malloc(256 * sizeof *t);
	if (t)
		for (int i = 0; i < 256; i++)
			t[i] = to_linear((uint8_t)i);
	return t;
}

static void *g711_new_u(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	return g711_table(codec_ulaw_to_linear);
}

static void *g711_new_a(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	return g711_table(codec_alaw_to_linear);
}

static long g711_decode(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	const int16_t *t = st;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		out[i] = t[p[i]];
	return (long)n;
}

/* No concealment in G.711 itself (Appendix I is optional): silence. */
void codec_silence(void *st, int16_t *out, size_t n)
{
	(void)st;
	memset(out, 0, n * sizeof *out);
}

static int pcmu_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	return g711_kind(name) == 1 && g711_match(name, clock, channels, rate);
}

static int pcma_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	return g711_kind(name) == 2 && g711_match(name, clock, channels, rate);
}

static const struct codec_ops codec_pcmu_ops = { "PCMU", pcmu_match, g711_new_u, g711_decode, codec_silence,
	                                         free, NULL };
static const struct codec_ops codec_pcma_ops = { "PCMA", pcma_match, g711_new_a, g711_decode, codec_silence,
	                                         free, NULL };

/* ---- L16 (RFC 3551 4.5.11): network byte order, channels interleaved ---- */

static int l16_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if (strcasecmp(name, "L16") || !clock || clock > 192000 || channels < 1 || channels > 2)
		return 0;
	*rate = clock;
	return 1;
}

static void *l16_new(uint32_t clock, unsigned channels)
{
	(void)clock;
	unsigned *st = malloc(sizeof *st);
	if (st)
		*st = channels;
	return st;
}

static long l16_decode(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	unsigned ch = *(const unsigned *)st;
	size_t frames = n / (2 * ch);
	if (frames > cap)
		frames = cap;
	for (size_t i = 0; i < frames; i++) {
		const uint8_t *f = p + i * 2 * ch;
		int v = (int16_t)(f[0] << 8 | f[1]);
		if (ch == 2)
			v = (v + (int16_t)(f[2] << 8 | f[3])) / 2;
		out[i] = (int16_t)v;
	}
	return (long)frames;
}

static const struct codec_ops codec_l16_ops = { "L16", l16_match, l16_new, l16_decode, codec_silence, free,
	                                        NULL };

/* ---- the table ---- */

/* A decoder that needs a library comes in here under its #ifdef (the
 * Makefile compiles its file only when it found the library). */
static const struct codec_ops *const codecs[] = {
	&codec_pcmu_ops,
	&codec_pcma_ops,
	&codec_l16_ops,
#ifdef SIPSCOPE_HAVE_SPANDSP
	&codec_g722_ops,
#endif
#ifdef SIPSCOPE_HAVE_BCG729
	&codec_g729_ops,
#endif
#ifdef SIPSCOPE_HAVE_OPUS
	&codec_opus_ops,
#endif
#ifdef SIPSCOPE_HAVE_GSM
	&codec_gsm_ops,
#endif
};

struct codec_dec {
	const struct codec_ops *ops;
	void *st;
	uint32_t rate;
};

/* "NAME/CLOCK[/CHANNELS]" split; clock 0 in the name when absent. */
static int split_name(const char *codec, char *name, size_t cap, uint32_t *clock, unsigned *channels)
{
	size_t n = strcspn(codec, "/");
	if (!n || n >= cap)
		return -1;
	memcpy(name, codec, n);
	name[n] = '\0';
	*clock = 0;
	*channels = 1;
	if (codec[n] == '/') {
		char *end;
		unsigned long c = strtoul(codec + n + 1, &end, 10);
		*clock = c <= 1000000 ? (uint32_t)c : 0;
		if (*end == '/') {
			unsigned long ch = strtoul(end + 1, NULL, 10);
			*channels = ch >= 1 && ch <= 8 ? (unsigned)ch : 0;
		}
	}
	return 0;
}

static const struct codec_ops *find(const char *codec, uint32_t clock, unsigned *channels,
                                    uint32_t *clk, uint32_t *rate)
{
	char name[32];
	if (!codec || split_name(codec, name, sizeof name, clk, channels) < 0)
		return NULL;
	if (clock)
		*clk = clock;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (codecs[i]->match(name, *clk, *channels, rate))
			return codecs[i];
	return NULL;
}

int codec_supported(const char *codec, uint32_t clock)
{
	unsigned ch;
	uint32_t clk, rate;
	return find(codec, clock, &ch, &clk, &rate) != NULL;
}

struct codec_dec *codec_dec_new(const char *codec, uint32_t clock, int *nomem)
{
	unsigned ch;
	uint32_t clk, rate;
	*nomem = 0;
	const struct codec_ops *ops = find(codec, clock, &ch, &clk, &rate);
	if (!ops)
		return NULL;
	struct codec_dec *d = malloc(sizeof *d);
	if (!d || !(d->st = ops->create(clk, ch))) {
		free(d);
		*nomem = 1;
		return NULL;
	}
	d->ops = ops;
	d->rate = rate;
	return d;
}

void codec_dec_free(struct codec_dec *d)
{
	if (!d)
		return;
	d->ops->destroy(d->st);
	free(d);
}

uint32_t codec_dec_rate(const struct codec_dec *d) { return d->rate; }

long codec_decode(struct codec_dec *d, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	return d->ops->decode(d->st, p, n, out, cap);
}

void codec_conceal(struct codec_dec *d, int16_t *out, size_t n) { d->ops->conceal(d->st, out, n); }

int codec_conceals(const struct codec_dec *d) { return d->ops->conceal != codec_silence; }

int codec_dtx(const struct codec_dec *d) { return d->ops->dtx && d->ops->dtx(d->st); }

const char *codec_list(void)
{
	static char buf[128];
	if (!buf[0]) {
		size_t len = 0;
		for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
			size_t k = strlen(codecs[i]->name);
			if (len + k + 3 >= sizeof buf)
				break;
			if (len) {
				memcpy(buf + len, ", ", 2);
				len += 2;
			}
			memcpy(buf + len, codecs[i]->name, k + 1);
			len += k;
		}
	}
	return buf;
}
