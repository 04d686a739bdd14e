/* ui_save.c - the save dialog's writer: the same exporters as the batch
 * commands, chosen by the file's extension (.wav: ui_audio.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/export.h"
#include "sipscope/pcap_save.h"
#include "ui.h"

static const char *extension(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static int save_ladders(struct ui *ui, FILE *f, const uint32_t *calls, size_t n)
{
	struct ladder_opts o = { .ascii = ui->ascii, .check = ui->check };
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc('\n', f);
		ladder_print_title(f, ui->store, ui->tracker, calls[i]);
		struct ladder *l = ladder_build(ui->store, ui->tracker, &calls[i], 1, &o);
		int rc = l ? ladder_print(f, l) : -1;
		ladder_free(l);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The calls' packets as captured (sipscope export).  A live capture's
 * frames are read again from the copy ui.c keeps of them. */
static int save_pcap(struct ui *ui, const uint32_t *calls, size_t n, const char *path,
                     int pcapng, char *err, size_t errlen)
{
	if (ui->from_db) {
		snprintf(err, errlen, "a database holds no packets: save .txt, .json or .csv");
		return -1;
	}
	const char *const *files = ui->args->files;
	size_t nfiles = ui->args->nfiles;
	const char *bpf = ui->args->bpf;
	const char *kept = ui->keep_path;
	if (ui->src && pcap_src_is_live(ui->src) && !ui->keep) {
		snprintf(err, errlen, "%s: save .txt, .json or .csv",
		         ui->keep_off[0] ? ui->keep_off : "the live capture's frames were not kept");
		return -1;
	}
	if (ui->keep) {
		if (pcap_save_flush(ui->keep, err, errlen) < 0)
			return -1;
		files = &kept;
		nfiles = 1;
		bpf = NULL; /* the kernel applied it already */
	}
	size_t nmsgs;
	/* pcapng carries the calls' TLS secrets, as sipscope export does (a
	 * .pcap name keeps pcap: the name is the choice here). */
	struct export_pcap_opts po = { .pcapng = pcapng, .tls_secrets = 1 };
	long w = export_pcap(path, files, nfiles, bpf, ui->store, ui->tracker, ui->ingest, calls, n,
	                     &po, &nmsgs, err, errlen);
	return w < 0 ? -1 : 0;
}

/* The viewer gave up root (ui->runs_as): a file or a directory that
 * refuses that user says so, so that the user knows where saving can go.
 * Returns 1 when err was rewritten. */
static int save_denied(const struct ui *ui, const char *path, char *err, size_t errlen)
{
	if (!ui->runs_as[0])
		return 0;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int denied = access(path, F_OK) == 0 ? access(path, W_OK) < 0 && errno == EACCES
	                                     : access(dir, W_OK | X_OK) < 0 && errno == EACCES;
	if (!denied)
		return 0;
	snprintf(err, errlen, "cannot write %s: the viewer runs as %s (root given up), who may not "
	         "write there: save to a directory %s can write (e.g. /tmp)", path, ui->runs_as,
	         ui->runs_as);
	return 1;
}

static int save_as(struct ui *ui, enum ui_save_what what, const uint32_t *calls, size_t n,
                   const char *path, char *err, size_t errlen);

int ui_save(struct ui *ui, enum ui_save_what what, const uint32_t *calls, size_t n,
            const char *path, char *err, size_t errlen)
{
	int rc = save_as(ui, what, calls, n, path, err, errlen);
	if (rc < 0 && !strncmp(err, "cannot write ", 13)) /* the file would not open */
		save_denied(ui, path, err, errlen);
	return rc;
}

static int save_as(struct ui *ui, enum ui_save_what what, const uint32_t *calls, size_t n,
                   const char *path, char *err, size_t errlen)
{
	const char *ext = extension(path);
	enum export_format fmt;
	int ladder = !strcmp(ext, "txt");
	if (!n) {
		snprintf(err, errlen, "no call to save: nothing written");
		return -1;
	}
	if (!*ext) {
		snprintf(err, errlen, "'%s' has no extension: end the name with .txt (ladder), .json, "
		         ".csv, .pcap, .pcapng or .wav", path);
		return -1;
	}
	if (!strcmp(ext, "wav")) {
		if (n > 1) {
			snprintf(err, errlen, "a WAV holds the audio of one call: %zu chosen (mark one, or "
			         "save from its ladder)", n);
			return -1;
		}
		return ui_audio_save(ui, calls[0], path, err, errlen) < 0 ? -1 : 1;
	}
	if (!strcmp(ext, "pcap") || !strcmp(ext, "pcapng"))
		return save_pcap(ui, calls, n, path, !strcmp(ext, "pcapng"), err, errlen);
	if (!ladder && (strcmp(ext, "json") && strcmp(ext, "csv"))) {
		snprintf(err, errlen, "cannot save as '.%s': use .txt (ladder), .json, .csv, .pcap, "
		         ".pcapng or .wav (audio)", ext);
		return -1;
	}
	if (!ladder)
		export_format_parse(ext, &fmt);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	/* From the flow, .json and .csv are its messages (the lines of
	 * 'sipscope messages'); from the list, the calls. */
	int rc = ladder                 ? save_ladders(ui, f, calls, n)
	         : what == UI_SAVE_FLOW ? export_call_messages(f, ui->store, ui->tracker, fmt, calls, n)
	                                : export_calls(f, ui->store, ui->tracker, ui->check, fmt, calls, n);
	if (fclose(f) != 0 || rc < 0) {
		snprintf(err, errlen, "writing %s failed", path);
		return -1;
	}
	return 0;
}
