"""geophysics-seismic / realtrace: the real IU.COLA.00.LHZ record (2010 Maule
earthquake) -- decoding checks, both pickers on its first window, expected
arrival times from iasp91 ray tracing -- and the model card.

No picked arrival exists for this record, so the picks are compared with
travel-time predictions only; the card says what they can and cannot show.
"""

import datetime

import numpy as np

import mlkit
import mseed
import picker
import traveltime

# What the header and an independent decoder say about dataset-mseed-cola's
# test.mseed.  Header facts are read by this module at run time and compared;
# the sample checksums come from decoding the same file with libmseed 2.19.8
# (Debian libmseed-dev, ms_readmsr) when this module was written.
EXPECTED = {
    "id": "IU.COLA.00.LHZ", "rate": 1.0, "records": 36, "samples": 4200,
    "start": "2010-02-27T06:50:00.069539",
    "libmseed_first3": [-231946, -228438, -223155], "libmseed_last3": [-363417, -284077, -208785],
    "libmseed_sum": -988218594,
}
PHASES = ["P", "PKP", "PP", "SKS", "S", "SS"]
LABEL = {"P": "P (Pdiff beyond ~98 deg)", "PKP": "PKP (PKIKP, first core arrival)", "PP": "PP",
         "SKS": "SKS", "S": "S (Sdiff beyond ~98 deg)", "SS": "SS"}


def _iso(t):
    return t.isoformat(timespec="milliseconds")


def verify(tr, checks):
    x = tr["samples"]
    v = {
        "id": tr["id"], "sample_rate_hz": tr["rate"], "records": tr["n_records"], "samples": int(x.size),
        "start_utc": tr["start"].isoformat(timespec="microseconds"),
        "end_utc": _iso(tr["start"] + datetime.timedelta(seconds=(x.size - 1) / tr["rate"])),
        "first3": x[:3].tolist(), "last3": x[-3:].tolist(), "sum": int(x.sum()), "checks": checks,
    }
    ok = {
        "header_id": v["id"] == EXPECTED["id"], "header_rate": v["sample_rate_hz"] == EXPECTED["rate"],
        "records": v["records"] == EXPECTED["records"], "samples": v["samples"] == EXPECTED["samples"],
        "start": v["start_utc"] == EXPECTED["start"],
        "steim_xn": checks["steim_xn_equals_last_sample"], "sample_counts": checks["samples_match_headers"],
        "continuity": checks["steim_first_difference_mismatch"] == 0,
        "libmseed_samples": (v["first3"] == EXPECTED["libmseed_first3"] and v["last3"] == EXPECTED["libmseed_last3"]
                             and v["sum"] == EXPECTED["libmseed_sum"]),
    }
    return v, ok


def analyse(path, p, mlp_pick, sl):
    """Decode, verify, pick, and predict arrival times.  mlp_pick(window)
    returns (seconds after window start, confidence)."""
    tr, checks = mseed.read_trace(path)
    ver, ok = verify(tr, checks)
    if abs(tr["rate"] * p["dt_s"] - 1.0) > 1e-9:
        raise mseed.MseedError("trace rate %g Hz does not match the trained dt %g s" % (tr["rate"], p["dt_s"]))
    n = p["n_samples"]
    if tr["samples"].size < n:
        raise mseed.MseedError("trace shorter than the %d-sample window" % n)
    w = tr["samples"][:n].astype(np.float64)
    t_mlp, conf = mlp_pick(w)
    xp = picker.preprocess(w)[None, :]
    idx, trig = picker.trigger(picker.sta_lta(xp, sl["sta"], sl["lta"]), sl["threshold"], p["edge_margin"])
    t_sl = float(idx[0] * p["dt_s"] - sl["offset_s"])
    start = tr["start"]
    origin = datetime.datetime.fromisoformat(p["event_time_utc"])
    dist = traveltime.distance_deg(p["event_lat"], p["event_lon"], p["station_lat"], p["station_lon"])
    rec0 = (start - origin).total_seconds()
    phases = []
    for ph in PHASES:
        ts = [traveltime.first_time(ph, dist, h) for h in p["event_depths_km"]]
        if any(t is None for t in ts):
            continue
        lo, hi = min(ts), max(ts)
        phases.append({"phase": ph, "label": LABEL[ph], "travel_time_s": [round(lo, 2), round(hi, 2)],
                       "utc": [_iso(origin + datetime.timedelta(seconds=lo)),
                               _iso(origin + datetime.timedelta(seconds=hi))],
                       "s_after_record_start": [round(lo - rec0, 2), round(hi - rec0, 2)]})
    km = np.radians(dist) * traveltime.R_EARTH
    surf = [round(km / 4.1 - rec0, 1), round(km / 3.5 - rec0, 1)]

    def nearest(t):
        best = min(phases, key=lambda q: abs(0.5 * sum(q["s_after_record_start"]) - t))
        return best["phase"], round(t - 0.5 * sum(best["s_after_record_start"]), 2)

    # crude signal-to-noise at each pick: peak |x| in the 60 s after / rms of the 120 s before
    x = picker.preprocess(w)

    def snr(t):
        i = int(round(t / p["dt_s"]))
        pre = x[max(0, i - 120):max(1, i)]
        post = x[i:i + 60]
        return float(np.abs(post).max() / max(np.sqrt(np.mean(pre * pre)), 1e-12)) if post.size else 0.0

    tt_err, rows = traveltime.selfcheck()
    return {
        "verification": ver, "verification_checks": ok, "verification_ok": all(ok.values()),
        "window": {"samples": n, "start_utc": _iso(start),
                   "end_utc": _iso(start + datetime.timedelta(seconds=(n - 1) * p["dt_s"]))},
        "mlp_pick_s": float(t_mlp), "mlp_confidence": round(float(conf), 4),
        "mlp_pick_utc": _iso(start + datetime.timedelta(seconds=float(t_mlp))),
        "sta_lta_pick_s": t_sl, "sta_lta_triggered": bool(trig[0]),
        "sta_lta_pick_utc": _iso(start + datetime.timedelta(seconds=t_sl)),
        "mlp_nearest_phase": nearest(t_mlp), "sta_lta_nearest_phase": nearest(t_sl),
        "snr_at_mlp_pick": round(snr(t_mlp), 2), "snr_at_sta_lta_pick": round(snr(t_sl), 2),
        "event": {"origin_utc": p["event_time_utc"], "lat": p["event_lat"], "lon": p["event_lon"],
                  "depths_km": p["event_depths_km"]},
        "station": {"lat": p["station_lat"], "lon": p["station_lon"]},
        "distance_deg": round(dist, 3), "record_start_s_after_origin": round(rec0, 3),
        "expected_phases": phases, "surface_waves_s_after_record_start": surf,
        "traveltime_selfcheck_max_abs_err_s": round(tt_err, 4),
        "traveltime_selfcheck": [[r[0], r[1], r[2], r[3], None if r[4] is None else round(r[4], 3)] for r in rows],
    }


def card(p, res, by_snr, sl, real, n_train, epochs, n_rows, fv):
    f2 = lambda x: "%.2f" % x  # noqa: E731
    pc = lambda x: "%.0f %%" % (100 * x)  # noqa: E731
    rows = [[label, f2(r["mae_s"]), f2(r["rmse_s"]), f2(r["median_abs_s"]), f2(r["bias_s"]), pc(r["within_2s"]),
             pc(r["within_5s"])] for label, r in (("MLP picker (this model)", res["mlp"]),
                                                    ("STA/LTA trigger (baseline)", res["sta_lta"]))]
    srows = [["%g-%g" % tuple(b["snr"]), b["n"], "%.2f" % b["mlp_mae_s"], "%.2f" % b["sta_lta_mae_s"]]
             for b in by_snr]
    v, ck = real["verification"], real["verification_checks"]
    vrows = [[k, "pass" if val else "FAIL"] for k, val in ck.items()]
    prow = [[q["label"], "%.1f–%.1f" % tuple(q["travel_time_s"]), " – ".join(u[11:] for u in q["utc"]),
             "%.1f–%.1f" % tuple(q["s_after_record_start"])] for q in real["expected_phases"]]
    ptime = [q for q in real["expected_phases"] if q["phase"] == "P"]
    p_note = ""
    if ptime and ptime[0]["s_after_record_start"][1] < 0:
        p_note = ("**The predicted P (here Pdiff) arrival, %s–%s UTC, precedes the first sample of the "
                  "record by %.0f–%.0f s, so P itself cannot be picked on this file.** Both pickers can "
                  "only pick the first strong arrival inside the record; compare their picks with the "
                  "later phases below." % (ptime[0]["utc"][0][11:], ptime[0]["utc"][1][11:],
                                           -ptime[0]["s_after_record_start"][1],
                                           -ptime[0]["s_after_record_start"][0]))
    return """# geophysics-seismic — model card

**First-break picking** on single-component seismograms. A NumPy MLP scores every sample as
the first break; the pick is the best-scoring sample (parabolic sub-sample refinement). Trained
from scratch on synthetic traces only, then applied to one real record.

## Data

- Training / held-out: synthetic traces from geophysics-forward {fv}: {n} samples at dt = {dt:g} s
  (a long-period, LH-like channel), a reflectivity series (first arrival ±1, then a Poisson number
  of later arrivals up to 4× stronger, decaying) convolved with a Ricker wavelet of peak frequency
  {f0:g}–{f1:g} Hz, plus band-limited and white noise at a first-arrival SNR (peak / noise std) of
  {s0:g}–{s1:g}, a random offset and drift. The first break is where the first arrival's wavelet
  envelope reaches 1 % of its peak, uniform in {b0:g}–{b1:g} s. Training {ntr}, test {nte}
  traces: independent simulations from separate random streams.
- Real: dataset-mseed-cola (IU.COLA.00.LHZ, libmseed example file, LGPL-3.0-or-later), decoded
  by this module's own miniSEED reader (fixed header, blockettes 1000/1001, Steim-1/Steim-2; at
  authoring time checked against libmseed 2.19.8, see README). Never used for training or tuning.

## Method

{nf} per-sample features (log energy ratios after/before the sample over 4–64 samples, on the
trace and its first difference; energy before the sample relative to the trace and to the next
16 s; cumulative energy fraction; normalised AIC function; and "first onset" context: the
largest earlier onset ratio and the largest earlier sample energy relative to the next 16 s). MLP {hid} (tanh, sigmoid output)
fitted to Gaussian soft labels (σ = {ls:g} s) on {nrows} rows (samples near each first break plus
random samples), cross-entropy, Adam, {ep} epochs, seed {seed}.

**Baseline: classic STA/LTA trigger** on the squared amplitude (trailing windows), first sample
whose ratio exceeds the threshold, minus a constant trigger lag. STA = {sta} s, LTA = {lta} s,
threshold {thr:g} and lag {lag:.2f} s were tuned on training traces (grid search, lowest mean
absolute error); traces that never trigger take the ratio's maximum
(trigger rate on the test set {trig}).

## Held-out synthetic results (pick error, seconds)

{table}

By first-arrival SNR (MAE, s):

{stable}

## The real trace: IU.COLA.00.LHZ, 2010 Maule earthquake

Decoding checks ({vn} records, {vs} samples at {vr:g} Hz, {vst} to {ven} UTC; sample values
compared with libmseed 2.19.8 at authoring time: first {f3}, last {l3}, sum {vsum}):

{vtable}

Event {elat:g}°, {elon:g}°, origin {orig} UTC (depth not known to this module: {d0:g}–{d1:g} km
assumed); station College, Alaska ({slat:g}°, {slon:g}°). Epicentral distance **{dist:.2f}°**
(geocentric). The record starts {r0:.1f} s after the origin.

Expected arrivals from ray tracing in iasp91 (this module's tracer reproduces 12 TauP / IASP91
table times within {tte:.3f} s), for the assumed depth range:

{ptable}

Surface waves (group velocity 3.5–4.1 km/s, a rough assumption) would arrive
{sw0:.0f}–{sw1:.0f} s after the record start, outside the {n}-s window analysed.

{pnote}

Picks on the first {n} samples ({ws} – {we} UTC):

| picker | pick (s after record start) | UTC | nearest predicted phase (offset) | SNR at pick |
|---|---|---|---|---|
| MLP (this model) | {mp:.1f} | {mpu} | {mph} ({mpo:+.1f} s) | {msnr} |
| STA/LTA | {sp:.1f} | {spu} | {sph} ({spo:+.1f} s) | {ssnr} |

There is no ground truth for this record. Both pickers respond to energy: for a great
earthquake whose rupture lasted on the order of two minutes, the energetic part of a phase can
follow its hypocentral onset (what the travel times predict) by tens of seconds. The travel-time predictions carry the uncertainty of the
assumed depth (spread shown above) and of a 1-D model without ellipticity, elevation or 3-D
corrections; the held-out synthetic errors above give an idea of picking precision at similar
SNR. A pick near a predicted phase is consistent with, not proof of, that identification.

## Limitations

- Trained on synthetic 1-sample-per-second traces only; sampling rate, bandwidth, emergent
  onsets, instrument response and real noise differ in practice. The model picks one first break
  per window and cannot say "no arrival".
- The real-data evaluation is a single trace without ground truth.
- Outputs are bit-reproducible for the same inputs, NumPy build and CPU.

## Licence

Code and weights: MIT. Real trace: from libmseed (LGPL-3.0-or-later per Debian's copyright file);
waveform data of the IU network (GSN, IRIS/USGS).
""".format(fv=fv, n=p["n_samples"], dt=p["dt_s"], f0=p["f_min_hz"], f1=p["f_max_hz"], s0=p["snr_min"],
           s1=p["snr_max"], b0=p["fb_min_s"], b1=p["fb_max_s"], ntr=n_train, nte=p["n_test"],
           nf=len(picker.FEATURE_NAMES), hid=" × ".join(str(h) for h in p["hidden"]), ls=p["label_sigma_s"],
           nrows=n_rows, ep=epochs, seed=p["seed"], sta=sl["sta"], lta=sl["lta"], thr=sl["threshold"],
           lag=sl["offset_s"], trig=pc(res["sta_lta"]["trigger_rate"]),
           table=mlkit.md_table(["picker", "MAE", "RMSE", "median abs.", "bias", "within 2 s", "within 5 s"], rows),
           stable=mlkit.md_table(["SNR", "n", "MLP", "STA/LTA"], srows),
           vn=v["records"], vs=v["samples"], vr=v["sample_rate_hz"], vst=v["start_utc"], ven=v["end_utc"],
           f3=v["first3"], l3=v["last3"], vsum=v["sum"], vtable=mlkit.md_table(["check", "result"], vrows),
           elat=p["event_lat"], elon=p["event_lon"], orig=p["event_time_utc"], d0=min(p["event_depths_km"]),
           d1=max(p["event_depths_km"]), slat=p["station_lat"], slon=p["station_lon"], dist=real["distance_deg"],
           r0=real["record_start_s_after_origin"], tte=real["traveltime_selfcheck_max_abs_err_s"],
           ptable=mlkit.md_table(["phase", "travel time (s)", "UTC", "s after record start"], prow),
           sw0=real["surface_waves_s_after_record_start"][0],
           sw1=real["surface_waves_s_after_record_start"][1], pnote=p_note,
           ws=real["window"]["start_utc"][11:], we=real["window"]["end_utc"][11:],
           mp=real["mlp_pick_s"], mpu=real["mlp_pick_utc"][11:], mph=real["mlp_nearest_phase"][0],
           mpo=real["mlp_nearest_phase"][1], msnr=real["snr_at_mlp_pick"], sp=real["sta_lta_pick_s"],
           spu=real["sta_lta_pick_utc"][11:], sph=real["sta_lta_nearest_phase"][0],
           spo=real["sta_lta_nearest_phase"][1], ssnr=real["snr_at_sta_lta_pick"])
