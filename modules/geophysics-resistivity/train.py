#!/usr/bin/python3
"""geophysics-resistivity trainer: two-layer inversion of Schlumberger
soundings.  Simulates noisy soundings (AB/2 1..1000 m) with the exact image
series of geophysics-forward, trains a NumPy MLP mapping log apparent
resistivity to (log rho1, log rho2, log h1), and compares it on independently
simulated held-out soundings with two baselines: reading the asymptotes and
nearest-neighbour matching in a coarse table of master curves (Guptasarma
11-point filter).  Follows the qtm training contract (QTM_DATA, QTM_OUTPUT,
QTM_PARAMS, QTM_SEED, QTM_THREADS)."""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
FORWARD_PKG = "geophysics-forward"
_data = os.environ.get("QTM_DATA", "")
if not os.path.isfile(os.path.join(_data, FORWARD_PKG, "forward.py")):
    sys.stderr.write("geophysics-resistivity: error: %s/forward.py not found under QTM_DATA=%r; "
                     "install the %s package\n" % (FORWARD_PKG, _data, FORWARD_PKG))
    sys.exit(1)
sys.path.insert(0, os.path.join(_data, FORWARD_PKG))
sys.path.insert(0, HERE)

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import forward  # noqa: E402
import mlkit  # noqa: E402
from mlkit import Fail, fnum, log  # noqa: E402
import qtm_train  # noqa: E402  (qtm's shared training helper, on PYTHONPATH in the sandbox)
import vescore  # noqa: E402
from sklearn.ensemble import RandomForestRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neighbors import KNeighborsRegressor  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

BASELINES = ["lm_inversion", "mlp_network_only", "random_forest", "nearest_training_sample",
             "training_mean", "table_nn", "asymptotes"]
SPLIT = ("different forward solver: training soundings from Guptasarma's 11-point filter, held-out "
         "soundings from the exact two-layer image series, independent random streams")

DEFAULTS = {
    "seed": 42, "profile": "quick",
    "ab2_min_m": 1.0, "ab2_max_m": 1000.0, "ab2_per_decade": 10,
    "rho_min": 1.0, "rho_max": 1000.0, "h1_min_m": 2.0, "h1_max_m": 200.0,
    "min_log_contrast": 0.3, "max_log_contrast": 2.0, "noise_min": 0.01, "noise_max": 0.05,
    "n_train_quick": 8000, "n_train_full": 60000, "n_test": 1000,
    "hidden": [64, 64], "epochs_quick": 60, "epochs_full": 300,
    "learning_rate": 0.003, "batch": 128, "weight_decay": 0.00001,
    "table_step_rho": 0.25, "table_step_h": 0.2, "train_forward": "filter11",
    "n_val": 400, "forest_trees": 100,
}
SCHEMA = {
    "seed": "int", "profile": ("str", ["quick", "full"]),
    "ab2_min_m": "float", "ab2_max_m": "float", "ab2_per_decade": "int",
    "rho_min": "float", "rho_max": "float", "h1_min_m": "float", "h1_max_m": "float",
    "min_log_contrast": "float", "max_log_contrast": "float", "noise_min": "float", "noise_max": "float",
    "n_train_quick": "int", "n_train_full": "int", "n_test": "int",
    "hidden": ("ints", None), "epochs_quick": "int", "epochs_full": "int",
    "learning_rate": "float", "batch": "int", "weight_decay": "float",
    "table_step_rho": "float", "table_step_h": "float",
    "train_forward": ("str", ["filter11", "image_series"]),
    "n_val": "int", "forest_trees": "int",
}


def check(p):
    mlkit.require_positive(p, "ab2_min_m", "ab2_per_decade", "rho_min", "h1_min_m", "n_train_quick",
                           "n_train_full", "n_test", "hidden", "epochs_quick", "epochs_full",
                           "learning_rate", "batch", "table_step_rho", "table_step_h", "n_val",
                           "forest_trees")
    if p["ab2_max_m"] <= 10 * p["ab2_min_m"]:
        raise Fail("params.ab2_max_m must be at least 10 x ab2_min_m")
    if p["rho_max"] <= p["rho_min"] or p["h1_max_m"] <= p["h1_min_m"]:
        raise Fail("params.rho_max / h1_max_m must exceed the minimum")
    if not 0 < p["min_log_contrast"] < p["max_log_contrast"] <= 3.0:
        raise Fail("params.min_log_contrast / max_log_contrast must satisfy 0 < min < max <= 3")
    if p["max_log_contrast"] > np.log10(p["rho_max"] / p["rho_min"]):
        raise Fail("params.max_log_contrast exceeds the resistivity range")
    if not 0 <= p["noise_min"] <= p["noise_max"] < 1 or p["weight_decay"] < 0:
        raise Fail("params.noise_min <= noise_max < 1 and weight_decay >= 0 required")


def scores(est, th):
    e = est - th
    out = {}
    for k, nm in enumerate(vescore.TARGETS):
        out[nm + "_rmse"] = float(np.sqrt(np.mean(e[:, k] ** 2)))
        out[nm + "_mae"] = float(np.mean(np.abs(e[:, k])))
        out[nm + "_within_factor_1.25"] = float(np.mean(np.abs(e[:, k]) <= np.log10(1.25)))
    out["mean_rmse_log10"] = float(np.mean([out[nm + "_rmse"] for nm in vescore.TARGETS]))
    return out


def data_misfit(est, logrho, ab2):
    """RMS (log10) between the observed sounding and the exact response of
    the estimated model: how well each estimate explains its data."""
    fit = np.log10(forward.schlumberger_2layer(ab2, 10 ** est[:, 0], 10 ** est[:, 1], 10 ** est[:, 2]))
    return float(np.median(np.sqrt(np.mean((fit - logrho) ** 2, axis=1))))


def main():
    t0 = time.monotonic()
    p = mlkit.load_params(DEFAULTS, SCHEMA)
    check(p)
    _, out_dir = mlkit.io_dirs()
    if forward.__version__.split(".")[0] != "1":
        raise Fail("geophysics-forward %s is not version 1.x" % forward.__version__)
    full = p["profile"] == "full"
    n_train = p["n_train_full"] if full else p["n_train_quick"]
    epochs = p["epochs_full"] if full else p["epochs_quick"]
    ab2 = vescore.spacings(p)
    log("geophysics-resistivity: profile=%s n_train=%d n_test=%d epochs=%d seed=%d, %d spacings"
        % (p["profile"], n_train, p["n_test"], epochs, p["seed"], len(ab2)))
    selftest = forward.selftest_resistivity()
    log("forward self-test: %s" % selftest)
    if selftest["filter11_vs_image_series_max_rel_err"] > 0.01:
        raise Fail("geophysics-forward resistivity filter failed its self-test")

    ss = np.random.SeedSequence(p["seed"])
    r_train, r_test, r_mlp, r_fit = [np.random.default_rng(s) for s in ss.spawn(4)]
    # training curves from the fast 11-point filter (default) or the exact
    # series; test curves always from the exact image series
    th_tr, x_tr, _ = vescore.simulate(forward, r_train, n_train, p, p["train_forward"])
    th_te, x_te, sig_te = vescore.simulate(forward, r_test, p["n_test"], p, "image_series")
    log("simulated %d + %d soundings in %.1f s" % (n_train, p["n_test"], time.monotonic() - t0))

    # hold back the last n_val training soundings to fit the blend of the
    # network's estimate with its physics refinement
    n_val = min(p["n_val"], n_train // 4)
    x_fit, th_fit, x_val, th_val = x_tr[:-n_val], th_tr[:-n_val], x_tr[-n_val:], th_tr[-n_val:]
    mu, sd = mlkit.standardise_fit(x_fit)
    ym, ys = th_fit.mean(axis=0), th_fit.std(axis=0)
    reg = MLPRegressor(tuple(p["hidden"]), activation="tanh", solver="adam", alpha=p["weight_decay"],
                       batch_size=p["batch"], learning_rate_init=p["learning_rate"], max_iter=epochs,
                       tol=0.0, n_iter_no_change=epochs + 1, shuffle=True,
                       random_state=int(r_mlp.integers(2 ** 31)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit((x_fit - mu) / sd, (th_fit - ym) / ys)
    for e, l in enumerate(reg.loss_curve_, 1):
        qtm_train.progress(e, epochs, fnum(l))
    final_loss = reg.loss_curve_[-1]
    net = mlkit.MLP.from_arrays({"mlp_W%d" % i: w for i, w in enumerate(reg.coefs_)}
                                | {"mlp_b%d" % i: b for i, b in enumerate(reg.intercepts_)}, "linear")
    nn = lambda x: net.predict((x - mu) / sd) * ys + ym  # noqa: E731
    est_net = nn(x_te)
    est_tr = nn(x_fit)
    t1 = time.monotonic()
    blend = vescore.fit_blend(vescore.invert(forward, x_val, nn(x_val), p), nn(x_val), th_val)
    est_lmn = vescore.invert(forward, x_te, est_net, p)
    est = blend * est_lmn + (1.0 - blend) * est_net
    log("network-started inversion of %d + %d soundings in %.1f s, blend weights %s"
        % (n_val, p["n_test"], time.monotonic() - t1, blend))

    asy = vescore.AsymptoteBaseline().fit(x_fit, th_fit, ab2)
    est_asy = asy.predict(x_te, ab2)
    t1 = time.monotonic()
    est_lm = vescore.invert(forward, x_te, est_asy, p)
    log("least-squares inversion from the asymptotes: %.1f s" % (time.monotonic() - t1))
    table = vescore.TableBaseline(forward, p)
    est_tab = table.predict(x_te)
    est_mean = np.repeat(th_fit.mean(axis=0)[None], p["n_test"], axis=0)
    knn = KNeighborsRegressor(n_neighbors=1).fit(x_fit, th_fit)
    est_nn = knn.predict(x_te)
    t1 = time.monotonic()
    rf = RandomForestRegressor(n_estimators=p["forest_trees"], random_state=int(p["seed"]), n_jobs=1)
    est_rf = rf.fit(x_fit, th_fit).predict(x_te)
    log("random forest: %.1f s" % (time.monotonic() - t1))

    ests = {"mlp": est, "mlp_network_only": est_net, "lm_inversion": est_lm, "random_forest": est_rf,
            "nearest_training_sample": est_nn, "training_mean": est_mean,
            "table_nn": est_tab, "asymptotes": est_asy}
    res = {k: scores(v, th_te) for k, v in ests.items()}
    mis = {k: data_misfit(v, x_te, ab2) for k, v in ests.items()}
    mis["true_model"] = data_misfit(th_te, x_te, ab2)
    metrics = {
        "rho1_rmse_log10": fnum(res["mlp"]["log10_rho1_rmse"]),
        "rho2_rmse_log10": fnum(res["mlp"]["log10_rho2_rmse"]),
        "h1_rmse_log10": fnum(res["mlp"]["log10_h1_rmse"]),
        "mean_rmse_log10": fnum(res["mlp"]["mean_rmse_log10"]),
        "h1_within_factor_1.25": fnum(res["mlp"]["log10_h1_within_factor_1.25"]),
        "train_mean_rmse_log10": fnum(scores(est_tr, th_fit)["mean_rmse_log10"]),
        "final_loss": fnum(final_loss),
        "median_data_misfit_log10": fnum(mis["mlp"]),
    }
    for nm in BASELINES:
        key = "baseline_" + nm
        metrics[key + "_rho1_rmse_log10"] = fnum(res[nm]["log10_rho1_rmse"])
        metrics[key + "_rho2_rmse_log10"] = fnum(res[nm]["log10_rho2_rmse"])
        metrics[key + "_h1_rmse_log10"] = fnum(res[nm]["log10_h1_rmse"])
        metrics[key + "_mean_rmse_log10"] = fnum(res[nm]["mean_rmse_log10"])

    config = {"blend_lm_weight": [float(w) for w in blend], "targets": vescore.TARGETS, "inputs": "log10 rho_a at ab2_m", "ab2_m": ab2.tolist(),
              "hidden": p["hidden"], "activation": "tanh", "params": p,
              "asymptote_log_c": asy.log_c, "forward_version": forward.__version__}
    arrays = net.arrays()
    arrays.update({"x_mean": mu, "x_std": sd, "y_mean": ym, "y_std": ys})
    mlkit.save_npz(os.path.join(out_dir, "model.npz"), arrays, config)
    headline = {nm: qtm_train.rmse(e, th_te) for nm, e in ests.items()}
    ci = {nm: qtm_train.bootstrap_ci(ests[nm], th_te, "rmse", rounds=200, rng_seed=p["seed"])
          for nm in ("mlp", "lm_inversion")}
    report = {"metrics": metrics,
              "scores": {k: {kk: fnum(vv) for kk, vv in v.items()} for k, v in res.items()},
              "median_data_misfit_log10": {k: fnum(v) for k, v in mis.items()},
              "median_noise_std": fnum(float(np.median(sig_te))),
              "forward_selftest": {k: float("%.3g" % v) for k, v in selftest.items()},
              "table_baseline_models": int(table.params.shape[0]),
              "asymptote_log10_c": fnum(asy.log_c), "ab2_m": [fnum(a, 4) for a in ab2],
              "n_train": n_train, "n_test": p["n_test"], "epochs": epochs, "params": p,
              "split": SPLIT, "blend_lm_weight": [fnum(w) for w in blend],
              "lm_inversion_ci95": ci["lm_inversion"], "n_val": n_val}
    # The headline (declared in module.json): RMSE over every held-out (sounding, parameter)
    # pair of log10 (rho1, rho2, h1), recomputable by qtm from predictions.npy / targets.npy.
    declared = {"rmse_log10": {"value": headline["mlp"], "split": "test", "higher_is_better": False,
                               "ci95": ci["mlp"]}}
    for k, v in metrics.items():
        declared[k] = {"value": v, "split": "train" if k in ("train_mean_rmse_log10", "final_loss") else "test",
                       "higher_is_better": k == "h1_within_factor_1.25"}
    del report["metrics"]
    qtm_train.write_metrics("rmse_log10", declared,
                            [(nm, headline[nm]) for nm in BASELINES],
                            p["n_test"], report.pop("split"), qtm_train.save_predictions(est, th_te), extra=report)
    qtm_train.write_card(card(p, ab2, res, mis, selftest, n_train, epochs, table, asy, sig_te, headline, ci, blend, n_val))
    log("done in %.1f s: mean log10 RMSE MLP %.3f, asymptotes %.3f, table %.3f"
        % (time.monotonic() - t0, res["mlp"]["mean_rmse_log10"], res["asymptotes"]["mean_rmse_log10"],
           res["table_nn"]["mean_rmse_log10"]))


LABELS = {"mlp": "network-started inversion, blended (this model)",
          "mlp_network_only": "MLP alone (the model's first stage)",
          "lm_inversion": "least-squares inversion from the asymptote reading",
          "random_forest": "random forest (scikit-learn) on the same inputs",
          "nearest_training_sample": "nearest training sounding (copy its parameters)",
          "training_mean": "mean of the training parameters",
          "table_nn": "nearest master curve (coarse table)",
          "asymptotes": "asymptote reading"}


def card(p, ab2, res, mis, st, n_train, epochs, table, asy, sig, headline, ci, blend, n_val):
    f3 = lambda x: "%.3f" % x  # noqa: E731
    rows = []
    for nm in ["mlp"] + BASELINES:
        r = res[nm]
        rows.append([LABELS[nm], "%.4f" % headline[nm], f3(r["log10_rho1_rmse"]), f3(r["log10_rho2_rmse"]),
                     f3(r["log10_h1_rmse"]), "%.0f %%" % (100 * r["log10_h1_within_factor_1.25"]), f3(mis[nm])])
    rows.append(["true model (noise floor)", "0", "0", "0", "0", "100 %", f3(mis["true_model"])])
    overlap = ci["mlp"][1] >= ci["lm_inversion"][0] and ci["lm_inversion"][1] >= ci["mlp"][0]
    return """# geophysics-resistivity — model card

Two-layer interpretation of **Schlumberger vertical electrical soundings**: from the
apparent-resistivity curve to the resistivity of the top layer (ρ1), of the substratum (ρ2)
and the top-layer thickness (h1).

**What the model is.** The classical physics inversion is the strong method here, so the
shipped model is a learned initialisation plus physics refinement: (1) a scikit-learn MLP
({hid}, tanh) maps the sounding to a first estimate; (2) scipy.optimize.least_squares
(trust-region, bounded by the prior box) refines it against the exact two-layer forward model;
(3) per parameter, the result is blended with the network's estimate, w·refined + (1−w)·network,
w = {w} (log10 ρ1, ρ2, h1) fitted in closed form on {nv} held-back training soundings. The blend is
a learned shrinkage towards the network's (posterior-mean-like) estimate where the data leave
the parameter poorly resolved (equivalence).

## Data (all simulated with geophysics-forward {fv}; no real data)

No real VES soundings are shipped or found in Debian's packages (searched the package lists for
geophysics, resistivity, sounding, magnetic, GMT: GMT ships coastlines and borders only), so
the evaluation is on simulated soundings only.
{ns} spacings AB/2 = {a0:g}–{a1:g} m ({pd} per decade), ideal Schlumberger array (MN → 0).
log10 ρ1, log10 ρ2 uniform in [{r0:g}, {r1:g}] Ω·m with contrast |log10(ρ2/ρ1)| in
[{c0:g}, {c1:g}]; h1 log-uniform in {h0:g}–{h1:g} m; multiplicative log-normal noise with a
per-sounding relative standard deviation drawn in {n0:.0%}–{n1:.0%} (median {nm:.1%}).
Forward check: Guptasarma's (1982) 11-point filter agrees with the image series within
{e11:.2%} and the 7-point filter within {e7:.1%} (contrasts up to 100:1).

## Split

{split}: {ntr} training soundings (of which {nv} held back for the blend) computed with {tf};
{nte} held-out soundings computed with the exact image series
ρa = ρ1 [1 + 2 Σ kⁿ L³ / (L² + (2nh)²)^(3/2)], from a separate random stream. The held-out set
therefore also tests the difference between the two forward codes. It is not a hold-out of a
parameter region: both sets draw from the same prior box.

## Held-out results

Headline (declared in module.json): `rmse_log10`, the RMSE of the three log10 parameters over all
{nte} held-out soundings: **{hm:.4f}** (bootstrap 95 % CI {c0m:.4f}–{c1m:.4f}) against {hl:.4f}
(CI {c0l:.4f}–{c1l:.4f}) for the best baseline, the least-squares inversion; the intervals
{ov}. Every baseline was computed in the same run on the same split (predictions.npy /
targets.npy hold the model's; `qtm verify --metrics` recomputes the headline).

Per-parameter RMSE of log10 parameters (0.1 ≈ a factor 1.26), share of h1 within a factor 1.25,
and the median RMS (log10) misfit between each estimate's exact response and the noisy data:

{table}

Baselines: least-squares inversion = the same scipy.optimize.least_squares on the exact forward
model started from the asymptote reading; random forest = scikit-learn defaults with
{trees} trees on the 31 log10 ρa; nearest training sounding = scikit-learn 1-NN on log10 ρa;
asymptote reading: ρ1 = ρa at the shortest spacing, ρ2 = ρa at the longest, h1 = c × the AB/2
where log ρa is halfway between them, c = {c:.2f} (median on training soundings); nearest
master curve: least-RMS match in a table of {nt} filter curves (log10 ρ steps {sr:g}, log10 h1
steps {sh:g}). MLP: Adam, {ep} epochs, seed {seed}.

## Limitations

- Simulated data only: two horizontal, isotropic layers, ideal Schlumberger geometry, Gaussian
  noise in log ρa; real soundings (three or more layers, lateral effects, electrode-spacing
  errors, MN effects, outliers) need more layers in the forward model.
- The model's gain over the plain inversion is small (the CIs overlap): the inversion does most
  of the work; the network supplies a start and a shrinkage where h1 and ρ trade off.
- Inputs must span the trained spacings (predict.py interpolates in log-log and refuses to
  extrapolate).
- Outputs are bit-reproducible for the same inputs, library builds and CPU.

## Licence

Code and weights: MIT. No third-party data.
""".format(fv=forward.__version__, ns=len(ab2), a0=ab2[0], a1=ab2[-1], pd=p["ab2_per_decade"],
           r0=np.log10(p["rho_min"]), r1=np.log10(p["rho_max"]), c0=p["min_log_contrast"],
           c1=p["max_log_contrast"], h0=p["h1_min_m"], h1=p["h1_max_m"], n0=p["noise_min"],
           n1=p["noise_max"], nm=float(np.median(sig)), e11=st["filter11_vs_image_series_max_rel_err"],
           e7=st["filter7_vs_image_series_max_rel_err"], hid=" × ".join(str(h) for h in p["hidden"]),
           tf=("Guptasarma's 11-point filter" if p["train_forward"] == "filter11" else "the exact image series"),
           ep=epochs, ntr=n_train, seed=p["seed"], c=10 ** asy.log_c, nt=table.params.shape[0],
           sr=p["table_step_rho"], sh=p["table_step_h"], nte=p["n_test"], split=SPLIT[0].upper() + SPLIT[1:],
           hm=headline["mlp"], hl=headline["lm_inversion"], c0m=ci["mlp"][0], c1m=ci["mlp"][1],
           c0l=ci["lm_inversion"][0], c1l=ci["lm_inversion"][1], ov="overlap" if overlap else "do not overlap",
           w=", ".join("%.2f" % x for x in blend), nv=n_val, trees=p["forest_trees"],
           table=mlkit.md_table(["method", "headline", "ρ1", "ρ2", "h1", "h1 within ×1.25", "data misfit"], rows))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("geophysics-resistivity: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("geophysics-resistivity: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("geophysics-resistivity: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
