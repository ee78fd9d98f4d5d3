"""geophysics-seismic / traveltime: teleseismic travel times by ray tracing
in the spherically symmetric iasp91 Earth model, NumPy only.

Why: the real COLA trace has no picked arrival to compare with, so the
trainer derives the expected arrival times of the main phases from the
event and station coordinates.  Method: the model is cut into thin shells in
which v = a r^b (Bullen's law), for which the distance and time integrals of
a ray of parameter p are closed-form (arccos and square-root terms); Delta(p)
and T(p) are tabulated on a dense p grid and inverted for the wanted
distance; a diffracted branch (Pdiff/Sdiff) extends P/S beyond the core
shadow with the grazing ray parameter.  No ellipticity, station elevation or
3-D corrections.

iasp91 velocities: Kennett, B.L.N. & Engdahl, E.R. (1991), Traveltimes for
global earthquake location and phase identification, Geophys. J. Int. 105,
429-465; polynomial coefficients in x = r / 6371 km as in the IASPEI
'emiask' routine.
"""

import math

import numpy as np

R_EARTH = 6371.0
# (r_bottom, r_top, vp coefficients, vs coefficients), polynomials in x = r/R
IASP91 = [
    (0.0, 1217.1, (11.24094, 0.0, -4.09689, 0.0), (3.56454, 0.0, -3.45241, 0.0)),
    (1217.1, 3482.0, (10.03904, 3.75665, -13.67046, 0.0), (0.0, 0.0, 0.0, 0.0)),
    (3482.0, 3631.0, (14.49470, -1.47089, 0.0, 0.0), (8.16616, -1.58206, 0.0, 0.0)),
    (3631.0, 5611.0, (25.1486, -41.1538, 51.9932, -26.6083), (12.9303, -21.2590, 27.8988, -14.1080)),
    (5611.0, 5711.0, (25.969838, -16.934118, 0.0, 0.0), (20.768902, -16.531471, 0.0, 0.0)),
    (5711.0, 5961.0, (29.38896, -21.40656, 0.0, 0.0), (17.70732, -13.50652, 0.0, 0.0)),
    (5961.0, 6161.0, (30.78765, -23.25415, 0.0, 0.0), (15.24213, -11.08553, 0.0, 0.0)),
    (6161.0, 6251.0, (25.41389, -17.69722, 0.0, 0.0), (5.750203, -1.274202, 0.0, 0.0)),
    (6251.0, 6336.0, (8.785412, -0.7495294, 0.0, 0.0), (6.706232, -2.248585, 0.0, 0.0)),
    (6336.0, 6351.0, (6.5, 0.0, 0.0, 0.0), (3.75, 0.0, 0.0, 0.0)),
    (6351.0, 6371.0, (5.8, 0.0, 0.0, 0.0), (3.36, 0.0, 0.0, 0.0)),
]
R_ICB, R_CMB = 1217.1, 3482.0


def _poly(c, r):
    x = r / R_EARTH
    return c[0] + x * (c[1] + x * (c[2] + x * c[3]))


def shells(mantle_wave, src_depth_km, dr=10.0):
    """Thin shells (r_top, r_bot, eta_top, eta_bot) from the surface down,
    eta = r / v.  mantle_wave 'P' or 'S' is used above the core; the outer
    and inner core always carry P (K and I legs: PKP, PKIKP, SKS, SKIKS).
    The source radius is a shell boundary.  Returns arrays and the index of
    the first shell below the source."""
    rs = R_EARTH - src_depth_km
    tops, bots, et, eb = [], [], [], []
    for r0, r1, cp, cs in reversed(IASP91):
        c = cs if (mantle_wave == "S" and r0 >= R_CMB) else cp
        nb = max(1, int(math.ceil((r1 - r0) / dr)))
        edges = list(np.linspace(r1, r0, nb + 1))
        if r0 < rs < r1:
            edges = sorted(set(edges + [rs]), reverse=True)
        for a, b in zip(edges[:-1], edges[1:]):
            if b <= 0.0:
                b = 1e-3
            tops.append(a)
            bots.append(b)
            et.append(a / _poly(c, a))
            eb.append(b / _poly(c, b))
    tops, bots = np.array(tops), np.array(bots)
    return tops, bots, np.array(et), np.array(eb), int(np.searchsorted(-tops, -rs))


def one_way(p, sh, stop_radius=0.0):
    """One-way distance (rad) and time (s) from the surface to the turning
    point for ray parameters p (s/rad), plus the part above the source.
    Rays are not allowed below stop_radius (a reflector: PcP, PKiKP).
    Returns (delta, time, delta_above_src, time_above_src, turned_ok)."""
    tops, bots, et, eb, isrc = sh
    p = np.asarray(p, dtype=np.float64)[:, None]
    live = bots >= stop_radius - 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.log((tops / et) / (bots / eb)) / np.log(tops / bots)   # v = a r^b
        q = 1.0 / (1.0 - b)
        full = p < eb[None, :]
        enter = p < et[None, :]
        passed = np.cumprod(full & live[None, :], axis=1).astype(bool)
        reach = np.concatenate([np.ones((p.shape[0], 1), bool), passed[:, :-1]], axis=1) & enter & live[None, :]
        ct = np.arccos(np.clip(p / et[None, :], -1, 1))
        cb = np.where(full, np.arccos(np.clip(p / eb[None, :], -1, 1)), 0.0)
        st = np.sqrt(np.clip(et[None, :] ** 2 - p * p, 0, None))
        sb = np.where(full, np.sqrt(np.clip(eb[None, :] ** 2 - p * p, 0, None)), 0.0)
        dd = np.where(reach, q * (ct - cb), 0.0)
        tt = np.where(reach, q * (st - sb), 0.0)
    # a ray that passed every live shell did not turn (it hit the reflector)
    # which is fine only when a reflector was asked for
    bottomed = passed[:, live].all(axis=1) if live.any() else np.zeros(p.shape[0], bool)
    ok = bottomed if stop_radius > 0 else ~bottomed
    return dd.sum(1), tt.sum(1), dd[:, :isrc].sum(1), tt[:, :isrc].sum(1), ok


_CACHE = {}


def _rays(wave, src_depth_km, kind, n_p):
    """One-way ray sums for a family of rays, cached: kind 'mantle' (rays
    turning in the mantle), 'core' (all rays entering the core), 'cmb' /
    'icb' (rays reflected at the core-mantle / inner-core boundary)."""
    key = (wave, float(src_depth_km), kind, n_p)
    if key not in _CACHE:
        sh = shells(wave, src_depth_km)
        tops, bots, et, eb, isrc = sh
        eta_cmb = eb[int(np.searchsorted(-bots, -R_CMB))]      # mantle side of the CMB
        stop = 0.0
        if kind == "mantle":
            p = np.linspace(eta_cmb * 1.0000001, et[isrc] * 0.999999, n_p)
        elif kind == "core":
            p = np.linspace(0.0, eta_cmb * 0.999999, n_p)
        elif kind == "cmb":
            p, stop = np.linspace(0.0, eta_cmb * 0.999999, n_p), R_CMB
        elif kind == "icb":
            p, stop = np.linspace(0.0, R_ICB / _poly(IASP91[1][2], R_ICB) * 0.999999, n_p), R_ICB
        else:
            raise ValueError(kind)
        parts = [one_way(p[i:i + 256], sh, stop) for i in range(0, len(p), 256)]  # bounded memory
        _CACHE[key] = (p,) + tuple(np.concatenate([q[k] for q in parts]) for k in range(5))
    return _CACHE[key]


_PHASES = {"P": ("P", "mantle", 2), "S": ("S", "mantle", 2), "PP": ("P", "mantle", 4),
           "SS": ("S", "mantle", 4), "PKP": ("P", "core", 2), "SKS": ("S", "core", 2),
           "PcP": ("P", "cmb", 2), "ScS": ("S", "cmb", 2), "PKiKP": ("P", "icb", 2)}


def branch(phase, src_depth_km, n_p=1500):
    """(Delta deg, T s, p s/rad) samples of a phase's travel-time curve for a
    source at src_depth_km: 'P', 'S', 'PP', 'SS' (mantle rays, two or four
    legs), 'PKP' (all core P rays, incl. PKIKP), 'SKS', 'PcP', 'ScS',
    'PKiKP'.  A source-side leg above the source is removed."""
    wave, kind, legs = _PHASES[phase]
    p, d1, t1, da, ta, ok = _rays(wave, src_depth_km, kind, n_p)
    return np.degrees(legs * d1 - da)[ok], (legs * t1 - ta)[ok], p[ok]


def first_time(phase, delta_deg, src_depth_km, diffracted=True):
    """Earliest travel time (s) of phase at delta_deg, or None.  For P and S
    beyond the last mantle ray, the diffracted continuation (Pdiff, Sdiff)
    T = T_graze + p_graze (Delta - Delta_graze) is used when diffracted."""
    d, t, p = branch(phase, src_depth_km)
    best = None
    for i in range(len(d) - 1):
        lo, hi = min(d[i], d[i + 1]), max(d[i], d[i + 1])
        if lo <= delta_deg <= hi and hi > lo:
            # tau-p interpolation: T(D) ~ T_i + p_i (D - D_i)
            ti = t[i] + p[i] * math.radians(delta_deg - d[i])
            tj = t[i + 1] + p[i + 1] * math.radians(delta_deg - d[i + 1])
            w = (delta_deg - d[i]) / (d[i + 1] - d[i])
            tv = (1 - w) * ti + w * tj
            best = tv if best is None else min(best, tv)
    if best is None and diffracted and phase in ("P", "S"):
        g = int(np.argmin(p))                                  # grazing ray
        if delta_deg > d[g]:
            best = t[g] + p[g] * math.radians(delta_deg - d[g])
    return best


def geocentric_lat(lat_deg):
    f = 1.0 / 298.257223563
    return math.degrees(math.atan((1 - f) ** 2 * math.tan(math.radians(lat_deg))))


def distance_deg(lat1, lon1, lat2, lon2):
    """Great-circle distance (deg) between geographic coordinates, computed
    on geocentric latitudes (as travel-time tables expect)."""
    a1, a2 = math.radians(geocentric_lat(lat1)), math.radians(geocentric_lat(lat2))
    dl = math.radians(lon2 - lon1)
    c = math.sin(a1) * math.sin(a2) + math.cos(a1) * math.cos(a2) * math.cos(dl)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


# Reference values for the self-check: TauP (obspy.taup, model iasp91)
# documentation examples, and the IASP91 tables of Kennett (1991) for P at
# the surface, as quoted in the TTBOX validation script.
REFERENCE = [
    ("P", 67.0, 55.0, 647.041), ("PcP", 67.0, 55.0, 674.865), ("PP", 67.0, 55.0, 794.992),
    ("PKiKP", 67.0, 55.0, 1034.098), ("S", 67.0, 55.0, 1176.948), ("SKS", 67.0, 55.0, 1239.090),
    ("ScS", 67.0, 55.0, 1239.512), ("SS", 67.0, 55.0, 1437.427), ("P", 45.0, 100.0, 485.21),
    ("P", 23.0, 0.0, 306.34), ("P", 25.0, 0.0, 325.43), ("P", 28.0, 0.0, 352.50),
]


def selfcheck():
    """Largest |difference| (s) from the reference travel times."""
    worst = 0.0
    rows = []
    for ph, d, h, tref in REFERENCE:
        t = first_time(ph, d, h, diffracted=False)
        err = float("inf") if t is None else t - tref
        rows.append((ph, d, h, tref, t, err))
        worst = max(worst, abs(err))
    return worst, rows
