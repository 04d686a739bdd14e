/* test_audio_out.c - a call's streams picked (whose side each is), read
 * again and written as WAV: what `sipscope audio` and the viewer share. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/audio_out.h"
#include "fixture.h"

/* sipp's call 1 of rtp_g711.pcap: the INVITE's SDP says 127.0.0.1:26190
 * (the caller), the 200's 127.0.0.1:16190 (the callee). */
#define G711 "samples/rtp_g711.pcap"

static struct audio_out *pick(struct loaded *l, uint32_t call, const uint32_t *ssrc)
{
	const char *paths[] = { G711 };
	struct media *m = load_media_files(l, paths, 1);
	struct audio_out *o = audio_out_new();
	assert_non_null(o);
	assert_true(audio_out_pick_call(o, l->s, l->t, m, call, ssrc) > 0);
	return o;
}

static void test_sides_from_the_invite_and_the_answer(void **state)
{
	(void)state;
	struct loaded l;
	struct audio_out *o = pick(&l, 1, NULL);
	assert_int_equal(audio_out_count(o), 3); /* PCMA both ways, telephone-event */
	for (size_t i = 0; i < audio_out_count(o); i++) {
		const struct audio_out_pick *p = audio_out_at(o, i);
		assert_int_equal(p->call, 1);
		/* From the caller's address: the caller's direction (left). */
		assert_int_equal(p->side, p->src.port == 26190 ? 0 : 1);
		assert_int_equal(p->src.port == 26190 || p->src.port == 16190, 1);
	}
	assert_null(audio_out_at(o, 3));
	audio_out_free(o);
	unload(&l);
}

static void test_only_ssrc_picks_that_stream(void **state)
{
	(void)state;
	struct loaded l;
	uint32_t ssrc = 0x0E05384E;
	struct audio_out *o = pick(&l, 1, &ssrc);
	assert_int_equal(audio_out_count(o), 1);
	assert_int_equal(audio_out_at(o, 0)->ssrc, ssrc);
	const char *files[] = { G711 };
	struct audio_out_source src = { files, 1, NULL, NULL, NULL };
	char err[256];
	assert_int_equal(audio_out_collect(o, &src, NULL, 0, err, sizeof err), 0);
	/* Events only: no audio to write. */
	assert_int_equal(audio_out_write(o, NULL, 0, 1, NULL, NULL), 0);
	assert_false(audio_out_any_decodable(o, NULL, 0));
	assert_true(audio_out_info(o, 0)->events > 0);
	audio_out_free(o);
	unload(&l);
}

static void test_standard_input_cannot_be_read_again(void **state)
{
	(void)state;
	struct loaded l;
	struct audio_out *o = pick(&l, 1, NULL);
	const char *files[] = { G711, "-" };
	struct audio_out_source src = { files, 2, NULL, NULL, NULL };
	char err[256] = "";
	assert_int_equal(audio_out_collect(o, &src, NULL, 0, err, sizeof err), AUDIO_OUT_ESOURCE);
	assert_non_null(strstr(err, "standard input"));
	audio_out_free(o);
	unload(&l);
}

static unsigned char *slurp(FILE *f, size_t *n)
{
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len > 44);
	unsigned char *b = malloc((size_t)len);
	assert_non_null(b);
	rewind(f);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	*n = (size_t)len;
	return b;
}

/* The same WAV to a FILE (the viewer's player) and to a path (the save,
 * the batch command); a path that cannot be written says so. */
static void test_write_and_save_give_the_same_bytes(void **state)
{
	(void)state;
	struct loaded l;
	struct audio_out *o = pick(&l, 1, NULL);
	const char *files[] = { G711 };
	struct audio_out_source src = { files, 1, "", NULL, NULL };
	char err[256] = "", warn[64] = "x";
	assert_int_equal(audio_out_collect(o, &src, warn, sizeof warn, err, sizeof err), 0);
	assert_string_equal(warn, "");
	assert_true(audio_out_any_decodable(o, NULL, 0));
	FILE *f = tmpfile();
	assert_non_null(f);
	struct audio_out_wav w1, w2;
	assert_int_equal(audio_out_write(o, NULL, 0, 2, f, &w1), 0);
	assert_int_equal(w1.channels, 2);
	assert_int_equal(w1.rate, 8000);
	/* 236 packets of 20 ms each way, on one timeline. */
	assert_true(w1.frames >= 236 * 160);
	assert_int_equal(audio_out_info(o, 0)->decoded + audio_out_info(o, 1)->decoded, 472);
	char path[] = "/tmp/test_audio_out_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(audio_out_save(o, NULL, 0, 2, path, &w2, err, sizeof err), 0);
	assert_int_equal(w2.frames, w1.frames);
	FILE *g = fopen(path, "rb");
	assert_non_null(g);
	size_t n1, n2;
	unsigned char *b1 = slurp(f, &n1), *b2 = slurp(g, &n2);
	assert_int_equal(n1, n2);
	assert_int_equal(n1, 44 + w1.frames * 4);
	assert_memory_equal(b1, b2, n1);
	free(b1);
	free(b2);
	fclose(f);
	fclose(g);
	unlink(path);
	/* One pick alone, mono: the caller's stream. */
	size_t which = 0;
	while (audio_out_at(o, which)->side != 0)
		which++;
	assert_int_equal(audio_out_write(o, &which, 1, 1, NULL, &w2), 0);
	assert_int_equal(w2.channels, 1);
	assert_int_equal(audio_out_save(o, NULL, 0, 2, "/nonexistent/dir/x.wav", NULL, err, sizeof err),
	                 AUDIO_OUT_EWRITE);
	assert_non_null(strstr(err, "cannot write /nonexistent/dir/x.wav: "));
	assert_int_equal(access("/nonexistent/dir/x.wav", F_OK), -1);
	audio_out_free(o);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sides_from_the_invite_and_the_answer),
		cmocka_unit_test(test_only_ssrc_picks_that_stream),
		cmocka_unit_test(test_standard_input_cannot_be_read_again),
		cmocka_unit_test(test_write_and_save_give_the_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
