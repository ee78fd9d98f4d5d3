#!/usr/bin/python3
"""text-to-3d predictor.

usage: predict.py [--model DIR] [-o OUT.npy] [--view] [DESCRIPTION ...]

Turns a description ("a tall cylinder on a wide box"; the default) into
shape classes and parameters with the trained model (DIR defaults to
$QTM_MODEL), renders the occupancy grid and prints a JSON summary: the
predicted relation and objects (sizes and centres in voxels), the number of
filled voxels and their bounding box, and the words the model did not know.
If the description is one the grammar can produce, the exact reference grid
is rendered too and its IoU with the prediction reported.  -o writes the
grid as a uint8 .npy array indexed [x, y, z] (z up); --view adds ASCII
front (x-z) and top (x-y) projections.
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

import shapes as S  # noqa: E402

DEFAULT_TEXT = "a tall cylinder on a wide box"


def projection(occ, axis):
    """ASCII projection, top row = highest z (front) or highest y (top)."""
    v = occ.any(axis=axis)   # front: axis=1 -> [x, z]; top: axis=2 -> [x, y]
    return ["".join("#" if v[x, k] else "." for x in range(v.shape[0]))
            for k in range(v.shape[1] - 1, -1, -1)]


def main(argv):
    ap = argparse.ArgumentParser(description="Description -> 3-D occupancy grid.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--output", "-o", help="write the occupancy grid to this .npy file")
    ap.add_argument("--view", action="store_true", help="include ASCII projections")
    ap.add_argument("text", nargs="*", help="the description (default: %r)" % DEFAULT_TEXT)
    a = ap.parse_args(argv)

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        sys.stderr.write("text-to-3d: error: no model: give --model DIR or set QTM_MODEL\n")
        return 1
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        sys.stderr.write("text-to-3d: error: model not found: %s\n" % mpath)
        return 1
    try:
        model = S.load_model(mpath)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write("text-to-3d: error: cannot load %s: %s\n" % (mpath, e))
        return 1
    text = " ".join(a.text).strip() or DEFAULT_TEXT
    cfg = model["config"]
    n = int(cfg["grid"])
    known = {f[2:] for f in cfg["vocab"] if f.startswith("u:")}
    toks = S.tokens(text)
    if not toks:
        sys.stderr.write("text-to-3d: error: the description has no words\n")
        return 1

    rel, cls, P = S.predict(model, [text])
    cls, P = cls[0], P[0]
    occ = S.render(cls, P, n)
    objs = []
    for k, name in enumerate(("A", "B")):
        if cls[k] < 0:
            continue
        objs.append({"object": name, "shape": S.SHAPES[int(cls[k])],
                     "size_voxels": [round(float(v) * n, 2) for v in P[k, :3]],
                     "centre_voxels": [round(float(v) * n, 2) for v in P[k, 3:]]})
    filled = np.argwhere(occ)
    result = {"text": text, "grid": [n, n, n], "axes": "x, y, z (z up)",
              "relation": S.RELATIONS[int(rel[0])], "objects": objs,
              "occupied_voxels": int(occ.sum()),
              "bbox_voxels": ({"min": filled.min(axis=0).tolist(),
                               "max": filled.max(axis=0).tolist()} if len(filled) else None),
              "unknown_words": sorted({w for w in toks if w not in known})}
    ref = S.parse(text)
    if ref is not None:
        rc, rp = S.layout(ref)
        result["reference_iou"] = round(float(S.iou(occ, S.render(rc, rp, n))), 4)
    else:
        result["reference_iou"] = None
        result["note"] = "not a description the grammar produces; no exact reference"
    if a.view:
        result["front_view_xz"] = projection(occ, 1)
        result["top_view_xy"] = projection(occ, 2)
    if a.output:
        np.save(a.output, occ.astype(np.uint8), allow_pickle=False)
        result["output"] = a.output
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
