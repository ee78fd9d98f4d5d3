#!/usr/bin/python3
"""gis-buildings predictor.

usage: predict.py [--model DIR] [--lidar-model DIR] [--decision model|threshold]
                  [-o OUT.npy] [INPUT]

INPUT is either
  - a PLY point cloud (x, y, z in metres; default: the CGAL b9 cloud from
    $QTM_DATA/dataset-cgal-b9): the installed gis-lidar model (DIR or
    $QTM_DATA/gis-lidar) classifies the points, its ground points give the
    terrain, and the normalised height model is built at the model's cell
    size; if the PLY has a 'label' property (0 ground, 1 vegetation, 2 roof)
    the agreement with it is reported too;
  - a .npy 2-D array: a normalised DSM (metres above ground) already on the
    model's cell size, rows running south to north.
Prints JSON: number and sizes of building regions, building area, and for
point clouds the share of gis-lidar roof points inside predicted buildings.
With -o, writes the int32 region grid (0 = not building) as .npy.
"""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _threads)

import argparse  # noqa: E402
import json  # noqa: E402

sys.dont_write_bytecode = True  # the module folder may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import apply  # noqa: E402
import lidarfeat  # noqa: E402
import seg  # noqa: E402


def die(msg):
    sys.stderr.write("gis-buildings: error: %s\n" % msg)
    sys.exit(1)


def npz_in(d, name):
    return d if d.endswith(".npz") else os.path.join(d, name)


def region_list(lab, n, cell, x0=None, y0=None, top=50):
    """Largest regions first: area and centroid (map coordinates when the
    grid origin is known, else row/column)."""
    if n == 0:
        return []
    flat = lab.ravel()
    on = flat > 0
    iy, ix = np.divmod(np.flatnonzero(on), lab.shape[1])
    cnt = np.bincount(flat[on], minlength=n + 1)
    cy = np.bincount(flat[on], weights=iy + 0.5, minlength=n + 1) / np.maximum(cnt, 1)
    cx = np.bincount(flat[on], weights=ix + 0.5, minlength=n + 1) / np.maximum(cnt, 1)
    order = sorted(range(1, n + 1), key=lambda k: (-cnt[k], k))[:top]
    out = []
    for k in order:
        r = {"id": int(k), "area_m2": round(float(cnt[k] * cell * cell), 2)}
        if x0 is not None:
            r["centroid_x"] = round(float(x0 + cx[k] * cell), 2)
            r["centroid_y"] = round(float(y0 + cy[k] * cell), 2)
        else:
            r["centroid_row"] = round(float(cy[k] - 0.5), 2)
            r["centroid_col"] = round(float(cx[k] - 0.5), 2)
        out.append(r)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="Segment buildings in a height model or point cloud.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--lidar-model", help="gis-lidar model directory (default $QTM_DATA/gis-lidar)")
    ap.add_argument("--decision", choices=["model", "threshold"], default="model",
                    help="the trained MLP (default) or the height-threshold baseline")
    ap.add_argument("--output", "-o", help="write the int32 region grid to this .npy file")
    ap.add_argument("input", nargs="?", help="PLY point cloud or .npy nDSM (default: b9)")
    a = ap.parse_args(argv)

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = npz_in(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    data = os.environ.get("QTM_DATA")
    src = a.input
    if not src:
        if not data:
            die("no input given and QTM_DATA not set")
        src = os.path.join(data, "dataset-cgal-b9", "b9_training.ply")
    if not os.path.isfile(src):
        die("input not found: %s" % src)
    try:
        model = seg.load_model(mpath)
    except (OSError, ValueError, KeyError) as e:
        die("cannot load %s: %s" % (mpath, e))
    cfg = model["config"]
    cell = cfg["cell_m"]
    result = {"input": src, "decision": a.decision, "cell_m": cell}

    if src.lower().endswith(".npy"):
        try:
            h = np.load(src, allow_pickle=False)
        except (OSError, ValueError) as e:
            die("cannot read %s: %s" % (src, e))
        if h.ndim != 2 or min(h.shape) < 3 or not np.issubdtype(h.dtype, np.number):
            die("%s: expected a 2-D numeric nDSM grid of at least 3 x 3 cells" % src)
        h = np.nan_to_num(h.astype(np.float64), nan=0.0)
        try:
            mask, _ = apply.segment(model, h, a.decision)
        except ValueError as e:
            die(str(e))
        lab, n, _ = apply.regions(mask, cfg)
        result.update({"kind": "ndsm", "grid": list(h.shape),
                       "building_regions": n, "building_cells": int(mask.sum()),
                       "building_area_m2": round(float(mask.sum() * cell * cell), 2),
                       "regions": region_list(lab, n, cell)})
    else:
        ldir = a.lidar_model or (os.path.join(data, "gis-lidar") if data else None)
        if not ldir:
            die("a point cloud needs the gis-lidar model: give --lidar-model DIR or set QTM_DATA")
        lpath = npz_in(ldir, "model.npz")
        if not os.path.isfile(lpath):
            die("gis-lidar model not found: %s" % lpath)
        try:
            lmodel = lidarfeat.load_model(lpath)
            vertex, _ = lidarfeat.read_ply(src)
            xyz = lidarfeat.xyz_of(vertex, src)
            if len(xyz) < 10:
                die("%s: too few points" % src)
            hand = vertex["label"].astype(np.int64) if "label" in vertex else None
            res, grids = apply.cloud_buildings(model, lmodel, xyz, hand)
        except (lidarfeat.PlyError, OSError, ValueError, KeyError) as e:
            die(str(e))
        x0, y0, _, _ = apply.cloud_grid(xyz, cell)
        lab = grids[a.decision + "_regions"]
        n = int(lab.max())
        mine = res[a.decision]
        result.update({"kind": "point_cloud", "points": res["points"], "grid": res["grid"],
                       "grid_origin_xy": [x0, y0],
                       "gis_lidar_class_counts": res["lidar_class_counts"],
                       "gis_lidar_roof_regions": res["lidar_roof_regions"],
                       "building_area_m2": round(float(mine["building_cells"] * cell * cell), 2)})
        result.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in mine.items()})
        result["regions"] = region_list(lab, n, cell, x0, y0)
    if a.output:
        np.save(a.output, lab.astype(np.int32), allow_pickle=False)
        result["output"] = a.output
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
