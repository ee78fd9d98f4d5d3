#!/usr/bin/python3
"""enhanced-3d predictor: denoise a point cloud with the learned model.

usage: predict.py [--model DIR] [--output FILE] [--iterations N]
                  [--stride PX] [--camera JSON] [INPUT]

INPUT is a point set (.xyz / .txt: x y z [...] per line; .off: its vertices)
or a depth map (.npy, rows x columns, metres; back-projected with --camera,
default $QTM_DATA/image-to-3d/camera.json, on a --stride pixel grid).  With no
INPUT the depth map of the required image-to-3d model
($QTM_DATA/image-to-3d/depth.npy) is refined; for a depth map every move is
kept along the camera ray, and if the Motorcycle ground truth is available in
$QTM_DATA the depth error before and after is printed.  Prints a JSON
summary; --output FILE writes the refined points (x y z per line).
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

import pointlib as pl  # noqa: E402


def die(msg):
    sys.stderr.write("enhanced-3d: error: %s\n" % msg)
    sys.exit(1)


def main(argv):
    ap = argparse.ArgumentParser(description="Denoise a point cloud or a depth map's cloud.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--output", "-o", help="write refined points to FILE (x y z per line)")
    ap.add_argument("--iterations", type=int, help="denoising steps (default: as trained)")
    ap.add_argument("--stride", type=int, help="pixel stride for a depth map (default: as trained)")
    ap.add_argument("--camera", help="camera.json for a depth map")
    ap.add_argument("input", nargs="?", help=".xyz/.txt/.off point set or .npy depth map")
    a = ap.parse_args(argv)

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    try:
        model = pl.load_model(mpath)
    except (OSError, ValueError, KeyError) as e:
        die("cannot load model %s: %s" % (mpath, e))
    cfg = model["config"]
    iters = cfg["iterations"] if a.iterations is None else a.iterations
    if iters < 0:
        die("--iterations must be >= 0")
    data = os.environ.get("QTM_DATA", "")
    src = a.input
    if not src:
        if not data:
            die("no input given and QTM_DATA not set")
        src = os.path.join(data, "image-to-3d", "depth.npy")
    if not os.path.isfile(src):
        die("input not found: %s" % src)

    result = {"input": src, "iterations": iters}
    truth = None
    if src.lower().endswith(".npy"):
        cam_path = a.camera or os.path.join(os.path.dirname(src), "camera.json")
        if not os.path.isfile(cam_path):
            die("depth map given but no camera.json (use --camera)")
        try:
            depth = np.load(src, allow_pickle=False).astype(np.float64)
            with open(cam_path, "r", encoding="utf-8") as fh:
                cam = json.load(fh)
            cam = {k: float(cam[k]) for k in ("fx", "fy", "cx", "cy")} | {
                k: cam[k] for k in ("doffs", "baseline_m") if k in cam}
        except (OSError, ValueError, KeyError, TypeError) as e:
            die("cannot read depth map or camera: %s" % e)
        if depth.ndim != 2 or not np.all(np.isfinite(depth)) or depth.min() <= 0:
            die("%s is not a positive finite 2-D depth map" % src)
        stride = a.stride or int(cfg.get("depth_stride", 8))
        if stride < 1:
            die("--stride must be >= 1")
        P, vv, uu = pl.backproject(depth, cam, stride)
        out = pl.refine(P, model, iters, along_rays=True)
        result.update({"kind": "depth map", "stride": stride, "camera": cam_path})
        disp_path = os.path.join(data, "dataset-middlebury-motorcycle", "motorcycle_disp.npz")
        if data and os.path.isfile(disp_path) and "doffs" in cam:
            with np.load(disp_path, allow_pickle=False) as z:
                disp = np.asarray(z[z.files[0]], dtype=np.float64)
            if disp.shape == depth.shape:
                ok = np.isfinite(disp[vv, uu])
                zt = cam["fx"] * cam["baseline_m"] / (disp[vv, uu][ok] + cam["doffs"])
                truth = (ok, zt)
    else:
        try:
            if src.lower().endswith(".off"):
                P = pl.read_off(src)[0]
            else:
                P = pl.read_xyz(src)
        except (OSError, pl.FormatError) as e:
            die(str(e))
        if len(P) < max(cfg["scales"]) + 1:
            die("need at least %d points, got %d" % (max(cfg["scales"]) + 1, len(P)))
        out = pl.refine(P, model, iters)
        result["kind"] = "point set"
    moved = np.linalg.norm(out - P, axis=1)
    result.update({"points": int(len(P)),
                   "mean_move": round(float(moved.mean()), 6),
                   "max_move": round(float(moved.max()), 6),
                   "bbox_min": [round(float(v), 6) for v in out.min(axis=0)],
                   "bbox_max": [round(float(v), 6) for v in out.max(axis=0)]})
    if truth is not None:
        ok, zt = truth
        for tag, Q in (("before", P), ("after", out)):
            zp = Q[ok, 2]
            result["depth_abs_rel_" + tag] = round(float(np.mean(np.abs(zp - zt) / zt)), 6)
            result["depth_rmse_m_" + tag] = round(float(np.sqrt(np.mean((zp - zt) ** 2))), 6)
        result["ground_truth_points"] = int(ok.sum())
    if a.output:
        try:
            pl.write_xyz(a.output, out, decimals=6)
        except OSError as e:
            die("cannot write %s: %s" % (a.output, e))
        result["output"] = a.output
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
