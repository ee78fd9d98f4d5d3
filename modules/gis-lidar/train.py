#!/usr/bin/python3
"""gis-lidar trainer: per-point LiDAR classification (ground, vegetation, roof)
on the CGAL b9 point set, NumPy only.  Follows the qtm training contract:
reads QTM_DATA, QTM_OUTPUT, QTM_PARAMS, QTM_SEED, QTM_THREADS; reports
'@qtm progress' and '@qtm metric' lines on stdout."""

import os
import sys

# One BLAS thread unless told otherwise; must happen before numpy loads.
_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads

import hashlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

sys.dont_write_bytecode = True  # the module folder may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import lidar  # noqa: E402

DATASET = "dataset-cgal-b9"
DATAFILE = "b9_training.ply"

DEFAULTS = {
    "seed": 42,
    "profile": "quick",
    "tile_m": 8.0,
    "radii_m": [1.5, 2.5, 4.0],
    "ground_cell_m": 5.0,
    "ground_window_m": [15.0, 35.0],
    "hidden": 32,
    "epochs_quick": 300,
    "epochs_full": 3000,
    "learning_rate": 0.01,
    "weight_decay": 0.0001,
    "class_weighting": "balanced",
}


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def emit(kind, obj):
    print("@qtm %s %s" % (kind, json.dumps(obj, separators=(",", ":"))), flush=True)


def fnum(x, nd=6):
    return float(round(float(x), nd))


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
        p.update(given)
    env_seed = os.environ.get("QTM_SEED")
    if env_seed not in (None, ""):
        try:
            p["seed"] = int(env_seed)
        except ValueError:
            raise Fail("QTM_SEED is not an integer: %r" % env_seed)
    if p["profile"] not in ("quick", "full"):
        raise Fail("params.profile must be 'quick' or 'full', not %r" % (p["profile"],))
    try:
        p["seed"] = int(p["seed"])
        p["tile_m"] = float(p["tile_m"])
        p["radii_m"] = [float(r) for r in p["radii_m"]]
        p["ground_cell_m"] = float(p["ground_cell_m"])
        p["ground_window_m"] = [float(w) for w in p["ground_window_m"]]
        p["hidden"] = int(p["hidden"])
        p["epochs_quick"] = int(p["epochs_quick"])
        p["epochs_full"] = int(p["epochs_full"])
        p["learning_rate"] = float(p["learning_rate"])
        p["weight_decay"] = float(p["weight_decay"])
    except (TypeError, ValueError, KeyError) as e:
        raise Fail("bad parameter value: %s" % e)
    if (p["tile_m"] <= 0 or not p["radii_m"] or min(p["radii_m"]) <= 0
            or p["ground_cell_m"] <= 0 or not p["ground_window_m"]
            or p["hidden"] < 1 or p["epochs_quick"] < 1 or p["epochs_full"] < 1
            or p["learning_rate"] <= 0 or p["weight_decay"] < 0):
        raise Fail("parameter out of range")
    if p["class_weighting"] not in ("balanced", "none"):
        raise Fail("params.class_weighting must be 'balanced' or 'none'")
    return p


def confusion(y, yhat, k):
    return np.bincount(y * k + yhat, minlength=k * k).reshape(k, k)


def scores(cm):
    tp = np.diag(cm).astype(np.float64)
    rec = tp / np.maximum(cm.sum(axis=1), 1)
    prec = tp / np.maximum(cm.sum(axis=0), 1)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-300), 0.0)
    acc = tp.sum() / max(cm.sum(), 1)
    return acc, rec, prec, f1


def height_baseline(h_tr, y_tr, h_te, k):
    """Two thresholds on height-above-local-minimum; classes ordered by their
    median training height; thresholds chosen for best training accuracy."""
    order = np.argsort([np.median(h_tr[y_tr == c]) for c in range(k)], kind="stable")
    cand = np.unique(np.quantile(h_tr, np.linspace(0.0, 1.0, 101)))
    best = (-1.0, 0.0, 0.0)
    for a in range(len(cand)):
        t1 = cand[a]
        t2 = cand[a:]
        pred = np.where(h_tr[None, :] < t1, order[0],
                        np.where(h_tr[None, :] < t2[:, None], order[1], order[2]))
        acc = (pred == y_tr[None, :]).mean(axis=1)
        b = int(np.argmax(acc))
        if acc[b] > best[0]:
            best = (float(acc[b]), float(t1), float(t2[b]))
    _, t1, t2 = best
    pred = np.where(h_te < t1, order[0], np.where(h_te < t2, order[1], order[2]))
    return pred, t1, t2, [lidar.CLASS_NAMES[c] for c in order]


def train_mlp(X, y, k, p, epochs):
    rng = np.random.default_rng(p["seed"])
    n, d = X.shape
    h = p["hidden"]
    W1 = rng.normal(0.0, np.sqrt(1.0 / d), size=(d, h))
    b1 = np.zeros(h)
    W2 = rng.normal(0.0, np.sqrt(1.0 / h), size=(h, k))
    b2 = np.zeros(k)
    Y = np.eye(k)[y]
    if p["class_weighting"] == "balanced":
        cnt = np.bincount(y, minlength=k).astype(np.float64)
        cw = n / (k * np.maximum(cnt, 1.0))
    else:
        cw = np.ones(k)
    sw = cw[y]
    sw = sw / sw.sum()
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(a) for a in params]
    v = [np.zeros_like(a) for a in params]
    lr, wd, beta1, beta2, eps = p["learning_rate"], p["weight_decay"], 0.9, 0.999, 1e-8
    loss = 0.0
    for ep in range(1, epochs + 1):
        H, P = lidar.mlp_forward(X, W1, b1, W2, b2)
        loss = float(-(sw * np.log(P[np.arange(n), y] + 1e-12)).sum()
                     + 0.5 * wd * ((W1 * W1).sum() + (W2 * W2).sum()))
        G = (P - Y) * sw[:, None]
        gW2 = H.T @ G + wd * W2
        gb2 = G.sum(axis=0)
        GH = (G @ W2.T) * (1.0 - H * H)
        gW1 = X.T @ GH + wd * W1
        gb1 = GH.sum(axis=0)
        for a, g, mi, vi in zip(params, [gW1, gb1, gW2, gb2], m, v):
            mi *= beta1
            mi += (1 - beta1) * g
            vi *= beta2
            vi += (1 - beta2) * g * g
            mh = mi / (1 - beta1 ** ep)
            vh = vi / (1 - beta2 ** ep)
            a -= lr * mh / (np.sqrt(vh) + eps)
        emit("progress", {"step": ep, "steps": epochs, "loss": fnum(loss)})
    return W1, b1, W2, b2, loss


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def fmt_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def main():
    t0 = time.monotonic()
    p = load_params()
    data_root = os.environ.get("QTM_DATA")
    out_dir = os.environ.get("QTM_OUTPUT")
    if not data_root:
        raise Fail("QTM_DATA is not set")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    path = os.path.join(data_root, DATASET, DATAFILE)
    if not os.path.isfile(path):
        raise Fail("data file not found: %s" % path)
    with open(path, "rb") as fh:
        data_sha = hashlib.sha256(fh.read()).hexdigest()
    epochs = p["epochs_full"] if p["profile"] == "full" else p["epochs_quick"]
    log("gis-lidar: profile=%s epochs=%d seed=%d threads=%s"
        % (p["profile"], epochs, p["seed"], _threads))

    try:
        vertex, info = lidar.read_ply(path)
    except lidar.PlyError as e:
        raise Fail(str(e))
    if "label" not in vertex:
        raise Fail("%s: no 'label' property; cannot train" % path)
    xyz = lidar.xyz_of(vertex, path)
    labels = vertex["label"].astype(np.int64)
    k = len(lidar.CLASS_NAMES)
    if np.any((labels < -1) | (labels >= k)):
        raise Fail("unexpected label values %s" % np.unique(labels).tolist())
    n_pts = xyz.shape[0]
    log("read %d points (%s); labelled: %d" % (n_pts, info["format"], int((labels >= 0).sum())))

    # Features: geometry only (x, y, z).  The colour channels encode the
    # label and are never read here.
    F, names = lidar.compute_features(xyz, p["radii_m"], p["ground_cell_m"], p["ground_window_m"])
    log("features: %d per point, %.2f s" % (F.shape[1], time.monotonic() - t0))

    # Spatial checkerboard split: tiles of tile_m x tile_m metres anchored at
    # the cloud's minimum x, y; even tiles train, odd tiles test.
    tiles = np.floor((xyz[:, :2] - xyz[:, :2].min(axis=0)) / p["tile_m"]).astype(np.int64)
    parity = (tiles[:, 0] + tiles[:, 1]) % 2
    lab = labels >= 0
    tr = lab & (parity == 0)
    te = lab & (parity == 1)
    y_tr, y_te = labels[tr], labels[te]
    n_tr_c = np.bincount(y_tr, minlength=k)
    n_te_c = np.bincount(y_te, minlength=k)
    if np.any(n_tr_c == 0) or np.any(n_te_c == 0):
        raise Fail("split leaves a class without points (train %s, test %s); change tile_m"
                   % (n_tr_c.tolist(), n_te_c.tolist()))
    tile_id = tiles[:, 0] * 100003 + tiles[:, 1]
    assert not set(np.unique(tile_id[tr]).tolist()) & set(np.unique(tile_id[te]).tolist())
    log("split: train %d %s, test %d %s (%d / %d tiles)"
        % (tr.sum(), n_tr_c.tolist(), te.sum(), n_te_c.tolist(),
           len(np.unique(tile_id[tr])), len(np.unique(tile_id[te]))))

    mu = F[tr].mean(axis=0)
    sd = F[tr].std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    X_tr = (F[tr] - mu) / sd
    X_te = (F[te] - mu) / sd

    W1, b1, W2, b2, final_loss = train_mlp(X_tr, y_tr, k, p, epochs)

    _, P_te = lidar.mlp_forward(X_te, W1, b1, W2, b2)
    yhat = np.argmax(P_te, axis=1)
    cm = confusion(y_te, yhat, k)
    acc, rec, prec, f1 = scores(cm)
    macro_f1 = float(f1.mean())
    _, P_tr = lidar.mlp_forward(X_tr, W1, b1, W2, b2)
    train_acc = float((np.argmax(P_tr, axis=1) == y_tr).mean())

    # Baselines.
    maj = int(np.argmax(n_tr_c))
    maj_acc = float((y_te == maj).mean())
    maj_f1 = float(scores(confusion(y_te, np.full_like(y_te, maj), k))[3].mean())
    hcol = names.index([nm for nm in names if nm.startswith("height_above_min_")][-1])
    hb_pred, t1, t2, hb_order = height_baseline(F[tr, hcol], y_tr, F[te, hcol], k)
    hb_cm = confusion(y_te, hb_pred, k)
    hb_acc, _, _, hb_f1 = scores(hb_cm)

    # Whole-cloud prediction (all points, incl. unlabelled) for the card.
    _, P_all = lidar.mlp_forward((F - mu) / sd, W1, b1, W2, b2)
    pred_all = np.bincount(np.argmax(P_all, axis=1), minlength=k)

    metrics = {
        "accuracy": fnum(acc),
        "macro_f1": fnum(macro_f1),
        "train_accuracy": fnum(train_acc),
        "final_loss": fnum(final_loss),
        "baseline_majority_accuracy": fnum(maj_acc),
        "baseline_majority_macro_f1": fnum(maj_f1),
        "baseline_height_accuracy": fnum(hb_acc),
        "baseline_height_macro_f1": fnum(hb_f1.mean()),
    }
    for c, nm in enumerate(lidar.CLASS_NAMES):
        metrics["recall_" + nm] = fnum(rec[c])
        metrics["precision_" + nm] = fnum(prec[c])
        metrics["f1_" + nm] = fnum(f1[c])
    for nm in sorted(metrics):
        emit("metric", {"name": nm, "value": metrics[nm]})

    config = {
        "classes": lidar.CLASS_NAMES,
        "feature_names": names,
        "radii_m": p["radii_m"],
        "ground_cell_m": p["ground_cell_m"],
        "ground_window_m": p["ground_window_m"],
        "hidden": p["hidden"],
        "activation": "tanh",
    }
    cfg_bytes = json.dumps(config, sort_keys=True).encode("utf-8")
    lidar.save_npz(os.path.join(out_dir, "model.npz"), {
        "W1": W1, "b1": b1, "W2": W2, "b2": b2,
        "feat_mean": mu, "feat_std": sd,
        "config_json": np.frombuffer(cfg_bytes, dtype=np.uint8),
    })

    report = {
        "metrics": metrics,
        "classes": lidar.CLASS_NAMES,
        "confusion_matrix_test": cm.tolist(),
        "confusion_matrix_rows": "true class",
        "n_train": int(tr.sum()), "n_test": int(te.sum()),
        "n_train_per_class": n_tr_c.tolist(), "n_test_per_class": n_te_c.tolist(),
        "split": {"method": "checkerboard of square tiles", "tile_m": p["tile_m"],
                  "train_tiles": "even (ix+iy)", "test_tiles": "odd (ix+iy)"},
        "baseline_height": {"feature": names[hcol], "thresholds_m": [fnum(t1, 4), fnum(t2, 4)],
                            "class_order_low_to_high": hb_order},
        "predicted_counts_all_points": dict(zip(lidar.CLASS_NAMES, pred_all.tolist())),
        "params": p,
        "epochs": epochs,
        "n_features": len(names),
        "data": {"file": DATASET + "/" + DATAFILE, "sha256": data_sha, "points": int(n_pts)},
    }
    write_text(os.path.join(out_dir, "metrics.json"),
               json.dumps(report, sort_keys=True, indent=2) + "\n")

    pct = lambda x: "%.1f %%" % (100.0 * x)  # noqa: E731
    cls_rows = [[nm, int(n_tr_c[c]), int(n_te_c[c]), pct(rec[c]), pct(prec[c]), "%.3f" % f1[c]]
                for c, nm in enumerate(lidar.CLASS_NAMES)]
    cm_rows = [["**%s**" % nm] + [int(v) for v in cm[c]] for c, nm in enumerate(lidar.CLASS_NAMES)]
    card = """# gis-lidar — model card

Per-point classification of airborne LiDAR into **ground**, **vegetation** and **roof**,
trained with NumPy only (no pre-trained weights).

## Data

`dataset-cgal-b9` / `b9_training.ply` (sha256 `{sha}`): the b9 point set from CGAL's
classification examples (Debian package libcgal-demo; CC0-1.0). {npts} points (x, y, z in
metres); {nlab} carry a `label` (0 ground, 1 vegetation, 2 roof, -1 unlabelled).
The colour channels of the file are a rendering of the label and are **not** used as
features; they are not read at all.

## Features ({nf} per point, geometry only)

Neighbourhoods from a 2-D grid hash over all {npts} points, at radii {radii} m:
point counts (spherical and vertical-cylinder), covariance eigenvalue features
(linearity, planarity, scattering, omnivariance, eigenentropy), verticality
(1 − |normal z|), z standard deviation, z relative to the neighbourhood mean, and within the
cylinder: z range, height above the lowest and below the highest neighbour. Plus height above
the minimum z of a {gw} m square window (grid cells of {gc} m), raw and log.
Features are standardised with training-set mean and standard deviation.

## Model

One hidden layer MLP ({hid} tanh units, softmax over 3 classes), full-batch Adam,
learning rate {lr}, L2 {wd}, {ep} epochs ({prof} profile), class weighting: {cw}, seed {seed}.

## Split

Spatial checkerboard of {tile} m × {tile} m tiles anchored at the cloud's minimum x, y:
labelled points in even tiles train ({ntr}), in odd tiles test ({nte}); no tile is in both.

## Held-out results

Accuracy **{acc}**, macro F1 **{mf1}** (training accuracy {tracc}).

{cls_table}

Confusion matrix (rows true, columns predicted):

{cm_table}

Baselines on the same test points:

| method | accuracy | macro F1 |
|---|---|---|
| majority class ({maj}) | {majacc} | {majf1:.3f} |
| two thresholds on `{hname}` ({t1:.2f} m, {t2:.2f} m; order {hord}) | {hbacc} | {hbf1:.3f} |
| this model | {acc} | {mf1v:.3f} |

Predicted classes over all {npts} points: {predall}.

## Limitations

- One small scene (about 91 m × 112 m, ~2 points/m²) with 2,447 labelled points in three
  compact hand-labelled patches; test tiles neighbour training tiles and share the same
  buildings, trees and ground, so the held-out figure is optimistic for other scenes.
- The test set is small ({nte} points, {nveg} of them vegetation), so the accuracy
  figures carry wide uncertainty.
- Only three classes: other objects (cars, walls, water, power lines, low vegetation)
  are forced into one of them.
- Features use fixed metric radii; clouds of a very different density or with units other
  than metres need retraining.  No intensity, return number or colour is used.
- Outputs are bit-reproducible for the same inputs, NumPy build and CPU.

## Licence

Model code and weights: MIT.  Training data: CC0-1.0 (CGAL).
""".format(
        sha=data_sha, npts=n_pts, nlab=int(lab.sum()), nf=len(names),
        radii=", ".join("%g" % r for r in p["radii_m"]),
        gw=" m and ".join("%g" % ((2 * max(0, int(round((w / p["ground_cell_m"] - 1) / 2))) + 1)
                                 * p["ground_cell_m"]) for w in p["ground_window_m"]),
        gc="%g" % p["ground_cell_m"], hid=p["hidden"], lr=p["learning_rate"],
        wd=p["weight_decay"], ep=epochs, prof=p["profile"], cw=p["class_weighting"],
        seed=p["seed"], tile="%g" % p["tile_m"], ntr=int(tr.sum()), nte=int(te.sum()),
        nveg=int(n_te_c[lidar.CLASS_NAMES.index("vegetation")]),
        acc=pct(acc), mf1="%.3f" % macro_f1, mf1v=macro_f1, tracc=pct(train_acc),
        cls_table=fmt_table(["class", "train", "test", "recall", "precision", "F1"], cls_rows),
        cm_table=fmt_table([""] + lidar.CLASS_NAMES, cm_rows),
        maj=lidar.CLASS_NAMES[maj], majacc=pct(maj_acc), majf1=maj_f1,
        hname=names[hcol], t1=t1, t2=t2, hord=" < ".join(hb_order),
        hbacc=pct(hb_acc), hbf1=float(hb_f1.mean()),
        predall=", ".join("%s %d" % (nm, int(pred_all[c]))
                          for c, nm in enumerate(lidar.CLASS_NAMES)),
    )
    write_text(os.path.join(out_dir, "MODEL_CARD.md"), card)
    log("done in %.2f s: accuracy %.4f, macro F1 %.4f (majority %.4f, height %.4f)"
        % (time.monotonic() - t0, acc, macro_f1, maj_acc, hb_acc))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("gis-lidar: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("gis-lidar: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("gis-lidar: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
