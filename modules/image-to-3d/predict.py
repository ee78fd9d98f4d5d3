#!/usr/bin/python3
"""image-to-3d predictor.

usage: predict.py [--model DIR] [--output FILE] [--disparity NPZ] [PNG]

Loads DIR/model.npz (DIR defaults to $QTM_MODEL) and predicts a depth map in
metres for PNG (default: the Motorcycle left view in
$QTM_DATA/dataset-middlebury-motorcycle).  Prints a JSON summary.  With
--output FILE.npy writes the float32 depth map (rows x columns); FILE.pgm
writes a 16-bit PGM in millimetres.  When the input is the default image (or
--disparity gives a true disparity map of the same size, Motorcycle
calibration) the depth error against ground truth is printed too, for all
pixels and for the held-out tiles.
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

import depthlib  # noqa: E402

DATASET = "dataset-middlebury-motorcycle"


def die(msg):
    sys.stderr.write("image-to-3d: error: %s\n" % msg)
    sys.exit(1)


def write_pgm16(path, depth):
    mm = np.clip(np.round(depth * 1000.0), 0, 65535).astype(">u2")
    with open(path, "wb") as fh:
        fh.write(b"P5\n%d %d\n65535\n" % (depth.shape[1], depth.shape[0]))
        fh.write(mm.tobytes())


def rounded(d):
    return {k: round(v, 6) for k, v in d.items()}


def main(argv):
    ap = argparse.ArgumentParser(description="Predict a depth map (metres) from one RGB image.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--output", "-o", help="write the depth map: FILE.npy (float32 m) or FILE.pgm (mm)")
    ap.add_argument("--disparity", help="true disparity .npz for scoring (Motorcycle calibration)")
    ap.add_argument("png", nargs="?", help="input PNG (default: the Motorcycle left view)")
    a = ap.parse_args(argv)

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    src, disp_path = a.png, a.disparity
    data = os.environ.get("QTM_DATA")
    if not src:
        if not data:
            die("no input PNG given and QTM_DATA not set")
        src = os.path.join(data, DATASET, "motorcycle_left.png")
        if not disp_path:
            disp_path = os.path.join(data, DATASET, "motorcycle_disp.npz")
    if not os.path.isfile(src):
        die("input not found: %s" % src)

    try:
        model = depthlib.load_model(mpath)
        img = depthlib.read_png(src)
    except (depthlib.PngError, OSError, ValueError, KeyError) as e:
        die(str(e))
    depth = depthlib.predict_depth(model, img).astype(np.float32)
    result = {"input": src, "height": int(depth.shape[0]), "width": int(depth.shape[1]),
              "depth_m": {"min": round(float(depth.min()), 4),
                          "median": round(float(np.median(depth)), 4),
                          "max": round(float(depth.max()), 4)}}
    if disp_path and os.path.isfile(disp_path):
        try:
            z = depthlib.disparity_to_depth(depthlib.load_disparity(disp_path))
        except (OSError, ValueError) as e:
            die("cannot read %s: %s" % (disp_path, e))
        if z.shape == depth.shape:
            ok = np.isfinite(z)
            result["ground_truth"] = disp_path
            result["metrics_all_valid_pixels"] = rounded(depthlib.depth_metrics(depth[ok], z[ok]))
            tile = 100
            # Held-out pixels of the training split (recorded in metrics.json
            # of the model dir when present; the checkerboard is the default).
            mj = os.path.join(os.path.dirname(mpath), "metrics.json")
            split = {"method": "checkerboard", "tile_px": tile}
            if os.path.isfile(mj):
                with open(mj, "r", encoding="utf-8") as fh:
                    split = json.load(fh).get("split", split)
            H, W = depth.shape
            yy, xx = np.mgrid[0:H, 0:W]
            if split.get("method") == "halves":
                te = xx >= W // 2
            else:
                t = int(split.get("tile_px", tile))
                te = ((yy // t + xx // t) % 2) == 1
            result["metrics_test_pixels"] = rounded(depthlib.depth_metrics(depth[ok & te], z[ok & te]))
            result["split"] = split.get("method")
    if a.output:
        try:
            if a.output.lower().endswith(".pgm"):
                write_pgm16(a.output, depth)
            else:
                np.save(a.output, depth, allow_pickle=False)
        except OSError as e:
            die("cannot write %s: %s" % (a.output, e))
        result["output"] = a.output
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
