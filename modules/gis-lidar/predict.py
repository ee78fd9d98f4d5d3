#!/usr/bin/python3
"""gis-lidar predictor.

usage: predict.py [--model DIR] [--output FILE] [PLY]

Loads DIR/model.npz (DIR defaults to $QTM_MODEL), classifies every point of
PLY (default: $QTM_DATA/dataset-cgal-b9/b9_training.ply) from its x, y, z
only, and prints per-class counts as JSON.  With --output, also writes the
labels: FILE ending in .ply gets a binary PLY with x, y, z and an int 'label'
(0 ground, 1 vegetation, 2 roof); any other FILE gets one label name per line.
If the input carries a 'label' property (>= 0 = labelled), the accuracy on
the labelled points is printed too.
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

import lidar  # noqa: E402


def write_ply(path, xyz, labels):
    dt = np.dtype([("x", "<f8"), ("y", "<f8"), ("z", "<f8"), ("label", "<i4")])
    rec = np.empty(len(labels), dtype=dt)
    rec["x"], rec["y"], rec["z"] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    rec["label"] = labels
    head = ("ply\nformat binary_little_endian 1.0\n"
            "comment gis-lidar labels: 0 ground, 1 vegetation, 2 roof\n"
            "element vertex %d\nproperty double x\nproperty double y\nproperty double z\n"
            "property int label\nend_header\n" % len(labels))
    with open(path, "wb") as fh:
        fh.write(head.encode("ascii"))
        fh.write(rec.tobytes())


def main(argv):
    ap = argparse.ArgumentParser(description="Classify LiDAR points (ground, vegetation, roof).")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--output", "-o", help="write labels to FILE (.ply or text)")
    ap.add_argument("ply", nargs="?", help="input PLY (default: the b9 training set)")
    a = ap.parse_args(argv)

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        raise SystemExit("gis-lidar: error: no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        raise SystemExit("gis-lidar: error: model not found: %s" % mpath)
    src = a.ply
    if not src:
        data = os.environ.get("QTM_DATA")
        if not data:
            raise SystemExit("gis-lidar: error: no input PLY given and QTM_DATA not set")
        src = os.path.join(data, "dataset-cgal-b9", "b9_training.ply")
    if not os.path.isfile(src):
        raise SystemExit("gis-lidar: error: input not found: %s" % src)

    try:
        model = lidar.load_model(mpath)
        vertex, _ = lidar.read_ply(src)
        xyz = lidar.xyz_of(vertex, src)
    except (lidar.PlyError, OSError, ValueError, KeyError) as e:
        raise SystemExit("gis-lidar: error: %s" % e)
    if xyz.shape[0] == 0:
        raise SystemExit("gis-lidar: error: %s has no points" % src)
    pred, _ = lidar.predict_labels(model, xyz)
    classes = model["config"]["classes"]
    counts = np.bincount(pred, minlength=len(classes))
    result = {"input": src, "points": int(len(pred)),
              "counts": {c: int(counts[i]) for i, c in enumerate(classes)}}
    if "label" in vertex:
        gt = vertex["label"].astype(np.int64)
        m = (gt >= 0) & (gt < len(classes))
        if m.any():
            result["labelled_points"] = int(m.sum())
            result["accuracy_on_labelled"] = round(float((pred[m] == gt[m]).mean()), 6)
    if a.output:
        if a.output.lower().endswith(".ply"):
            write_ply(a.output, xyz, pred.astype(np.int32))
        else:
            with open(a.output, "w", encoding="utf-8") as fh:
                fh.write("".join(classes[i] + "\n" for i in pred))
        result["output"] = a.output
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
