#!/usr/bin/python3
"""geophysics-seismic predictor: first-break pick on a seismogram window.

usage: predict.py [--model DIR] [--start S] [--dt S] [TRACE]

TRACE is a miniSEED file (one channel; decoded by this module's reader), a
.npy array, or a text file with one sample per line (then --dt gives the
sample interval, default the trained 1 s).  The window analysed holds the
trained number of samples (default 600) starting --start seconds after the
trace start (default 0); the trace's sample interval must equal the trained
one.  Prints JSON with the MLP pick and the tuned STA/LTA pick, in seconds
after the window start and, for miniSEED, in UTC.  Without TRACE it uses
the real IU.COLA.00.LHZ record from dataset-mseed-cola.  DIR defaults to
$QTM_MODEL.
"""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _threads)
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402


def die(msg):
    sys.stderr.write("geophysics-seismic: error: %s\n" % msg)
    sys.exit(1)


def main(argv):
    ap = argparse.ArgumentParser(description="First-break pick on a seismogram window.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("--start", type=float, default=0.0, help="window start, s after trace start")
    ap.add_argument("--dt", type=float, help="sample interval (s) for .npy/text input")
    ap.add_argument("trace", nargs="?", help="miniSEED, .npy or text trace")
    a = ap.parse_args(argv)
    data = os.environ.get("QTM_DATA", "")
    fwd = os.path.join(data, "geophysics-forward")
    if not os.path.isfile(os.path.join(fwd, "mlkit.py")):
        die("geophysics-forward not found under $QTM_DATA (%r)" % data)
    sys.path.insert(0, fwd)
    sys.path.insert(0, HERE)
    import numpy as np
    import mlkit
    import mseed
    import picker

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    arrays, cfg = mlkit.load_npz(mpath)
    p, sl = cfg["params"], cfg["sta_lta"]
    net = mlkit.MLP.from_arrays(arrays, "sigmoid")
    src = a.trace or os.path.join(data, "dataset-mseed-cola", "test.mseed")
    if not os.path.isfile(src):
        die("input not found: %s" % src)
    start_utc, ident = None, None
    try:
        with open(src, "rb") as fh:
            head = fh.read(48)
        if src.endswith(".npy"):
            x, dt = np.load(src, allow_pickle=False).astype(np.float64).ravel(), a.dt or p["dt_s"]
        elif len(head) == 48 and head[:6].replace(b" ", b"0").isdigit() and head[6:7] in b"DRQM":
            tr, _ = mseed.read_trace(src)
            x, dt, start_utc, ident = tr["samples"].astype(np.float64), 1.0 / tr["rate"], tr["start"], tr["id"]
        else:
            with open(src, "r", encoding="utf-8") as fh:
                x = np.array([float(v) for line in fh for v in line.split()[:1] if not v.startswith("#")])
            dt = a.dt or p["dt_s"]
    except (OSError, ValueError, mseed.MseedError) as e:
        die("cannot read %s: %s" % (src, e))
    if abs(dt - p["dt_s"]) > 1e-6 * p["dt_s"]:
        die("sample interval %g s differs from the trained %g s; resample first" % (dt, p["dt_s"]))
    n = p["n_samples"]
    i0 = int(round(a.start / dt))
    if i0 < 0 or i0 + n > x.size or not np.all(np.isfinite(x[i0:i0 + n])):
        die("need %d finite samples from --start %g s; the trace has %d samples" % (n, a.start, x.size))
    w = picker.preprocess(x[i0:i0 + n])
    prob = net.predict((picker.features(w) - arrays["feat_mean"]) / arrays["feat_std"])[:, 0]
    t_mlp, conf = picker.decode(prob, p["edge_margin"])
    t_mlp *= dt
    idx, trig = picker.trigger(picker.sta_lta(w[None, :], sl["sta"], sl["lta"]), sl["threshold"], p["edge_margin"])
    t_sl = float(idx[0] * dt - sl["offset_s"])
    out = {"input": src, "id": ident, "window_start_s": i0 * dt, "window_samples": n,
           "mlp_pick_s": round(float(t_mlp), 3), "mlp_confidence": round(float(conf), 4),
           "sta_lta_pick_s": round(t_sl, 3), "sta_lta_triggered": bool(trig[0])}
    if start_utc is not None:
        w0 = start_utc + datetime.timedelta(seconds=i0 * dt)
        out["window_start_utc"] = w0.isoformat(timespec="milliseconds")
        out["mlp_pick_utc"] = (w0 + datetime.timedelta(seconds=float(t_mlp))).isoformat(timespec="milliseconds")
        out["sta_lta_pick_utc"] = (w0 + datetime.timedelta(seconds=t_sl)).isoformat(timespec="milliseconds")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
