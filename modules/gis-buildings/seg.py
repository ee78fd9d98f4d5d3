"""Raster side of gis-buildings, NumPy only: point clouds -> height models
(DSM, DTM, normalised DSM), per-cell features, the per-cell MLP segmenter,
connected components, clean-up, metrics and deterministic .npz output.

Grids are [ny, nx] arrays, row iy covering y0 + iy*cell .. y0 + (iy+1)*cell
(south to north), column ix likewise in x.
"""

import io
import json
import zipfile

import numpy as np

# ---------------------------------------------------------------------------
# Points -> height models
# ---------------------------------------------------------------------------


def cell_index(xy, x0, y0, cell, nx, ny):
    ix = np.floor((xy[:, 0] - x0) / cell).astype(np.int64)
    iy = np.floor((xy[:, 1] - y0) / cell).astype(np.int64)
    ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    return iy, ix, ok


def reduce_per_cell(xy, z, x0, y0, cell, nx, ny, how):
    """max or min of z per cell; NaN where a cell has no point."""
    iy, ix, ok = cell_index(xy, x0, y0, cell, nx, ny)
    flat = iy[ok] * nx + ix[ok]
    if how == "max":
        g = np.full(nx * ny, -np.inf)
        np.maximum.at(g, flat, z[ok])
    else:
        g = np.full(nx * ny, np.inf)
        np.minimum.at(g, flat, z[ok])
    g[~np.isfinite(g)] = np.nan
    return g.reshape(ny, nx)


def fill_nan(g, max_iter=100000):
    """Fill NaN cells from the mean of their filled 8-neighbours, growing
    inwards ring by ring (a simple diffusion fill; enough for point gaps
    and for the DTM under large roofs)."""
    g = g.copy()
    if np.all(np.isnan(g)):
        raise ValueError("cannot fill an empty grid")
    for _ in range(max_iter):
        miss = np.isnan(g)
        if not miss.any():
            break
        v = np.where(miss, 0.0, g)
        w = (~miss).astype(np.float64)
        vp = np.pad(v, 1)
        wp = np.pad(w, 1)
        s = np.zeros_like(v)
        c = np.zeros_like(v)
        ny, nx = g.shape
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                if dy == 1 and dx == 1:
                    continue
                s += vp[dy:dy + ny, dx:dx + nx]
                c += wp[dy:dy + ny, dx:dx + nx]
        new = miss & (c > 0)
        g[new] = s[new] / c[new]
    return g


def dtm_from_ground(xy, z, x0, y0, cell, nx, ny, dtm_cell):
    """Terrain model from ground-return points: lowest point per coarse cell
    of dtm_cell metres, gaps filled by diffusion, 3x3 smoothed, then
    bilinearly resampled to the centres of the fine grid."""
    if len(z) == 0:
        raise ValueError("no ground points for the terrain model")
    cx = int(np.ceil(nx * cell / dtm_cell)) + 1
    cy = int(np.ceil(ny * cell / dtm_cell)) + 1
    g = fill_nan(reduce_per_cell(xy, z, x0, y0, dtm_cell, cx, cy, "min"))
    g = box_mean(g, 1)
    # bilinear interpolation at fine-cell centres (coarse values sit at coarse centres)
    fx = ((np.arange(nx) + 0.5) * cell) / dtm_cell - 0.5
    fy = ((np.arange(ny) + 0.5) * cell) / dtm_cell - 0.5
    ix = np.clip(np.floor(fx).astype(np.int64), 0, cx - 2)
    iy = np.clip(np.floor(fy).astype(np.int64), 0, cy - 2)
    tx = np.clip(fx - ix, 0.0, 1.0)[None, :]
    ty = np.clip(fy - iy, 0.0, 1.0)[:, None]
    a = g[np.ix_(iy, ix)]
    b = g[np.ix_(iy, ix + 1)]
    c = g[np.ix_(iy + 1, ix)]
    d = g[np.ix_(iy + 1, ix + 1)]
    return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty


def height_model(xy, z, ground, x0, y0, cell, nx, ny, dtm_cell):
    """Normalised DSM: highest return per cell (gaps filled) minus the DTM
    made from the points flagged as ground.  Returns (ndsm, dsm, dtm)."""
    dsm = fill_nan(reduce_per_cell(xy, z, x0, y0, cell, nx, ny, "max"))
    dtm = dtm_from_ground(xy[ground], z[ground], x0, y0, cell, nx, ny, dtm_cell)
    return np.clip(dsm - dtm, -2.0, None), dsm, dtm


# ---------------------------------------------------------------------------
# Window statistics and features
# ---------------------------------------------------------------------------


def box_mean(a, r):
    """Mean over a (2r+1)^2 window, edges replicated (integral image)."""
    if r <= 0:
        return a.copy()
    p = np.pad(a, r, mode="edge")
    s = np.zeros((p.shape[0] + 1, p.shape[1] + 1))
    s[1:, 1:] = p.cumsum(axis=0).cumsum(axis=1)
    k = 2 * r + 1
    ny, nx = a.shape
    tot = s[k:k + ny, k:k + nx] - s[:ny, k:k + nx] - s[k:k + ny, :nx] + s[:ny, :nx]
    return tot / (k * k)


def _slide(a, r, fn):
    """Separable sliding min or max over a (2r+1)^2 window."""
    ny, nx = a.shape
    p = np.pad(a, ((r, r), (0, 0)), mode="edge")
    out = p[0:ny].copy()
    for k in range(1, 2 * r + 1):
        fn(out, p[k:k + ny], out=out)
    p = np.pad(out, ((0, 0), (r, r)), mode="edge")
    out = p[:, 0:nx].copy()
    for k in range(1, 2 * r + 1):
        fn(out, p[:, k:k + nx], out=out)
    return out


def win_radius(window_m, cell):
    return max(1, int(round((float(window_m) / cell - 1.0) / 2.0)))


def features(h, cell, windows_m, high_m=2.5):
    """Per-cell features of a normalised DSM h.  Returns (F float32
    [ny*nx, d], names).  Only relative heights and local shape are used,
    so the model transfers between scenes of different absolute height."""
    h = np.asarray(h, dtype=np.float64)
    cols, names = [], []

    def add(nm, v):
        cols.append(np.asarray(v, dtype=np.float32).ravel())
        names.append(nm)

    hp = np.clip(h, 0.0, None)
    add("h", h)
    add("log1p_h", np.log1p(hp))
    gy, gx = np.gradient(h, cell)
    slope = np.hypot(gx, gy)
    add("slope", np.log1p(slope))
    lap = np.abs(4 * h - np.roll(h, 1, 0) - np.roll(h, -1, 0)
                 - np.roll(h, 1, 1) - np.roll(h, -1, 1)) / (cell * cell)
    lap[0, :] = lap[1, :]
    lap[-1, :] = lap[-2, :]
    lap[:, 0] = lap[:, 1]
    lap[:, -1] = lap[:, -2]
    high = (h > high_m).astype(np.float64)
    for w in windows_m:
        r = win_radius(w, cell)
        tag = "w%gm" % ((2 * r + 1) * cell)
        m = box_mean(h, r)
        sd = np.sqrt(np.clip(box_mean(h * h, r) - m * m, 0.0, None))
        mn = _slide(h, r, np.minimum)
        mx = _slide(h, r, np.maximum)
        add(tag + "_mean", m)
        add(tag + "_std", np.log1p(sd))
        add(tag + "_h_minus_mean", h - m)
        add(tag + "_h_minus_min", h - mn)
        add(tag + "_max_minus_h", mx - h)
        add(tag + "_frac_high", box_mean(high, r))
        add(tag + "_slope_mean", np.log1p(box_mean(slope, r)))
        add(tag + "_lap_mean", np.log1p(box_mean(lap, r)))
    F = np.stack(cols, axis=1)
    if not np.all(np.isfinite(F)):
        raise ValueError("non-finite feature values")
    return F, names


# ---------------------------------------------------------------------------
# Connected components and clean-up
# ---------------------------------------------------------------------------


def label_components(mask):
    """4-connected components of a boolean grid.  Returns (labels int32,
    count); labels 1..count in raster order of each component's first
    cell.  Run-length labelling: runs of set cells per row, runs that
    overlap in adjacent rows joined by min-label propagation (no scipy)."""
    mask = np.asarray(mask, dtype=bool)
    ny, nx = mask.shape
    out = np.zeros(ny * nx, dtype=np.int32)
    d = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rs, cs = np.nonzero(d == 1)   # run starts (row-major order)
    re_, ce = np.nonzero(d == -1)  # run ends, exclusive, same order
    nr = len(rs)
    if nr == 0:
        return out.reshape(ny, nx), 0
    w = nx + 1
    key_s = rs * w + cs
    key_e = re_ * w + ce
    # runs in the next row overlapping run a: start < end_a and end > start_a
    lo = np.searchsorted(key_e, (rs + 1) * w + cs, side="right")
    hi = np.searchsorted(key_s, (rs + 1) * w + ce, side="left")
    cnt = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(nr), cnt)
    b = np.repeat(lo, cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    lab = np.arange(nr)
    if len(a):
        # a and b are both non-decreasing (runs are in raster order), so the
        # per-run minimum over its edges is a segmented reduceat, not ufunc.at.
        sa = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        sb = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        ua, ub = a[sa], b[sb]
        while True:
            m = np.minimum(lab[a], lab[b])
            new = lab.copy()
            new[ua] = np.minimum(new[ua], np.minimum.reduceat(m, sa))
            new[ub] = np.minimum(new[ub], np.minimum.reduceat(m, sb))
            for _ in range(4):  # pointer jumping towards the root label
                new = new[new]
            if np.array_equal(new, lab):
                break
            lab = new
    roots, inv = np.unique(lab, return_inverse=True)
    length = ce - cs
    flat = np.repeat(rs * nx + cs, length) + (
        np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length))
    out[flat] = np.repeat(inv.astype(np.int32) + 1, length)
    return out.reshape(ny, nx), int(len(roots))


def clean_mask(mask, min_cells):
    """Drop components smaller than min_cells and fill holes smaller than
    min_cells that do not touch the grid edge."""
    mask = np.asarray(mask, dtype=bool)
    if min_cells <= 1:
        return mask.copy()
    lab, n = label_components(mask)
    keep = np.bincount(lab.ravel(), minlength=n + 1) >= min_cells
    keep[0] = False
    out = keep[lab]
    hl, hn = label_components(~out)
    size = np.bincount(hl.ravel(), minlength=hn + 1)
    edge = np.unique(np.concatenate([hl[0], hl[-1], hl[:, 0], hl[:, -1]]))
    small = size < min_cells
    small[0] = False
    small[edge] = False
    out[small[hl]] = True
    return out


def dilate(mask, r=1):
    return _slide(mask.astype(np.int8), r, np.maximum).astype(bool)


def erode(mask, r=1):
    return _slide(mask.astype(np.int8), r, np.minimum).astype(bool)


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def pixel_scores(truth, pred, region=None):
    t = np.asarray(truth, bool)
    p = np.asarray(pred, bool)
    if region is not None:
        t, p = t[region], p[region]
    tp = float(np.sum(t & p))
    fp = float(np.sum(~t & p))
    fn = float(np.sum(t & ~p))
    tn = float(np.sum(~t & ~p))
    prec = tp / max(tp + fp, 1.0)
    rec = tp / max(tp + fn, 1.0)
    return {"iou": tp / max(tp + fp + fn, 1.0),
            "f1": 2 * tp / max(2 * tp + fp + fn, 1.0),
            "precision": prec, "recall": rec,
            "accuracy": (tp + tn) / max(tp + tn + fp + fn, 1.0)}


def object_scores(truth, pred, region, min_cells):
    """Footprint-level agreement inside region: 4-connected components of
    truth and prediction (both cut to region, components < min_cells
    dropped from both); a pair with IoU > 0.5 is a match (necessarily
    one-to-one).  Returns counts, count agreement and object P/R/F1."""
    t = np.asarray(truth, bool) & region
    p = np.asarray(pred, bool) & region
    tl, tn = label_components(t)
    pl, pn = label_components(p)
    ts = np.bincount(tl.ravel(), minlength=tn + 1)
    ps = np.bincount(pl.ravel(), minlength=pn + 1)
    tkeep = ts >= min_cells
    pkeep = ps >= min_cells
    tkeep[0] = pkeep[0] = False
    both = (tl > 0) & (pl > 0)
    key = tl[both].astype(np.int64) * (pn + 1) + pl[both]
    pairs, inter = np.unique(key, return_counts=True)
    ti, pi = pairs // (pn + 1), pairs % (pn + 1)
    iou = inter / (ts[ti] + ps[pi] - inter)
    tp = int(np.sum((iou > 0.5) & tkeep[ti] & pkeep[pi]))
    nt, npred = int(tkeep.sum()), int(pkeep.sum())
    prec = tp / max(npred, 1)
    rec = tp / max(nt, 1)
    return {"n_true": nt, "n_pred": npred, "matched": tp,
            "count_ratio": npred / max(nt, 1),
            "count_agreement": max(0.0, 1.0 - abs(npred - nt) / max(nt, 1)),
            "object_precision": prec, "object_recall": rec,
            "object_f1": 2 * prec * rec / max(prec + rec, 1e-12)}


# ---------------------------------------------------------------------------
# Per-cell MLP (one hidden tanh layer, softmax), mini-batch Adam
# ---------------------------------------------------------------------------


def mlp_forward(X, W1, b1, W2, b2):
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    return H, P


def train_mlp(X, y, k, hidden, epochs, batch, lr, wd, rng, report=None):
    n, d = X.shape
    W1 = rng.normal(0.0, np.sqrt(1.0 / d), size=(d, hidden))
    b1 = np.zeros(hidden)
    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, k))
    b2 = np.zeros(k)
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(a) for a in params]
    v = [np.zeros_like(a) for a in params]
    Y = np.eye(k)[y]
    b1m, b2m, eps = 0.9, 0.999, 1e-8
    t = 0
    loss = 0.0
    for ep in range(1, epochs + 1):
        order = rng.permutation(n)
        tot = 0.0
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            xb, yb = X[idx], Y[idx]
            H, P = mlp_forward(xb, W1, b1, W2, b2)
            nb = len(idx)
            tot += float(-np.sum(yb * np.log(P + 1e-12)))
            G = (P - yb) / nb
            GH = (G @ W2.T) * (1.0 - H * H)
            grads = [xb.T @ GH + wd * W1, GH.sum(axis=0), H.T @ G + wd * W2, G.sum(axis=0)]
            t += 1
            for a, g, mi, vi in zip(params, grads, m, v):
                mi *= b1m
                mi += (1 - b1m) * g
                vi *= b2m
                vi += (1 - b2m) * g * g
                a -= lr * (mi / (1 - b1m ** t)) / (np.sqrt(vi / (1 - b2m ** t)) + eps)
        loss = tot / n
        if report:
            report(ep, epochs, loss)
    return W1, b1, W2, b2, loss


def predict_proba(model, F):
    X = (F.astype(np.float64) - model["feat_mean"]) / model["feat_std"]
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], 200000):  # bounded memory
        _, P = mlp_forward(X[s:s + 200000], model["W1"], model["b1"], model["W2"], model["b2"])
        out[s:s + 200000] = P[:, 1]
    return out


# ---------------------------------------------------------------------------
# Deterministic model I/O (the approach of gis-lidar's lidar.save_npz)
# ---------------------------------------------------------------------------


def save_npz(path, arrays):
    """Write an .npz (zip of .npy) with fixed timestamps and sorted names."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]),
                                      allow_pickle=False)
            zi = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_STORED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            zf.writestr(zi, buf.getvalue())


def load_model(path):
    with np.load(path, allow_pickle=False) as z:
        m = {k: z[k] for k in z.files}
    m["config"] = json.loads(bytes(m["config_json"]).decode("utf-8"))
    return m
