/* ui_audio.c - a call's audio from the viewer: saved as WAV, or played
 * through a sound player when one is installed.  The same writer as
 * `sipscope audio` (audio_out.h): the streams the viewer followed
 * (--rtp), their payloads from a second read of the capture file. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sipscope/audio_out.h"
#include "sipscope/codec.h"
#include "sipscope/escape.h"
#include "ui.h"

/* Why the audio of this viewer's capture cannot be had, or NULL.  The
 * payloads come from reading the capture again: a file can, standard
 * input, an interface or a HEP listener cannot. */
static const char *cannot(const struct ui *ui)
{
	if (ui->from_db)
		return "a database holds no packets: no audio to save";
	if (ui->live || ui->live_stopped || (ui->src && pcap_src_is_live(ui->src)) ||
	    ui->args->nhep_listen)
		return "audio reads the capture twice: a live capture cannot be read again (save it "
		       "as .pcap, then open that)";
	for (size_t i = 0; i < ui->args->nfiles; i++)
		if (!strcmp(ui->args->files[i], "-"))
			return "audio reads the capture twice: standard input cannot be read again (save "
			       "it to a file, then open that)";
	if (!ingest_media(ui->ingest))
		return "no RTP followed: start the viewer with --rtp for the call's audio";
	if (ui->loading)
		return "the capture is still loading: audio once it is read";
	return NULL;
}

/* The call's streams picked and their payloads read again; *ao (the
 * caller frees) on 0, else -1 with the reason in err. */
static int prepare(struct ui *ui, uint32_t call, struct audio_out **ao, char *err, size_t errlen)
{
	const char *why = cannot(ui);
	*ao = NULL;
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	call = track_call_root(ui->tracker, call);
	struct audio_out *o = audio_out_new();
	long n = o ? audio_out_pick_call(o, ui->store, ui->tracker, ingest_media(ui->ingest), call, NULL)
	           : AUDIO_OUT_ENOMEM;
	if (n == 0) {
		snprintf(err, errlen, "call %u has no RTP stream: no audio", (unsigned)call);
		audio_out_free(o);
		return -1;
	}
	/* Reading the file again takes a moment on a big capture. */
	ui_message(ui, "reading the capture again for the audio of call %u...", (unsigned)call);
	move(ui->rows - 2, 0);
	clrtoeol();
	attrset(A_BOLD);
	ui_put(ui->rows - 2, 1, ui->status, ui->cols - 2);
	attrset(A_NORMAL);
	refresh();
	struct audio_out_source src = { ui->args->files, ui->args->nfiles, ui->args->bpf,
	                                ui->args->tls, ui->args->correlate };
	char e[512];
	int rc = n < 0 ? AUDIO_OUT_ENOMEM : audio_out_collect(o, &src, NULL, 0, e, sizeof e);
	ui->status[0] = '\0';
	if (rc < 0) {
		snprintf(err, errlen, "%s", rc == AUDIO_OUT_ENOMEM ? "out of memory" : e);
		audio_out_free(o);
		return -1;
	}
	if (!audio_out_any_decodable(o, NULL, 0)) { /* as the batch command: nothing written */
		/* Named: the first stream that is not DTMF events alone. */
		const struct audio_stream_info *in = audio_out_info(o, 0);
		for (size_t i = 0; i < audio_out_count(o); i++)
			if (strncasecmp(audio_out_info(o, i)->codec, "telephone-event", 15)) {
				in = audio_out_info(o, i);
				break;
			}
		char codec[64];
		esc_term_buf(codec, sizeof codec, sv_make(in->codec, strlen(in->codec)), NULL);
		snprintf(err, errlen, "call %u: no stream to hear: cannot decode %s (stream 0x%08x; "
		         "decoders: %s)", (unsigned)call, codec[0] ? codec : "an unknown codec",
		         (unsigned)in->ssrc, codec_list());
		audio_out_free(o);
		return -1;
	}
	*ao = o;
	return 0;
}

/* ", cannot decode G729/8000 (stream 0x...)" for the first stream that
 * was voice with no decoder, "" when none. */
static void undecodable(const struct audio_out *o, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < audio_out_count(o); i++) {
		const struct audio_stream_info *in = audio_out_info(o, i);
		if (in->decodable || !in->other_pt)
			continue;
		char codec[64];
		esc_term_buf(codec, sizeof codec, sv_make(in->codec, strlen(in->codec)), NULL);
		snprintf(buf, n, "; cannot decode %s (stream 0x%08x: left out)",
		         codec[0] ? codec : "an unknown codec", (unsigned)in->ssrc);
		return;
	}
}

int ui_audio_save(struct ui *ui, uint32_t call, const char *path, char *msg, size_t msglen)
{
	struct audio_out *o;
	if (prepare(ui, call, &o, msg, msglen) < 0)
		return -1;
	struct audio_out_wav res;
	char e[4200];
	int rc = audio_out_save(o, NULL, 0, 2, path, &res, e, sizeof e);
	if (rc < 0)
		snprintf(msg, msglen, "%s", rc == AUDIO_OUT_ENOMEM ? "out of memory" : e);
	else {
		char more[128];
		undecodable(o, more, sizeof more);
		snprintf(msg, msglen, "saved the audio of call %u to %s: %.2f s, stereo (caller left), "
		         "%u Hz%s", (unsigned)track_call_root(ui->tracker, call), path,
		         (double)res.frames / res.rate, (unsigned)res.rate, more);
	}
	audio_out_free(o);
	return rc < 0 ? -1 : 0;
}

/* The first of the players on PATH, or NULL. */
static const char *find_player(char *buf, size_t n)
{
	static const char *const players[] = { "pw-play", "paplay", "aplay" };
	const char *path = getenv("PATH");
	if (!path || !*path)
		return NULL;
	for (size_t k = 0; k < sizeof players / sizeof players[0]; k++) {
		for (const char *p = path; *p;) {
			const char *e = strchr(p, ':');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len) {
				snprintf(buf, n, "%.*s/%s", (int)len, p, players[k]);
				if (access(buf, X_OK) == 0)
					return players[k];
			}
			p += len + (e ? 1 : 0);
		}
	}
	return NULL;
}

/* The player started on fd (its standard input, read from the start),
 * its output thrown away, in a process left to init (forked twice): the
 * viewer goes on while it plays and has no child to wait for. */
static int spawn_player(const char *exe, const char *name, int fd)
{
	pid_t a = fork();
	if (a < 0)
		return -1;
	if (a == 0) {
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) < 0)
			_exit(1);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		closefrom(3); /* not the capture's files and sockets (a HEP port) */
		if (!strcmp(name, "aplay"))
			execl(exe, name, "-q", "-", (char *)NULL);
		else if (!strcmp(name, "pw-play"))
			execl(exe, name, "-", (char *)NULL);
		else
			execl(exe, name, (char *)NULL); /* paplay reads standard input */
		_exit(127);
	}
	while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

void ui_audio_play(struct ui *ui, uint32_t call)
{
	char exe[4096], err[256];
	const char *player = find_player(exe, sizeof exe);
	if (!player) {
		ui_message(ui, "no player found (pw-play, paplay or aplay on PATH): save the audio "
		               "with A and play the file");
		return;
	}
	struct audio_out *o;
	if (prepare(ui, call, &o, err, sizeof err) < 0) {
		ui_message(ui, "%s", err);
		return;
	}
	/* The same WAV as a save, in a temporary file (unlinked: gone when
	 * the player ends) the player reads: a pipe would hold the viewer
	 * until the pipe took the whole call. */
	FILE *f = tmpfile();
	struct audio_out_wav res;
	int rc = f ? audio_out_write(o, NULL, 0, 2, f, &res) : AUDIO_OUT_EWRITE;
	if (rc == AUDIO_OUT_ENOMEM)
		ui_message(ui, "out of memory");
	else if (rc < 0)
		ui_message(ui, "cannot write a temporary file for the player: %s", strerror(errno));
	else if (spawn_player(exe, player, fileno(f)) < 0)
		ui_message(ui, "cannot start %s: %s", player, strerror(errno));
	else
		ui_message(ui, "playing call %u with %s: %.2f s, caller left", (unsigned)
		           track_call_root(ui->tracker, call), player, (double)res.frames / res.rate);
	if (f)
		fclose(f);
	audio_out_free(o);
}

void ui_audio_save_prompt(struct ui *ui, uint32_t call)
{
	const char *why = cannot(ui);
	if (why) { /* said before asking for a name */
		ui_message(ui, "%s", why);
		return;
	}
	call = track_call_root(ui->tracker, call);
	char path[256], q[96], msg[256];
	snprintf(path, sizeof path, "call-%u.wav", (unsigned)call);
	snprintf(q, sizeof q, "Save the audio of call %u as (.wav): ", (unsigned)call);
	if (!ui_prompt(ui, q, path, sizeof path))
		return;
	int rc = ui_save(ui, UI_SAVE_CALLS, &call, 1, path, msg, sizeof msg);
	if (rc == 0)
		ui_message(ui, "saved call %u to %s", (unsigned)call, path);
	else
		ui_message(ui, "%s", msg);
}
