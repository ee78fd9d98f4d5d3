#!/usr/bin/python3
"""enhanced-3d trainer: a self-supervised point-cloud denoiser learned on
CGAL's meshes (points sampled from the surfaces, Gaussian noise added, the
clean surface is the target), scored by Chamfer distance on held-out shapes
against Laplacian smoothing and PCA plane projection, then applied to the
point cloud back-projected from image-to-3d's predicted depth map.  NumPy
only; follows the qtm training contract (QTM_DATA, QTM_OUTPUT, QTM_PARAMS,
QTM_SEED, QTM_THREADS; '@qtm progress' / '@qtm metric' lines on stdout)."""

import os
import sys

# Always one BLAS thread (must happen before numpy loads): multi-threaded
# reductions may sum in a different order and change the output bytes.
_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import hashlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

sys.dont_write_bytecode = True  # the module folder may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import pointlib as pl  # noqa: E402
import report  # noqa: E402

SHAPES_DS = "dataset-cgal-shapes"
MESHES = ["elephant", "fandisk", "knot1"]
HELDOUT_POINTS = "before_upsample.xyz"
DEPTH_MODEL = "image-to-3d"
MIDDLEBURY = "dataset-middlebury-motorcycle"

DEFAULTS = {
    "seed": 42,
    "profile": "quick",
    "points_per_shape_quick": 3000,
    "points_per_shape_full": 8000,
    "train_sigmas": [0.003, 0.006, 0.012],
    "test_sigmas": [0.005, 0.01],
    "scales": [8, 16, 32],
    "hidden": 32,
    "steps_quick": 600,
    "steps_full": 4000,
    "batch": 512,
    "learning_rate": 0.005,
    "weight_decay": 1e-05,
    "tangent_weight": 0.1,
    "iterations": 1,
    "depth_stride_quick": 8,
    "depth_stride_full": 4,
}


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def emit(kind, obj):
    print("@qtm %s %s" % (kind, json.dumps(obj, separators=(",", ":"))), flush=True)


def fnum(x, nd=6):
    return float(round(float(x), nd))


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _numlist(v, lo, hi):
    return isinstance(v, list) and len(v) > 0 and all(_num(x) and lo < x < hi for x in v)


def load_params():
    p = dict(DEFAULTS)
    path = os.environ.get("QTM_PARAMS")
    if path:
        try:
            with open(path, "r", encoding="utf-8") as fh:
                given = json.load(fh)
        except (OSError, ValueError) as e:
            raise Fail("cannot read QTM_PARAMS %s: %s" % (path, e))
        if not isinstance(given, dict):
            raise Fail("QTM_PARAMS must hold a JSON object")
        for k in sorted(given):
            if k not in DEFAULTS:
                raise Fail("unknown parameter %r" % k)
        p.update(given)
    env_seed = os.environ.get("QTM_SEED")
    if env_seed not in (None, ""):
        try:
            p["seed"] = int(env_seed)
        except ValueError:
            raise Fail("QTM_SEED is not an integer: %r" % env_seed)
    checks = {
        "seed": _int(p["seed"]),
        "profile": p["profile"] in ("quick", "full"),
        "points_per_shape_quick": _int(p["points_per_shape_quick"]) and p["points_per_shape_quick"] >= 200,
        "points_per_shape_full": _int(p["points_per_shape_full"]) and p["points_per_shape_full"] >= 200,
        "train_sigmas": _numlist(p["train_sigmas"], 0.0, 0.2),
        "test_sigmas": _numlist(p["test_sigmas"], 0.0, 0.2),
        "scales": isinstance(p["scales"], list) and len(p["scales"]) > 0
        and all(_int(k) and 3 <= k <= 128 for k in p["scales"]),
        "hidden": _int(p["hidden"]) and 1 <= p["hidden"] <= 1024,
        "steps_quick": _int(p["steps_quick"]) and p["steps_quick"] >= 1,
        "steps_full": _int(p["steps_full"]) and p["steps_full"] >= 1,
        "batch": _int(p["batch"]) and p["batch"] >= 1,
        "learning_rate": _num(p["learning_rate"]) and p["learning_rate"] > 0,
        "weight_decay": _num(p["weight_decay"]) and p["weight_decay"] >= 0,
        "tangent_weight": _num(p["tangent_weight"]) and p["tangent_weight"] >= 0,
        "iterations": _int(p["iterations"]) and 1 <= p["iterations"] <= 10,
        "depth_stride_quick": _int(p["depth_stride_quick"]) and p["depth_stride_quick"] >= 1,
        "depth_stride_full": _int(p["depth_stride_full"]) and p["depth_stride_full"] >= 1,
    }
    for k in sorted(checks):
        if not checks[k]:
            raise Fail("bad value for parameter %r: %r" % (k, p[k]))
    p["scales"] = sorted(set(p["scales"]))
    # Real-valued parameters as floats, so metrics.json reads the same however
    # the caller wrote them (1 or 1.0).
    for k in ("learning_rate", "weight_decay", "tangent_weight"):
        p[k] = float(p[k])
    p["train_sigmas"] = [float(x) for x in p["train_sigmas"]]
    p["test_sigmas"] = [float(x) for x in p["test_sigmas"]]
    return p


def sha_of(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def make_clouds(shapes, p, n_pts, seed):
    """Noisy samples of every mesh at every training noise level, with their
    features; computed once and shared by the folds and the final model."""
    clouds = {}
    for si, nm in enumerate(MESHES):
        V, T = shapes[nm]
        parts = []
        for li, sig in enumerate(p["train_sigmas"]):
            rng = np.random.default_rng([seed, 1, si, li])
            x, nt = pl.sample_surface(V, T, n_pts, rng)
            P = x + rng.normal(0.0, sig, size=x.shape)
            F, M, r0 = pl.local_frames(P, p["scales"])
            parts.append({"F": F, "M": M, "X": x, "N": nt, "P": P, "R": r0})
        clouds[nm] = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    return clouds


def training_set(clouds, names):
    return {k: np.concatenate([clouds[n][k] for n in names]) for k in clouds[names[0]]}


def train_net(D, p, steps, seed, offset, total):
    """Minibatch Adam on the scale-free loss
    [((p' - x).n)^2 + tangent_weight * |p' - x|^2] / r0^2."""
    rng = np.random.default_rng([seed, 2])
    mu = D["F"].mean(axis=0)
    sd = D["F"].std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    X = (D["F"] - mu) / sd
    d, h, o = X.shape[1], p["hidden"], D["M"].shape[2]
    W1 = rng.normal(0.0, np.sqrt(1.0 / d), size=(d, h))
    b1 = np.zeros(h)
    W2 = rng.normal(0.0, 0.01, size=(h, o))
    b2 = np.zeros(o)
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(a) for a in params]
    v = [np.zeros_like(a) for a in params]
    lr0, wd, lam = p["learning_rate"], p["weight_decay"], p["tangent_weight"]
    n, bsz = X.shape[0], min(p["batch"], X.shape[0])
    every = max(1, steps // 20)
    run = None
    for step in range(1, steps + 1):
        i = rng.integers(0, n, size=bsz)
        Hh, G = pl.mlp_forward(X[i], W1, b1, W2, b2)
        M, nt, w = D["M"][i], D["N"][i], 1.0 / (D["R"][i] ** 2)
        res = D["P"][i] + np.einsum("nij,nj->ni", M, G) - D["X"][i]
        rn = (res * nt).sum(axis=1)
        loss = float(np.mean(w * (rn * rn + lam * (res * res).sum(axis=1))))
        run = loss if run is None else 0.95 * run + 0.05 * loss
        gres = 2.0 * (rn[:, None] * nt + lam * res) * (w / bsz)[:, None]
        gG = np.einsum("nij,ni->nj", M, gres)
        gW2 = Hh.T @ gG + wd * W2
        gb2 = gG.sum(axis=0)
        gH = (gG @ W2.T) * (1.0 - Hh * Hh)
        gW1 = X[i].T @ gH + wd * W1
        gb1 = gH.sum(axis=0)
        lr = lr0 * (0.1 + 0.9 * 0.5 * (1.0 + np.cos(np.pi * step / steps)))
        for a, g, mi, vi in zip(params, [gW1, gb1, gW2, gb2], m, v):
            mi *= 0.9
            mi += 0.1 * g
            vi *= 0.999
            vi += 0.001 * g * g
            a -= lr * (mi / (1 - 0.9 ** step)) / (np.sqrt(vi / (1 - 0.999 ** step)) + 1e-8)
        if step % every == 0 or step == steps:
            emit("progress", {"step": offset + step, "steps": total, "loss": fnum(run)})
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "feat_mean": mu, "feat_std": sd}, run


def pick_baseline_k(D, p):
    """Best k per baseline on the *training* data, by the training loss."""
    best = {}
    nb = pl.BASES_PER_SCALE
    w = 1.0 / D["R"] ** 2
    for kind in ("laplacian", "pca", "jet"):
        errs = []
        for j, k in enumerate(p["scales"]):
            g = np.zeros(D["M"].shape[2])
            g[nb * j:nb * j + nb] = pl.BASELINE_WEIGHTS[kind]
            res = D["P"] + D["M"] @ g - D["X"]
            rn = (res * D["N"]).sum(axis=1)
            errs.append(float(np.mean(w * (rn * rn + p["tangent_weight"] * (res * res).sum(axis=1)))))
        best[kind] = p["scales"][int(np.argmin(errs))]
    return best


def run_methods(P, model, bk, iters, along_rays=False):
    """Outputs of every method on a noisy cloud P.  The first step of all
    methods shares one set of local frames (baseline k are among the scales)."""
    scales = model["config"]["scales"]
    F, M, _ = pl.local_frames(P, scales)
    step = (lambda Q, Q2: pl.ray_project(Q, Q2)) if along_rays else (lambda Q, Q2: Q2)
    out = {"noisy": P, "model": step(P, P + pl.model_displacement(F, M, model))}
    for kind in BASELINES:
        out[kind] = step(P, P + pl.baseline_displacement(M, scales.index(bk[kind]), kind))
    for _ in range(iters - 1):
        out["model"] = step(out["model"], pl.denoise(out["model"], model))
        for kind in BASELINES:
            out[kind] = step(out[kind], pl.baseline_step(out[kind], bk[kind], kind))
    return out


BASELINES = ["laplacian", "pca", "jet"]
METHODS = ["noisy"] + BASELINES + ["model"]


def main():
    t0 = time.monotonic()
    p = load_params()
    data_root = os.environ.get("QTM_DATA")
    out_dir = os.environ.get("QTM_OUTPUT")
    if not data_root:
        raise Fail("QTM_DATA is not set")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    full = p["profile"] == "full"
    steps = p["steps_full"] if full else p["steps_quick"]
    n_pts = p["points_per_shape_full"] if full else p["points_per_shape_quick"]
    stride = p["depth_stride_full"] if full else p["depth_stride_quick"]
    seed, iters = p["seed"], p["iterations"]
    log("enhanced-3d: profile=%s steps=%d points/shape=%d seed=%d threads=%s (BLAS: 1)"
        % (p["profile"], steps, n_pts, seed, _threads))

    need = [os.path.join(SHAPES_DS, m + ".off") for m in MESHES] + [
        os.path.join(SHAPES_DS, HELDOUT_POINTS), os.path.join(DEPTH_MODEL, "depth.npy"),
        os.path.join(DEPTH_MODEL, "camera.json"), os.path.join(MIDDLEBURY, "motorcycle_disp.npz")]
    for rel in need:
        if not os.path.isfile(os.path.join(data_root, rel)):
            raise Fail("input not found: %s (QTM_DATA=%s)" % (rel, data_root))
    shas = {rel: sha_of(os.path.join(data_root, rel)) for rel in need}
    try:
        shapes = {}
        for m in MESHES:
            V, T = pl.read_off(os.path.join(data_root, SHAPES_DS, m + ".off"))
            c, s = pl.normalise(V)
            shapes[m] = ((V - c) / s, T)
        held = pl.read_xyz(os.path.join(data_root, SHAPES_DS, HELDOUT_POINTS))
    except pl.FormatError as e:
        raise Fail(str(e))

    # 1) Leave-one-shape-out: train on two meshes, score on the third (its
    # training clouds are left out; its test clouds are separate samples).
    clouds = make_clouds(shapes, p, n_pts, seed)
    folds = {}
    for fi, test in enumerate(MESHES):
        train_names = [m for m in MESHES if m != test]
        D = training_set(clouds, train_names)
        net, _ = train_net(D, p, steps, seed + fi, fi * steps, (len(MESHES) + 1) * steps)
        model = dict(net, config={"scales": p["scales"], "iterations": iters})
        bk = pick_baseline_k(D, p)
        fold = {"baseline_k": bk, "by_sigma": {}}
        for li, sig in enumerate(p["test_sigmas"]):
            rng = np.random.default_rng([seed, 4, fi, li])
            x, _ = pl.sample_surface(*shapes[test], n_pts, rng)
            outs = run_methods(x + rng.normal(0.0, sig, size=x.shape), model, bk, iters)
            # Chamfer against the clean points the noise was added to.
            fold["by_sigma"]["%g" % sig] = {k: pl.chamfer(outs[k], x) for k in METHODS}
        folds[test] = fold
        log("fold %s (baseline k %s): %s (%.1f s)" % (
            test, bk, json.dumps({s: {k: round(v, 5) for k, v in sorted(d.items())}
                                  for s, d in fold["by_sigma"].items()}), time.monotonic() - t0))

    # 2) Final model on all three meshes.
    D = training_set(clouds, MESHES)
    net, final_loss = train_net(D, p, steps, seed + 99, len(MESHES) * steps,
                               (len(MESHES) + 1) * steps)
    config = {"scales": p["scales"], "iterations": iters, "hidden": p["hidden"],
              "activation": "tanh", "features_per_scale": pl.FEATURES_PER_SCALE,
              "outputs": "per scale: weights of the plane-projection, tangential (centroid) and jet-projection steps",
              "baseline_k": pick_baseline_k(D, p), "depth_stride": stride}
    model = dict(net, config=config)
    bk = config["baseline_k"]
    pl.save_model(os.path.join(out_dir, "model.npz"), net, config)

    # 3) Held-out point set (never seen in training): CGAL's before_upsample.xyz.
    hc, hs = pl.normalise(held)
    hn = (held - hc) / hs
    heldout = {}
    for li, sig in enumerate(p["test_sigmas"]):
        rng = np.random.default_rng([seed, 5, li])
        outs = run_methods(hn + rng.normal(0.0, sig, size=hn.shape), model, bk, iters)
        heldout["%g" % sig] = {k: pl.chamfer(outs[k], hn) for k in METHODS}

    # 4) Refine the cloud back-projected from image-to-3d's depth map.  Steps
    # are kept along the camera rays, so each point stays on its pixel and
    # only its depth changes; scored on image-to-3d's held-out tiles.
    try:
        depth = np.load(os.path.join(data_root, DEPTH_MODEL, "depth.npy"), allow_pickle=False)
        with open(os.path.join(data_root, DEPTH_MODEL, "camera.json"), "r", encoding="utf-8") as fh:
            cam = json.load(fh)
        with np.load(os.path.join(data_root, MIDDLEBURY, "motorcycle_disp.npz"),
                     allow_pickle=False) as z:
            disp = np.asarray(z[z.files[0]], dtype=np.float64)
        cam = {k: (cam[k] if k == "split" else float(cam[k]))
               for k in ("fx", "fy", "cx", "cy", "doffs", "baseline_m", "split") if k in cam}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise Fail("cannot read image-to-3d's depth map or camera: %s" % e)
    if depth.ndim != 2 or disp.shape != depth.shape:
        raise Fail("depth map %s and disparity %s differ in shape" % (depth.shape, disp.shape))
    ok_all = np.isfinite(disp)
    ztrue = np.where(ok_all, cam["fx"] * cam["baseline_m"] / (disp + cam["doffs"]), 1.0)
    P, vv, uu = pl.backproject(depth.astype(np.float64), cam, stride)
    Pt, _, _ = pl.backproject(ztrue, cam, stride)
    sp = cam.get("split", {})
    if sp.get("method") == "halves":
        te = uu >= depth.shape[1] // 2
    else:
        t = int(sp.get("tile_px", 100))
        te = ((vv // t + uu // t) % 2) == 1
    ev = ok_all[vv, uu] & te
    outs = run_methods(P, model, bk, iters, along_rays=True)
    depth_res = {"n_points": int(len(P)), "n_eval": int(ev.sum())}
    for k in METHODS:
        zt, zp = Pt[ev, 2], outs[k][ev, 2]
        depth_res[k] = {"chamfer_m": pl.chamfer(outs[k][ev], Pt[ev]),
                        "point_error_m": float(np.linalg.norm(outs[k][ev] - Pt[ev], axis=1).mean()),
                        "abs_rel": float(np.mean(np.abs(zp - zt) / zt))}
    pl.write_xyz(os.path.join(out_dir, "refined_cloud.xyz"), outs["model"])

    # Metrics: means over folds and test noise levels.
    def fold_mean(key):
        return float(np.mean([folds[f]["by_sigma"][s][key] for f in MESHES for s in folds[f]["by_sigma"]]))
    metrics = {}
    for k in METHODS:
        metrics["chamfer_" + k] = fnum(fold_mean(k), 7)
        metrics["heldout_points_chamfer_" + k] = fnum(np.mean([heldout[s][k] for s in heldout]), 7)
        metrics["depth_cloud_chamfer_m_" + k] = fnum(depth_res[k]["chamfer_m"], 7)
        metrics["depth_cloud_point_error_m_" + k] = fnum(depth_res[k]["point_error_m"], 7)
        metrics["depth_cloud_abs_rel_" + k] = fnum(depth_res[k]["abs_rel"], 7)
    best_base = min(metrics["chamfer_" + b] for b in BASELINES)
    metrics["chamfer_gain_vs_best_baseline"] = fnum(1.0 - metrics["chamfer_model"] / best_base)
    metrics["final_loss"] = fnum(final_loss)
    for nm in sorted(metrics):
        emit("metric", {"name": nm, "value": metrics[nm]})

    info = {"metrics": metrics, "params": p, "steps": steps, "points_per_shape": n_pts,
            "n_features": len(pl.FEATURES_PER_SCALE) * len(p["scales"]),
            "folds": folds, "heldout_points": heldout, "depth_cloud": depth_res,
            "depth_stride": stride, "baseline_k_final": bk, "data": shas,
            "chamfer_units": "mesh folds and held-out points: bounding-box diagonal = 1; "
                             "depth cloud: metres"}
    report.write_text(os.path.join(out_dir, "metrics.json"),
                      json.dumps(info, sort_keys=True, indent=2) + "\n")
    report.write_text(os.path.join(out_dir, "MODEL_CARD.md"), report.model_card(p, info))
    log("done in %.2f s: Chamfer model %.5f vs noisy %.5f, laplacian %.5f, pca %.5f, jet %.5f"
        % (time.monotonic() - t0, metrics["chamfer_model"], metrics["chamfer_noisy"],
           metrics["chamfer_laplacian"], metrics["chamfer_pca"], metrics["chamfer_jet"]))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("enhanced-3d: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("enhanced-3d: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("enhanced-3d: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
