"""geophysics-magnetic / magcore: simulation of gridded total-field magnetic
anomalies (via geophysics-forward), grid derivatives, engineered depth
features, and standard Euler deconvolution (Reid et al., 1990).  Shared by
train.py and predict.py.  NumPy only.

Conventions: x north (grid rows), y east (grid columns), z down, metres.
The sensor flies at z = -sensor_height; depths are below z = 0 (ground).
"""

import math

import numpy as np

FEATURE_NAMES = [
    "log_as_halfwidth_50", "log_as_halfwidth_25", "log_as_halfwidth_75",
    "log_as_gyration", "log_tfa_peak_trough_dist", "log_as_over_tfa",
    "log_as_over_tfa_range", "log_as_profile_x_hw", "log_as_profile_y_hw",
    "spec_slope_low", "spec_slope_mid", "log_as_peak_over_noise",
    "log_grad_over_as", "as_curv_x", "as_curv_y", "log_as_moment_50",
    "log_euler_peak_si2_w5", "log_euler_peak_si3_w5",
    "log_euler_peak_si2_w9", "log_euler_peak_si3_w9",
]


def grid_coords(n, spacing):
    """Centred grid coordinates (n,) in metres."""
    return (np.arange(n) - 0.5 * (n - 1)) * spacing


SOURCE_KINDS = ["sphere", "compact_prism", "vertical_pipe"]


def simulate(forward, rng, count, p):
    """count simulated grids, a third each of
      sphere          point dipole; target depth = centre;
      compact_prism   rectangular prism, half-sizes 0.1-0.35 x centre depth;
                      target depth = centre;
      vertical_pipe   square prism (half-width 0.1-0.4 x top depth) reaching
                      5-20 x its top depth down; target depth = top.
    Induced magnetisation along the main field (I, D from p); position
    within +-source_offset_m of the grid centre; target depth log-uniform in
    [depth_min_m, depth_max_m]; peak |anomaly| log-uniform in
    [amp_min_nt, amp_max_nt]; Gaussian noise std uniform in
    [noise_min_nt, noise_max_nt]; a random base level.  Returns a dict."""
    n, dx = p["grid_n"], p["grid_spacing_m"]
    c = grid_coords(n, dx)
    X, Y = np.meshgrid(c, c, indexing="ij")
    zo = -p["sensor_height_m"]
    fi, fd = p["field_inclination_deg"], p["field_declination_deg"]
    lo, hi = math.log(p["depth_min_m"]), math.log(p["depth_max_m"])
    depth = np.exp(rng.uniform(lo, hi, count))
    kind = rng.integers(0, 3, count)
    off = p["source_offset_m"]
    xc = rng.uniform(-off, off, count)
    yc = rng.uniform(-off, off, count)
    rel = rng.uniform(0.1, 0.35, (count, 3))
    pipe_w = rng.uniform(0.1, 0.4, count)
    pipe_len = rng.uniform(5.0, 20.0, count)
    amp = np.exp(rng.uniform(math.log(p["amp_min_nt"]), math.log(p["amp_max_nt"]), count))
    sigma = rng.uniform(p["noise_min_nt"], p["noise_max_nt"], count)
    base = rng.uniform(-20.0, 20.0, count)
    noise = rng.standard_normal((count, n, n))
    grids = np.empty((count, n, n))
    for i in range(count):
        z = depth[i]
        if kind[i] == 0:
            t = forward.dipole_tfa(X, Y, zo, xc[i], yc[i], z, 1.0, fi, fd, fi, fd)
        elif kind[i] == 1:
            bx, by, bz = rel[i] * z
            t = forward.prism_tfa(X, Y, zo, xc[i] - bx, xc[i] + bx, yc[i] - by, yc[i] + by,
                                  z - bz, z + bz, 1.0, fi, fd, fi, fd)
        else:
            b = pipe_w[i] * z
            t = forward.prism_tfa(X, Y, zo, xc[i] - b, xc[i] + b, yc[i] - b, yc[i] + b,
                                  z, z * (1.0 + pipe_len[i]), 1.0, fi, fd, fi, fd)
        t = t * (amp[i] / np.max(np.abs(t)))
        grids[i] = t + base[i] + sigma[i] * noise[i]
    return {"grids": grids, "depth": depth, "kind": kind, "xc": xc, "yc": yc,
            "amp": amp, "sigma": sigma}


def derivatives(grid, spacing, upcont_m):
    """Upward-continued field and its x, y, z(down) derivatives.  The grid is
    mirror-padded to twice its size before the FFT (limits edge ringing);
    Tz = IFFT(|k| F(T)), Tx = IFFT(i kx F(T)), Ty = IFFT(i ky F(T))."""
    n0, n1 = grid.shape
    g = grid - grid.mean()
    pad = np.pad(g, ((n0 // 2, n0 - n0 // 2), (n1 // 2, n1 - n1 // 2)), mode="reflect")
    kx = 2 * np.pi * np.fft.fftfreq(pad.shape[0], spacing)
    ky = 2 * np.pi * np.fft.fftfreq(pad.shape[1], spacing)
    K = np.sqrt(kx[:, None] ** 2 + ky[None, :] ** 2)
    F = np.fft.fft2(pad) * np.exp(-K * upcont_m)
    s0, s1 = n0 // 2, n1 // 2
    cut = lambda G: np.real(np.fft.ifft2(G))[s0:s0 + n0, s1:s1 + n1]  # noqa: E731
    up = cut(F) + grid.mean()
    tz = cut(F * K)
    tx = cut(F * (1j * kx[:, None]))
    ty = cut(F * (1j * ky[None, :]))
    return up, tx, ty, tz


def halfwidth_1d(prof, spacing):
    """Width (m) of the region around the maximum where prof >= max / 2."""
    k = int(np.argmax(prof))
    m = prof[k]
    left, right = k, k
    while left > 0 and prof[left - 1] >= 0.5 * m:
        left -= 1
    while right < len(prof) - 1 and prof[right + 1] >= 0.5 * m:
        right += 1
    return (right - left + 1) * spacing


def features(grid, p):
    """Engineered features (FEATURE_NAMES) of one grid; all are logs of
    lengths or ratios, so that depth scaling is close to linear."""
    dx = p["grid_spacing_m"]
    up, tx, ty, tz = derivatives(grid, dx, p["upcont_m"])
    a = np.sqrt(tx * tx + ty * ty + tz * tz)
    amax = a.max()
    i, j = np.unravel_index(int(np.argmax(a)), a.shape)
    f = []
    for frac in (0.5, 0.25, 0.75):
        f.append(0.5 * math.log(max(int((a >= frac * amax).sum()), 1) * dx * dx))
    n = grid.shape[0]
    c = grid_coords(n, dx)
    X, Y = np.meshgrid(c, c, indexing="ij")
    w = np.clip(a - 0.1 * amax, 0.0, None)
    xm, ym = (w * X).sum() / w.sum(), (w * Y).sum() / w.sum()
    f.append(0.5 * math.log(max((w * ((X - xm) ** 2 + (Y - ym) ** 2)).sum() / w.sum(), 1e-6)))
    t = up - np.median(up)
    imx, imn = np.unravel_index(int(np.argmax(t)), t.shape), np.unravel_index(int(np.argmin(t)), t.shape)
    f.append(math.log(max(math.hypot(X[imx] - X[imn], Y[imx] - Y[imn]), dx)))
    f.append(math.log(amax / max(np.abs(t).max(), 1e-9)))
    f.append(math.log(amax / max(t.max() - t.min(), 1e-9)))
    f.append(math.log(halfwidth_1d(a[:, j], dx)))
    f.append(math.log(halfwidth_1d(a[i, :], dx)))
    # radially averaged power spectrum: ln P ~ -2 |k| z for a compact source
    g = grid - grid.mean()
    P = np.abs(np.fft.fft2(g * np.outer(np.hanning(n), np.hanning(n)))) ** 2
    k = 2 * np.pi * np.sqrt(np.fft.fftfreq(n, dx)[:, None] ** 2 + np.fft.fftfreq(n, dx)[None, :] ** 2)
    kb = np.linspace(0.0, np.pi / dx, 17)
    lp, kc = [], []
    for b0, b1 in zip(kb[:-1], kb[1:]):
        m = (k > b0) & (k <= b1)
        if m.any():
            lp.append(math.log(P[m].mean() + 1e-12))
            kc.append(0.5 * (b0 + b1))
    lp, kc = np.array(lp), np.array(kc)
    f.append(float(np.polyfit(kc[1:5], lp[1:5], 1)[0]) * 0.5 / 100.0)
    f.append(float(np.polyfit(kc[3:8], lp[3:8], 1)[0]) * 0.5 / 100.0)
    # noise level from the high-wavenumber residual (difference of neighbours)
    d = np.diff(grid, axis=1)
    noise = 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2.0)
    f.append(math.log(amax * dx / max(noise, 1e-6)))
    f.append(math.log(max(np.sqrt(tx * tx + ty * ty).max(), 1e-12) / amax))
    # curvature of the analytic signal at its peak (AS ~ 1 - c x^2 / z^2)
    ii, jj = min(max(i, 1), n - 2), min(max(j, 1), n - 2)
    for v in ((a[ii - 1, jj], a[ii, jj], a[ii + 1, jj]), (a[ii, jj - 1], a[ii, jj], a[ii, jj + 1])):
        f.append(math.log(max((2 * v[1] - v[0] - v[2]) / max(v[1], 1e-12), 1e-4)))
    w50 = np.clip(a - 0.5 * amax, 0.0, None)
    xm, ym = (w50 * X).sum() / w50.sum(), (w50 * Y).sum() / w50.sum()
    f.append(0.5 * math.log(max((w50 * ((X - xm) ** 2 + (Y - ym) ** 2)).sum() / w50.sum(), 1e-6)))
    # local Euler solutions in small windows centred on the analytic-signal peak
    Z = -(p["sensor_height_m"] + p["upcont_m"])
    for hw in (2, 4):
        i0, i1 = max(i - hw, 0), min(i + hw + 1, n)
        j0, j1 = max(j - hw, 0), min(j + hw + 1, n)
        sl = (slice(i0, i1), slice(j0, j1))
        for si in (2.0, 3.0):
            A = np.stack([tx[sl].ravel(), ty[sl].ravel(), tz[sl].ravel(),
                          np.full(tx[sl].size, si)], axis=1)
            r = (X[sl] * tx[sl] + Y[sl] * ty[sl] + Z * tz[sl] + si * up[sl]).ravel()
            th = np.linalg.lstsq(A, r, rcond=None)[0]
            f.append(math.log(min(max(th[2], 1.0), 1e4)))
    return np.array(f)


def feature_matrix(grids, p):
    return np.stack([features(g, p) for g in grids])


# ---------------------------------------------------------------------------
# Euler deconvolution (Reid et al., 1990), all windows at once
# ---------------------------------------------------------------------------

def _window_sums(img, w):
    """Sums of img (..., n, n) over every w x w window (valid positions),
    from one integral image per leading index."""
    c = np.zeros(img.shape[:-2] + (img.shape[-2] + 1, img.shape[-1] + 1))
    c[..., 1:, 1:] = np.cumsum(np.cumsum(img, axis=-2), axis=-1)
    return c[..., w:, w:] - c[..., :-w, w:] - c[..., w:, :-w] + c[..., :-w, :-w]


def euler_solutions(der, p, window, sis, as_frac=0.0):
    """Least-squares Euler solutions for each structural index in sis, in the
    window x window windows of der = derivatives(grid, spacing, upcont) +
    (upcont,):  x0 Tx + y0 Ty + z0 Tz + N B = x Tx + y Ty + z Tz + N T
    (z down).  Only windows whose maximum analytic signal reaches as_frac x
    the grid maximum are solved (the others cannot be accepted).  Returns
    {si: dict of 1-D arrays over those windows: x0, y0, z0 (depth below
    ground), sz (std of z0), xw, yw (window centres), asmax; asglobal}."""
    up, tx, ty, tz, upcont = der
    n = up.shape[0]
    c = grid_coords(n, p["grid_spacing_m"])
    X, Y = np.meshgrid(c, c, indexing="ij")
    Z = -(p["sensor_height_m"] + upcont)
    a = np.sqrt(tx * tx + ty * ty + tz * tz)
    am = np.lib.stride_tricks.sliding_window_view(a, (window, window)).max(axis=(-2, -1))
    sel = am >= as_frac * a.max()
    T = [tx, ty, tz]
    r0 = X * tx + Y * ty + Z * tz          # r = r0 + N * up for index N
    imgs = [T[i] * T[j] for i in range(3) for j in range(i, 3)]            # 0..5
    imgs += T + [t * r0 for t in T] + [t * up for t in T]                   # 6..14
    imgs += [r0, up, r0 * r0, r0 * up, up * up, X, Y]                       # 15..21
    S = _window_sums(np.stack(imgs), window)[:, sel]
    m = window * window
    k = int(sel.sum())
    out = {}
    for N in sis:
        N = float(N)
        A = np.empty((k, 4, 4))
        q = 0
        for i in range(3):
            for j in range(i, 3):
                A[:, i, j] = A[:, j, i] = S[q]
                q += 1
            A[:, i, 3] = A[:, 3, i] = N * S[6 + i]
        A[:, 3, 3] = N * N * m
        rhs = np.empty((k, 4))
        for i in range(3):
            rhs[:, i] = S[9 + i] + N * S[12 + i]
        rhs[:, 3] = N * S[15] + N * N * S[16]
        Srr = S[17] + 2 * N * S[18] + N * N * S[19]
        A = A + np.eye(4) * 1e-12 * np.trace(A, axis1=-2, axis2=-1)[:, None, None]
        Ainv = np.linalg.inv(A)
        theta = np.einsum("kij,kj->ki", Ainv, rhs)
        rss = Srr - 2 * (theta * rhs).sum(-1) + np.einsum("ki,kij,kj->k", theta, A, theta)
        s2 = np.clip(rss, 0.0, None) / (m - 4)
        sz = np.sqrt(np.clip(s2 * Ainv[:, 2, 2], 0.0, None))
        out[N] = {"x0": theta[:, 0], "y0": theta[:, 1], "z0": theta[:, 2], "sz": sz,
                  "xw": S[20] / m, "yw": S[21] / m, "asmax": am[sel], "asglobal": float(a.max())}
    return out


def euler_accept(s, p, window, tol, as_frac):
    """Accepted solutions: z0 > 0, sz / z0 < tol (depth-uncertainty
    criterion), solution within one window width of the window centre, and
    window max analytic signal >= as_frac x the grid maximum."""
    w = window * p["grid_spacing_m"]
    strong = s["asmax"] >= as_frac * s["asglobal"]
    near = np.hypot(s["x0"] - s["xw"], s["y0"] - s["yw"]) <= w
    return strong & near & (s["z0"] > 0) & (s["sz"] < tol * np.abs(s["z0"])), strong


def euler_depth_from(sols, p, window, tol, as_frac):
    """sols: {si: euler_solutions(...)}.  With one SI: the median accepted
    depth.  With several: the SI whose accepted depths cluster tightest
    (smallest median absolute deviation / median; Thompson 1982's
    'correct SI gives the tightest cluster' rule).  Returns (depth or nan,
    SI used, number accepted)."""
    best = None
    for si in sorted(sols):
        s = sols[si]
        ok, strong = euler_accept(s, p, window, tol, as_frac)
        if ok.sum() >= 3:
            z = s["z0"][ok]
            med = float(np.median(z))
            spread = float(np.median(np.abs(z - med))) / max(med, 1e-9)
            cand = (spread, med, si, int(ok.sum()))
        elif (strong & (s["z0"] > 0)).any():
            cand = (np.inf, float(np.median(s["z0"][strong & (s["z0"] > 0)])), si, 0)
        else:
            continue
        if best is None or cand[0] < best[0]:
            best = cand
    if best is None:
        return float("nan"), 0.0, 0
    return best[1], float(best[2]), best[3]


def euler_features(grid, p, eu):
    """Euler deconvolution of one grid with the tuned settings eu: returns
    (features, (depth, si, n_accepted)).  Features per candidate SI: log of
    the median accepted depth, log of its relative spread (+1e-3) and
    log(1 + number accepted); the second item is the baseline's answer."""
    up = eu["upcont_m"]
    der = derivatives(grid, p["grid_spacing_m"], up) + (up,)
    sols = euler_solutions(der, p, eu["window"], eu["si_candidates"], eu["as_frac"])
    f = []
    for si in sorted(sols):
        s = sols[si]
        ok, strong = euler_accept(s, p, eu["window"], eu["tol"], eu["as_frac"])
        if ok.any():
            z = s["z0"][ok]
            med = float(np.median(z))
            f += [math.log(max(med, 1.0)), math.log(float(np.median(np.abs(z - med))) / max(med, 1.0) + 1e-3),
                  math.log1p(int(ok.sum()))]
        else:
            zz = s["z0"][strong & (s["z0"] > 0)]
            med = float(np.median(zz)) if zz.size else eu["fill_depth_m"]
            f += [math.log(max(med, 1.0)), 0.0, 0.0]
    return np.array(f), euler_depth_from(sols, p, eu["window"], eu["tol"], eu["as_frac"])


def euler_depth(grid, p, upcont, window, tol, as_frac, sis):
    """Euler depth estimate of one grid (see euler_depth_from)."""
    der = derivatives(grid, p["grid_spacing_m"], upcont) + (upcont,)
    return euler_depth_from(euler_solutions(der, p, window, sis, as_frac), p, window, tol, as_frac)
