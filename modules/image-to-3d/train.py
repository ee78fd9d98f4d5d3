#!/usr/bin/python3
"""image-to-3d trainer: monocular depth (left image only) on the Middlebury
2014 "Motorcycle" pair shipped by scikit-image, NumPy only.  Ground truth
depth comes from the true disparity and the calibration.  Per-pixel features
-> small MLP on log depth, trained on one set of image tiles and scored on
the others against mean-depth and per-row-mean-depth baselines.  Follows the
qtm training contract (QTM_DATA, QTM_OUTPUT, QTM_PARAMS, QTM_SEED,
QTM_THREADS; '@qtm progress' / '@qtm metric' lines on stdout)."""

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

import depthlib  # noqa: E402
import report  # noqa: E402

DATASET = "dataset-middlebury-motorcycle"
IMAGE = "motorcycle_left.png"
DISP = "motorcycle_disp.npz"

# name -> (default, type check, description for errors)
DEFAULTS = {
    "seed": 42,
    "profile": "quick",
    "split": "checkerboard",
    "tile_px": 100,
    "scales": [2, 6, 16, 40],
    "use_column": False,
    "hidden": [64, 32],
    "train_pixels_quick": 40000,
    "train_pixels_full": 200000,
    "steps_quick": 800,
    "steps_full": 8000,
    "batch": 1024,
    "learning_rate": 0.003,
    "weight_decay": 1e-05,
    "ridge_lambda": 1.0,
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
        "split": p["split"] in ("checkerboard", "halves"),
        "tile_px": _int(p["tile_px"]) and p["tile_px"] >= 8,
        "scales": isinstance(p["scales"], list) and len(p["scales"]) > 0
        and all(_int(s) and 1 <= s <= 200 for s in p["scales"]),
        "use_column": isinstance(p["use_column"], bool),
        "hidden": isinstance(p["hidden"], list) and len(p["hidden"]) > 0
        and all(_int(h) and 1 <= h <= 1024 for h in p["hidden"]),
        "train_pixels_quick": _int(p["train_pixels_quick"]) and p["train_pixels_quick"] >= 100,
        "train_pixels_full": _int(p["train_pixels_full"]) and p["train_pixels_full"] >= 100,
        "steps_quick": _int(p["steps_quick"]) and p["steps_quick"] >= 1,
        "steps_full": _int(p["steps_full"]) and p["steps_full"] >= 1,
        "batch": _int(p["batch"]) and p["batch"] >= 1,
        "learning_rate": _num(p["learning_rate"]) and p["learning_rate"] > 0,
        "weight_decay": _num(p["weight_decay"]) and p["weight_decay"] >= 0,
        "ridge_lambda": _num(p["ridge_lambda"]) and p["ridge_lambda"] >= 0,
    }
    for k in sorted(checks):
        if not checks[k]:
            raise Fail("bad value for parameter %r: %r" % (k, p[k]))
    # Real-valued parameters as floats, so metrics.json reads the same however
    # the caller wrote them (1 or 1.0).
    for k in ("learning_rate", "weight_decay", "ridge_lambda"):
        p[k] = float(p[k])
    return p


def split_masks(H, W, p):
    """Spatial split.  checkerboard: square tiles of tile_px, even (ix+iy)
    train, odd test.  halves: left half train, right half test."""
    yy, xx = np.mgrid[0:H, 0:W]
    if p["split"] == "halves":
        tr = xx < W // 2
    else:
        tr = ((yy // p["tile_px"] + xx // p["tile_px"]) % 2) == 0
    return tr, ~tr


def train_mlp(X, y, p, steps):
    """Minibatch Adam on 0.5 * MSE of standardised log depth."""
    rng = np.random.default_rng(p["seed"])
    Ws, bs = depthlib.mlp_init(rng, X.shape[1], p["hidden"])
    params = Ws + bs
    m = [np.zeros_like(a) for a in params]
    v = [np.zeros_like(a) for a in params]
    lr0, wd, b1, b2, eps = p["learning_rate"], p["weight_decay"], 0.9, 0.999, 1e-8
    n = X.shape[0]
    bsz = min(p["batch"], n)
    every = max(1, steps // 60)
    run = None
    for step in range(1, steps + 1):
        idx = rng.integers(0, n, size=bsz)
        acts = depthlib.mlp_forward(X[idx], Ws, bs)
        loss = 0.5 * float(np.mean((acts[-1][:, 0] - y[idx]) ** 2))
        run = loss if run is None else 0.95 * run + 0.05 * loss
        gW, gb = depthlib.mlp_grads(acts, Ws, y[idx], wd)
        lr = lr0 * (0.1 + 0.9 * 0.5 * (1.0 + np.cos(np.pi * step / steps)))  # cosine decay
        for a, g, mi, vi in zip(params, gW + gb, m, v):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * g * g
            a -= lr * (mi / (1 - b1 ** step)) / (np.sqrt(vi / (1 - b2 ** step)) + eps)
        if step % every == 0 or step == steps:
            emit("progress", {"step": step, "steps": steps, "loss": fnum(run)})
    return Ws, bs, run


def main():
    t0 = time.monotonic()
    p = load_params()
    data_root = os.environ.get("QTM_DATA")
    out_dir = os.environ.get("QTM_OUTPUT")
    if not data_root:
        raise Fail("QTM_DATA is not set")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    paths = {f: os.path.join(data_root, DATASET, f) for f in (IMAGE, DISP)}
    shas = {}
    for f, path in sorted(paths.items()):
        if not os.path.isfile(path):
            raise Fail("data file not found: %s" % path)
        with open(path, "rb") as fh:
            shas[f] = hashlib.sha256(fh.read()).hexdigest()
    full = p["profile"] == "full"
    steps = p["steps_full"] if full else p["steps_quick"]
    n_sample = p["train_pixels_full"] if full else p["train_pixels_quick"]
    log("image-to-3d: profile=%s steps=%d seed=%d threads=%s (BLAS: 1)"
        % (p["profile"], steps, p["seed"], _threads))

    try:
        img = depthlib.read_png(paths[IMAGE])
    except depthlib.PngError as e:
        raise Fail(str(e))
    try:
        disp = depthlib.load_disparity(paths[DISP])
    except (OSError, ValueError) as e:
        raise Fail("cannot read %s: %s" % (paths[DISP], e))
    H, W, _ = img.shape
    if disp.shape != (H, W):
        raise Fail("disparity shape %s does not match image %s" % (disp.shape, (H, W)))
    Z = depthlib.disparity_to_depth(disp)
    valid = np.isfinite(Z)
    log("image %dx%d, valid ground truth %.1f %%, depth %.2f..%.2f m"
        % (W, H, 100 * valid.mean(), np.nanmin(Z), np.nanmax(Z)))

    F, names = depthlib.compute_features(img, p["scales"], p["use_column"])
    log("features: %d per pixel, %.2f s" % (F.shape[1], time.monotonic() - t0))

    trm, tem = split_masks(H, W, p)
    tr = (trm & valid).ravel()
    te = (tem & valid).ravel()
    if tr.sum() < 100 or te.sum() < 100:
        raise Fail("split leaves too few valid pixels (train %d, test %d)" % (tr.sum(), te.sum()))
    zf = Z.ravel()
    logz = np.log(np.where(valid.ravel(), zf, 1.0))
    log("split %s: train %d px, test %d px (valid ground truth only)"
        % (p["split"], tr.sum(), te.sum()))

    mu = F[tr].mean(axis=0)
    sd = F[tr].std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    X = (F - mu) / sd
    tmu = float(logz[tr].mean())
    tsd = float(logz[tr].std())
    y = (logz - tmu) / tsd

    # Training subsample (fixed seed; sorted indices keep order stable).
    rng = np.random.default_rng(p["seed"] + 1)
    tr_idx = np.flatnonzero(tr)
    if n_sample < tr_idx.size:
        tr_idx = np.sort(rng.choice(tr_idx, size=n_sample, replace=False))
    Ws, bs, final_loss = train_mlp(X[tr_idx], y[tr_idx], p, steps)

    pred_all = np.exp(depthlib.mlp_predict(X, Ws, bs) * tsd + tmu)
    zt = zf[te]
    res = {"model": depthlib.depth_metrics(pred_all[te], zt),
           "model_train": depthlib.depth_metrics(pred_all[tr], zf[tr])}

    # Baselines, all fitted on training pixels only.
    res["baseline_mean"] = depthlib.depth_metrics(np.full(zt.shape, zf[tr].mean()), zt)
    rows = np.repeat(np.arange(H), W)
    cnt = np.bincount(rows[tr], minlength=H)
    rsum = np.bincount(rows[tr], weights=zf[tr], minlength=H)
    row_mean = np.where(cnt > 0, rsum / np.maximum(cnt, 1), zf[tr].mean())
    res["baseline_row_mean"] = depthlib.depth_metrics(row_mean[rows[te]], zt)
    # Linear reference: ridge on the same standardised features.
    Xt = np.hstack([X[tr_idx], np.ones((tr_idx.size, 1))])
    A = Xt.T @ Xt + p["ridge_lambda"] * np.diag(np.r_[np.ones(X.shape[1]), 0.0])
    wr = np.linalg.solve(A, Xt.T @ y[tr_idx])
    ridge = np.exp((X[te] @ wr[:-1] + wr[-1]) * tsd + tmu)
    res["ridge"] = depthlib.depth_metrics(ridge, zt)

    metrics = {}
    for key, prefix in (("model", ""), ("model_train", "train_"),
                        ("baseline_mean", "baseline_mean_"),
                        ("baseline_row_mean", "baseline_row_mean_"), ("ridge", "ridge_")):
        for mk, mv in res[key].items():
            metrics[prefix + mk] = fnum(mv)
    metrics["final_loss"] = fnum(final_loss)
    for nm in sorted(metrics):
        emit("metric", {"name": nm, "value": metrics[nm]})

    config = {"scales": p["scales"], "use_column": p["use_column"], "hidden": p["hidden"],
              "feature_names": names, "activation": "tanh", "target": "log depth (m)",
              "image_shape": [H, W], "camera": depthlib.CAMERA}
    depthlib.save_model(os.path.join(out_dir, "model.npz"), Ws, bs,
                        {"feat_mean": mu, "feat_std": sd,
                         "target_mean": np.array(tmu), "target_std": np.array(tsd)}, config)
    depth = pred_all.reshape(H, W).astype(np.float32)
    np.save(os.path.join(out_dir, "depth.npy"), depth, allow_pickle=False)
    cam = dict(depthlib.CAMERA, width=W, height=H,
               note="pinhole camera of depth.npy: X=(u-cx)*Z/fx, Y=(v-cy)*Z/fy, Z = depth "
                    "along the optical axis in metres; u column, v row (pixel centres at "
                    "integers); depth.npy is the model's prediction for every pixel, train "
                    "and test tiles alike")
    split_info = {"method": p["split"], "tile_px": p["tile_px"],
                  "train": "tiles with even (row_tile + col_tile)" if p["split"] == "checkerboard"
                  else "left half (columns < %d)" % (W // 2),
                  "test": "the other tiles" if p["split"] == "checkerboard"
                  else "right half"}
    cam["split"] = split_info
    report.write_text(os.path.join(out_dir, "camera.json"),
                      json.dumps(cam, sort_keys=True, indent=2) + "\n")

    info = {
        "metrics": metrics,
        "params": p,
        "steps": steps,
        "n_features": len(names),
        "n_train_pixels_valid": int(tr.sum()), "n_train_pixels_used": int(tr_idx.size),
        "n_test_pixels": int(te.sum()),
        "split": split_info,
        "camera": depthlib.CAMERA,
        "depth_range_m": [fnum(np.nanmin(Z), 4), fnum(np.nanmax(Z), 4)],
        "valid_fraction": fnum(valid.mean()),
        "predicted_depth_range_m": [fnum(depth.min(), 4), fnum(depth.max(), 4)],
        "data": {DATASET + "/" + f: shas[f] for f in sorted(shas)},
    }
    report.write_text(os.path.join(out_dir, "metrics.json"),
                      json.dumps(info, sort_keys=True, indent=2) + "\n")
    report.write_text(os.path.join(out_dir, "MODEL_CARD.md"),
                      report.model_card(p, info, res, names, steps, H, W, shas))
    log("done in %.2f s: abs rel %.4f, RMSE %.3f m, delta1 %.3f (row-mean baseline %.4f / %.3f / %.3f)"
        % (time.monotonic() - t0, res["model"]["abs_rel"], res["model"]["rmse_m"],
           res["model"]["delta1"], res["baseline_row_mean"]["abs_rel"],
           res["baseline_row_mean"]["rmse_m"], res["baseline_row_mean"]["delta1"]))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("image-to-3d: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("image-to-3d: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("image-to-3d: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
