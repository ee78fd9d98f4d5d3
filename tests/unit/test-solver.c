/* test-solver.c - declarative solver cases: one cmocka test per *.test file in tests/solver.
 *
 * A case file is a list of lines; blank lines and lines whose first non-blank character is '#'
 * are ignored.  Tokens are separated by blanks.
 *
 *   repo NAME [priority=N]     following pkg lines go to this source; "@installed" = installed
 *                              (pkg lines before any repo line go to a source named "main")
 *   pkg NAME VERSION KIND [requires=A>=1.0,B] [provides=X,Y] [conflicts=Z] [replaces=W] [auto] [held]
 *                              KIND is model or dataset; lists are comma-separated, no blanks;
 *                              auto: installed as a dependency, held: on hold (in @installed)
 *   runtime CAP VERSION        e.g. "runtime runtime(python3-numpy) 1.24.2"
 *   pin NAME [version=GLOB] [source=REPO]
 *                              as a "package = NAME" stanza of pins.d (see pin.h); errors name
 *                              the case file and the pin line
 *   job install SPEC...        specs as on the command line: "a", "a=1.0", "a>=2"
 *   job remove [--auto-remove] NAME...
 *   job upgrade [NAME...]      installed packages ("repo @installed"); none named: all
 *   job full-upgrade [NAME...] the same, removing what is in the way
 *   expect install NAME VERSION [KIND] [manual|auto] [replaces=NAME] [anyorder]
 *   expect remove NAME VERSION [KIND] [anyorder]
 *                              the plan's steps, in order; a run of consecutive steps marked
 *                              anyorder may come in any order among themselves (for steps
 *                              that do not depend on one another)
 *   expect nothing             the solve succeeds with an empty plan
 *   expect kept NAME VERSION TO_NAME=TO_VERSION [REGEX]
 *                              an upgrade keeps NAME back from TO_NAME TO_VERSION, and says why
 *                              in words REGEX matches (the rest of the line)
 *   expect note REGEX          the plan carries a note REGEX matches
 * Kept-back packages and notes are compared as sets: a job has exactly those expected.
 *   expect error REGEX         the solve fails and qtm_strerror() matches the POSIX extended
 *                              regular expression (the rest of the line)
 *
 * All repo/pkg/runtime/pin lines come before the first job; a file may hold several jobs, each
 * followed by its expectations, solved one after the other against the same pool.
 *
 * With QTM_TEST_VERBOSE set in the environment every job's plan or error is printed.
 *
 * The pkg lines become index entries (models get a train command, outputs and a source blob;
 * datasets one file), loaded with qtm_pool_add_json(). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "pin.h"
#include "pool.h"
#include "solve.h"
#include "xalloc.h"

#define CASE_DIR TOP_SRCDIR "/tests/solver"
#define ZERO_SHA "0000000000000000000000000000000000000000000000000000000000000000"

struct expect {
	enum { EX_INSTALL, EX_REMOVE, EX_NOTHING, EX_ERROR, EX_KEPT, EX_NOTE } what;
	char *name, *version, *kind;   /* kind NULL: not checked */
	char *replaces, *to;           /* replaces NULL: none; to: "TO_NAME=TO_VERSION" (kept) */
	int manual;                    /* -1: not checked */
	bool anyorder;
	char *regex;
	int line;
};

struct job {
	const char *verb;              /* "install", "remove", "upgrade" or "full-upgrade" (static) */
	bool auto_remove;
	char **args;                   /* NULL-terminated */
	struct expect *ex;
	size_t n_ex;
	int line;
};

struct repo {
	char *name;
	cJSON *packages;
	int priority;
	char **autos, **held;          /* installed as dependencies, on hold (@installed) */
};

struct scase {
	const char *path;
	struct repo *repos;
	size_t n_repos;
	cJSON *runtime;
	struct qtm_pin *pins;
	size_t n_pins;
	struct job *jobs;
	size_t n_jobs;
};

static void
scase_free(struct scase *c)
{
	for (size_t i = 0; i < c->n_repos; i++) {
		free(c->repos[i].name);
		cJSON_Delete(c->repos[i].packages);
		strv_free(c->repos[i].autos);
		strv_free(c->repos[i].held);
	}
	free(c->repos);
	cJSON_Delete(c->runtime);
	qtm_pins_free(c->pins, c->n_pins);
	for (size_t i = 0; i < c->n_jobs; i++) {
		struct job *j = &c->jobs[i];

		strv_free(j->args);
		for (size_t k = 0; k < j->n_ex; k++) {
			free(j->ex[k].name);
			free(j->ex[k].version);
			free(j->ex[k].kind);
			free(j->ex[k].regex);
			free(j->ex[k].replaces);
			free(j->ex[k].to);
		}
		free(j->ex);
	}
	free(c->jobs);
}

/* Appends to *msg (owned). */
static void
addf(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
addf(char **msg, const char *fmt, ...)
{
	va_list ap;
	char *more, *joined;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	joined = xasprintf("%s%s", *msg != NULL ? *msg : "", more);
	free(more);
	free(*msg);
	*msg = joined;
}

static char **
split_words(char *s)
{
	char **v = xcalloc(1, sizeof *v);

	for (char *tok = strtok(s, " \t"); tok != NULL; tok = strtok(NULL, " \t"))
		v = strv_push(v, tok);
	return v;
}

static struct repo *
repo_get(struct scase *c, const char *name)
{
	for (size_t i = 0; i < c->n_repos; i++)
		if (strcmp(c->repos[i].name, name) == 0)
			return &c->repos[i];
	c->repos = xreallocarray(c->repos, c->n_repos + 1, sizeof *c->repos);
	memset(&c->repos[c->n_repos], 0, sizeof *c->repos);
	c->repos[c->n_repos].name = xstrdup(name);
	c->repos[c->n_repos].packages = cJSON_CreateArray();
	c->repos[c->n_repos].autos = xcalloc(1, sizeof(char *));
	c->repos[c->n_repos].held = xcalloc(1, sizeof(char *));
	return &c->repos[c->n_repos++];
}

static void
add_list(cJSON *obj, const char *field, const char *csv)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, field);
	char *copy = xstrdup(csv), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
	free(copy);
}

/* "pkg NAME VERSION KIND [key=list]... [auto] [held]" -> an index entry; *is_auto and *is_held
 * for the flags. */
static int
parse_pkg(char **w, cJSON **out, bool *is_auto, bool *is_held, char **err)
{
	cJSON *e, *obj, *arr;
	bool dataset;
	char *path;

	if (strv_len(w) < 4 || (strcmp(w[3], "model") != 0 && strcmp(w[3], "dataset") != 0)) {
		addf(err, "expected: pkg NAME VERSION model|dataset [requires=...] [provides=...] [conflicts=...] [replaces=...] [auto] [held]");
		return -1;
	}
	dataset = strcmp(w[3], "dataset") == 0;
	e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "format", 1);
	cJSON_AddStringToObject(e, "name", w[1]);
	cJSON_AddStringToObject(e, "version", w[2]);
	cJSON_AddStringToObject(e, "kind", w[3]);
	cJSON_AddStringToObject(e, "summary", "solver test package");
	cJSON_AddStringToObject(e, "license", "MIT");
	*is_auto = *is_held = false;
	for (size_t i = 4; w[i] != NULL; i++) {
		static const char *const keys[] = { "requires", "provides", "conflicts", "replaces" };
		size_t k;

		if (strcmp(w[i], "auto") == 0 || strcmp(w[i], "held") == 0) {
			*(w[i][0] == 'a' ? is_auto : is_held) = true;
			continue;
		}
		for (k = 0; k < 4; k++) {
			size_t n = strlen(keys[k]);

			if (strncmp(w[i], keys[k], n) == 0 && w[i][n] == '=') {
				add_list(e, keys[k], w[i] + n + 1);
				break;
			}
		}
		if (k == 4) {
			addf(err, "unknown pkg attribute \"%s\"", w[i]);
			cJSON_Delete(e);
			return -1;
		}
	}
	if (dataset) {
		arr = cJSON_AddArrayToObject(e, "files");
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "name", "f");
		cJSON_AddStringToObject(obj, "url", "f");
		cJSON_AddStringToObject(obj, "sha256", ZERO_SHA);
		cJSON_AddNumberToObject(obj, "size", 1);
		cJSON_AddItemToArray(arr, obj);
	} else {
		obj = cJSON_AddObjectToObject(e, "train");
		arr = cJSON_AddArrayToObject(obj, "command");
		cJSON_AddItemToArray(arr, cJSON_CreateString("true"));
		arr = cJSON_AddArrayToObject(e, "outputs");
		cJSON_AddItemToArray(arr, cJSON_CreateString("x"));
		obj = cJSON_AddObjectToObject(e, "source");
		path = xasprintf("modules/%s-%s.tar.zst", w[1], w[2]);
		cJSON_AddStringToObject(obj, "path", path);
		free(path);
		cJSON_AddStringToObject(obj, "sha256", ZERO_SHA);
		cJSON_AddNumberToObject(obj, "size", 1);
	}
	*out = e;
	return 0;
}

/* "pin NAME [version=GLOB] [source=REPO]" -> c->pins. */
static int
parse_pin(struct scase *c, char **w, int lineno, char **err)
{
	struct qtm_pin *pin;

	if (strv_len(w) < 3) {
		addf(err, "expected: pin NAME [version=GLOB] [source=REPO]");
		return -1;
	}
	c->pins = xreallocarray(c->pins, c->n_pins + 1, sizeof *c->pins);
	pin = &c->pins[c->n_pins++];
	memset(pin, 0, sizeof *pin);
	pin->name = xstrdup(w[1]);
	pin->origin = xstrdup(c->path);
	pin->line = lineno;
	for (size_t i = 2; w[i] != NULL; i++) {
		if (strncmp(w[i], "version=", 8) == 0) {
			free(pin->version);
			pin->version = xstrdup(w[i] + 8);
		} else if (strncmp(w[i], "source=", 7) == 0) {
			free(pin->source);
			pin->source = xstrdup(w[i] + 7);
		} else {
			addf(err, "unknown pin attribute \"%s\"", w[i]);
			return -1;
		}
	}
	return 0;
}

static int
parse_expect(char *line, char **w, struct expect *ex, char **err)
{
	memset(ex, 0, sizeof *ex);
	ex->manual = -1;
	if (w[1] == NULL)
		goto bad;
	if (strcmp(w[1], "nothing") == 0 && w[2] == NULL) {
		ex->what = EX_NOTHING;
		return 0;
	}
	if (strcmp(w[1], "error") == 0 || strcmp(w[1], "note") == 0 ||
	    (strcmp(w[1], "kept") == 0 && strv_len(w) >= 5 && strchr(w[4], '=') != NULL)) {
		/* The regex is the rest of the (unsplit) line, blanks included. */
		char *r = strstr(line, w[1]) + strlen(w[1]);

		if (strcmp(w[1], "kept") == 0) {
			ex->name = xstrdup(w[2]);
			ex->version = xstrdup(w[3]);
			ex->to = xstrdup(w[4]);
			r = strstr(r, w[4]) + strlen(w[4]);
		}
		r += strspn(r, " \t");
		if (*r == '\0' && strcmp(w[1], "kept") == 0)
			r = ".";
		if (*r == '\0')
			goto bad;
		regex_t re;
		int rrc = regcomp(&re, r, REG_EXTENDED | REG_NOSUB);

		if (rrc != 0) {
			char buf[256];

			regerror(rrc, &re, buf, sizeof buf);
			addf(err, "bad regex: %s", buf);
			return -1;
		}
		regfree(&re);
		ex->what = strcmp(w[1], "error") == 0 ? EX_ERROR : strcmp(w[1], "note") == 0 ? EX_NOTE : EX_KEPT;
		ex->regex = xstrdup(r);
		return 0;
	}
	if ((strcmp(w[1], "install") == 0 || strcmp(w[1], "remove") == 0) && w[2] != NULL && w[3] != NULL) {
		ex->what = strcmp(w[1], "install") == 0 ? EX_INSTALL : EX_REMOVE;
		ex->name = xstrdup(w[2]);
		ex->version = xstrdup(w[3]);
		for (size_t i = 4; w[i] != NULL; i++) {
			if (strcmp(w[i], "model") == 0 || strcmp(w[i], "dataset") == 0) {
				free(ex->kind);
				ex->kind = xstrdup(w[i]);
			} else if (strcmp(w[i], "anyorder") == 0) {
				ex->anyorder = true;
			} else if (strcmp(w[i], "manual") == 0 || strcmp(w[i], "auto") == 0) {
				ex->manual = strcmp(w[i], "manual") == 0;
			} else if (strncmp(w[i], "replaces=", 9) == 0) {
				free(ex->replaces);
				ex->replaces = xstrdup(w[i] + 9);
			} else {
				free(ex->name);
				free(ex->version);
				free(ex->kind);
				free(ex->replaces);
				goto bad;
			}
		}
		return 0;
	}
bad:
	addf(err, "expected: expect install|remove NAME VERSION [KIND] [manual|auto] [replaces=NAME] [anyorder], "
	    "expect nothing, expect error REGEX, expect kept NAME VERSION TO_NAME=TO_VERSION [REGEX] or expect note REGEX");
	return -1;
}

/* Parses the whole file into c; on failure returns -1 with *err set. */
static int
parse_case(const char *path, struct scase *c, char **err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *cur_repo = xstrdup("main");
	size_t cap = 0;
	int lineno = 0, rc = 0;

	memset(c, 0, sizeof *c);
	c->path = path;
	if (f == NULL) {
		addf(err, "cannot open %s: %s", path, strerror(errno));
		free(cur_repo);
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		char *copy, **w;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		copy = xstrdup(line);
		w = split_words(copy);
		if (strcmp(w[0], "repo") == 0 || strcmp(w[0], "pkg") == 0 || strcmp(w[0], "runtime") == 0 ||
		    strcmp(w[0], "pin") == 0) {
			if (c->n_jobs > 0) {
				addf(err, "%s must come before the first job", w[0]);
				rc = -1;
			}
		}
		if (rc < 0) {
			/* reported above */
		} else if (strcmp(w[0], "repo") == 0) {
			if (strv_len(w) < 2 || strv_len(w) > 3 || (w[2] != NULL && strncmp(w[2], "priority=", 9) != 0)) {
				addf(err, "expected: repo NAME [priority=N]");
				rc = -1;
			} else {
				free(cur_repo);
				cur_repo = xstrdup(w[1]);
				if (w[2] != NULL)
					repo_get(c, cur_repo)->priority = atoi(w[2] + 9);
			}
		} else if (strcmp(w[0], "pkg") == 0) {
			struct repo *r = repo_get(c, cur_repo);
			bool is_auto, is_held;
			cJSON *e;

			if ((rc = parse_pkg(w, &e, &is_auto, &is_held, err)) == 0)
				cJSON_AddItemToArray(r->packages, e);
			if (rc == 0 && is_auto)
				r->autos = strv_push(r->autos, w[1]);
			if (rc == 0 && is_held)
				r->held = strv_push(r->held, w[1]);
		} else if (strcmp(w[0], "runtime") == 0) {
			if (strv_len(w) != 3) {
				addf(err, "expected: runtime CAP VERSION");
				rc = -1;
			} else {
				if (c->runtime == NULL)
					c->runtime = cJSON_CreateObject();
				cJSON_AddStringToObject(c->runtime, w[1], w[2]);
			}
		} else if (strcmp(w[0], "pin") == 0) {
			rc = parse_pin(c, w, lineno, err);
		} else if (strcmp(w[0], "job") == 0) {
			bool upgrade = strv_len(w) >= 2 && (strcmp(w[1], "upgrade") == 0 || strcmp(w[1], "full-upgrade") == 0);
			bool auto_remove = strv_len(w) >= 3 && strcmp(w[1], "remove") == 0 && strcmp(w[2], "--auto-remove") == 0;

			if (!upgrade && (strv_len(w) < (auto_remove ? 4u : 3u) || (strcmp(w[1], "install") != 0 && strcmp(w[1], "remove") != 0))) {
				addf(err, "expected: job install|remove ARG..., job remove --auto-remove NAME..., or job [full-]upgrade [NAME...]");
				rc = -1;
			} else if (c->n_jobs > 0 && c->jobs[c->n_jobs - 1].n_ex == 0) {
				addf(err, "the previous job has no expectations");
				rc = -1;
			} else {
				struct job *j;

				c->jobs = xreallocarray(c->jobs, c->n_jobs + 1, sizeof *c->jobs);
				j = &c->jobs[c->n_jobs++];
				memset(j, 0, sizeof *j);
				j->verb = strcmp(w[1], "full-upgrade") == 0 ? "full-upgrade" : upgrade ? "upgrade" :
				    strcmp(w[1], "remove") == 0 ? "remove" : "install";
				j->auto_remove = auto_remove;
				j->line = lineno;
				j->args = xcalloc(1, sizeof *j->args);
				for (size_t i = auto_remove ? 3 : 2; w[i] != NULL; i++)
					j->args = strv_push(j->args, w[i]);
			}
		} else if (strcmp(w[0], "expect") == 0) {
			struct expect ex;

			if (c->n_jobs == 0) {
				addf(err, "expect before any job");
				rc = -1;
			} else if ((rc = parse_expect(line, w, &ex, err)) == 0) {
				struct job *j = &c->jobs[c->n_jobs - 1];

				ex.line = lineno;
				j->ex = xreallocarray(j->ex, j->n_ex + 1, sizeof *j->ex);
				j->ex[j->n_ex++] = ex;
			}
		} else {
			addf(err, "unknown directive \"%s\"", w[0]);
			rc = -1;
		}
		if (rc < 0)
			addf(err, " (%s:%d: %s)", path, lineno, line);
		strv_free(w);
		free(copy);
	}
	if (rc == 0 && c->n_jobs == 0) {
		addf(err, "%s: no job", path);
		rc = -1;
	} else if (rc == 0 && c->jobs[c->n_jobs - 1].n_ex == 0) {
		addf(err, "%s: the last job has no expectations", path);
		rc = -1;
	}
	free(line);
	free(cur_repo);
	fclose(f);
	return rc;
}

static char *
plan_str(const struct qtm_plan *plan)
{
	char *s = NULL;

	if (plan->n == 0)
		addf(&s, "\n    (nothing)");
	for (size_t i = 0; i < plan->n; i++)
		addf(&s, "\n    %s %s %s (%s, %s%s%s%s)", plan->steps[i].action == QTM_STEP_INSTALL ? "install" : "remove",
		    plan->steps[i].name, plan->steps[i].version, plan->steps[i].kind, plan->steps[i].source,
		    plan->steps[i].manual ? ", manual" : "", plan->steps[i].replaces != NULL ? ", replaces " : "",
		    plan->steps[i].replaces != NULL ? plan->steps[i].replaces : "");
	for (size_t i = 0; i < plan->n_kept; i++)
		addf(&s, "\n    kept %s %s %s=%s: %s", plan->kept[i].name, plan->kept[i].version, plan->kept[i].to_name,
		    plan->kept[i].to_version, plan->kept[i].why);
	for (size_t i = 0; plan->notes != NULL && plan->notes[i] != NULL; i++)
		addf(&s, "\n    note: %s", plan->notes[i]);
	return s;
}

static char *
expect_str(const struct job *j)
{
	char *s = NULL;

	for (size_t i = 0; i < j->n_ex; i++) {
		const struct expect *ex = &j->ex[i];

		if (ex->what == EX_NOTHING)
			addf(&s, "\n    (nothing)");
		else if (ex->what == EX_ERROR)
			addf(&s, "\n    error /%s/", ex->regex);
		else if (ex->what == EX_KEPT)
			addf(&s, "\n    kept %s %s %s /%s/", ex->name, ex->version, ex->to, ex->regex);
		else if (ex->what == EX_NOTE)
			addf(&s, "\n    note /%s/", ex->regex);
		else
			addf(&s, "\n    %s %s %s%s%s%s%s", ex->what == EX_INSTALL ? "install" : "remove", ex->name,
			    ex->version, ex->kind != NULL ? " " : "", ex->kind != NULL ? ex->kind : "",
			    ex->manual < 0 ? "" : ex->manual ? " manual" : " auto", ex->anyorder ? " anyorder" : "");
	}
	return s;
}

static bool
step_matches(const struct expect *ex, const struct qtm_step *st)
{
	if (ex->what != EX_INSTALL && ex->what != EX_REMOVE)
		return false;
	return (ex->what == EX_INSTALL) == (st->action == QTM_STEP_INSTALL) &&
	    strcmp(ex->name, st->name) == 0 && strcmp(ex->version, st->version) == 0 &&
	    (ex->kind == NULL || strcmp(ex->kind, st->kind) == 0) &&
	    (ex->manual < 0 || ex->manual == (int)st->manual) &&
	    (ex->replaces == NULL ? st->replaces == NULL : st->replaces != NULL && strcmp(ex->replaces, st->replaces) == 0);
}

static bool
matches(const char *regex, const char *text)
{
	regex_t re;
	bool ok;

	if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) != 0)
		return false;   /* checked when parsed */
	ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* The kept-back packages and notes, as sets: each expected one matched by one of the plan's. */
static bool
extras_match(const struct job *j, const struct qtm_plan *plan)
{
	size_t n_kept = 0, n_notes = 0, have_notes = 0;

	while (plan->notes != NULL && plan->notes[have_notes] != NULL)
		have_notes++;
	for (size_t i = 0; i < j->n_ex; i++) {
		const struct expect *ex = &j->ex[i];
		bool found = false;

		if (ex->what == EX_KEPT) {
			n_kept++;
			for (size_t k = 0; !found && k < plan->n_kept; k++) {
				char *to = xasprintf("%s=%s", plan->kept[k].to_name, plan->kept[k].to_version);

				found = strcmp(plan->kept[k].name, ex->name) == 0 && strcmp(plan->kept[k].version, ex->version) == 0 &&
				    strcmp(to, ex->to) == 0 && matches(ex->regex, plan->kept[k].why);
				free(to);
			}
		} else if (ex->what == EX_NOTE) {
			n_notes++;
			for (size_t k = 0; !found && k < have_notes; k++)
				found = matches(ex->regex, plan->notes[k]);
		} else {
			continue;
		}
		if (!found)
			return false;
	}
	return n_kept == plan->n_kept && n_notes == have_notes;
}

static bool
plan_matches(const struct job *j, const struct qtm_plan *plan)
{
	size_t n = 0;
	bool *used;

	/* Step expectations come first (kept and note lines follow them). */
	while (n < j->n_ex && (j->ex[n].what == EX_INSTALL || j->ex[n].what == EX_REMOVE))
		n++;
	for (size_t i = n; i < j->n_ex; i++)
		if (j->ex[i].what == EX_INSTALL || j->ex[i].what == EX_REMOVE)
			return false;
	if (!extras_match(j, plan))
		return false;
	if (plan->n != n)
		return false;
	used = xcalloc(n + 1, sizeof *used);
	for (size_t i = 0; i < n; i++) {
		size_t lo = i, hi = i + 1, k;

		if (j->ex[i].anyorder) {
			/* The run of anyorder expectations holding i: match it against the same steps,
			 * each step used once. */
			while (lo > 0 && j->ex[lo - 1].anyorder)
				lo--;
			while (hi < n && j->ex[hi].anyorder)
				hi++;
		}
		for (k = lo; k < hi; k++)
			if (!used[k] && step_matches(&j->ex[i], &plan->steps[k]))
				break;
		if (k == hi) {
			free(used);
			return false;
		}
		used[k] = true;
	}
	free(used);
	return true;
}

/* Runs one job against the pool; returns false with *err set on a mismatch. */
static bool
run_job(struct qtm_ctx *ctx, struct qtm_pool *p, const struct scase *c, const struct job *j, char **err)
{
	struct qtm_plan plan;
	bool want_error = j->n_ex == 1 && j->ex[0].what == EX_ERROR, ok;
	char *got = NULL, *want = NULL, *cmd = NULL;
	int rc;

	for (size_t i = 0; j->args[i] != NULL; i++)
		addf(&cmd, " %s", j->args[i]);
	ctx->errmsg[0] = '\0';
	ctx->err = 0;
	if (strcmp(j->verb, "upgrade") == 0)
		rc = qtm_solve_upgrade(p, j->args, &plan);
	else if (strcmp(j->verb, "full-upgrade") == 0)
		rc = qtm_solve_full_upgrade(p, j->args, &plan);
	else if (strcmp(j->verb, "remove") == 0)
		rc = qtm_solve_remove(p, j->args, j->auto_remove, &plan);
	else
		rc = qtm_solve_install(p, j->args, &plan);
	if (getenv("QTM_TEST_VERBOSE") != NULL) {
		got = rc < 0 ? NULL : plan_str(&plan);
		fprintf(stderr, "# %s:%d: %s%s ->%s%s\n", c->path, j->line, j->verb, cmd,
		    rc < 0 ? " error: " : "", rc < 0 ? qtm_strerror(ctx) : got);
		free(got);
		got = NULL;
	}
	if (rc < 0) {
		ok = false;
		if (want_error) {
			regex_t re;
			int rrc = regcomp(&re, j->ex[0].regex, REG_EXTENDED | REG_NOSUB);

			if (rrc != 0) {
				char buf[256];

				regerror(rrc, &re, buf, sizeof buf);
				addf(err, "%s:%d: bad regex: %s", c->path, j->ex[0].line, buf);
				free(cmd);
				return false;
			}
			ok = regexec(&re, qtm_strerror(ctx), 0, NULL, 0) == 0;
			regfree(&re);
		}
		if (!ok) {
			want = expect_str(j);
			addf(err, "%s:%d: job %s%s\n  expected:%s\n  got error %d:\n    %s", c->path, j->line,
			    j->verb, cmd, want, rc, qtm_strerror(ctx));
		}
		free(want);
		free(cmd);
		return ok;
	}
	ok = !want_error && plan_matches(j, &plan);
	if (!ok) {
		got = plan_str(&plan);
		want = expect_str(j);
		addf(err, "%s:%d: job %s%s\n  expected:%s\n  got plan:%s", c->path, j->line,
		    j->verb, cmd, want, got);
	}
	qtm_plan_free(&plan);
	free(got);
	free(want);
	free(cmd);
	return ok;
}

/* Returns NULL when every job of the file behaves as expected, else a message (owned). */
static char *
run_case(const char *path)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-solver", NULL);
	struct qtm_pool *p = NULL;
	struct scase c;
	char *err = NULL;

	if (parse_case(path, &c, &err) < 0) {
		scase_free(&c);
		qtm_ctx_free(ctx);
		return err;
	}
	if (qtm_pool_open(ctx, NULL, 0, &p) < 0) {
		addf(&err, "qtm_pool_open: %s", qtm_strerror(ctx));
		goto out;
	}
	for (size_t i = 0; i < c.n_repos; i++) {
		bool installed = strcmp(c.repos[i].name, "@installed") == 0;

		if (qtm_pool_add_json(p, c.repos[i].name, c.repos[i].packages, installed) < 0) {
			addf(&err, "%s: loading repo %s: %s", path, c.repos[i].name, qtm_strerror(ctx));
			goto out;
		}
		if (c.repos[i].priority != 0)
			qtm_pool_set_priority(p, c.repos[i].name, c.repos[i].priority);
		for (size_t k = 0; c.repos[i].autos[k] != NULL; k++)
			qtm_pool_mark_auto(p, c.repos[i].autos[k]);
		for (size_t k = 0; c.repos[i].held[k] != NULL; k++)
			qtm_pool_mark_held(p, c.repos[i].held[k]);
	}
	if (c.runtime != NULL)
		qtm_pool_set_runtime(p, c.runtime);
	qtm_pool_set_pins(p, c.pins, c.n_pins);   /* the pool owns them now */
	c.pins = NULL;
	c.n_pins = 0;
	qtm_pool_finish(p);
	for (size_t i = 0; i < c.n_jobs; i++) {
		char *one = NULL;

		if (!run_job(ctx, p, &c, &c.jobs[i], &one)) {
			addf(&err, "%s%s", err != NULL ? "\n" : "", one);
		}
		free(one);
	}
out:
	qtm_pool_free(p);
	scase_free(&c);
	qtm_ctx_free(ctx);
	return err;
}

static void
test_case_file(void **state)
{
	const char *path = *state;
	char *err = run_case(path);

	if (err != NULL) {
		print_error("%s\n", err);
		free(err);
		fail();
	}
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".test") == 0;
}

int
main(int argc, char **argv)
{
	struct dirent **names = NULL;
	struct CMUnitTest *tests;
	char **paths;
	int n, rc;

	/* With arguments, run only those case files (paths), for debugging. */
	if (argc > 1) {
		n = argc - 1;
		names = NULL;
	} else if ((n = scandir(CASE_DIR, &names, is_case, alphasort)) < 0) {
		fprintf(stderr, "cannot read %s: %s\n", CASE_DIR, strerror(errno));
		return 1;
	} else if (n == 0) {
		fprintf(stderr, "no *.test files in %s\n", CASE_DIR);
		free(names);
		return 1;
	}
	tests = xcalloc((size_t)n, sizeof *tests);
	paths = xcalloc((size_t)n, sizeof *paths);
	for (int i = 0; i < n; i++) {
		paths[i] = argc > 1 ? xstrdup(argv[i + 1]) : xasprintf("%s/%s", CASE_DIR, names[i]->d_name);
		tests[i].name = argc > 1 ? paths[i] : strrchr(paths[i], '/') + 1;
		tests[i].test_func = test_case_file;
		tests[i].initial_state = paths[i];
		if (names != NULL)
			free(names[i]);
	}
	free(names);
	rc = _cmocka_run_group_tests("solver", tests, (size_t)n, NULL, NULL);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return rc;
}
