/* pool-pins.c - a pool's pins (pin.h): which of its available packages they keep from being
 * installed, and hiding those from the solver. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "pin.h"
#include "pool-internal.h"
#include "xalloc.h"

void
qtm_pool_set_pins(struct qtm_pool *p, struct qtm_pin *pins, size_t n)
{
	qtm_pins_free(p->pins, p->n_pins);
	p->pins = pins;
	p->n_pins = n;
}

const struct qtm_pin *
qtm_pool_pin_of(struct qtm_pool *p, const char *name)
{
	for (size_t i = 0; i < p->n_pins; i++)
		if (strcmp(p->pins[i].name, name) == 0)
			return &p->pins[i];
	return NULL;
}

const struct qtm_pin *
qtm_pool_pinned_out(struct qtm_pool *p, qtm_pkg_id id)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	const struct qtm_pin *pin;

	if (p->n_pins == 0 || s->repo == p->system)
		return NULL;
	pin = qtm_pool_pin_of(p, pool_id2str(p->pool, s->name));
	if (pin == NULL || qtm_pin_allows(pin, pool_id2str(p->pool, s->evr), s->repo->name))
		return NULL;
	return pin;
}

bool
qtm_pool_pins_exclude_any(struct qtm_pool *p)
{
	Pool *pool = p->pool;   /* FOR_POOL_SOLVABLES expects a variable named pool */
	Id id;

	for (size_t i = 0; i < p->n_pins; i++) {
		Id nameid = pool_str2id(pool, p->pins[i].name, 0);

		if (nameid == 0)
			continue;
		FOR_POOL_SOLVABLES(id)
			if (pool_id2solvable(pool, id)->name == nameid && qtm_pool_pinned_out(p, id) != NULL)
				return true;
	}
	return false;
}

void
qtm_pool_pins_apply(struct qtm_pool *p)
{
	Pool *pool = p->pool;   /* FOR_PROVIDES expects a variable named pool */
	Map *considered;

	if (p->n_pins == 0 || pool->considered != NULL)
		return;
	considered = xmalloc(sizeof *considered);
	map_init(considered, pool->nsolvables);
	map_setall(considered);
	for (size_t i = 0; i < p->n_pins; i++) {
		Id nameid = pool_str2id(pool, p->pins[i].name, 0), id, pp;

		if (nameid == 0)
			continue;
		FOR_PROVIDES(id, pp, nameid)
			if (pool_id2solvable(pool, id)->name == nameid && qtm_pool_pinned_out(p, id) != NULL)
				MAPCLR(considered, id);
	}
	pool->considered = considered;
}

void
qtm_pool_pins_release(struct qtm_pool *p)
{
	if (p->pool->considered == NULL)
		return;
	map_free(p->pool->considered);
	free(p->pool->considered);
	p->pool->considered = NULL;
}
