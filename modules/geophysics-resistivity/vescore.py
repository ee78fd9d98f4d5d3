"""geophysics-resistivity / vescore: simulation of two-layer Schlumberger
soundings (vertical electrical soundings, VES) with geophysics-forward, and
the two baselines (asymptote reading, nearest neighbour in a coarse table of
master curves).  Shared by train.py and predict.py.  NumPy only.

Parameters are handled in log10: rho1, rho2 (ohm.m) and h1 (m).
"""

import math

import numpy as np

TARGETS = ["log10_rho1", "log10_rho2", "log10_h1"]


def spacings(p):
    """AB/2 values (m): log-spaced from ab2_min_m to ab2_max_m."""
    k = int(round(math.log10(p["ab2_max_m"] / p["ab2_min_m"]) * p["ab2_per_decade"])) + 1
    return np.logspace(math.log10(p["ab2_min_m"]), math.log10(p["ab2_max_m"]), k)


def draw_models(rng, count, p):
    """Random two-layer models: log10 rho uniform in [log10 rho_min,
    log10 rho_max], contrast |log10(rho2/rho1)| in [min_log_contrast,
    max_log_contrast] (rejection sampling), h1 log-uniform in
    [h1_min_m, h1_max_m].  Returns (count, 3) log10 parameters."""
    lo, hi = math.log10(p["rho_min"]), math.log10(p["rho_max"])
    out = np.empty((0, 3))
    while out.shape[0] < count:
        m = 2 * (count - out.shape[0]) + 16
        r1 = rng.uniform(lo, hi, m)
        r2 = rng.uniform(lo, hi, m)
        h = rng.uniform(math.log10(p["h1_min_m"]), math.log10(p["h1_max_m"]), m)
        c = np.abs(r2 - r1)
        ok = (c >= p["min_log_contrast"]) & (c <= p["max_log_contrast"])
        out = np.vstack([out, np.stack([r1, r2, h], axis=1)[ok]])
    return out[:count]


def simulate(forward, rng, count, p, method="image_series"):
    """count noisy soundings computed with the exact two-layer image series
    (method 'image_series') or Guptasarma's 11-point filter ('filter11'),
    with multiplicative log-normal noise of a per-sounding relative std
    uniform in [noise_min, noise_max].  Returns (log10 params (count, 3),
    log10 rho_a (count, S), noise std (count,))."""
    ab2 = spacings(p)
    th = draw_models(rng, count, p)
    if method == "image_series":
        rho = forward.schlumberger_2layer(ab2, 10 ** th[:, 0], 10 ** th[:, 1], 10 ** th[:, 2])
    elif method == "filter11":
        rho = forward.schlumberger_filter(ab2, 10 ** th[:, :2], 10 ** th[:, 2:], "guptasarma11")
    else:
        raise ValueError(method)
    sig = rng.uniform(p["noise_min"], p["noise_max"], count)
    noisy = rho * np.exp(sig[:, None] * rng.standard_normal(rho.shape))
    return th, np.log10(noisy), sig


# ---------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------

def _mid_crossing(logrho, ab2):
    """AB/2 at which log rho_a crosses halfway between its first and last
    value (log-log interpolation); the geometric middle if it never does."""
    a, b = logrho[0], logrho[-1]
    mid = 0.5 * (a + b)
    s = np.sign(logrho - mid)
    idx = np.nonzero(s[:-1] * s[1:] <= 0)[0]
    la = np.log10(ab2)
    if idx.size == 0:
        return 10 ** (0.5 * (la[0] + la[-1]))
    i = int(idx[0])
    y0, y1 = logrho[i], logrho[i + 1]
    t = 0.5 if y1 == y0 else (mid - y0) / (y1 - y0)
    return 10 ** (la[i] + t * (la[i + 1] - la[i]))


class AsymptoteBaseline:
    """rho1 = rho_a at the shortest spacing, rho2 = rho_a at the longest,
    h1 = c x (AB/2 where log rho_a is halfway between them), c the median of
    h1 / that spacing on the training soundings."""

    def fit(self, logrho, th, ab2):
        mids = np.array([_mid_crossing(r, ab2) for r in logrho])
        self.log_c = float(np.median(th[:, 2] - np.log10(mids)))
        return self

    def predict(self, logrho, ab2):
        mids = np.array([_mid_crossing(r, ab2) for r in logrho])
        return np.stack([logrho[:, 0], logrho[:, -1], np.log10(mids) + self.log_c], axis=1)


class TableBaseline:
    """Nearest neighbour (least RMS misfit of log rho_a) in a coarse table of
    two-layer master curves computed with Guptasarma's 11-point filter:
    log10 rho steps of table_step_rho, log10 h1 steps of table_step_h."""

    def __init__(self, forward, p):
        ab2 = spacings(p)
        lo, hi = math.log10(p["rho_min"]), math.log10(p["rho_max"])
        r = np.arange(lo, hi + 1e-9, p["table_step_rho"])
        h = np.arange(math.log10(p["h1_min_m"]), math.log10(p["h1_max_m"]) + 1e-9, p["table_step_h"])
        R1, R2, H = np.meshgrid(r, r, h, indexing="ij")
        keep = np.abs(R2 - R1) > 1e-9            # a contrast is needed to see h1
        self.params = np.stack([R1[keep], R2[keep], H[keep]], axis=1)
        rhos = 10 ** self.params[:, :2]
        th = 10 ** self.params[:, 2:3]
        self.curves = np.log10(forward.schlumberger_filter(ab2, rhos, th, "guptasarma11"))

    def predict(self, logrho, batch=256):
        out = np.empty((logrho.shape[0], 3))
        c2 = (self.curves ** 2).sum(axis=1)
        for s in range(0, logrho.shape[0], batch):
            x = logrho[s:s + batch]
            d = c2[None, :] - 2.0 * x @ self.curves.T        # + |x|^2, constant per row
            out[s:s + batch] = self.params[np.argmin(d, axis=1)]
        return out


# ---------------------------------------------------------------------------
# Physics inversion (scipy.optimize)
# ---------------------------------------------------------------------------

def bounds(p):
    """The prior box of the simulated models, in log10 (rho1, rho2, h1)."""
    lo = np.array([math.log10(p["rho_min"]), math.log10(p["rho_min"]), math.log10(p["h1_min_m"])])
    hi = np.array([math.log10(p["rho_max"]), math.log10(p["rho_max"]), math.log10(p["h1_max_m"])])
    return lo, hi


def invert(forward, logrho, starts, p):
    """Least-squares inversion (scipy.optimize.least_squares, its default
    trust-region method, bounded by the prior box) of each sounding with the
    exact two-layer image series, from the given starting models."""
    from scipy.optimize import least_squares
    ab2 = spacings(p)
    lo, hi = bounds(p)
    eps = 1e-6 * (hi - lo)
    out = np.empty_like(starts)
    for i in range(logrho.shape[0]):
        d = logrho[i]
        f = lambda m: np.log10(forward.schlumberger_2layer(ab2, 10 ** m[0], 10 ** m[1], 10 ** m[2])[0]) - d  # noqa: E731
        out[i] = least_squares(f, np.clip(starts[i], lo + eps, hi - eps), bounds=(lo, hi)).x
    return out


def fit_blend(lm, net, truth):
    """Per-parameter weight w in [0, 1] of w * lm + (1 - w) * net that
    minimises the squared error (closed form), on validation soundings."""
    d = lm - net
    w = ((truth - net) * d).sum(axis=0) / np.maximum((d * d).sum(axis=0), 1e-300)
    return np.clip(w, 0.0, 1.0)
