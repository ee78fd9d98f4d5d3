/* layout.h - where qtm keeps things: FHS as root, XDG as a user, everything under --root DIR,
 * and the bundled repository ($QTM_BUNDLED_REPO, the installed one, else the build tree's).
 *
 * Every string is owned by the struct's holder: qtm_ctx_new() moves them into the context. */
#ifndef QTM_LAYOUT_H
#define QTM_LAYOUT_H

struct qtm_layout {
	char *root;          /* absolute --root, or NULL */
	char *conf_dir;
	char *state_dir;
	char *cache_dir;
	char *bundled_repo;
};

/* root: --root / QTM_ROOT, or NULL for the system (root) or user layout. */
void qtm_layout_resolve(const char *root, struct qtm_layout *out);

#endif
