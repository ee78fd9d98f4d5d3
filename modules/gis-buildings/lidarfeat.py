"""Point reading and gis-lidar inference, copied from gis-lidar 1.0.0
(modules/gis-lidar/lidar.py, MIT): read_ply, xyz_of, compute_features (and
its helpers), mlp_forward, predict_labels and load_model, unchanged except
that the model writer was left out and predict_labels checks that the
model's feature names match the features computed here.

Why a copy: gis-buildings may only use the installed gis-lidar *artifact*
($QTM_DATA/gis-lidar/model.npz), not gis-lidar's source, yet applying that
model needs exactly the feature code it was trained with.  If gis-lidar's
features change, this copy must follow; the check fails loudly rather
than classifying with mismatched features.
"""

import json

import numpy as np

CLASS_NAMES = ["ground", "vegetation", "roof"]

# ---------------------------------------------------------------------------
# PLY
# ---------------------------------------------------------------------------

_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}


class PlyError(Exception):
    pass


def read_ply(path):
    """Read the 'vertex' element of a PLY file (ascii or binary, either
    byte order).  Returns (dict name -> 1-D array, info dict)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if not raw.startswith(b"ply"):
        raise PlyError("%s: not a PLY file (missing 'ply' magic)" % path)
    end = raw.find(b"end_header")
    if end < 0:
        raise PlyError("%s: no end_header" % path)
    nl = raw.find(b"\n", end)
    if nl < 0:
        raise PlyError("%s: truncated header" % path)
    body_off = nl + 1
    header = raw[:end].decode("ascii", "replace").replace("\r", "").split("\n")
    fmt = None
    elements = []  # [name, count, [(prop, type or ('list', ct, it))]]
    for line in header[1:]:
        tok = line.split()
        if not tok or tok[0] in ("comment", "obj_info"):
            continue
        if tok[0] == "format":
            fmt = tok[1]
        elif tok[0] == "element":
            elements.append([tok[1], int(tok[2]), []])
        elif tok[0] == "property":
            if not elements:
                raise PlyError("%s: property before element" % path)
            if tok[1] == "list":
                elements[-1][2].append((tok[4], ("list", tok[2], tok[3])))
            else:
                if tok[1] not in _PLY_TYPES:
                    raise PlyError("%s: unknown PLY type %r" % (path, tok[1]))
                elements[-1][2].append((tok[2], tok[1]))
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise PlyError("%s: unsupported PLY format %r" % (path, fmt))
    names = [e[0] for e in elements]
    if "vertex" not in names:
        raise PlyError("%s: no vertex element" % path)
    vi = names.index("vertex")
    vname, count, props = elements[vi]
    if any(isinstance(t, tuple) for _, t in props):
        raise PlyError("%s: list properties in vertex element not supported" % path)
    info = {"format": fmt, "count": count,
            "properties": [(p, t) for p, t in props]}

    if fmt == "ascii":
        lines = raw[body_off:].decode("ascii", "replace").split("\n")
        skip = 0
        for e in elements[:vi]:
            skip += e[1]
        rows = [l.split() for l in lines[skip:skip + count]]
        if len(rows) < count or any(len(r) < len(props) for r in rows):
            raise PlyError("%s: truncated ascii vertex data" % path)
        table = np.array([r[:len(props)] for r in rows], dtype=np.float64)
        out = {}
        for k, (p, t) in enumerate(props):
            out[p] = table[:, k].astype(_PLY_TYPES[t])
        return out, info

    endian = "<" if fmt == "binary_little_endian" else ">"
    off = body_off
    for e in elements[:vi]:
        if any(isinstance(t, tuple) for _, t in e[2]):
            raise PlyError("%s: list element before vertex not supported" % path)
        off += e[1] * sum(np.dtype(_PLY_TYPES[t]).itemsize for _, t in e[2])
    dt = np.dtype([(p, endian + _PLY_TYPES[t]) for p, t in props])
    if off + dt.itemsize * count > len(raw):
        raise PlyError("%s: truncated binary vertex data" % path)
    arr = np.frombuffer(raw, dtype=dt, count=count, offset=off)
    out = {p: arr[p].astype(arr[p].dtype.newbyteorder("=")) for p, _ in props}
    return out, info


def xyz_of(vertex, path="<ply>"):
    for k in ("x", "y", "z"):
        if k not in vertex:
            raise PlyError("%s: vertex element lacks property %r" % (path, k))
    return np.stack([vertex["x"], vertex["y"], vertex["z"]], axis=1).astype(np.float64)


# ---------------------------------------------------------------------------
# Features (geometry only: x, y, z)
# ---------------------------------------------------------------------------

def _neighbour_pairs(xy, cell):
    """Yield (i, j) candidate pairs (indices into xy) for the 3x3 block of
    grid cells around each point, one batch per cell offset.  i is
    non-decreasing within a batch."""
    n = xy.shape[0]
    c = np.floor((xy - xy.min(axis=0)) / cell).astype(np.int64) + 1
    ny = int(c[:, 1].max()) + 2
    key = c[:, 0] * ny + c[:, 1]
    order = np.argsort(key, kind="stable")
    skey = key[order]
    ukeys, starts, counts = np.unique(skey, return_index=True, return_counts=True)
    idx = np.arange(n, dtype=np.int64)
    for ox in (-1, 0, 1):
        for oy in (-1, 0, 1):
            nk = key + ox * ny + oy
            pos = np.searchsorted(ukeys, nk)
            pos_c = np.minimum(pos, len(ukeys) - 1)
            found = ukeys[pos_c] == nk
            cnt = np.where(found, counts[pos_c], 0)
            st = starts[pos_c]
            total = int(cnt.sum())
            if total == 0:
                continue
            i = np.repeat(idx, cnt)
            excl = np.cumsum(cnt) - cnt
            j = order[np.repeat(st - excl, cnt) + np.arange(total, dtype=np.int64)]
            yield i, j


def _segment_reduce(ufunc, values, i, n, init):
    """Per-group reduction for sorted group ids i (0..n-1)."""
    out = np.full(n, init, dtype=np.float64)
    if i.size == 0:
        return out
    cnt = np.bincount(i, minlength=n)
    has = cnt > 0
    starts = (np.cumsum(cnt) - cnt)[has]
    out[has] = ufunc.reduceat(values, starts)
    return out


def _window_min(xy, z, cell, half):
    """min z over a (2*half+1)^2 block of grid cells around each point."""
    c = np.floor((xy - xy.min(axis=0)) / cell).astype(np.int64)
    nx, ny = int(c[:, 0].max()) + 1, int(c[:, 1].max()) + 1
    g = np.full(nx * ny, np.inf)
    flat = c[:, 0] * ny + c[:, 1]
    o = np.lexsort((z, flat))
    fs = flat[o]
    first = np.ones(len(fs), dtype=bool)
    first[1:] = fs[1:] != fs[:-1]
    g[fs[first]] = z[o][first]
    g = g.reshape(nx, ny)
    p = np.pad(g, half, mode="constant", constant_values=np.inf)
    w = np.full_like(g, np.inf)
    for dx in range(2 * half + 1):
        for dy in range(2 * half + 1):
            w = np.minimum(w, p[dx:dx + nx, dy:dy + ny])
    return w[c[:, 0], c[:, 1]]


def compute_features(xyz, radii, ground_cell, ground_windows):
    """Per-point geometric features.  Returns (F float64 [n, d], names)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    n = xyz.shape[0]
    xy = xyz[:, :2]
    z = xyz[:, 2]
    radii = [float(r) for r in radii]
    rmax = max(radii)
    ns = len(radii)
    # accumulators per scale
    cnt3 = np.zeros((ns, n))
    s1 = np.zeros((ns, n, 3))
    s2 = np.zeros((ns, n, 6))  # xx yy zz xy xz yz
    cnt2 = np.zeros((ns, n))
    zmin2 = np.full((ns, n), np.inf)
    zmax2 = np.full((ns, n), -np.inf)
    zs2 = np.zeros((ns, n))
    zss2 = np.zeros((ns, n))
    pairs = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
    for i, j in _neighbour_pairs(xy, rmax):
        d = xyz[j] - xyz[i]
        h2 = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]
        r2 = h2 + d[:, 2] * d[:, 2]
        for s, r in enumerate(radii):
            m = r2 <= r * r
            im, dm = i[m], d[m]
            cnt3[s] += np.bincount(im, minlength=n)
            for a in range(3):
                s1[s, :, a] += np.bincount(im, weights=dm[:, a], minlength=n)
            for k, (a, b) in enumerate(pairs):
                s2[s, :, k] += np.bincount(im, weights=dm[:, a] * dm[:, b], minlength=n)
            m2 = h2 <= r * r
            im2, dz2 = i[m2], d[m2, 2]
            cnt2[s] += np.bincount(im2, minlength=n)
            zs2[s] += np.bincount(im2, weights=dz2, minlength=n)
            zss2[s] += np.bincount(im2, weights=dz2 * dz2, minlength=n)
            zmin2[s] = np.minimum(zmin2[s], _segment_reduce(np.minimum, dz2, im2, n, np.inf))
            zmax2[s] = np.maximum(zmax2[s], _segment_reduce(np.maximum, dz2, im2, n, -np.inf))

    feats, names = [], []
    eps = 1e-12
    for s, r in enumerate(radii):
        tag = "r%g" % r
        c = cnt3[s]
        mean = s1[s] / c[:, None]
        S = s2[s] / c[:, None]
        cov = np.empty((n, 3, 3))
        for k, (a, b) in enumerate(pairs):
            v = S[:, k] - mean[:, a] * mean[:, b]
            cov[:, a, b] = v
            cov[:, b, a] = v
        w, vec = np.linalg.eigh(cov)  # ascending
        w = np.clip(w, 0.0, None)
        l3, l2, l1 = w[:, 0], w[:, 1], w[:, 2]
        tot = l1 + l2 + l3 + eps
        e1, e2, e3 = l1 / tot, l2 / tot, l3 / tot
        ok = c >= 3
        lin = np.where(ok, (l1 - l2) / (l1 + eps), 0.0)
        pla = np.where(ok, (l2 - l3) / (l1 + eps), 0.0)
        sca = np.where(ok, l3 / (l1 + eps), 0.0)
        omni = np.where(ok, np.cbrt(e1 * e2 * e3), 0.0)
        ent = np.where(ok, -sum(e * np.log(e + eps) for e in (e1, e2, e3)), 0.0)
        vert = np.where(ok, 1.0 - np.abs(vec[:, 2, 0]), 0.0)
        zstd3 = np.sqrt(np.clip(cov[:, 2, 2], 0.0, None))
        c2 = cnt2[s]
        zm2 = zs2[s] / c2
        zstd2 = np.sqrt(np.clip(zss2[s] / c2 - zm2 * zm2, 0.0, None))
        cols = [
            ("log_count3d", np.log1p(c)),
            ("log_count2d", np.log1p(c2)),
            ("linearity", lin), ("planarity", pla), ("scattering", sca),
            ("omnivariance", omni), ("eigenentropy", ent), ("verticality", vert),
            ("z_std3d", zstd3), ("z_minus_mean3d", -mean[:, 2]),
            ("z_range2d", zmax2[s] - zmin2[s]), ("z_above_min2d", -zmin2[s]),
            ("z_below_max2d", zmax2[s]), ("z_std2d", zstd2),
        ]
        for nm, v in cols:
            feats.append(v)
            names.append("%s_%s" % (tag, nm))
    for wm in ground_windows:
        half = max(0, int(round((float(wm) / ground_cell - 1.0) / 2.0)))
        h = z - _window_min(xy, z, float(ground_cell), half)
        feats.append(h)
        names.append("height_above_min_%gm" % ((2 * half + 1) * ground_cell))
        feats.append(np.log1p(h))
        names.append("log_height_above_min_%gm" % ((2 * half + 1) * ground_cell))
    F = np.stack(feats, axis=1)
    if not np.all(np.isfinite(F)):
        raise ValueError("non-finite feature values")
    return F, names


# ---------------------------------------------------------------------------
# MLP (one hidden layer, tanh, softmax)
# ---------------------------------------------------------------------------

def mlp_forward(X, W1, b1, W2, b2):
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    return H, P


def predict_labels(model, xyz):
    cfg = model["config"]
    F, names = compute_features(xyz, cfg["radii_m"], cfg["ground_cell_m"],
                                cfg["ground_window_m"])
    # Added to the copy: refuse a gis-lidar model whose features differ.
    if list(cfg.get("feature_names", names)) != names or F.shape[1] != model["feat_mean"].shape[0]:
        raise ValueError("gis-lidar model.npz was trained on other features than this "
                         "copy of its feature code computes")
    X = (F - model["feat_mean"]) / model["feat_std"]
    _, P = mlp_forward(X, model["W1"], model["b1"], model["W2"], model["b2"])
    return np.argmax(P, axis=1), P


# ---------------------------------------------------------------------------
# Model loading (gis-lidar's model.npz format)
# ---------------------------------------------------------------------------

def load_model(path):
    with np.load(path, allow_pickle=False) as z:
        m = {k: z[k] for k in z.files}
    m["config"] = json.loads(bytes(m["config_json"]).decode("utf-8"))
    return m
