#!/usr/bin/python3
"""gis-buildings trainer (qtm training contract): building segmentation of
airborne height models, NumPy only.

Truth: the 158 real Soho block outlines of dataset-sf-buildings (read from
the GeoPackage with sqlite3).  Input: a *simulated* airborne LiDAR survey
of those outlines (sim.py), gridded into a normalised DSM.  Model: a per-cell
MLP on height, slope and window statistics (seg.py), trained on a spatial
checkerboard of tiles and compared with a plain height threshold on the
held-out tiles.  Then, as a real-data check, the installed gis-lidar model
classifies the CGAL b9 points, its ground points give the terrain, and the
segmenter is run on the b9 height model and compared with its roof points.
"""

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

import apply  # noqa: E402
import card  # noqa: E402
import gpkg  # noqa: E402
import lidarfeat  # noqa: E402
import seg  # noqa: E402
import sim  # noqa: E402

BUILDINGS = ("dataset-sf-buildings", "buildings.gpkg")
B9 = ("dataset-cgal-b9", "b9_training.ply")
LIDAR = ("gis-lidar", "model.npz")

# name -> (default, type); "floats" is a non-empty list of numbers
DEFAULTS = {
    "seed": (42, int), "profile": ("quick", str),
    "cell_m": (1.0, float), "margin_m": (10.0, float),
    "scenes_quick": (1, int), "scenes_full": (3, int),
    "point_density_m2": (2.2, float), "sensor_noise_m": (0.08, float),
    "canopy_penetration": (0.3, float), "trees_per_ha": (25.0, float),
    "cars_per_ha": (20.0, float), "low_block_fraction": (0.1, float),
    "pitched_fraction": (0.35, float), "plot_spacing_m": (12.0, float),
    "dtm_cell_m": (4.0, float), "tile_m": (150.0, float), "guard_m": (8.0, float),
    "windows_m": ([3.0, 7.0, 15.0], "floats"), "high_m": (2.5, float),
    "hidden": (32, int), "epochs_quick": (6, int), "epochs_full": (25, int),
    "samples_quick": (40000, int), "samples_full": (200000, int),
    "batch_size": (256, int), "learning_rate": (0.003, float),
    "weight_decay": (0.0001, float), "min_region_m2": (20.0, float),
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
    given = {}
    path = os.environ.get("QTM_PARAMS")
    if path:
        try:
            with open(path, "r", encoding="utf-8") as fh:
                given = json.load(fh)
        except (OSError, ValueError) as e:
            raise Fail("cannot read QTM_PARAMS %s: %s" % (path, e))
        if not isinstance(given, dict):
            raise Fail("QTM_PARAMS must hold a JSON object")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise Fail("unknown parameter(s): %s" % ", ".join(unknown))
    p = {}
    for k, (dflt, typ) in DEFAULTS.items():
        v = given.get(k, dflt)
        if typ == "floats":
            if (not isinstance(v, list) or not v
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
                raise Fail("params.%s must be a non-empty list of numbers" % k)
            v = [float(x) for x in v]
        elif typ is str:
            if not isinstance(v, str):
                raise Fail("params.%s must be a string" % k)
        elif typ is int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise Fail("params.%s must be an integer" % k)
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise Fail("params.%s must be a number" % k)
            v = float(v)
        p[k] = v
    env_seed = os.environ.get("QTM_SEED")
    if env_seed not in (None, ""):
        try:
            p["seed"] = int(env_seed)
        except ValueError:
            raise Fail("QTM_SEED is not an integer: %r" % env_seed)
    if p["profile"] not in ("quick", "full"):
        raise Fail("params.profile must be 'quick' or 'full', not %r" % p["profile"])
    positive = ["cell_m", "point_density_m2", "plot_spacing_m", "dtm_cell_m", "tile_m",
                "learning_rate", "scenes_quick", "scenes_full", "hidden", "epochs_quick",
                "epochs_full", "samples_quick", "samples_full", "batch_size"]
    for k in positive:
        if p[k] <= 0:
            raise Fail("params.%s must be > 0" % k)
    for k in ("margin_m", "sensor_noise_m", "trees_per_ha", "cars_per_ha", "guard_m",
              "weight_decay", "min_region_m2", "high_m"):
        if p[k] < 0:
            raise Fail("params.%s must be >= 0" % k)
    for k in ("canopy_penetration", "low_block_fraction", "pitched_fraction"):
        if not 0.0 <= p[k] <= 1.0:
            raise Fail("params.%s must be within [0, 1]" % k)
    if any(w < p["cell_m"] for w in p["windows_m"]):
        raise Fail("params.windows_m entries must be >= cell_m")
    if p["guard_m"] * 2 >= p["tile_m"]:
        raise Fail("params.guard_m must be less than half of tile_m")
    return p


def data_file(root, pkg_file):
    path = os.path.join(root, *pkg_file)
    if not os.path.isfile(path):
        raise Fail("required file not found: %s (is %s installed?)" % (path, pkg_file[0]))
    with open(path, "rb") as fh:
        return path, hashlib.sha256(fh.read()).hexdigest()


def tiles_of(ny, nx, cell, tile_m, guard_m):
    """Checkerboard split of a grid: (test mask, train mask minus a guard
    band of guard_m along tile edges so train windows see less test data)."""
    yc = (np.arange(ny) + 0.5) * cell
    xc = (np.arange(nx) + 0.5) * cell
    ty, tx = np.floor(yc / tile_m).astype(int), np.floor(xc / tile_m).astype(int)
    test = ((ty[:, None] + tx[None, :]) % 2) == 1
    dy = np.minimum(yc % tile_m, tile_m - yc % tile_m)
    dx = np.minimum(xc % tile_m, tile_m - xc % tile_m)
    inner = (dy[:, None] >= guard_m) & (dx[None, :] >= guard_m)
    return test, ~test & inner


def best_threshold(h, truth):
    """Height threshold with the best training IoU (grid of 0.25 m)."""
    best = (-1.0, 0.0)
    for t in np.arange(0.5, 12.01, 0.25):
        iou = seg.pixel_scores(truth, h > t)["iou"]
        if iou > best[0]:
            best = (iou, float(t))
    return best[1]


def main():
    t0 = time.monotonic()
    p = load_params()
    data_root = os.environ.get("QTM_DATA")
    out_dir = os.environ.get("QTM_OUTPUT")
    if not data_root:
        raise Fail("QTM_DATA is not set")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    gpkg_path, gpkg_sha = data_file(data_root, BUILDINGS)
    b9_path, b9_sha = data_file(data_root, B9)
    lidar_path, lidar_sha = data_file(data_root, LIDAR)
    full = p["profile"] == "full"
    scenes = p["scenes_full"] if full else p["scenes_quick"]
    epochs = p["epochs_full"] if full else p["epochs_quick"]
    nsamp = p["samples_full"] if full else p["samples_quick"]
    log("gis-buildings: profile=%s scenes=%d epochs=%d seed=%d threads=%s"
        % (p["profile"], scenes, epochs, p["seed"], _threads))

    try:
        feats, ginfo = gpkg.read_polygons(gpkg_path)
    except gpkg.GpkgError as e:
        raise Fail(str(e))
    if not feats:
        raise Fail("%s: no polygons" % gpkg_path)
    areas = np.array([sum(gpkg.polygon_area(r) for r in polys) for _, polys in feats])
    log("read %d polygons from %s (table %s, srs %s), total %.0f m2"
        % (len(feats), BUILDINGS[1], ginfo["table"], ginfo["srs_name"], areas.sum()))

    cell = p["cell_m"]
    wins = p["windows_m"]
    scene_data = []
    Xs, ys = [], []
    for s in range(scenes):
        rng = np.random.default_rng([p["seed"], s])
        sc = sim.simulate(feats, p, rng)
        h, _, _ = seg.height_model(sc["xy"], sc["z"], sc["ground"], sc["x0"], sc["y0"],
                                   cell, sc["nx"], sc["ny"], p["dtm_cell_m"])
        F, names = seg.features(h, cell, wins, p["high_m"])
        test, train = tiles_of(sc["ny"], sc["nx"], cell, p["tile_m"], p["guard_m"])
        truth = sc["truth"]
        idx = np.flatnonzero(train.ravel())
        take = np.sort(rng.choice(idx, size=min(nsamp // scenes, idx.size), replace=False))
        Xs.append(F[take])
        ys.append(truth.ravel()[take].astype(np.int64))
        # keep the height model, not the features: they are recomputed for
        # evaluation so that memory stays at one scene's feature matrix
        del F
        scene_data.append({"h": h, "truth": truth, "test": test, "train": train,
                           "n_points": sc["n_points"], "n_trees": sc["n_trees"],
                           "n_cars": sc["n_cars"], "shape": (sc["ny"], sc["nx"])})
        emit("progress", {"step": s + 1, "steps": scenes + epochs})
        log("scene %d: %d x %d cells, %d returns, %d trees, %d cars, %.1f s"
            % (s, sc["nx"], sc["ny"], sc["n_points"], sc["n_trees"], sc["n_cars"],
               time.monotonic() - t0))

    X = np.concatenate(Xs).astype(np.float64)
    y = np.concatenate(ys)
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    rng = np.random.default_rng([p["seed"], 1000])

    def report(ep, n, loss):
        emit("progress", {"step": scenes + ep, "steps": scenes + epochs, "loss": fnum(loss)})

    W1, b1, W2, b2, loss = seg.train_mlp((X - mu) / sd, y, 2, p["hidden"], epochs,
                                         p["batch_size"], p["learning_rate"],
                                         p["weight_decay"], rng, report)
    log("trained on %d cells (%.1f %% building), loss %.4f, %.1f s"
        % (len(y), 100.0 * y.mean(), loss, time.monotonic() - t0))

    # Baseline threshold tuned on all training cells of all scenes.
    h_tr = np.concatenate([d["h"][d["train"]] for d in scene_data])
    t_tr = np.concatenate([d["truth"][d["train"]] for d in scene_data])
    thr = best_threshold(h_tr, t_tr)
    config = {"cell_m": cell, "windows_m": wins, "high_m": p["high_m"],
              "dtm_cell_m": p["dtm_cell_m"], "min_region_m2": p["min_region_m2"],
              "threshold_baseline_m": thr, "feature_names": names, "hidden": p["hidden"],
              "classes": ["not_building", "building"], "activation": "tanh"}
    model = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "feat_mean": mu, "feat_std": sd,
             "config": config}

    # Held-out evaluation: every cell of the test tiles of every scene.
    mc = apply.min_cells(config)
    sums = {}

    def acc(prefix, d):
        for k, v in d.items():
            sums.setdefault(prefix + k, []).append(v)

    for d in scene_data:
        F, _ = seg.features(d["h"], cell, wins, p["high_m"])
        prob = seg.predict_proba(model, F).reshape(d["shape"])
        del F
        raw = prob > 0.5
        clean = seg.clean_mask(raw, mc)
        base = d["h"] > thr
        te, tr = d["test"], d["truth"]
        acc("model_", seg.pixel_scores(tr, clean, te))
        acc("model_raw_", seg.pixel_scores(tr, raw, te))
        acc("baseline_", seg.pixel_scores(tr, base, te))
        acc("baseline_clean_", seg.pixel_scores(tr, seg.clean_mask(base, mc), te))
        acc("model_", seg.object_scores(tr, clean, te, mc))
        acc("baseline_", seg.object_scores(tr, base, te, mc))
        acc("baseline_clean_", seg.object_scores(tr, seg.clean_mask(base, mc), te, mc))
    metrics = {k: fnum(np.mean(v)) for k, v in sums.items()
               if not k.endswith(("n_true", "n_pred", "matched"))}
    counts = {k: int(np.sum(v)) for k, v in sums.items()
              if k.endswith(("n_true", "n_pred", "matched"))}
    log("held-out: model IoU %.4f F1 %.4f, threshold(%.2f m) IoU %.4f F1 %.4f, %.1f s"
        % (metrics["model_iou"], metrics["model_f1"], thr, metrics["baseline_iou"],
           metrics["baseline_f1"], time.monotonic() - t0))

    # Real data: CGAL b9 through the installed gis-lidar model.
    try:
        lmodel = lidarfeat.load_model(lidar_path)
        vertex, _ = lidarfeat.read_ply(b9_path)
        xyz = lidarfeat.xyz_of(vertex, b9_path)
        hand = vertex["label"].astype(np.int64) if "label" in vertex else None
        b9, _ = apply.cloud_buildings(model, lmodel, xyz, hand)
    except (lidarfeat.PlyError, ValueError, KeyError, OSError) as e:
        raise Fail("b9 evaluation failed: %s" % e)
    for dec, pre in (("model", "b9_"), ("threshold", "baseline_b9_")):
        for k, v in sorted(b9[dec].items()):
            metrics[pre + k] = fnum(v)
    metrics["b9_lidar_roof_regions"] = b9["lidar_roof_regions"]
    metrics["threshold_baseline_m"] = fnum(thr)
    metrics["final_loss"] = fnum(loss)
    for nm in sorted(metrics):
        emit("metric", {"name": nm, "value": metrics[nm]})
    log("b9: %d regions from the model, %d from the threshold, %d gis-lidar roof regions; "
        "%.1f %% of gis-lidar roof points inside predicted buildings"
        % (b9["model"]["building_regions"], b9["threshold"]["building_regions"],
           b9["lidar_roof_regions"], 100 * b9["model"]["lidar_roof_points_in_buildings"]))

    cfg_bytes = json.dumps(config, sort_keys=True).encode("utf-8")
    seg.save_npz(os.path.join(out_dir, "model.npz"), {
        "W1": W1, "b1": b1, "W2": W2, "b2": b2, "feat_mean": mu, "feat_std": sd,
        "config_json": np.frombuffer(cfg_bytes, dtype=np.uint8)})
    report_obj = {
        "metrics": metrics, "object_counts_test": counts, "params": p,
        "epochs": epochs, "scenes": scenes, "n_train_cells": int(len(y)),
        "train_building_fraction": fnum(y.mean()),
        "test_cells": int(sum(int(d["test"].sum()) for d in scene_data)),
        "scene_stats": [{k: d[k] for k in ("n_points", "n_trees", "n_cars")}
                        for d in scene_data],
        "grid": list(scene_data[0]["shape"]), "features": names,
        "split": {"method": "checkerboard of square tiles", "tile_m": p["tile_m"],
                  "test_tiles": "odd (ix+iy)", "train_tiles": "even (ix+iy)",
                  "train_guard_m": p["guard_m"]},
        "b9": b9,
        "data": {"buildings": {"file": "/".join(BUILDINGS), "sha256": gpkg_sha,
                               "polygons": len(feats), "area_m2": fnum(areas.sum(), 1),
                               "srs": ginfo["srs_name"]},
                 "b9": {"file": "/".join(B9), "sha256": b9_sha},
                 "gis_lidar_model": {"file": "/".join(LIDAR), "sha256": lidar_sha}},
    }
    with open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(report_obj, sort_keys=True, indent=2) + "\n")
    with open(os.path.join(out_dir, "MODEL_CARD.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(card.render(report_obj, areas))
    log("done in %.2f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("gis-buildings: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("gis-buildings: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("gis-buildings: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
