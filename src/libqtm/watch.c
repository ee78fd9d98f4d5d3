/* watch.c - sparkline, bar, duration and the incremental training log scan of the live views. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "number.h"
#include "watch.h"
#include "xalloc.h"

static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char ascii_levels[] = "_.-~=+*#";

char *
qtm_sparkline(const double *v, size_t n, int width, bool utf8)
{
	size_t cells = width > 0 ? (size_t)width : 0, used = n < cells ? n : cells;
	double *m = xcalloc(used + 1, sizeof *m), lo = INFINITY, hi = -INFINITY;
	char *out = xmalloc(used * 3 + 1), *p = out;

	/* Each cell is the mean of its share of the series (one value each when it fits). */
	for (size_t c = 0; c < used; c++) {
		size_t a = c * n / used, b = (c + 1) * n / used;
		double sum = 0;

		for (size_t i = a; i < b; i++)
			sum += v[i];
		m[c] = b > a ? sum / (double)(b - a) : v[a];
		lo = m[c] < lo ? m[c] : lo;
		hi = m[c] > hi ? m[c] : hi;
	}
	for (size_t c = 0; c < used; c++) {
		int level = hi > lo && isfinite(m[c]) ? (int)((m[c] - lo) / (hi - lo) * 7.0 + 0.5) : 3;

		level = level < 0 ? 0 : level > 7 ? 7 : level;
		if (utf8)
			p += sprintf(p, "%s", blocks[level]);
		else
			*p++ = ascii_levels[level];
	}
	*p = '\0';
	free(m);
	return out;
}

void
qtm_bar(double frac, int width, char *buf, size_t len)
{
	int done;

	if (len == 0)
		return;
	if (width < 0 || (size_t)width >= len)
		width = (int)len - 1;
	frac = frac < 0 || !isfinite(frac) ? 0 : frac > 1 ? 1 : frac;
	done = (int)(frac * width + 0.5);
	memset(buf, '#', (size_t)done);
	memset(buf + done, '.', (size_t)(width - done));
	buf[width] = '\0';
}

void
qtm_duration(double s, char *buf, size_t len)
{
	long long t = (long long)(s + 0.5);

	if (s < 0 || !isfinite(s))
		snprintf(buf, len, "-");
	else if (t < 60)
		snprintf(buf, len, "%llds", t);
	else if (t < 3600)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
}

int
qtm_watch_interval(struct qtm_ctx *ctx, const char *text, double *out)
{
	double v;

	if (qtm_parse_double(text, 0.1, 86400, &v) < 0)
		return qtm_error(ctx, -EINVAL, _("--interval must be a number of seconds from 0.1 to 86400, not \"%s\""), text);
	*out = v;
	return 0;
}

void
qtm_sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

size_t
qtm_loss_values(const cJSON *loss, double **out)
{
	const cJSON *pt;
	size_t n = 0;

	*out = NULL;
	cJSON_ArrayForEach(pt, loss) {
		const cJSON *v = cJSON_GetArrayItem(pt, 1);

		if (!cJSON_IsNumber(v))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = v->valuedouble;
	}
	return n;
}

/* ---- the log scan -------------------------------------------------------------------------- */

void
qtm_log_scan_init(struct qtm_log_scan *s)
{
	memset(s, 0, sizeof *s);
}

void
qtm_log_scan_clear(struct qtm_log_scan *s)
{
	for (size_t i = 0; i < s->n_lines; i++)
		free(s->lines[(s->first + i) % QTM_LOG_SCAN_LINES]);
	free(s->loss);
	qtm_log_scan_init(s);
}

static void
add_loss(struct qtm_log_scan *s, double v)
{
	if (s->loss == NULL)
		s->loss = xcalloc(QTM_LOG_SCAN_LOSS, sizeof *s->loss);
	/* Full: drop every other point of the older half, as the runner thins its heartbeats. */
	if (s->n_loss == QTM_LOG_SCAN_LOSS) {
		size_t half = QTM_LOG_SCAN_LOSS / 2, k = 0;

		for (size_t i = 0; i < half; i += 2)
			s->loss[k++] = s->loss[i];
		memmove(s->loss + k, s->loss + half, (QTM_LOG_SCAN_LOSS - half) * sizeof *s->loss);
		s->n_loss = k + QTM_LOG_SCAN_LOSS - half;
	}
	s->loss[s->n_loss++] = v;
}

/* "@qtm progress {"step":3,"steps":10,"loss":0.5}" (train.c's format). */
static void
on_progress(struct qtm_log_scan *s, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *step = cJSON_GetObjectItem(j, "step"), *steps = cJSON_GetObjectItem(j, "steps");
	const cJSON *loss = cJSON_GetObjectItem(j, "loss");

	if (cJSON_IsNumber(step) && cJSON_IsNumber(steps) && steps->valuedouble > 0) {
		s->step = step->valuedouble;
		s->steps = steps->valuedouble;
	}
	if (cJSON_IsNumber(loss))
		add_loss(s, loss->valuedouble);
	cJSON_Delete(j);
}

static void
on_line(struct qtm_log_scan *s, const char *line)
{
	if (strncmp(line, "@qtm progress ", 14) == 0) {
		on_progress(s, line + 14);
		return;
	}
	if (s->n_lines == QTM_LOG_SCAN_LINES) {
		free(s->lines[s->first]);
		s->lines[s->first] = xstrdup(line);
		s->first = (s->first + 1) % QTM_LOG_SCAN_LINES;
	} else {
		s->lines[(s->first + s->n_lines++) % QTM_LOG_SCAN_LINES] = xstrdup(line);
	}
}

void
qtm_log_scan_feed(struct qtm_log_scan *s, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			/* An overlong line is cut, its rest dropped. */
			if (s->partial_len < sizeof s->partial - 1)
				s->partial[s->partial_len++] = data[i];
			continue;
		}
		s->partial[s->partial_len] = '\0';
		on_line(s, s->partial);
		s->partial_len = 0;
	}
	s->offset += (long long)len;
}

int
qtm_log_scan_file(struct qtm_ctx *ctx, struct qtm_log_scan *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	struct stat sb;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : qtm_error(ctx, -errno, _("cannot read the log %s: %s"), path, strerror(errno));
	if (fstat(fd, &sb) == 0 && sb.st_size < s->offset)
		qtm_log_scan_clear(s);   /* rewritten (a new attempt): start again */
	while ((n = pread(fd, buf, sizeof buf, (off_t)s->offset)) > 0)
		qtm_log_scan_feed(s, buf, (size_t)n);
	if (n < 0) {
		int e = errno;

		close(fd);
		return qtm_error(ctx, -e, _("cannot read the log %s: %s"), path, strerror(e));
	}
	close(fd);
	return 0;
}

double
qtm_log_scan_progress(const struct qtm_log_scan *s)
{
	if (s->steps <= 0)
		return -1;
	return s->step <= 0 ? 0 : s->step >= s->steps ? 1 : s->step / s->steps;
}

const char *
qtm_log_scan_line(const struct qtm_log_scan *s, size_t i)
{
	return i < s->n_lines ? s->lines[(s->first + i) % QTM_LOG_SCAN_LINES] : "";
}
