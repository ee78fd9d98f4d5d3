#!/usr/bin/python3
"""geophysics-seismic trainer: first-break picking.  Trains a NumPy MLP that
scores every sample of a trace as the first break, on synthetic traces from
geophysics-forward (reflectivity * Ricker + noise, dt = 1 s), compares it on
held-out synthetic traces with a tuned classic STA/LTA trigger, then applies
both to the real IU.COLA.00.LHZ record of the 2010 Maule earthquake
(dataset-mseed-cola, decoded by our own miniSEED/Steim-2 reader) and sets
the picks against iasp91 travel times computed for the event and station.
Follows the qtm training contract."""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
FORWARD_PKG, MSEED_PKG, MSEED_FILE = "geophysics-forward", "dataset-mseed-cola", "test.mseed"
_data = os.environ.get("QTM_DATA", "")
if not os.path.isfile(os.path.join(_data, FORWARD_PKG, "forward.py")):
    sys.stderr.write("geophysics-seismic: error: %s/forward.py not found under QTM_DATA=%r; "
                     "install the %s package\n" % (FORWARD_PKG, _data, FORWARD_PKG))
    sys.exit(1)
sys.path.insert(0, os.path.join(_data, FORWARD_PKG))
sys.path.insert(0, HERE)

import datetime  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import forward  # noqa: E402
import mlkit  # noqa: E402
from mlkit import Fail, emit, fnum, log  # noqa: E402
import mseed  # noqa: E402
import picker  # noqa: E402
import realtrace  # noqa: E402

DEFAULTS = {
    "seed": 42, "profile": "quick",
    "n_samples": 600, "dt_s": 1.0, "fb_min_s": 80.0, "fb_max_s": 420.0,
    "f_min_hz": 0.03, "f_max_hz": 0.2, "snr_min": 1.5, "snr_max": 30.0,
    "n_train_quick": 3000, "n_train_full": 20000, "n_test": 1000,
    "rows_near": 10, "rows_random": 25, "label_sigma_s": 2.0, "edge_margin": 16,
    "hidden": [32, 32], "epochs_quick": 20, "epochs_full": 60,
    "learning_rate": 0.005, "batch": 1024, "weight_decay": 0.0,
    "sta_grid": [2, 4, 8, 16], "lta_grid": [32, 64, 128], "thr_grid": [1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0],
    "sta_lta_tune_traces": 1000,
    "event_lat": -35.9, "event_lon": -72.7, "event_time_utc": "2010-02-27T06:34:11",
    "event_depths_km": [20.0, 35.0], "station_lat": 64.8736, "station_lon": -147.8616,
}
SCHEMA = {
    "seed": "int", "profile": ("str", ["quick", "full"]),
    "n_samples": "int", "dt_s": "float", "fb_min_s": "float", "fb_max_s": "float",
    "f_min_hz": "float", "f_max_hz": "float", "snr_min": "float", "snr_max": "float",
    "n_train_quick": "int", "n_train_full": "int", "n_test": "int",
    "rows_near": "int", "rows_random": "int", "label_sigma_s": "float", "edge_margin": "int",
    "hidden": ("ints", None), "epochs_quick": "int", "epochs_full": "int",
    "learning_rate": "float", "batch": "int", "weight_decay": "float",
    "sta_grid": ("ints", None), "lta_grid": ("ints", None), "thr_grid": ("floats", None),
    "sta_lta_tune_traces": "int",
    "event_lat": "float", "event_lon": "float", "event_time_utc": ("str", None),
    "event_depths_km": ("floats", None), "station_lat": "float", "station_lon": "float",
}


def check(p):
    mlkit.require_positive(p, "n_samples", "dt_s", "fb_min_s", "f_min_hz", "snr_min", "n_train_quick",
                           "n_train_full", "n_test", "rows_near", "rows_random", "label_sigma_s",
                           "edge_margin", "hidden", "epochs_quick", "epochs_full", "learning_rate",
                           "batch", "sta_grid", "lta_grid", "thr_grid", "sta_lta_tune_traces")
    n = p["n_samples"]
    if n < 200 or not (p["edge_margin"] * p["dt_s"] < p["fb_min_s"] < p["fb_max_s"]
                       < (n - p["edge_margin"]) * p["dt_s"]):
        raise Fail("params: need n_samples >= 200 and edge_margin*dt < fb_min_s < fb_max_s < "
                   "(n_samples - edge_margin)*dt")
    if p["f_max_hz"] <= p["f_min_hz"] or p["f_max_hz"] >= 0.5 / p["dt_s"] or p["snr_max"] <= p["snr_min"]:
        raise Fail("params: need f_min_hz < f_max_hz < Nyquist and snr_min < snr_max")
    if p["weight_decay"] < 0 or min(p["event_depths_km"]) < 0 or max(p["event_depths_km"]) > 700:
        raise Fail("params.weight_decay >= 0 and event_depths_km in [0, 700] required")
    try:
        datetime.datetime.fromisoformat(p["event_time_utc"])
    except ValueError:
        raise Fail("params.event_time_utc is not an ISO time: %r" % p["event_time_utc"])


def training_rows(traces, fb, p, rng):
    """Rows near each first break plus random rows; Gaussian soft targets.
    Features are computed trace by trace and only the chosen rows are kept
    (the full per-sample matrices of a large training set would not fit)."""
    X, Y = [], []
    n, dt, m = p["n_samples"], p["dt_s"], p["edge_margin"]
    for x, t0 in zip(traces, fb):
        F = picker.features(x)
        c = int(round(t0 / dt))
        near = np.arange(c - p["rows_near"], c + p["rows_near"] + 1)
        idx = np.concatenate([near, rng.integers(m, n - m, p["rows_random"])])
        idx = idx[(idx >= m) & (idx < n - m)]
        X.append(F[idx])
        Y.append(np.exp(-0.5 * ((idx * dt - t0) / p["label_sigma_s"]) ** 2))
    return np.concatenate(X), np.concatenate(Y)[:, None]


def pick_errors(pick, truth):
    e = pick - truth
    return {"mae_s": float(np.mean(np.abs(e))), "rmse_s": float(np.sqrt(np.mean(e * e))),
            "median_abs_s": float(np.median(np.abs(e))), "bias_s": float(np.mean(e)),
            "within_2s": float(np.mean(np.abs(e) <= 2.0)), "within_5s": float(np.mean(np.abs(e) <= 5.0)),
            "within_20s": float(np.mean(np.abs(e) <= 20.0))}


def main():
    t0 = time.monotonic()
    p = mlkit.load_params(DEFAULTS, SCHEMA)
    check(p)
    data_root, out_dir = mlkit.io_dirs()
    path = os.path.join(data_root, MSEED_PKG, MSEED_FILE)
    if not os.path.isfile(path):
        raise Fail("data file not found: %s (install %s)" % (path, MSEED_PKG))
    if forward.__version__.split(".")[0] != "1":
        raise Fail("geophysics-forward %s is not version 1.x" % forward.__version__)
    full = p["profile"] == "full"
    n_train = p["n_train_full"] if full else p["n_train_quick"]
    epochs = p["epochs_full"] if full else p["epochs_quick"]
    log("geophysics-seismic: profile=%s n_train=%d n_test=%d epochs=%d seed=%d"
        % (p["profile"], n_train, p["n_test"], epochs, p["seed"]))
    selftest = forward.selftest_seismic()
    log("forward self-test: %s" % selftest)

    ss = np.random.SeedSequence(p["seed"])
    r_train, r_test, r_rows, r_mlp, r_fit = [np.random.default_rng(s) for s in ss.spawn(5)]
    train = picker.simulate(forward, r_train, n_train, p)
    test = picker.simulate(forward, r_test, p["n_test"], p)
    Xtr = np.stack([picker.preprocess(x) for x in train["traces"]])
    Xte = np.stack([picker.preprocess(x) for x in test["traces"]])
    F_te = [picker.features(x) for x in Xte]
    R, Y = training_rows(Xtr, train["first_break"], p, r_rows)
    log("simulated and featurised %d + %d traces in %.1f s" % (n_train, p["n_test"], time.monotonic() - t0))

    mu, sd = mlkit.standardise_fit(R)
    net = mlkit.MLP([R.shape[1]] + p["hidden"] + [1], "sigmoid", seed=int(r_mlp.integers(2 ** 31)))
    final_loss = net.fit((R - mu) / sd, Y, epochs, lr=p["learning_rate"], batch=p["batch"],
                         weight_decay=p["weight_decay"], seed=int(r_fit.integers(2 ** 31)),
                         on_epoch=lambda e, n, l: emit("progress", {"step": e, "steps": n, "loss": fnum(l)}))

    def mlp_pick(F):
        i, conf = picker.decode(net.predict((F - mu) / sd)[:, 0], p["edge_margin"])
        return i * p["dt_s"], conf

    pk_mlp = np.array([mlp_pick(F)[0] for F in F_te])
    k = min(p["sta_lta_tune_traces"], n_train)
    sl = picker.tune_sta_lta(Xtr[:k], train["first_break"][:k], p["dt_s"], p["sta_grid"], p["lta_grid"],
                             p["thr_grid"], p["edge_margin"])
    log("STA/LTA tuned on %d training traces: %s" % (k, sl))
    idx, trig = picker.trigger(picker.sta_lta(Xte, sl["sta"], sl["lta"]), sl["threshold"], p["edge_margin"])
    pk_sl = idx * p["dt_s"] - sl["offset_s"]
    truth = test["first_break"]
    res = {"mlp": pick_errors(pk_mlp, truth), "sta_lta": pick_errors(pk_sl, truth)}
    res["sta_lta"]["trigger_rate"] = float(trig.mean())
    by_snr = []
    for lo, hi in ((p["snr_min"], 3.0), (3.0, 10.0), (10.0, p["snr_max"])):
        m = (test["snr"] >= lo) & (test["snr"] < hi) if hi < p["snr_max"] else (test["snr"] >= lo)
        if m.any():
            by_snr.append({"snr": [lo, hi], "n": int(m.sum()),
                           "mlp_mae_s": fnum(pick_errors(pk_mlp[m], truth[m])["mae_s"], 4),
                           "sta_lta_mae_s": fnum(pick_errors(pk_sl[m], truth[m])["mae_s"], 4)})

    real = realtrace.analyse(path, p, lambda x: mlp_pick(picker.features(picker.preprocess(x))), sl)
    log("real trace: %s" % {k: real[k] for k in ("mlp_pick_utc", "sta_lta_pick_utc", "verification_ok")})

    metrics = {
        "pick_mae_s": fnum(res["mlp"]["mae_s"]), "pick_rmse_s": fnum(res["mlp"]["rmse_s"]),
        "pick_median_abs_s": fnum(res["mlp"]["median_abs_s"]), "pick_within_2s": fnum(res["mlp"]["within_2s"]),
        "baseline_sta_lta_pick_mae_s": fnum(res["sta_lta"]["mae_s"]),
        "baseline_sta_lta_pick_rmse_s": fnum(res["sta_lta"]["rmse_s"]),
        "baseline_sta_lta_pick_median_abs_s": fnum(res["sta_lta"]["median_abs_s"]),
        "baseline_sta_lta_pick_within_2s": fnum(res["sta_lta"]["within_2s"]),
        "final_loss": fnum(final_loss),
        "real_cola_mlp_pick_s_after_record_start": fnum(real["mlp_pick_s"], 3),
        "real_cola_sta_lta_pick_s_after_record_start": fnum(real["sta_lta_pick_s"], 3),
        "real_cola_decoding_checks_passed": 1 if real["verification_ok"] else 0,
    }
    for nm in sorted(metrics):
        emit("metric", {"name": nm, "value": metrics[nm]})

    config = {"features": picker.FEATURE_NAMES, "hidden": p["hidden"], "activation": "tanh",
              "output": "sigmoid", "sta_lta": sl, "params": p, "forward_version": forward.__version__}
    arrays = net.arrays()
    arrays.update({"feat_mean": mu, "feat_std": sd})
    mlkit.save_npz(os.path.join(out_dir, "model.npz"), arrays, config)
    report = {"metrics": metrics, "errors": {k: {kk: fnum(vv) for kk, vv in v.items()} for k, v in res.items()},
              "by_snr": by_snr, "sta_lta_settings": {k: (fnum(v) if isinstance(v, float) else v)
                                                     for k, v in sl.items()},
              "real_trace": real, "forward_selftest": selftest, "n_train": n_train, "n_test": p["n_test"],
              "epochs": epochs, "training_rows": int(R.shape[0]), "params": p,
              "split": "independent simulations from separate random streams spawned from the seed; "
                       "the real trace is never used for training or tuning"}
    mlkit.write_json(os.path.join(out_dir, "metrics.json"), report)
    mlkit.write_text(os.path.join(out_dir, "MODEL_CARD.md"),
                     realtrace.card(p, res, by_snr, sl, real, n_train, epochs, int(R.shape[0]), forward.__version__))
    log("done in %.1f s: MLP pick MAE %.2f s, STA/LTA %.2f s"
        % (time.monotonic() - t0, res["mlp"]["mae_s"], res["sta_lta"]["mae_s"]))


if __name__ == "__main__":
    try:
        main()
    except (Fail, mseed.MseedError) as e:
        sys.stderr.write("geophysics-seismic: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("geophysics-seismic: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("geophysics-seismic: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
