#!/usr/bin/python3
"""geophysics-resistivity predictor: two-layer parameters from a Schlumberger
sounding.

usage: predict.py [--model DIR] [SOUNDING]

SOUNDING is a text/CSV file with two columns, AB/2 in metres and apparent
resistivity in ohm.m (comma or whitespace separated; lines starting with '#'
or a header line are skipped).  It must span the trained AB/2 range (default
1-1000 m); it is interpolated in log-log onto the trained spacings (no
extrapolation).  Prints JSON: rho1, rho2 (ohm.m), h1 (m) from the MLP, the
two baselines (asymptote reading, nearest master curve), and the RMS log10
misfit of each estimate's exact two-layer response to the data.  Without
SOUNDING it simulates three held-out soundings (fixed seed) and shows the
true parameters too.  DIR defaults to $QTM_MODEL.
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
    sys.stderr.write("geophysics-resistivity: error: %s\n" % msg)
    sys.exit(1)


def read_sounding(path):
    rows = []
    with open(path, "r", encoding="utf-8") as fh:
        for line in fh:
            t = line.replace(",", " ").replace(";", " ").split()
            if not t or t[0].startswith("#"):
                continue
            try:
                rows.append((float(t[0]), float(t[1])))
            except (ValueError, IndexError):
                if rows:
                    raise ValueError("bad line: %r" % line.strip())
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description="Two-layer interpretation of a Schlumberger sounding.")
    ap.add_argument("--model", help="directory holding model.npz (default $QTM_MODEL)")
    ap.add_argument("sounding", nargs="?", help="two columns: AB/2 (m), apparent resistivity (ohm.m)")
    a = ap.parse_args(argv)
    fwd = os.path.join(os.environ.get("QTM_DATA", ""), "geophysics-forward")
    if not os.path.isfile(os.path.join(fwd, "mlkit.py")):
        die("geophysics-forward not found under $QTM_DATA (%r)" % os.environ.get("QTM_DATA", ""))
    sys.path.insert(0, fwd)
    sys.path.insert(0, HERE)
    import numpy as np
    import forward
    import mlkit
    import vescore

    mdir = a.model or os.environ.get("QTM_MODEL")
    if not mdir:
        die("no model: give --model DIR or set QTM_MODEL")
    mpath = mdir if mdir.endswith(".npz") else os.path.join(mdir, "model.npz")
    if not os.path.isfile(mpath):
        die("model not found: %s" % mpath)
    arrays, cfg = mlkit.load_npz(mpath)
    p = cfg["params"]
    ab2 = np.array(cfg["ab2_m"])
    net = mlkit.MLP.from_arrays(arrays, "linear")
    asy = vescore.AsymptoteBaseline()
    asy.log_c = cfg["asymptote_log_c"]
    table = vescore.TableBaseline(forward, p)

    def estimate(logrho):
        x = logrho[None, :]
        e_net = net.predict((x - arrays["x_mean"]) / arrays["x_std"])[0] * arrays["y_std"] + arrays["y_mean"]
        w = np.array(cfg["blend_lm_weight"])
        ests = {"model": w * vescore.invert(forward, x, e_net[None], p)[0] + (1.0 - w) * e_net,
                "mlp_network_only": e_net,
                "asymptotes": asy.predict(x, ab2)[0], "table_nn": table.predict(x)[0]}
        out = {}
        for k, e in ests.items():
            fit = np.log10(forward.schlumberger_2layer(ab2, 10 ** e[0], 10 ** e[1], 10 ** e[2])[0])
            out[k] = {"rho1_ohm_m": round(float(10 ** e[0]), 4), "rho2_ohm_m": round(float(10 ** e[1]), 4),
                      "h1_m": round(float(10 ** e[2]), 4),
                      "rms_misfit_log10": round(float(np.sqrt(np.mean((fit - logrho) ** 2))), 5)}
        return out

    if a.sounding:
        try:
            rows = read_sounding(a.sounding)
        except (OSError, ValueError) as e:
            die("cannot read %s: %s" % (a.sounding, e))
        if len(rows) < 4:
            die("%s: need at least 4 (AB/2, rho_a) rows" % a.sounding)
        d = np.array(sorted(rows))
        if np.any(d <= 0) or not np.all(np.isfinite(d)) or np.any(np.diff(d[:, 0]) <= 0):
            die("%s: AB/2 must be distinct and AB/2, rho_a positive" % a.sounding)
        if d[0, 0] > ab2[0] * 1.0001 or d[-1, 0] < ab2[-1] * 0.9999:
            die("%s spans AB/2 %g-%g m but the model needs %g-%g m (it does not extrapolate)"
                % (a.sounding, d[0, 0], d[-1, 0], ab2[0], ab2[-1]))
        logrho = np.interp(np.log10(ab2), np.log10(d[:, 0]), np.log10(d[:, 1]))
        out = {"input": a.sounding, "points": len(rows)}
        out.update(estimate(logrho))
    else:
        th, x, sig = vescore.simulate(forward, np.random.default_rng(20100227), 3, p, "image_series")
        res = []
        for i in range(3):
            r = {"true": {"rho1_ohm_m": round(float(10 ** th[i, 0]), 4), "rho2_ohm_m": round(float(10 ** th[i, 1]), 4),
                          "h1_m": round(float(10 ** th[i, 2]), 4)}, "noise_rel_std": round(float(sig[i]), 4)}
            r.update(estimate(x[i]))
            res.append(r)
        out = {"input": "3 simulated soundings (exact image series, seed 20100227)", "results": res}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
