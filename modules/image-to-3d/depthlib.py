"""Shared code for image-to-3d: a NumPy-only PNG decoder, per-pixel image
features for monocular depth, the MLP, depth metrics and deterministic model
I/O.  NumPy and the standard library only.

Thread-count environment variables must be set before numpy is imported;
train.py and predict.py do that before importing this module.
"""

import io
import json
import struct
import zipfile
import zlib

import numpy as np

# Calibration of the skimage copy of Middlebury 2014 "Motorcycle" (images
# down-sampled 4x), from the docstring of skimage.data.stereo_motorcycle.
# "Principal point dx" is Middlebury's doffs (x difference of the two
# principal points).  Depth Z = f * B / (d + doffs).
CAMERA = {
    "fx": 994.978, "fy": 994.978, "cx": 311.193, "cy": 254.877,
    "doffs": 31.086, "baseline_m": 0.193001,
}


class PngError(Exception):
    pass


# ---------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------

def _unfilter(F, ftype, bpp):
    """Undo PNG scanline filters.  F: (H, W, bpp) filtered bytes, ftype: (H,)
    filter type per row.  Each pixel depends on its left, upper and
    upper-left neighbours, so all pixels on one anti-diagonal (r + i = d) are
    independent: sweep the diagonals, vectorised along each (why: a Python
    loop over 1.1 M bytes would take seconds)."""
    H, W, _ = F.shape
    X = np.zeros((H + 1, W + 1, bpp), dtype=np.int32)  # zero row/col = PNG's "outside"
    Fi = F.astype(np.int32)
    t = ftype.astype(np.int32)
    if np.all(t == 0):
        return F.copy()
    for d in range(H + W - 1):
        r = np.arange(max(0, d - W + 1), min(H - 1, d) + 1)
        i = d - r
        a = X[r + 1, i]
        b = X[r, i + 1]
        c = X[r, i]
        tt = t[r][:, None]
        pa = np.abs(b - c)
        pb = np.abs(a - c)
        pc = np.abs(a + b - 2 * c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([tt == 1, tt == 2, tt == 3, tt == 4],
                         [a, b, (a + b) >> 1, paeth], 0)
        X[r + 1, i + 1] = (Fi[r, i] + pred) & 255
    return X[1:, 1:].astype(np.uint8)


def read_png(path):
    """Decode a non-interlaced PNG (grey, grey+alpha, RGB, RGBA, palette;
    8 or 16 bits).  Returns float64 RGB in [0, 1], shape (H, W, 3)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise PngError("%s: not a PNG file" % path)
    off, ihdr, plte, idat = 8, None, None, []
    while off + 8 <= len(raw):
        n, typ = struct.unpack(">I4s", raw[off:off + 8])
        body = raw[off + 8:off + 8 + n]
        if len(body) != n:
            raise PngError("%s: truncated chunk %r" % (path, typ))
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"PLTE":
            plte = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif typ == b"IDAT":
            idat.append(body)
        elif typ == b"IEND":
            break
        off += 12 + n
    if ihdr is None or not idat:
        raise PngError("%s: missing IHDR or IDAT" % path)
    w, h, depth, ctype, _, _, interlace = ihdr
    if interlace != 0:
        raise PngError("%s: interlaced PNG not supported" % path)
    chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype)
    if chans is None or depth not in (8, 16) or (ctype == 3 and depth != 8):
        raise PngError("%s: unsupported PNG (colour type %d, bit depth %d)" % (path, ctype, depth))
    bpp = chans * depth // 8
    try:
        data = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PngError("%s: corrupt image data: %s" % (path, e))
    stride = w * bpp + 1
    if len(data) < h * stride:
        raise PngError("%s: image data too short" % path)
    rows = np.frombuffer(data, dtype=np.uint8, count=h * stride).reshape(h, stride)
    ftype = rows[:, 0]
    if np.any(ftype > 4):
        raise PngError("%s: bad filter type" % path)
    px = _unfilter(rows[:, 1:].reshape(h, w, bpp), ftype, bpp)
    if depth == 16:
        px = px.reshape(h, w, chans, 2).astype(np.float64)
        img = (px[..., 0] * 256.0 + px[..., 1]) / 65535.0
    else:
        img = px.astype(np.float64) / 255.0
    if ctype == 3:
        if plte is None:
            raise PngError("%s: palette image without PLTE" % path)
        idx = px[..., 0].astype(np.int64)
        if idx.max() >= len(plte):
            raise PngError("%s: palette index out of range" % path)
        return plte[idx].astype(np.float64) / 255.0
    if chans in (1, 2):
        return np.repeat(img[..., :1], 3, axis=2)
    return img[..., :3]


# ---------------------------------------------------------------------------
# Disparity / depth
# ---------------------------------------------------------------------------

def load_disparity(path):
    """The skimage disparity map: one array, non-finite = no ground truth."""
    with np.load(path, allow_pickle=False) as z:
        if not z.files:
            raise ValueError("%s: empty .npz" % path)
        return np.asarray(z[z.files[0]], dtype=np.float64)


def disparity_to_depth(disp, cam=CAMERA):
    """Z = f * B / (d + doffs) in metres; NaN where there is no ground truth."""
    d = np.asarray(disp, dtype=np.float64)
    ok = np.isfinite(d) & (d + cam["doffs"] > 0)
    z = np.full(d.shape, np.nan)
    z[ok] = cam["fx"] * cam["baseline_m"] / (d[ok] + cam["doffs"])
    return z


def depth_metrics(pred, true):
    """abs rel, RMSE (m), delta < 1.25 accuracy, log10 error."""
    pred = np.maximum(np.asarray(pred, dtype=np.float64), 1e-6)
    true = np.asarray(true, dtype=np.float64)
    ratio = np.maximum(pred / true, true / pred)
    return {
        "abs_rel": float(np.mean(np.abs(pred - true) / true)),
        "rmse_m": float(np.sqrt(np.mean((pred - true) ** 2))),
        "delta1": float(np.mean(ratio < 1.25)),
        "log10": float(np.mean(np.abs(np.log10(pred) - np.log10(true)))),
    }


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------

def box_mean(a, r):
    """Mean over a (2r+1)^2 window, edges replicated (integral image)."""
    H, W = a.shape
    p = np.pad(a, ((r + 1, r), (r + 1, r)), mode="edge")
    p[0, :] = 0.0
    p[:, 0] = 0.0
    s = p.cumsum(axis=0).cumsum(axis=1)
    k = 2 * r + 1
    tot = s[k:k + H, k:k + W] - s[0:H, k:k + W] - s[k:k + H, 0:W] + s[0:H, 0:W]
    return tot / float(k * k)


def compute_features(img, scales, use_column=False):
    """Per-pixel features (H*W, d) and their names.  Colour, local contrast,
    gradient energy by orientation at several box scales (texture gets finer
    with distance), and the normalised row (the ground-plane prior)."""
    H, W, _ = img.shape
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    gray = 0.299 * r + 0.587 * g + 0.114 * b
    mx = img.max(axis=2)
    sat = np.where(mx > 1e-6, (mx - img.min(axis=2)) / np.maximum(mx, 1e-6), 0.0)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = 0.5 * (gray[:, 2:] - gray[:, :-2])
    gy[1:-1, :] = 0.5 * (gray[2:, :] - gray[:-2, :])
    ax, ay = np.abs(gx), np.abs(gy)
    cols = [("gray", gray), ("r", r), ("g", g), ("b", b), ("sat", sat),
            ("r_minus_g", r - g), ("b_minus_g", b - g)]
    for s in scales:
        s = int(s)
        m = box_mean(gray, s)
        cols += [
            ("gray_mean_s%d" % s, m),
            ("r_mean_s%d" % s, box_mean(r, s)),
            ("g_mean_s%d" % s, box_mean(g, s)),
            ("b_mean_s%d" % s, box_mean(b, s)),
            ("gray_std_s%d" % s, np.sqrt(np.maximum(box_mean(gray * gray, s) - m * m, 0.0))),
            ("abs_gx_s%d" % s, box_mean(ax, s)),
            ("abs_gy_s%d" % s, box_mean(ay, s)),
            ("gray_minus_mean_s%d" % s, gray - m),
        ]
    rows = np.repeat((np.arange(H, dtype=np.float64) / (H - 1))[:, None], W, axis=1)
    cols.append(("row", rows))
    cols.append(("row_sq", rows * rows))
    if use_column:
        cc = np.repeat((np.arange(W, dtype=np.float64) / (W - 1))[None, :], H, axis=0)
        cols.append(("col", cc))
    names = [c[0] for c in cols]
    F = np.stack([c[1].ravel() for c in cols], axis=1)
    return F, names


# ---------------------------------------------------------------------------
# MLP regressor (two tanh hidden layers, linear output)
# ---------------------------------------------------------------------------

def mlp_init(rng, d, hidden):
    sizes = [d] + list(hidden) + [1]
    Ws, bs = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        Ws.append(rng.normal(0.0, np.sqrt(1.0 / a), size=(a, b)))
        bs.append(np.zeros(b))
    return Ws, bs


def mlp_forward(X, Ws, bs):
    acts = [X]
    h = X
    for k, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ W + b
        if k < len(Ws) - 1:
            h = np.tanh(h)
        acts.append(h)
    return acts


def mlp_predict(X, Ws, bs, chunk=65536):
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], chunk):
        out[s:s + chunk] = mlp_forward(X[s:s + chunk], Ws, bs)[-1][:, 0]
    return out


def mlp_grads(acts, Ws, y, wd):
    """Gradients of 0.5 * mean squared error + 0.5 * wd * |W|^2."""
    n = y.shape[0]
    G = (acts[-1][:, 0] - y)[:, None] / n
    gW, gb = [None] * len(Ws), [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        gW[k] = acts[k].T @ G + wd * Ws[k]
        gb[k] = G.sum(axis=0)
        if k > 0:
            G = (G @ Ws[k].T) * (1.0 - acts[k] * acts[k])
    return gW, gb


# ---------------------------------------------------------------------------
# Deterministic model I/O
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


def save_model(path, Ws, bs, arrays, config):
    out = dict(arrays)
    for k, (W, b) in enumerate(zip(Ws, bs)):
        out["W%d" % k] = W
        out["b%d" % k] = b
    out["config_json"] = np.frombuffer(json.dumps(config, sort_keys=True).encode("utf-8"),
                                       dtype=np.uint8)
    save_npz(path, out)


def load_model(path):
    with np.load(path, allow_pickle=False) as z:
        m = {k: z[k] for k in z.files}
    m["config"] = json.loads(bytes(m["config_json"]).decode("utf-8"))
    nl = len([k for k in m if k.startswith("W") and k[1:].isdigit()])
    m["Ws"] = [m["W%d" % k] for k in range(nl)]
    m["bs"] = [m["b%d" % k] for k in range(nl)]
    return m


def predict_depth(model, img):
    """Depth map (H, W) in metres for an RGB image in [0, 1]."""
    cfg = model["config"]
    F, _ = compute_features(img, cfg["scales"], cfg["use_column"])
    X = (F - model["feat_mean"]) / model["feat_std"]
    y = mlp_predict(X, model["Ws"], model["bs"])
    logz = y * float(model["target_std"]) + float(model["target_mean"])
    return np.exp(logz).reshape(img.shape[:2])
