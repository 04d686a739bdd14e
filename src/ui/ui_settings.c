/* ui_settings.c - the settings screen (o or F8 on the call list): every
 * setting in force, its value and where it came from (default, a config
 * file's line, the environment, the command line, or a change made in
 * this viewer); w saves them to the user's config file. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/conf.h"
#include "ui.h"

struct settings_view {
	struct ui_view base;
	size_t top, hscroll;
};

void ui_settings_note(struct ui *ui, const char *key, const char *val)
{
	struct conf *c = ui->args->settings;
	if (c && conf_set(c, key, val, 0, CONF_SRC_VIEWER, NULL, 0, NULL) < 0)
		ui_message(ui, "out of memory: the settings screen misses this change");
}

/* What w writes: the user's file's own lines, and what the command line
 * and the viewer changed.  The system file's lines stay there; the
 * environment's and the defaults are not settings of the user's. */
static int keep_user(const struct conf_entry *e)
{
	return e->src == CONF_SRC_USER || e->src == CONF_SRC_CLI || e->src == CONF_SRC_VIEWER;
}

static void settings_draw(struct ui *ui, struct ui_view *v)
{
	struct settings_view *sv = (struct settings_view *)v;
	const struct conf *c = ui->args->settings;
	ui_frame(ui, "Settings", v->ops->hints);
	char line[4400];
	snprintf(line, sizeof line, "w saves to %s", ui->args->settings_path && ui->args->settings_path[0]
	                                              ? ui->args->settings_path : "(no HOME: nowhere)");
	attrset(A_BOLD | ui_attr(ui, UI_C_HEADER));
	ui_put(1, 1, line, ui->cols - 2);
	snprintf(line, sizeof line, "%-12s %-34s %s", "SETTING", "VALUE", "FROM");
	ui_put(2, 1, line, ui->cols - 2);
	attrset(A_NORMAL);
	size_t n = c ? conf_count(c) : 0;
	int rows = ui->rows - 5;
	if (sv->top >= n)
		sv->top = n ? n - 1 : 0;
	for (int r = 0; r < rows && sv->top + (size_t)r < n; r++) {
		const struct conf_entry *e = conf_at(c, sv->top + (size_t)r);
		char from[4096];
		conf_source_text(e, from, sizeof from);
		const char *val = !e->val ? "on" : e->val;
		/* Values come from files and the command line, not the wire, but
		 * are shown escaped all the same (ui_put escapes). */
		snprintf(line, sizeof line, "%-12s %-34s %s", e->key, val, from);
		attrset(e->src == CONF_SRC_DEFAULT ? (attr_t)ui_attr(ui, UI_C_DIM) : A_NORMAL);
		size_t len = strlen(line);
		ui_put(3 + r, 1, sv->hscroll < len ? line + sv->hscroll : "", ui->cols - 2);
	}
	attrset(A_NORMAL);
}

static int settings_key(struct ui *ui, struct ui_view *v, int key)
{
	struct settings_view *sv = (struct settings_view *)v;
	if (key == 'w' || key == 's' || key == KEY_F(2)) {
		char err[512];
		const char *path = ui->args->settings_path;
		if (!ui->args->settings || !path || !path[0])
			ui_message(ui, "nowhere to save: set HOME or XDG_CONFIG_HOME, or give --config FILE");
		else if (conf_save(ui->args->settings, path, keep_user, err, sizeof err) < 0)
			ui_message(ui, "not saved: %s", err);
		else
			ui_message(ui, "saved to %s", path);
		return 1;
	}
	size_t n = ui->args->settings ? conf_count(ui->args->settings) : 0;
	return ui_scroll_key(ui, &sv->top, &sv->hscroll, n, key);
}

static void settings_destroy(struct ui_view *v)
{
	free(v);
}

static const struct ui_view_ops settings_ops = {
	.title = "Settings",
	.hints = " Arrows/j k Scroll  w Save to the config file  q Back",
	.draw = settings_draw,
	.key = settings_key,
	.destroy = settings_destroy,
};

struct ui_view *ui_settings_new(struct ui *ui)
{
	(void)ui;
	struct settings_view *sv = calloc(1, sizeof *sv);
	if (sv)
		sv->base.ops = &settings_ops;
	return sv ? &sv->base : NULL;
}
