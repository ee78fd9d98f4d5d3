"""text-to-3d shared code: the description grammar, scene layout, exact
occupancy rendering, text features, the multi-head MLP and deterministic
model I/O.  Standard library and NumPy only.

A scene is one object ("a tall cylinder") or two objects and a relation
("a tall cylinder on a wide box").  Object A is the first-named object, B
the second.  Every scene is laid out deterministically in the unit cube
(z up, floor at z = 0) and voxelised exactly: a voxel is occupied when its
centre lies inside a shape.
"""

import io
import json
import re
import zipfile

import numpy as np

SHAPES = ["box", "cylinder", "sphere", "cone"]
SHAPE_WORDS = {"box": ["box", "block"], "cylinder": ["cylinder"],
               "sphere": ["sphere", "ball"], "cone": ["cone"]}
# adjective -> (axis, factor); one adjective per axis at most
ADJECTIVES = {"tall": ("height", 1.7), "short": ("height", 0.55),
              "wide": ("width", 1.6), "narrow": ("width", 0.6),
              "large": ("scale", 1.35), "small": ("scale", 0.7)}
AXES = ["height", "width", "scale"]
RELATIONS = ["none", "on", "under", "next to", "left of"]
RELATION_WORDS = {"on": ["on", "on top of", "resting on"],
                  "under": ["under", "below", "beneath"],
                  "next to": ["next to", "beside"],
                  "left of": ["left of", "to the left of"]}
BASE = 0.3      # size of an unqualified object, as a fraction of the cube
GAP = 0.04      # gap between side-by-side objects
FIT = 0.94      # scenes larger than this are scaled down to fit the cube

# ---------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------


def sample_object(rng):
    """(shape, {axis: adjective}) with each axis qualified with p = 1/2."""
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    adj = {}
    for ax in AXES:
        if rng.random() < 0.5:
            opts = [a for a, (x, _) in ADJECTIVES.items() if x == ax]
            adj[ax] = opts[int(rng.integers(2))]
    return shape, adj


def sample_scene(rng, p_single=0.15):
    a = sample_object(rng)
    if rng.random() < p_single:
        return {"a": a, "rel": "none", "b": None}
    rel = RELATIONS[1 + int(rng.integers(len(RELATIONS) - 1))]
    return {"a": a, "rel": rel, "b": sample_object(rng)}


def object_phrase(obj, rng):
    shape, adj = obj
    words = [adj[ax] for ax in AXES if ax in adj]
    words = [words[i] for i in rng.permutation(len(words))]
    syn = SHAPE_WORDS[shape]
    return " ".join(["a"] + words + [syn[int(rng.integers(len(syn)))]])


def describe(scene, rng):
    text = object_phrase(scene["a"], rng)
    if scene["rel"] != "none":
        syn = RELATION_WORDS[scene["rel"]]
        text += " " + syn[int(rng.integers(len(syn)))] + " " + object_phrase(scene["b"], rng)
    return text


def parse(text):
    """Rule-based reading of a description that the grammar can produce;
    None if it cannot.  Used by predict.py to show the exact reference
    shape next to the learned one (the model never sees this parser)."""
    t = tokens(text)
    rel, cut = "none", None
    for r in RELATIONS[1:]:
        for syn in RELATION_WORDS[r]:
            sw = syn.split()
            for i in range(len(t) - len(sw) + 1):
                if t[i:i + len(sw)] == sw and (cut is None or len(sw) > cut[1] - cut[0]
                                               and i <= cut[0]):
                    rel, cut = r, (i, i + len(sw))
    parts = [t] if cut is None else [t[:cut[0]], t[cut[1]:]]
    objs = []
    for words in parts:
        if len(words) < 2 or words[0] not in ("a", "an"):
            return None
        shape = [s for s, syn in SHAPE_WORDS.items() if words[-1] in syn]
        adj = {}
        for w in words[1:-1]:
            if w not in ADJECTIVES or ADJECTIVES[w][0] in adj:
                return None
            adj[ADJECTIVES[w][0]] = w
        if not shape:
            return None
        objs.append((shape[0], adj))
    return {"a": objs[0], "rel": rel, "b": objs[1] if len(objs) > 1 else None}


def scene_pairs(scene):
    """(adjective, shape) pairs of a scene, for the held-out-pairs split."""
    out = set()
    for obj in (scene["a"], scene["b"]):
        if obj is not None:
            out.update((a, obj[0]) for a in obj[1].values())
    return out


def scene_triple(scene):
    b = scene["b"][0] if scene["b"] is not None else "none"
    return (scene["a"][0], scene["rel"], b)


# ---------------------------------------------------------------------------
# Layout and rendering
# ---------------------------------------------------------------------------


def object_dims(obj):
    """(width, height) of an object from its adjectives."""
    _, adj = obj
    f = {ax: 1.0 for ax in AXES}
    for ax, a in adj.items():
        f[ax] = ADJECTIVES[a][1]
    return BASE * f["width"] * f["scale"], BASE * f["height"] * f["scale"]


def layout(scene):
    """Shape classes and parameters [sx, sy, sz, cx, cy, cz] (unit cube) of
    objects A and B (B all zeros, class -1, when there is no B)."""
    wa, ha = object_dims(scene["a"])
    P = np.zeros((2, 6))
    P[0] = [wa, wa, ha, 0.5, 0.5, ha / 2]
    rel = scene["rel"]
    if rel != "none":
        wb, hb = object_dims(scene["b"])
        P[1] = [wb, wb, hb, 0.5, 0.5, hb / 2]
        if rel == "on":          # A rests on top of B
            P[0, 5] = hb + ha / 2
        elif rel == "under":     # B rests on top of A
            P[1, 5] = ha + hb / 2
        else:                    # side by side on the floor, pair centred in x
            total = wa + GAP + wb
            left, right = (0, 1) if rel == "left of" else (1, 0)  # "next to": A on the +x side
            wl = P[left, 0]
            P[left, 3] = 0.5 - total / 2 + wl / 2
            P[right, 3] = 0.5 - total / 2 + wl + GAP + P[right, 0] / 2
        live = P
    else:
        live = P[:1]
    # fit: scale about (0.5, 0.5, 0) so that the scene stays in the cube
    ext_x = (live[:, 3] + live[:, 0] / 2).max() - (live[:, 3] - live[:, 0] / 2).min()
    top = (live[:, 5] + live[:, 2] / 2).max()
    s = min(1.0, FIT / max(ext_x, top))
    live[:, :3] *= s
    live[:, 3:5] = 0.5 + (live[:, 3:5] - 0.5) * s
    live[:, 5] *= s
    cls = [SHAPES.index(scene["a"][0]),
           SHAPES.index(scene["b"][0]) if scene["b"] is not None else -1]
    return np.array(cls), P


_GRIDS = {}


def _centres(n):
    if n not in _GRIDS:
        c = (np.arange(n) + 0.5) / n
        _GRIDS[n] = (c[:, None, None], c[None, :, None], c[None, None, :])
    return _GRIDS[n]


def render_object(cls, p, n):
    """Exact occupancy [x, y, z] of one shape: voxel centre inside."""
    X, Y, Z = _centres(n)
    sx, sy, sz, cx, cy, cz = [float(v) for v in p]
    if min(sx, sy, sz) <= 0:
        return np.zeros((n, n, n), dtype=bool)
    u = (X - cx) / (sx / 2)
    v = (Y - cy) / (sy / 2)
    w = (Z - cz) / (sz / 2)
    r2 = u * u + v * v
    if cls == 0:    # box
        return (np.abs(u) <= 1) & (np.abs(v) <= 1) & (np.abs(w) <= 1)
    if cls == 1:    # cylinder, axis z
        return (r2 <= 1) & (np.abs(w) <= 1)
    if cls == 2:    # sphere (ellipsoid when tall/short/wide/narrow)
        return r2 + w * w <= 1
    # cone, apex up: radius shrinks linearly from the base (w=-1) to the apex (w=1)
    t = (w + 1) / 2
    return (r2 <= (1 - t) ** 2) & (np.abs(w) <= 1)


def render(cls, P, n):
    occ = render_object(int(cls[0]), P[0], n)
    if cls[1] >= 0:
        occ = occ | render_object(int(cls[1]), P[1], n)
    return occ


def iou(a, b):
    u = np.count_nonzero(a | b)
    return 1.0 if u == 0 else np.count_nonzero(a & b) / u


# ---------------------------------------------------------------------------
# Text features: unigrams, bigrams, and words by position from either end
# ---------------------------------------------------------------------------


def tokens(text):
    return re.findall(r"[a-z]+", text.lower())


def raw_features(text, max_pos):
    t = tokens(text)
    f = ["u:" + w for w in t]
    f += ["b:%s_%s" % (x, y) for x, y in zip(t, t[1:])]
    f += ["s%d:%s" % (i, w) for i, w in enumerate(t[:max_pos])]
    f += ["e%d:%s" % (j + 1, w) for j, w in enumerate(t[::-1][:max_pos])]
    return f


def featurise(texts, vocab, max_pos):
    """Count matrix [len(texts), len(vocab)]; features not in the training
    vocabulary (e.g. bigrams of held-out pairs) are dropped."""
    index = {f: i for i, f in enumerate(vocab)}
    X = np.zeros((len(texts), len(vocab)), dtype=np.float64)
    for r, t in enumerate(texts):
        for f in raw_features(t, max_pos):
            i = index.get(f)
            if i is not None:
                X[r, i] += 1.0
    return X


# ---------------------------------------------------------------------------
# Multi-head MLP: shared tanh layer; softmax heads for the relation and the
# two shape classes; a linear head for the 12 standardised parameters.
# ---------------------------------------------------------------------------

HEADS = [("relation", len(RELATIONS)), ("shape_a", len(SHAPES)), ("shape_b", len(SHAPES) + 1)]
NREG = 12


def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def forward(W, X):
    H = np.tanh(X @ W["W1"] + W["b1"])
    O = H @ W["W2"] + W["b2"]
    outs, k = [], 0
    for _, c in HEADS:
        outs.append(softmax(O[:, k:k + c]))
        k += c
    return H, outs, O[:, k:]


def init_weights(d, hidden, rng):
    nout = sum(c for _, c in HEADS) + NREG
    return {"W1": rng.normal(0, np.sqrt(1.0 / d), (d, hidden)), "b1": np.zeros(hidden),
            "W2": rng.normal(0, np.sqrt(1.0 / hidden), (hidden, nout)), "b2": np.zeros(nout)}


def grads(W, X, ys, R, reg_weight):
    """Loss and gradients: mean cross-entropy of each head plus reg_weight
    times the mean squared error of the standardised parameters."""
    n = X.shape[0]
    H, outs, reg = forward(W, X)
    loss, parts = 0.0, []
    for P, y in zip(outs, ys):
        loss += float(-np.log(P[np.arange(n), y] + 1e-12).mean())
        G = P.copy()
        G[np.arange(n), y] -= 1.0
        parts.append(G / n)
    diff = reg - R
    loss += reg_weight * float((diff * diff).mean())
    parts.append(reg_weight * 2.0 * diff / (n * NREG))
    GO = np.concatenate(parts, axis=1)
    GH = (GO @ W["W2"].T) * (1.0 - H * H)
    return loss, {"W2": H.T @ GO, "b2": GO.sum(axis=0), "W1": X.T @ GH, "b1": GH.sum(axis=0)}


def predict(model, texts):
    """texts -> (relation idx, classes [n, 2], parameters [n, 2, 6])."""
    cfg = model["config"]
    X = featurise(texts, cfg["vocab"], cfg["max_pos"])
    _, outs, reg = forward(model, X)
    rel = outs[0].argmax(axis=1)
    ca = outs[1].argmax(axis=1)
    cb = outs[2].argmax(axis=1) - 1   # class 0 of this head = "no object B"
    cb = np.where(rel == 0, -1, np.where(cb < 0, outs[2][:, 1:].argmax(axis=1), cb))
    P = (reg * model["reg_std"] + model["reg_mean"]).reshape(-1, 2, 6)
    P = np.clip(P, 0.0, 1.0)
    P[cb < 0, 1] = 0.0
    return rel, np.stack([ca, cb], axis=1), P


# ---------------------------------------------------------------------------
# Deterministic model I/O (gis-lidar's fixed-timestamp zip approach)
# ---------------------------------------------------------------------------


def save_npz(path, arrays):
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
