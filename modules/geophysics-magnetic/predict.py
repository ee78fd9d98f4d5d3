#!/usr/bin/python3
"""geophysics-magnetic predictor: source depth from a gridded total-field
anomaly.

usage: predict.py [--model DIR] [--spacing M] [GRID]

GRID is a CSV (comma or whitespace separated) or .npy file holding an n x n
grid of total-field anomaly values in nT, rows running north (x), columns
east (y), with the grid size, spacing and sensor height the model was
trained for (see MODEL_CARD.md; default 40 x 40 at 10 m, 1 m above ground,
field I=60 D=10).  Prints JSON with the MLP depth and the Euler
deconvolution depth (the baseline) in metres.  Without GRID it simulates
five held-out test grids with geophysics-forward (a fixed seed) and prints
the true depth next to both estimates.  DIR defaults to $QTM_MODEL.
"""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _threads)
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))

import argparse  # noqa: E402
import json  # noqa: E402


def die(msg):
    sys.stderr.write("geophysics-magnetic: error: %s\n" % msg)
    sys.exit(1)


def main(argv):
    ap = argparse.ArgumentParser(description="Depth of a magnetic source from a total-field grid.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--spacing", type=float, help="grid spacing in m (default: as trained)")
    ap.add_argument("grid", nargs="?", help="n x n anomaly grid (.csv or .npy), nT")
    ap.add_argument("output", nargs="?", help="write the JSON answer here instead of standard output")
    a = ap.parse_args(argv)
    fwd = os.path.join(os.environ.get("QTM_DATA", ""), "geophysics-forward")
    if not os.path.isfile(os.path.join(fwd, "mlkit.py")):
        die("geophysics-forward not found under $QTM_DATA (%r)" % os.environ.get("QTM_DATA", ""))
    sys.path.insert(0, fwd)
    sys.path.insert(0, HERE)
    import numpy as np
    import forward
    import magcore
    import mlkit

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    arrays, cfg = mlkit.load_npz(mpath)
    p = dict(cfg["params"])
    net = mlkit.MLP.from_arrays(arrays, "linear")
    import pickle
    fpath = os.path.join(os.path.dirname(mpath), "forest.pkl")
    if not os.path.isfile(fpath):
        die("model not found: %s" % fpath)
    with open(fpath, "rb") as fh:
        forest = pickle.load(fh)
    w = float(cfg["blend_weight_mlp"])
    eu = cfg["euler"]

    def estimate(g):
        fe, (ze, si, nacc) = magcore.euler_features(g, p, eu)
        F = np.concatenate([magcore.features(g, p), fe])
        lm = float(net.predict(((F - arrays["feat_mean"]) / arrays["feat_std"])[None])[0, 0]
                   * cfg["y_std"] + cfg["y_mean"])
        z = float(np.exp(w * lm + (1.0 - w) * float(forest.predict(F[None])[0])))
        return {"depth_m": round(z, 3),
                "euler_depth_m": None if not np.isfinite(ze) else round(float(ze), 3),
                "euler_structural_index": si, "euler_solutions_accepted": nacc}

    if a.grid:
        if a.spacing is not None and abs(a.spacing - p["grid_spacing_m"]) > 1e-9:
            die("the model was trained for %g m spacing, not %g m" % (p["grid_spacing_m"], a.spacing))
        try:
            if a.grid.endswith(".npy"):
                g = np.load(a.grid, allow_pickle=False).astype(np.float64)
            else:
                with open(a.grid, "r", encoding="utf-8") as fh:
                    g = np.array([[float(v) for v in line.replace(",", " ").split()]
                                  for line in fh if line.strip() and not line.lstrip().startswith("#")])
        except (OSError, ValueError) as e:
            die("cannot read %s: %s" % (a.grid, e))
        n = p["grid_n"]
        if g.shape != (n, n) or not np.all(np.isfinite(g)):
            die("%s: need a finite %d x %d grid, got shape %s" % (a.grid, n, n, g.shape))
        out = {"input": a.grid, "grid_n": n, "grid_spacing_m": p["grid_spacing_m"]}
        out.update(estimate(g))
    else:
        sim = magcore.simulate(forward, np.random.default_rng(20100227), 5, p)
        rows = []
        for i in range(5):
            r = {"true_depth_m": round(float(sim["depth"][i]), 3),
                 "source": magcore.SOURCE_KINDS[int(sim["kind"][i])],
                 "noise_nt": round(float(sim["sigma"][i]), 3),
                 "peak_anomaly_nt": round(float(sim["amp"][i]), 3)}
            r.update(estimate(sim["grids"][i]))
            rows.append(r)
        out = {"input": "5 simulated test grids (seed 20100227)", "results": rows}
    text = json.dumps(out, indent=2) + "\n"
    if a.output:
        try:
            with open(a.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as e:
            die("cannot write %s: %s" % (a.output, e))
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
