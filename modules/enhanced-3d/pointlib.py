"""Shared code for enhanced-3d: OFF / XYZ readers, surface sampling, k-nearest
neighbours, local PCA frames, the learned point denoiser, baselines, Chamfer
distance, depth-map back-projection and deterministic model I/O.  NumPy and
the standard library only.

The denoiser moves each point p by
    p' = p + sum_s ( -a_s * h_s * n_s + b_s * t_s )
where, at neighbourhood scale s (k_s nearest neighbours), c_s is the
neighbourhood centroid, n_s the PCA normal, h_s = (p - c_s).n_s the height of p
above the local plane and t_s the tangential part of (c_s - p).  The weights
a_s, b_s come from a small MLP of rotation-, reflection- and scale-invariant
neighbourhood descriptors.  a = 1, b = 0 is PCA plane projection and a = b = 1
is Laplacian smoothing (move to the centroid), so both baselines lie inside
the model family (why: the MLP only has to learn *when* to trust each one).
"""

import io
import json
import zipfile

import numpy as np


class FormatError(Exception):
    pass


# ---------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------

def _tokens(path):
    with open(path, "r", encoding="ascii", errors="replace") as fh:
        lines = [ln.split("#", 1)[0] for ln in fh]
    return " ".join(lines).split()


def read_off(path):
    """ASCII OFF: returns vertices (n, 3) float64 and triangles (m, 3) int64
    (polygons are fan-triangulated)."""
    t = _tokens(path)
    if not t or t[0] not in ("OFF", "NOFF", "COFF"):
        raise FormatError("%s: not an ASCII OFF file" % path)
    try:
        nv, nf = int(t[1]), int(t[2])
        pos = 4
        V = np.array(t[pos:pos + 3 * nv], dtype=np.float64).reshape(nv, 3)
        pos += 3 * nv
        tris = []
        for _ in range(nf):
            k = int(t[pos])
            ids = [int(x) for x in t[pos + 1:pos + 1 + k]]
            pos += 1 + k
            for j in range(1, k - 1):
                tris.append((ids[0], ids[j], ids[j + 1]))
    except (IndexError, ValueError) as e:
        raise FormatError("%s: malformed OFF (%s)" % (path, e))
    T = np.array(tris, dtype=np.int64).reshape(-1, 3)
    if T.size == 0 or T.min() < 0 or T.max() >= nv:
        raise FormatError("%s: bad face indices" % path)
    return V, T


def read_xyz(path):
    """Whitespace text, one point a line: x y z [nx ny nz ...]; returns (n, 3)."""
    rows = []
    with open(path, "r", encoding="ascii", errors="replace") as fh:
        for ln in fh:
            tok = ln.split("#", 1)[0].split()
            if not tok:
                continue
            if len(tok) < 3:
                raise FormatError("%s: line with fewer than 3 numbers" % path)
            try:
                rows.append([float(x) for x in tok[:3]])
            except ValueError:
                raise FormatError("%s: non-numeric value" % path)
    if not rows:
        raise FormatError("%s: no points" % path)
    return np.array(rows, dtype=np.float64)


def write_xyz(path, P, decimals=4):
    fmt = "%%.%df %%.%df %%.%df\n" % (decimals, decimals, decimals)
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        fh.write("".join(fmt % tuple(p) for p in P.tolist()))


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------

def normalise(P):
    """Centre on the bounding-box centre, scale to bounding-box diagonal 1."""
    lo, hi = P.min(axis=0), P.max(axis=0)
    c = 0.5 * (lo + hi)
    s = float(np.linalg.norm(hi - lo)) or 1.0
    return c, s


def sample_surface(V, T, n, rng):
    """Area-weighted uniform samples on a triangle mesh: points and the
    (unit) normals of the faces they lie on."""
    a, b, c = V[T[:, 0]], V[T[:, 1]], V[T[:, 2]]
    cr = np.cross(b - a, c - a)
    area = 0.5 * np.linalg.norm(cr, axis=1)
    cdf = np.cumsum(area) / area.sum()
    f = np.minimum(np.searchsorted(cdf, rng.random(n)), len(T) - 1)
    u, v = rng.random(n), rng.random(n)
    flip = u + v > 1.0
    u, v = np.where(flip, 1.0 - u, u), np.where(flip, 1.0 - v, v)
    P = a[f] + u[:, None] * (b[f] - a[f]) + v[:, None] * (c[f] - a[f])
    N = cr[f] / np.maximum(2.0 * area[f], 1e-300)[:, None]
    return P, N


def _sq_dists(A, B):
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
    return np.maximum(d, 0.0)


def _chunk(m):
    """Rows per block so a distance block stays near 4 M entries (32 MB)."""
    return max(1, 4000000 // max(1, m))


def _knn_brute(P, Q, k):
    idx = np.empty((len(Q), k), dtype=np.int64)
    d2 = np.empty((len(Q), k))
    chunk = _chunk(len(P))
    for s in range(0, len(Q), chunk):
        D = _sq_dists(Q[s:s + chunk], P)
        part = np.argpartition(D, k - 1, axis=1)[:, :k] if k < len(P) else \
            np.tile(np.arange(len(P)), (D.shape[0], 1))
        dp = np.take_along_axis(D, part, axis=1)
        o = np.lexsort((part, dp), axis=1)
        idx[s:s + chunk] = np.take_along_axis(part, o, axis=1)
        d2[s:s + chunk] = np.take_along_axis(dp, o, axis=1)
    return idx, d2


def _knn_grid(P, Q, k, cell):
    """k nearest among the points of P in the 3x3x3 grid cells around each
    query.  Exact where the k-th distance is below `cell` (every point outside
    the block is at least that far); those queries are flagged ok."""
    lo = np.minimum(P.min(axis=0), Q.min(axis=0))
    cp = np.floor((P - lo) / cell).astype(np.int64) + 1
    cq = np.floor((Q - lo) / cell).astype(np.int64) + 1
    dims = np.maximum(cp.max(axis=0), cq.max(axis=0)) + 2
    kp = (cp[:, 0] * dims[1] + cp[:, 1]) * dims[2] + cp[:, 2]
    kq = (cq[:, 0] * dims[1] + cq[:, 1]) * dims[2] + cq[:, 2]
    order = np.argsort(kp, kind="stable")
    ukeys, starts, counts = np.unique(kp[order], return_index=True, return_counts=True)
    nq = len(Q)
    qi = np.arange(nq, dtype=np.int64)
    blocks = []
    total = np.zeros(nq, dtype=np.int64)
    for ox in (-1, 0, 1):
        for oy in (-1, 0, 1):
            for oz in (-1, 0, 1):
                nk = kq + (ox * dims[1] + oy) * dims[2] + oz
                pos = np.minimum(np.searchsorted(ukeys, nk), len(ukeys) - 1)
                cnt = np.where(ukeys[pos] == nk, counts[pos], 0)
                blocks.append((pos, cnt, total.copy()))
                total += cnt
    # Candidates of each query in one padded row (why: a partition per row is
    # much cheaper than sorting all candidate pairs).
    width = max(int(total.max()), k)
    D = np.full((nq, width), np.inf)
    Jp = np.full((nq, width), len(P), dtype=np.int64)
    for pos, cnt, base in blocks:
        tot = int(cnt.sum())
        if tot == 0:
            continue
        excl = np.cumsum(cnt) - cnt
        within = np.arange(tot, dtype=np.int64) - np.repeat(excl, cnt)
        I = np.repeat(qi, cnt)
        J = order[np.repeat(starts[pos], cnt) + within]
        col = np.repeat(base, cnt) + within
        Jp[I, col] = J
        D[I, col] = ((Q[I] - P[J]) ** 2).sum(axis=1)
    if k == 1:
        # Nearest only: a row minimum, ties to the smallest index as below.
        dmin = D.min(axis=1)[:, None]
        Jm = np.where(D == dmin, Jp, len(P)).min(axis=1)
        idx = Jm[:, None]
        d2 = dmin
        ok = (total >= 1) & (d2[:, 0] < cell * cell)
        return idx, d2, ok
    part = np.argpartition(D, k - 1, axis=1)[:, :k] if k < width else \
        np.tile(np.arange(width), (nq, 1))
    dp = np.take_along_axis(D, part, axis=1)
    jp = np.take_along_axis(Jp, part, axis=1)
    o = np.lexsort((jp, dp), axis=1)
    idx = np.take_along_axis(jp, o, axis=1)
    d2 = np.take_along_axis(dp, o, axis=1)
    ok = (total >= k) & (d2[:, k - 1] < cell * cell)
    return idx, d2, ok


def knn_d2(P, k, Q=None):
    """Exact k nearest neighbours of each query (rows of Q, default P itself,
    whose first neighbour is then the point) among P, sorted by distance, ties
    by index: (indices, squared distances).  A uniform grid with a cell about
    the k-th neighbour distance finds most; the others are retried with larger
    cells, and a last few by brute force (why: brute force alone is O(n^2)
    and dominated the run time)."""
    Q = P if Q is None else Q
    k = min(k, len(P))
    if len(P) * len(Q) <= 4000000:
        return _knn_brute(P, Q, k)
    sub = Q[::max(1, len(Q) // 256)]
    ext = float(np.linalg.norm(np.ptp(np.vstack([P.min(axis=0), P.max(axis=0),
                                                 Q.min(axis=0), Q.max(axis=0)]), axis=0)))
    # The floor keeps the grid at most ~1e4 cells a side (int64 keys).
    cell = max(float(np.percentile(np.sqrt(_knn_brute(P, sub, k)[1][:, -1]), 75)) * 1.05,
               ext * 1e-4, 1e-12)
    idx = np.zeros((len(Q), k), dtype=np.int64)
    d2 = np.zeros((len(Q), k))
    todo = np.arange(len(Q))
    for _ in range(8):
        if todo.size <= 64:
            break
        i, d, ok = _knn_grid(P, Q[todo], k, cell)
        idx[todo[ok]], d2[todo[ok]] = i[ok], d[ok]
        todo = todo[~ok]
        cell *= 1.5
    if todo.size:
        idx[todo], d2[todo] = _knn_brute(P, Q[todo], k)
    return idx, d2


def knn(P, k, Q=None):
    return knn_d2(P, k, Q)[0]


def nn_dist(A, B):
    """Distance from each point of A to its nearest point in B."""
    return np.sqrt(knn_d2(B, 1, A)[1][:, 0])


def chamfer(A, B):
    """Symmetric Chamfer distance: mean of the two mean nearest-neighbour
    distances (not squared, same unit as the points)."""
    return 0.5 * (float(nn_dist(A, B).mean()) + float(nn_dist(B, A).mean()))


# ---------------------------------------------------------------------------
# Local frames, features, denoiser
# ---------------------------------------------------------------------------

def local_frames(P, scales):
    """Per scale: displacement bases (-h n: plane projection; t: tangential
    move to the centroid; (q - h) n: projection onto a fitted quadric, i.e. an
    order-2 jet) and invariant features (distances divided by r, the mean
    neighbour distance, so the features do not depend on the unit)."""
    kmax = max(scales)
    idx = knn(P, kmax + 1)  # +1: the point itself is neighbour 0
    feats, bases = [], []
    r0 = None
    for k in scales:
        nb = P[idx[:, :k + 1]]                       # (n, k+1, 3)
        c = nb.mean(axis=1)
        d = nb - c[:, None, :]
        cov = np.einsum("nki,nkj->nij", d, d) / (k + 1)
        w, vec = np.linalg.eigh(cov)                 # ascending
        w = np.clip(w, 0.0, None)
        n, e2, e1 = vec[:, :, 0], vec[:, :, 1], vec[:, :, 2]
        r = np.linalg.norm(nb[:, 1:] - P[:, None, :], axis=2).mean(axis=1)
        r = np.maximum(r, 1e-12)
        if r0 is None:
            r0 = r
        pc = P - c
        h = (pc * n).sum(axis=1)
        t = -pc + h[:, None] * n
        wj = (d * n[:, None, :]).sum(axis=2)
        # Quadric height field w = a0 + a1 u + a2 v + a3 u^2 + a4 uv + a5 v^2
        # over the neighbours (u, v in units of r; ridge on the quadratic
        # terms keeps small neighbourhoods well posed).
        u = (d * e1[:, None, :]).sum(axis=2) / r[:, None]
        v = (d * e2[:, None, :]).sum(axis=2) / r[:, None]
        A = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=2)
        AtA = np.einsum("nki,nkj->nij", A, A) + np.diag([1e-6, 1e-6, 1e-6, 0.1, 0.1, 0.1])
        coef = np.linalg.solve(AtA, np.einsum("nki,nk->ni", A, wj)[:, :, None])[:, :, 0]
        up, vp = (pc * e1).sum(axis=1) / r, (pc * e2).sum(axis=1) / r
        ap = np.stack([np.ones_like(up), up, vp, up * up, up * vp, vp * vp], axis=1)
        q = (coef * ap).sum(axis=1)
        resid = np.sqrt(np.mean((wj - np.einsum("nki,ni->nk", A, coef)) ** 2, axis=1))
        tot = w.sum(axis=1) + 1e-300
        feats += [np.abs(h) / r, np.linalg.norm(t, axis=1) / r, w[:, 0] / tot,
                  w[:, 1] / (w[:, 2] + 1e-300), np.log(r / r0), np.abs(wj).mean(axis=1) / r,
                  np.abs(q - h) / r, np.abs(coef[:, 3] + coef[:, 5]) / r,
                  np.abs(4.0 * coef[:, 3] * coef[:, 5] - coef[:, 4] ** 2) / (r * r),
                  resid / r]
        bases += [-h[:, None] * n, t, (q - h)[:, None] * n]
    F = np.stack(feats, axis=1)
    M = np.stack(bases, axis=2)                      # (n, 3, 3 * S)
    return F, M, r0


FEATURES_PER_SCALE = ["abs_height_over_r", "tangent_offset_over_r", "surface_variation",
                      "lambda2_over_lambda1", "log_r_over_r0", "mean_abs_nb_height_over_r",
                      "abs_jet_offset_over_r", "abs_mean_curvature_x_r",
                      "abs_gauss_curvature_x_r2", "jet_residual_over_r"]
BASES_PER_SCALE = 3


def mlp_forward(X, W1, b1, W2, b2):
    H = np.tanh(X @ W1 + b1)
    return H, H @ W2 + b2


def model_displacement(F, M, model):
    X = (F - model["feat_mean"]) / model["feat_std"]
    _, G = mlp_forward(X, model["W1"], model["b1"], model["W2"], model["b2"])
    return np.einsum("nij,nj->ni", M, G)


def baseline_displacement(M, j, kind):
    """Baseline step at scale number j from precomputed bases."""
    nb = BASES_PER_SCALE
    return M[:, :, nb * j:nb * j + nb] @ BASELINE_WEIGHTS[kind]


def denoise(P, model):
    """One learned denoising step (points in any unit)."""
    F, M, _ = local_frames(P, model["config"]["scales"])
    return P + model_displacement(F, M, model)


def refine(P, model, iterations=None, along_rays=False):
    """Apply the denoiser repeatedly.  along_rays: keep only the component of
    each step along the ray from the origin (a depth-map cloud then stays on
    its pixels' rays: only the depths change)."""
    it = model["config"]["iterations"] if iterations is None else iterations
    for _ in range(int(it)):
        Q = denoise(P, model)
        P = ray_project(P, Q) if along_rays else Q
    return P


def ray_project(P, Q):
    """Move P towards Q only along the rays through the origin."""
    ray = P / np.maximum(np.linalg.norm(P, axis=1), 1e-300)[:, None]
    return P + ((Q - P) * ray).sum(axis=1)[:, None] * ray


# Weights of the three bases that reproduce each baseline exactly.
BASELINE_WEIGHTS = {"laplacian": np.array([1.0, 1.0, 0.0]),
                    "pca": np.array([1.0, 0.0, 0.0]),
                    "jet": np.array([0.0, 0.0, 1.0])}


def baseline_step(P, k, kind):
    """Laplacian smoothing (move to the kNN centroid), PCA plane projection or
    order-2 jet (quadric) projection, with k neighbours."""
    _, M, _ = local_frames(P, [k])
    return P + baseline_displacement(M, 0, kind)


# ---------------------------------------------------------------------------
# Depth map -> point cloud
# ---------------------------------------------------------------------------

def backproject(depth, cam, stride, offset=0):
    """Pixels (v, u) on a stride grid -> camera-frame points (metres)."""
    H, W = depth.shape
    vv, uu = np.mgrid[offset:H:stride, offset:W:stride]
    z = depth[vv, uu].astype(np.float64)
    x = (uu - cam["cx"]) * z / cam["fx"]
    y = (vv - cam["cy"]) * z / cam["fy"]
    return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1), vv.ravel(), uu.ravel()


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


def save_model(path, net, config):
    out = dict(net)
    out["config_json"] = np.frombuffer(json.dumps(config, sort_keys=True).encode("utf-8"),
                                       dtype=np.uint8)
    save_npz(path, out)


def load_model(path):
    with np.load(path, allow_pickle=False) as z:
        m = {k: z[k] for k in z.files}
    m["config"] = json.loads(bytes(m["config_json"]).decode("utf-8"))
    return m
