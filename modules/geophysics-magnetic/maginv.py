"""geophysics-magnetic / maginv: physics inversion of one total-field grid
with scipy.optimize.least_squares -- the classical method the learned model
is measured against, and the refinement stage of the shipped model.

Two source models, both magnetised along the main field (induced):
  dipole  a point dipole (sphere; also the far field of a compact body):
          unknowns x0, y0, depth of the centre;
  pipe    a vertical square prism of half-width 0.25 x its top depth
          reaching down to 11 x its top depth (a thin, deep pipe; the
          bottom has little effect): unknowns x0, y0, depth of the top.
For both, the moment (or magnetisation) and a constant base level enter
linearly and are solved in closed form at every step (variable projection),
so the nonlinear search is over (x0, y0, log depth) only.  The better
fitting model (lower residual sum of squares; both have the same number of
unknowns) gives the answer.  The pipe is fitted on every second grid node
(its forward model costs more); the dipole on all nodes.
"""

import math

import numpy as np
from scipy.optimize import least_squares

import magcore

MODELS = ("dipole", "pipe")
PIPE_HALF_WIDTH, PIPE_BOTTOM = 0.25, 11.0


def _unit_response(forward, kind, X, Y, zo, x0, y0, z, fi, fd):
    if kind == "dipole":
        return forward.dipole_tfa(X, Y, zo, x0, y0, z, 1.0, fi, fd, fi, fd)
    b = PIPE_HALF_WIDTH * z
    return forward.prism_tfa(X, Y, zo, x0 - b, x0 + b, y0 - b, y0 + b, z, PIPE_BOTTOM * z, 1.0,
                             fi, fd, fi, fd)


def _projected(u, d):
    """Residual of d after the best a * u + c (least squares), and (a, c)."""
    um, dm = u.mean(), d.mean()
    uc = u - um
    den = float(uc @ uc)
    a = float(uc @ (d - dm)) / den if den > 0 else 0.0
    c = dm - a * um
    return d - a * u - c, a, c


def fit(forward, grid, p, kind, start):
    """Least-squares fit of one source model; start = (x0, y0, depth).
    Returns dict: x0, y0, depth_m, rss (per node), nfev, success."""
    n, dx = grid.shape[0], p["grid_spacing_m"]
    c = magcore.grid_coords(n, dx)
    X, Y = np.meshgrid(c, c, indexing="ij")
    step = 1 if kind == "dipole" else 2
    X, Y, d = X[::step, ::step].ravel(), Y[::step, ::step].ravel(), grid[::step, ::step].ravel()
    zo = -p["sensor_height_m"]
    fi, fd = p["field_inclination_deg"], p["field_declination_deg"]
    half = 0.5 * (n - 1) * dx
    zlo, zhi = math.log(2.0), math.log(20.0 * p["depth_max_m"])

    def resid(q):
        u = _unit_response(forward, kind, X, Y, zo, q[0], q[1], math.exp(q[2]), fi, fd)
        return _projected(u, d)[0]

    x0 = np.array([min(max(start[0], -half), half), min(max(start[1], -half), half),
                   min(max(math.log(max(start[2], 2.0)), zlo + 1e-6), zhi - 1e-6)])
    r = least_squares(resid, x0, bounds=([-half, -half, zlo], [half, half, zhi]), x_scale=[dx, dx, 0.3])
    return {"x0": float(r.x[0]), "y0": float(r.x[1]), "depth_m": float(math.exp(r.x[2])),
            "rss": float(r.fun @ r.fun) / d.size, "nfev": int(r.nfev), "success": bool(r.success)}


def starting_point(grid, p):
    """A start from the data alone: the analytic-signal peak (upward
    continued as the features are) and the depth from its half-width
    (for a dipole the analytic-signal half-width at half maximum is about
    0.9 x the height above the source)."""
    dx = p["grid_spacing_m"]
    up, tx, ty, tz = magcore.derivatives(grid, dx, p["upcont_m"])
    a = np.sqrt(tx * tx + ty * ty + tz * tz)
    i, j = np.unravel_index(int(np.argmax(a)), a.shape)
    c = magcore.grid_coords(grid.shape[0], dx)
    hw = 0.25 * (magcore.halfwidth_1d(a[:, j], dx) + magcore.halfwidth_1d(a[i, :], dx))
    z = max(hw / 0.9 - p["upcont_m"] - p["sensor_height_m"], 2.0)
    return float(c[i]), float(c[j]), float(z)


def invert(forward, grid, p, start=None):
    """Both source models from the same start; the better fit wins.
    Returns (depth_m, chosen model index, [fit dipole, fit pipe])."""
    s = starting_point(grid, p) if start is None else start
    fits = [fit(forward, grid, p, k, s) for k in MODELS]
    # the pipe is fitted on a quarter of the nodes: compare mean squares
    k = int(np.argmin([f["rss"] for f in fits]))
    return fits[k]["depth_m"], k, fits
