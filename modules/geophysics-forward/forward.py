"""geophysics-forward: NumPy forward models shared by the qtm geophysics
trainers (geophysics-magnetic, geophysics-resistivity, geophysics-seismic).

  (a) magnetics   total-field anomaly of a point dipole and of a uniformly
                  magnetised rectangular (vertical) prism, any inclination and
                  declination of field and magnetisation;
  (b) resistivity Schlumberger apparent resistivity of a layered earth: the
                  exact image series for two layers, and Guptasarma's (1982)
                  7- and 11-point linear digital filters for N layers;
  (c) seismic     Ricker wavelets and synthetic traces (reflectivity * Ricker
                  + noise) with a known first-break time.

Units: SI (m, ohm.m, s, A/m, A.m^2), anomalies in nT.  Coordinates for
magnetics: x north, y east, z down (depth positive).  NumPy only;
run `python3 forward.py` for the self-tests.
"""

import math

import numpy as np

__version__ = "1.0.0"

MU0 = 4e-7 * math.pi          # vacuum permeability (T.m/A)
CM = 1e-7                     # mu0 / (4 pi)
T2NT = 1e9                    # tesla -> nanotesla


# ---------------------------------------------------------------------------
# (a) Magnetics
# ---------------------------------------------------------------------------

def direction(inc_deg, dec_deg):
    """Unit vector (x north, y east, z down) for inclination (positive down)
    and declination (positive east of north), degrees."""
    i, d = math.radians(inc_deg), math.radians(dec_deg)
    return np.array([math.cos(i) * math.cos(d), math.cos(i) * math.sin(d), math.sin(i)])


def induced_magnetisation(susceptibility, field_nt):
    """Induced magnetisation M = k F / mu0 in A/m (F in nT, k in SI)."""
    return np.asarray(susceptibility, dtype=np.float64) * field_nt * 1e-9 / MU0


def dipole_tfa(xo, yo, zo, xs, ys, zs, moment, m_inc, m_dec, f_inc, f_dec):
    """Total-field anomaly (nT) of point dipoles: the anomalous field projected
    on the main-field direction (valid while the anomaly << the main field).
    Observation (xo, yo, zo) and source (xs, ys, zs) arrays broadcast;
    moment in A.m^2."""
    mh = direction(m_inc, m_dec)
    fh = direction(f_inc, f_dec)
    rx = np.asarray(xo, dtype=np.float64) - xs
    ry = np.asarray(yo, dtype=np.float64) - ys
    rz = np.asarray(zo, dtype=np.float64) - zs
    r2 = rx * rx + ry * ry + rz * rz
    r = np.sqrt(r2)
    mr = mh[0] * rx + mh[1] * ry + mh[2] * rz
    fr = fh[0] * rx + fh[1] * ry + fh[2] * rz
    # B = cm (3 (m.r) r / r^5 - m / r^3); project on f
    return CM * T2NT * np.asarray(moment) * (3.0 * mr * fr / (r2 * r2 * r) - float(mh @ fh) / (r2 * r))


def _prism_halfinf(xo, yo, zo, x1, x2, y1, y2, ztop, mh, fh):
    """Blakely (1995, 'mbox') closed form for a prism extending from depth
    ztop to infinity, per unit magnetisation, in units of cm * tesla."""
    fm1 = mh[0] * fh[1] + mh[1] * fh[0]
    fm2 = mh[0] * fh[2] + mh[2] * fh[0]
    fm3 = mh[1] * fh[2] + mh[2] * fh[1]
    fm4 = mh[0] * fh[0]
    fm5 = mh[1] * fh[1]
    fm6 = mh[2] * fh[2]
    h = ztop - zo                       # > 0: observation above the top
    hsq = h * h
    t = 0.0
    for i, xa in enumerate((x1, x2)):
        alpha = xa - xo
        asq = alpha * alpha
        for j, yb in enumerate((y1, y2)):
            beta = yb - yo
            sign = 1.0 if i == j else -1.0
            r0sq = asq + beta * beta + hsq
            r0 = np.sqrt(r0sq)
            r0h = r0 * h
            ab = alpha * beta
            arg1 = (r0 - alpha) / (r0 + alpha)
            arg2 = (r0 - beta) / (r0 + beta)
            arg3 = asq + r0h + hsq
            arg4 = r0sq + r0h - asq
            tlog = 0.5 * fm3 * np.log(arg1) + 0.5 * fm2 * np.log(arg2) - fm1 * np.log(r0 + h)
            tat = (-fm4 * np.arctan2(ab, arg3) - fm5 * np.arctan2(ab, arg4)
                   + fm6 * np.arctan2(ab, r0h))
            t = t + sign * (tlog + tat)
    return t


def prism_tfa(xo, yo, zo, x1, x2, y1, y2, z1, z2, magnetisation, m_inc, m_dec, f_inc, f_dec):
    """Total-field anomaly (nT) of a uniformly magnetised right rectangular
    prism x1<x<x2, y1<y<y2, z1<z<z2 (z down, z1 = depth of the top), after
    Bhattacharyya (1964) in the form of Blakely (1995, subroutine mbox):
    the difference of two semi-infinite prisms.  magnetisation in A/m.
    Observation points must lie above the top (zo < z1)."""
    mh = direction(m_inc, m_dec)
    fh = direction(f_inc, f_dec)
    xo = np.asarray(xo, dtype=np.float64)
    yo = np.asarray(yo, dtype=np.float64)
    zo = np.asarray(zo, dtype=np.float64)
    if np.any(zo >= z1):
        raise ValueError("prism_tfa: observation points must be above the prism top")
    t = (_prism_halfinf(xo, yo, zo, x1, x2, y1, y2, z1, mh, fh)
         - _prism_halfinf(xo, yo, zo, x1, x2, y1, y2, z2, mh, fh))
    return CM * T2NT * np.asarray(magnetisation) * t


# ---------------------------------------------------------------------------
# (b) Schlumberger resistivity soundings over a layered earth
# ---------------------------------------------------------------------------

# Guptasarma, D. (1982). Optimization of short digital linear filters for
# increased accuracy. Geophysical Prospecting 30(4), 501-514,
# doi:10.1111/j.1365-2478.1982.tb01323.x.  Schlumberger filters of his
# appendix tables (7-point: Table A1; 11-point: Table A2): the sample of the
# resistivity transform T(lambda) paired with coefficient k is taken at
# lambda_k = 10**a_k / s, s = AB/2, a_k the abscissae below (log10 steps of
# 0.27117 and 0.21796875).  Checked against the exact two-layer image series
# (selftest_resistivity, AB/2 1..1000 m, contrasts up to 100:1 either way):
# the 11-point filter agrees within 0.6 % and the 7-point within 3.6 %, the
# worst case being a conductive basement (k = -0.98); for contrasts of 10:1
# the errors are below 0.05 % and 0.3 %.  Coefficients sum to 1 (homogeneous
# earth exact).
GUPTASARMA_7 = (
    np.array([-0.17445, 0.09672, 0.36789, 0.63906, 0.91023, 1.1814, 1.45257]),
    np.array([0.1732, 0.2945, 2.147, -2.1733, 0.6646, -0.1215, 0.0155]),
)
GUPTASARMA_11 = (
    np.array([-0.420625, -0.20265625, 0.0153125, 0.23328125, 0.45125, 0.66921875,
              0.8871875, 1.10515625, 1.323125, 1.54109375, 1.7590625]),
    np.array([0.041873, -0.022258, 0.387660, 0.647103, 1.84873, -2.96084,
              1.358412, -0.377590, 0.097107, -0.024243, 0.004046]),
)
FILTERS = {"guptasarma7": GUPTASARMA_7, "guptasarma11": GUPTASARMA_11}


def resistivity_transform(lam, rhos, thicknesses):
    """Koefoed/Pekeris resistivity transform T1(lambda) of an N-layer earth:
    T_N = rho_N; T_i = (T_{i+1} + rho_i tanh(lambda h_i)) /
    (1 + T_{i+1} tanh(lambda h_i) / rho_i).  rhos: (..., N), thicknesses:
    (..., N-1); lam broadcasts against the leading axes (extra axis last)."""
    rhos = np.asarray(rhos, dtype=np.float64)
    th = np.asarray(thicknesses, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    t = np.broadcast_to(rhos[..., -1:], np.broadcast(rhos[..., -1:], lam).shape).copy()
    for i in range(rhos.shape[-1] - 2, -1, -1):
        r = rhos[..., i:i + 1]
        th_i = np.tanh(lam * th[..., i:i + 1])
        t = (t + r * th_i) / (1.0 + t * th_i / r)
    return t


def schlumberger_filter(ab2, rhos, thicknesses, name="guptasarma11"):
    """Schlumberger apparent resistivity rho_a(AB/2) of an N-layer earth by
    linear filtering of the resistivity transform (ideal array, MN -> 0).
    ab2: (S,); rhos (..., N); thicknesses (..., N-1).  Returns (..., S)."""
    a, c = FILTERS[name]
    ab2 = np.asarray(ab2, dtype=np.float64)
    lam = (10.0 ** a)[None, :] / ab2[:, None]              # (S, K)
    rhos = np.asarray(rhos, dtype=np.float64)
    th = np.asarray(thicknesses, dtype=np.float64)
    lead = rhos.shape[:-1]
    t = resistivity_transform(lam.reshape(-1), rhos, th)    # (..., S*K)
    return (t.reshape(lead + lam.shape) * c).sum(axis=-1)


def schlumberger_2layer(ab2, rho1, rho2, h1, tol=1e-10, max_terms=20000):
    """Exact two-layer Schlumberger apparent resistivity (ideal array) from
    the image series of the surface potential, V(r) = rho1 I / (2 pi)
    [1/r + 2 sum_n k^n / sqrt(r^2 + (2 n h)^2)], differentiated:
    rho_a(L) = rho1 [1 + 2 sum_n k^n L^3 / (L^2 + (2 n h)^2)^(3/2)],
    k = (rho2 - rho1) / (rho2 + rho1).  Scalars or arrays of soundings;
    returns (..., S).  Terms are summed until |k|^n < tol."""
    ab2 = np.asarray(ab2, dtype=np.float64)
    rho1 = np.atleast_1d(np.asarray(rho1, dtype=np.float64))
    rho2 = np.atleast_1d(np.asarray(rho2, dtype=np.float64))
    h1 = np.atleast_1d(np.asarray(h1, dtype=np.float64))
    rho1, rho2, h1 = np.broadcast_arrays(rho1, rho2, h1)
    k = (rho2 - rho1) / (rho2 + rho1)
    out = np.empty(rho1.shape + ab2.shape)
    L3 = ab2 ** 3
    L2 = ab2 ** 2
    fr1, fk, fh = rho1.reshape(-1), k.reshape(-1), h1.reshape(-1)
    flat = out.reshape(-1, ab2.size)
    # soundings in blocks of similar |k|, so each block needs only as many
    # terms as its own largest |k| requires (results do not depend on it)
    order = np.argsort(np.abs(fk), kind="stable")
    chunk = 64
    for s in range(0, fk.size, chunk):
        idx = order[s:s + chunk]
        kmax = float(np.max(np.abs(fk[idx])))
        nt = 1 if kmax == 0.0 else int(min(max_terms, math.ceil(math.log(tol) / math.log(kmax)) + 1))
        n = np.arange(1, nt + 1, dtype=np.float64)
        kk = fk[idx, None]
        kn = np.sign(kk) ** n * np.exp(n * np.log(np.maximum(np.abs(kk), 1e-300)))
        d = L2[None, None, :] + ((2.0 * n[None, :] * fh[idx, None]) ** 2)[:, :, None]   # (B, n, S)
        g = L3[None, None, :] / (d * np.sqrt(d))
        flat[idx] = fr1[idx, None] * (1.0 + 2.0 * np.einsum("bn,bns->bs", kn, g))
    return out


# ---------------------------------------------------------------------------
# (c) Synthetic seismic traces
# ---------------------------------------------------------------------------

def ricker(f_peak, dt, half_width_periods=1.5):
    """Zero-phase Ricker wavelet (1 - 2 (pi f t)^2) exp(-(pi f t)^2), peak 1,
    sampled at dt on |t| <= half_width_periods / f_peak.  Returns (t, w)."""
    nh = int(math.ceil(half_width_periods / (f_peak * dt)))
    t = np.arange(-nh, nh + 1) * dt
    a = (math.pi * f_peak * t) ** 2
    return t, (1.0 - 2.0 * a) * np.exp(-a)


def ricker_onset(f_peak, frac=0.01):
    """Time before its peak at which a Ricker wavelet's envelope first
    reaches frac of the peak: the 'first break' of a Ricker arrival."""
    # |w(t)| is decreasing beyond the side-lobe minimum (pi f t)^2 = 1.5;
    # solve (2 a - 1) exp(-a) = frac there by bisection on a = (pi f t)^2.
    lo, hi = 1.5, 60.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (2.0 * mid - 1.0) * math.exp(-mid) > frac:
            lo = mid
        else:
            hi = mid
    return math.sqrt(0.5 * (lo + hi)) / (math.pi * f_peak)


def coloured_noise(rng, n, dt, f_lo, f_hi):
    """Zero-mean unit-variance Gaussian noise band-limited to [f_lo, f_hi]
    (rectangular band in the FFT domain)."""
    m = 1
    while m < 2 * n:
        m *= 2
    spec = np.fft.rfft(rng.standard_normal(m))
    f = np.fft.rfftfreq(m, dt)
    spec[(f < f_lo) | (f > f_hi)] = 0.0
    x = np.fft.irfft(spec, m)[:n]
    s = x.std()
    return x / s if s > 0 else x


def synthetic_trace(rng, n, dt, first_break, f_peak, spikes, snr, noise_band=None,
                    white_fraction=0.3, onset_frac=0.01):
    """One synthetic trace: reflectivity (first arrival plus later spikes)
    convolved with a Ricker wavelet, plus noise.

    first_break   time (s) at which the first arrival's wavelet reaches
                  onset_frac of its peak: the label a picker should return;
    spikes        list of (delay_s >= 0 after the first arrival, amplitude)
                  with the first arrival itself = (0, +-1);
    snr           peak amplitude of the first arrival / noise standard dev.;
    noise_band    (f_lo, f_hi) of the coloured part of the noise, or None;
    white_fraction  share of white noise in the noise variance.
    Returns (trace float64[n], reflectivity float64[n])."""
    onset = ricker_onset(f_peak, onset_frac)
    t_peak0 = first_break + onset
    refl = np.zeros(n)
    sig = np.zeros(n)
    tt = np.arange(n) * dt
    for delay, amp in spikes:
        tp = t_peak0 + delay
        k = int(round(tp / dt))
        if 0 <= k < n:
            refl[k] += amp
        # exact sub-sample placement of the wavelet (not rounded to a sample)
        a = (math.pi * f_peak * (tt - tp)) ** 2
        sig += amp * (1.0 - 2.0 * a) * np.exp(-np.minimum(a, 700.0))
    noise = math.sqrt(white_fraction) * rng.standard_normal(n)
    if noise_band is not None and white_fraction < 1.0:
        noise += math.sqrt(1.0 - white_fraction) * coloured_noise(rng, n, dt, *noise_band)
    amp0 = abs(spikes[0][1]) if spikes else 1.0
    return sig + noise * (amp0 / snr), refl


# ---------------------------------------------------------------------------
# Self-tests (cheap; the trainers call them and report the numbers)
# ---------------------------------------------------------------------------

def _gauss_legendre_prism(xo, yo, zo, x1, x2, y1, y2, z1, z2, M, mi, md, fi, fd, n=12):
    """Prism anomaly by Gauss-Legendre quadrature of dipoles (check only)."""
    g, wt = np.polynomial.legendre.leggauss(n)
    xs = 0.5 * (x2 - x1) * g + 0.5 * (x1 + x2)
    ys = 0.5 * (y2 - y1) * g + 0.5 * (y1 + y2)
    zs = 0.5 * (z2 - z1) * g + 0.5 * (z1 + z2)
    vol = 0.125 * (x2 - x1) * (y2 - y1) * (z2 - z1)
    X, Y, Z = np.meshgrid(xs, ys, zs, indexing="ij")
    W = (wt[:, None, None] * wt[None, :, None] * wt[None, None, :]) * vol
    tot = np.zeros(np.broadcast(xo, yo, zo).shape)
    for xq, yq, zq, wq in zip(X.ravel(), Y.ravel(), Z.ravel(), W.ravel()):
        tot += dipole_tfa(xo, yo, zo, xq, yq, zq, M * wq, mi, md, fi, fd)
    return tot


def selftest_magnetics():
    """Max relative error of prism_tfa against dipole quadrature on a profile
    crossing a prism, for field I=60 D=10 and an oblique magnetisation."""
    x = np.linspace(-100.0, 100.0, 41)
    y = 0.3 * x + 7.0
    z = np.full_like(x, -1.0)
    worst = 0.0
    for (mi, md) in ((60.0, 10.0), (-25.0, 70.0)):
        a = prism_tfa(x, y, z, -8, 12, -10, 6, 15, 40, 2.0, mi, md, 60.0, 10.0)
        b = _gauss_legendre_prism(x, y, z, -8, 12, -10, 6, 15, 40, 2.0, mi, md, 60.0, 10.0)
        worst = max(worst, float(np.max(np.abs(a - b)) / np.max(np.abs(b))))
    return {"prism_vs_dipole_quadrature_max_rel_err": worst}


def selftest_resistivity():
    """Filter vs exact image series for 2 layers; 3-layer degenerate cases."""
    ab2 = np.logspace(0, 3, 31)
    worst = {"guptasarma7": 0.0, "guptasarma11": 0.0}
    for r1, r2, h in ((10.0, 1000.0, 5.0), (1000.0, 10.0, 5.0), (100.0, 300.0, 20.0),
                      (50.0, 5.0, 60.0), (20.0, 2000.0, 1.0)):
        ex = schlumberger_2layer(ab2, r1, r2, h)[0]
        for name in worst:
            fi = schlumberger_filter(ab2, [r1, r2], [h], name)
            worst[name] = max(worst[name], float(np.max(np.abs(fi / ex - 1.0))))
    ex = schlumberger_2layer(ab2, 30.0, 400.0, 25.0)[0]
    d3a = schlumberger_filter(ab2, [30.0, 30.0, 400.0], [10.0, 15.0])
    d3b = schlumberger_filter(ab2, [30.0, 400.0, 400.0], [25.0, 40.0])
    hom = schlumberger_filter(ab2, [77.0, 77.0], [3.0])
    return {
        "filter7_vs_image_series_max_rel_err": worst["guptasarma7"],
        "filter11_vs_image_series_max_rel_err": worst["guptasarma11"],
        "filter11_3layer_degenerate_max_rel_err": float(max(np.max(np.abs(d3a / ex - 1)),
                                                            np.max(np.abs(d3b / ex - 1)))),
        "filter11_homogeneous_max_rel_err": float(np.max(np.abs(hom / 77.0 - 1.0))),
    }


def selftest_seismic():
    """The first-break label sits where the Ricker envelope reaches 1 %."""
    f, dt = 0.08, 1.0
    tr, _ = synthetic_trace(np.random.default_rng(0), 400, dt, 123.4, f, [(0.0, 1.0)], snr=1e12)
    k = int(np.argmax(np.abs(tr) >= 0.01))
    return {"ricker_onset_label_error_samples": float(abs(k * dt - 123.4) / dt)}


if __name__ == "__main__":
    import json
    out = {}
    out.update(selftest_magnetics())
    out.update(selftest_resistivity())
    out.update(selftest_seismic())
    print(json.dumps(out, indent=2, sort_keys=True))
