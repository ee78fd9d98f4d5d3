"""geophysics-seismic / picker: synthetic training traces (via
geophysics-forward), per-sample characteristic-function features, the
learned picker's decoding, and the classic STA/LTA trigger baseline.
Shared by train.py and predict.py.  NumPy only.

All window lengths are in samples; the simulation uses dt = 1 s, like a
long-period (LH) channel, so that the real IU.COLA.00.LHZ trace is inside
the training domain.
"""

import math

import numpy as np

WINDOWS = (4, 8, 16, 32, 64)
DWINDOWS = (4, 16, 64)
FEATURE_NAMES = (["log_after_over_before_w%d" % w for w in WINDOWS]
                 + ["log_after_over_before_diff_w%d" % w for w in DWINDOWS]
                 + ["log_post16_over_all_before", "log_before_over_trace", "cum_energy_fraction",
                    "aic_normalised", "prior_max_ratio_w16", "prior_max_ratio_w64",
                    "log_prior_peak_over_post16"])


def simulate(forward, rng, count, p):
    """count synthetic traces of n_samples at dt: first break uniform in
    [fb_min_s, fb_max_s]; Ricker peak frequency log-uniform in
    [f_min_hz, f_max_hz]; first arrival +-1 then a Poisson number of later
    arrivals (coda / later phases) whose amplitudes may exceed the first
    one; band-limited plus white noise at a first-arrival SNR log-uniform in
    [snr_min, snr_max]; random offset and linear drift.  Returns dict."""
    n, dt = p["n_samples"], p["dt_s"]
    traces = np.empty((count, n))
    fb = rng.uniform(p["fb_min_s"], p["fb_max_s"], count)
    f = np.exp(rng.uniform(math.log(p["f_min_hz"]), math.log(p["f_max_hz"]), count))
    snr = np.exp(rng.uniform(math.log(p["snr_min"]), math.log(p["snr_max"]), count))
    for i in range(count):
        tail = n * dt - fb[i]
        k = rng.poisson(rng.uniform(3.0, 25.0))
        delays = np.sort(rng.uniform(0.5 / f[i], max(tail, 1.0 / f[i]), k))
        big = math.exp(rng.uniform(math.log(0.2), math.log(4.0)))
        tau = rng.uniform(50.0, 1000.0)
        amps = rng.standard_normal(k) * big * np.exp(-delays / tau)
        spikes = [(0.0, float(rng.choice([-1.0, 1.0])))] + list(zip(delays.tolist(), amps.tolist()))
        flo = rng.uniform(0.02, 0.1)
        fhi = min(0.49 / dt, flo * rng.uniform(2.0, 5.0))
        tr, _ = forward.synthetic_trace(rng, n, dt, fb[i], f[i], spikes, snr[i], noise_band=(flo, fhi),
                                        white_fraction=rng.uniform(0.05, 0.6))
        drift = rng.uniform(-1, 1) * np.linspace(-1, 1, n) * rng.uniform(0, 5) / snr[i]
        traces[i] = (tr + drift + rng.normal(0, 10)) * math.exp(rng.uniform(0, 10))
    return {"traces": traces, "first_break": fb, "f_peak": f, "snr": snr}


def preprocess(x):
    """Demean and remove a linear trend (the real trace sits on a large DC
    offset and drifts)."""
    x = np.asarray(x, dtype=np.float64)
    t = np.arange(x.size, dtype=np.float64)
    A = np.stack([np.ones_like(t), t - t.mean()], axis=1)
    return x - A @ np.linalg.lstsq(A, x, rcond=None)[0]


def _csum(e):
    return np.concatenate([[0.0], np.cumsum(e)])


def _mean(c, a, b):
    """Mean over [a, b) with clipping to the trace; a, b integer arrays."""
    n = c.size - 1
    a = np.clip(a, 0, n)
    b = np.clip(b, 0, n)
    return (c[b] - c[a]) / np.maximum(b - a, 1)


def features(x):
    """(n, len(FEATURE_NAMES)) per-sample features of one preprocessed
    trace; all are scale-free (log ratios, fractions)."""
    n = x.size
    e = x * x
    d = np.concatenate([[0.0], np.diff(x)])
    ed = d * d
    ce, cd = _csum(e), _csum(ed)
    tot = ce[-1] / n
    eps = 1e-6 * tot + 1e-300
    epsd = 1e-6 * cd[-1] / n + 1e-300
    t = np.arange(n)
    cols = []
    for w in WINDOWS:
        cols.append(np.log(_mean(ce, t, t + w) + eps) - np.log(_mean(ce, t - w, t) + eps))
    for w in DWINDOWS:
        cols.append(np.log(_mean(cd, t, t + w) + epsd) - np.log(_mean(cd, t - w, t) + epsd))
    before = _mean(ce, np.zeros_like(t), t)
    cols.append(np.log(_mean(ce, t, t + 16) + eps) - np.log(before + eps))
    cols.append(np.log(before + eps) - np.log(tot + eps))
    cols.append(ce[:-1] / max(ce[-1], 1e-300))
    # Akaike information criterion picker (Maeda 1985) on the whole trace
    c1, c2 = _csum(x), _csum(e)
    k = np.arange(1, n - 1)
    v1 = c2[k] / k - (c1[k] / k) ** 2
    m = n - k
    v2 = (c2[n] - c2[k]) / m - ((c1[n] - c1[k]) / m) ** 2
    aic = np.full(n, np.nan)
    aic[1:n - 1] = k * np.log(np.maximum(v1, eps)) + (m - 1) * np.log(np.maximum(v2, eps))
    aic[0], aic[-1] = aic[1], aic[-2]
    cols.append((aic - aic.min()) / max(aic.max() - aic.min(), 1e-12))
    # "is this the first onset?": the strongest onset ratio seen more than
    # 8 samples earlier, and the largest earlier sample energy vs. what follows
    for w in (16, 64):
        r = cols[WINDOWS.index(w)]
        cols.append(np.maximum.accumulate(np.concatenate([np.full(8, r.min()), r[:-8]])))
    peak_before = np.maximum.accumulate(np.concatenate([[0.0], e[:-1]]))
    cols.append(np.log(peak_before + eps) - np.log(_mean(ce, t, t + 16) + eps))
    return np.stack(cols, axis=1)


def decode(prob, margin):
    """Pick (in samples, fractional) = argmax of the per-sample probability
    away from the edges, refined by a parabola through its neighbours."""
    q = prob.copy()
    q[:margin] = -1.0
    q[-margin:] = -1.0
    i = int(np.argmax(q))
    if 0 < i < q.size - 1:
        a, b, c = q[i - 1], q[i], q[i + 1]
        den = a - 2 * b + c
        if den < 0:
            return i + 0.5 * (a - c) / den, float(b)
    return float(i), float(q[i])


# ---------------------------------------------------------------------------
# STA/LTA baseline
# ---------------------------------------------------------------------------

def sta_lta(X, ns, nl):
    """Classic STA/LTA of the squared amplitude, both windows trailing and
    ending at the current sample; at the start of the trace the LTA uses the
    samples available.  X: (traces, n) preprocessed.  Returns ratio."""
    e = X * X
    c = np.concatenate([np.zeros((X.shape[0], 1)), np.cumsum(e, axis=1)], axis=1)
    t = np.arange(X.shape[1]) + 1
    a_s = np.maximum(t - ns, 0)
    a_l = np.maximum(t - nl, 0)
    sta = (c[:, t] - c[:, a_s]) / (t - a_s)
    lta = (c[:, t] - c[:, a_l]) / (t - a_l)
    return sta / np.maximum(lta, 1e-300 + 1e-12 * lta.max(axis=1, keepdims=True))


def trigger(ratio, thr, start):
    """First sample >= start whose ratio reaches thr; where none does, the
    ratio's maximum.  Returns (index float array, triggered bool array)."""
    r = ratio[:, start:]
    hit = r >= thr
    first = np.argmax(hit, axis=1)
    ok = hit[np.arange(r.shape[0]), first]
    return np.where(ok, first, np.argmax(r, axis=1)).astype(np.float64) + start, ok


def tune_sta_lta(X, fb, dt, grid_ns, grid_nl, grid_thr, start):
    """Grid search of (STA, LTA, threshold) on training traces; the constant
    offset between trigger and first break (the trigger lags the onset) is
    fitted as the median lag.  Objective: mean absolute pick error."""
    best = None
    for ns in grid_ns:
        for nl in grid_nl:
            if nl <= ns:
                continue
            R = sta_lta(X, ns, nl)
            for thr in grid_thr:
                idx, ok = trigger(R, thr, start)
                lag = float(np.median(idx * dt - fb))
                mae = float(np.mean(np.abs(idx * dt - lag - fb)))
                if best is None or mae < best["train_mae_s"]:
                    best = {"sta": ns, "lta": nl, "threshold": thr, "offset_s": lag, "train_mae_s": mae,
                            "train_trigger_rate": float(ok.mean())}
    return best
