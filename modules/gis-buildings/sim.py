"""Simulated airborne LiDAR over real building outlines, NumPy only.

Everything here except the outlines is invented: the real data are the 158
Soho block polygons of dataset-sf-buildings; heights, roofs, terrain, trees,
cars and the point sampling are drawn from a seeded numpy Generator so that
the same seed gives the same scene.

The scene is rendered as a surface on a fine grid (half the output cell),
sampled by randomly placed "laser returns" at an airborne-like density with
vertical sensor noise, and the returns are flagged as ground or not, as a
ground classifier would.  The caller then grids them exactly as it grids a
real point cloud (seg.height_model), so simulated and real height models go
through the same code.
"""

import numpy as np

import gpkg

STOREY_M = 3.1


def scene_grid(features, cell, margin):
    lo, hi = gpkg.bounds(features)
    x0 = float(np.floor(lo[0] - margin))
    y0 = float(np.floor(lo[1] - margin))
    nx = int(np.ceil((hi[0] + margin - x0) / cell))
    ny = int(np.ceil((hi[1] + margin - y0) / cell))
    return x0, y0, nx, ny


def _nearest_seed(X, Y, x0, y0, spacing, sx, sy, gnx, gny):
    """Index of the nearest jittered-grid seed for every fine cell (a
    Voronoi partition into 'plots'); only the 3x3 neighbouring seed cells
    can hold the nearest seed because each seed stays inside its cell."""
    ci = np.clip(np.floor((X - x0) / spacing).astype(np.int64), 0, gnx - 1)
    cj = np.clip(np.floor((Y - y0) / spacing).astype(np.int64), 0, gny - 1)
    best = np.full(X.shape, np.inf)
    arg = np.zeros(X.shape, dtype=np.int64)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i = np.clip(ci + di, 0, gnx - 1)
            j = np.clip(cj + dj, 0, gny - 1)
            k = j * gnx + i
            d = (X - sx[k]) ** 2 + (Y - sy[k]) ** 2
            better = d < best
            best[better] = d[better]
            arg[better] = k[better]
    return arg


def simulate(features, cfg, rng):
    """Render one simulated scene.  Returns a dict with the point cloud
    (xy, z, ground flag), the truth footprint grid at cfg['cell_m'] (cell
    centre inside a polygon) and the grid geometry."""
    cell = cfg["cell_m"]
    x0, y0, nx, ny = scene_grid(features, cell, cfg["margin_m"])
    fc = cell / 2.0
    fnx, fny = 2 * nx, 2 * ny
    truth = gpkg.rasterise(features, x0, y0, cell, nx, ny) > 0
    bid = gpkg.rasterise(features, x0, y0, fc, fnx, fny)
    X = x0 + (np.arange(fnx) + 0.5)[None, :] * fc + np.zeros((fny, 1))
    Y = y0 + (np.arange(fny) + 0.5)[:, None] * fc + np.zeros((1, fnx))
    W, H = nx * cell, ny * cell

    # Terrain: a gentle tilt plus a long-wave undulation (Soho is nearly flat).
    ang = rng.uniform(0, 2 * np.pi)
    tilt = rng.uniform(0.002, 0.01)
    ph = rng.uniform(0, 2 * np.pi, size=2)
    ground = (tilt * ((X - x0 - W / 2) * np.cos(ang) + (Y - y0 - H / 2) * np.sin(ang))
              + rng.uniform(0.5, 2.0) * np.sin(2 * np.pi * (X - x0) / rng.uniform(300, 700) + ph[0])
              * np.cos(2 * np.pi * (Y - y0) / rng.uniform(300, 700) + ph[1]))

    # Buildings: each block gets a storey count; a jittered grid of plot
    # seeds splits blocks into plots with their own storey offset and roof.
    nb = int(bid.max()) + 1
    storeys = rng.integers(2, 7, size=nb)
    storeys[rng.random(nb) < cfg["low_block_fraction"]] = 1
    sp = cfg["plot_spacing_m"]
    gnx, gny = int(np.ceil(W / sp)) + 1, int(np.ceil(H / sp)) + 1
    ns = gnx * gny
    sx = x0 + (np.arange(ns) % gnx + rng.uniform(0.15, 0.85, ns)) * sp
    sy = y0 + (np.arange(ns) // gnx + rng.uniform(0.15, 0.85, ns)) * sp
    # plots on the output grid, repeated onto the fine grid (4x cheaper)
    Xc = x0 + (np.arange(nx) + 0.5)[None, :] * cell + np.zeros((ny, 1))
    Yc = y0 + (np.arange(ny) + 0.5)[:, None] * cell + np.zeros((1, nx))
    plot = _nearest_seed(Xc, Yc, x0, y0, sp, sx, sy, gnx, gny)
    plot = np.repeat(np.repeat(plot, 2, axis=0), 2, axis=1)
    d_storey = rng.choice(np.array([-1, 0, 0, 0, 1]), size=ns)
    pitched = rng.random(ns) < cfg["pitched_fraction"]
    axis = rng.integers(0, 2, size=ns)
    ridge = rng.uniform(1.5, 3.5, size=ns)
    has_box = rng.random(ns) < 0.35
    box_h = rng.uniform(1.0, 3.0, size=ns)
    box_w = rng.uniform(1.0, 2.5, size=(ns, 2))
    inb = bid > 0
    p = plot[inb]
    st = np.clip(storeys[bid[inb]] + np.where(storeys[bid[inb]] > 1, d_storey[p], 0), 1, 8)
    parapet = rng.uniform(0.3, 1.2, size=nb)
    hb = st * STOREY_M + parapet[bid[inb]]
    dperp = np.where(axis[p] == 0, Y[inb] - sy[p], X[inb] - sx[p])
    hb = hb + np.where(pitched[p], ridge[p] * np.clip(1 - np.abs(dperp) / (0.5 * sp), 0, 1), 0.0)
    on_box = (has_box[p] & ~pitched[p] & (np.abs(X[inb] - sx[p]) < box_w[p, 0])
              & (np.abs(Y[inb] - sy[p]) < box_w[p, 1]))
    hb = hb + np.where(on_box, box_h[p], 0.0)
    surf = ground.copy()
    surf[inb] += hb
    solid_ground = ~inb  # first surface is the ground itself

    open_cells = np.flatnonzero(~inb)
    open_ha = open_cells.size * fc * fc / 1e4

    # Cars: 1.8 m x 4.5 m boxes, 1.4-1.9 m high, on open ground only.
    ncar = int(round(cfg["cars_per_ha"] * open_ha))
    for c in rng.choice(open_cells, size=ncar, replace=False) if ncar else []:
        cy_, cx_ = divmod(int(c), fnx)
        a, b = (0.9, 2.25) if rng.random() < 0.5 else (2.25, 0.9)
        i0, i1 = max(0, int(cx_ - a / fc)), min(fnx, int(cx_ + a / fc) + 1)
        j0, j1 = max(0, int(cy_ - b / fc)), min(fny, int(cy_ + b / fc) + 1)
        sub = solid_ground[j0:j1, i0:i1]
        hc = rng.uniform(1.4, 1.9)
        s = surf[j0:j1, i0:i1]
        s[sub] = ground[j0:j1, i0:i1][sub] + hc
        sub[:] = False

    # Trees: crowns of radius 2-6 m, 5-18 m tall, rooted on open ground,
    # free to overhang roofs; canopy kept apart so that some returns pass.
    canopy = np.full((fny, fnx), -np.inf)
    ntree = int(round(cfg["trees_per_ha"] * open_ha))
    for c in rng.choice(open_cells, size=ntree, replace=False) if ntree else []:
        cy_, cx_ = divmod(int(c), fnx)
        r = rng.uniform(2.0, 6.0)
        ht = max(rng.uniform(5.0, 18.0), 2.2 * r)
        k = int(np.ceil(r / fc))
        i0, i1 = max(0, cx_ - k), min(fnx, cx_ + k + 1)
        j0, j1 = max(0, cy_ - k), min(fny, cy_ + k + 1)
        dx = (np.arange(i0, i1) - cx_)[None, :] * fc
        dy = (np.arange(j0, j1) - cy_)[:, None] * fc
        q = (dx * dx + dy * dy) / (r * r)
        z = ground[cy_, cx_] + ht * (1.0 - 0.45 * q) + rng.normal(0, 0.35, size=q.shape)
        c2 = canopy[j0:j1, i0:i1]
        np.maximum(c2, np.where(q < 1.0, z, -np.inf), out=c2)

    # Returns: uniform random positions at the given density; a return in a
    # crown comes from the canopy unless it passes through (penetration).
    npts = int(round(cfg["point_density_m2"] * W * H))
    xy = np.column_stack([x0 + rng.random(npts) * W, y0 + rng.random(npts) * H])
    fi = np.minimum(((xy[:, 1] - y0) / fc).astype(np.int64), fny - 1)
    fj = np.minimum(((xy[:, 0] - x0) / fc).astype(np.int64), fnx - 1)
    zs, zc = surf[fi, fj], canopy[fi, fj]
    hit_canopy = (zc > zs) & (rng.random(npts) >= cfg["canopy_penetration"])
    z = np.where(hit_canopy, zc, zs) + rng.normal(0.0, cfg["sensor_noise_m"], npts)
    is_ground = ~hit_canopy & solid_ground[fi, fj]
    return {"xy": xy, "z": z, "ground": is_ground, "truth": truth,
            "x0": x0, "y0": y0, "nx": nx, "ny": ny,
            "n_trees": ntree, "n_cars": ncar, "n_points": npts}
