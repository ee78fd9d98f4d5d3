"""GeoPackage polygon reading and exact polygon rasterisation, standard
library (sqlite3, struct) and NumPy only.

A GeoPackage is an SQLite database; each geometry is a "GP" blob header
(magic, version, flags, srs_id, optional envelope) followed by ISO WKB.
We parse both ourselves so that no GDAL/OGR is needed at train time.
"""

import os
import sqlite3
import struct
import urllib.parse

import numpy as np


class GpkgError(Exception):
    pass


# envelope indicator -> number of doubles in the envelope
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def _parse_wkb(buf, off):
    """Parse one WKB geometry at buf[off:].  Returns (polygons, new_off);
    polygons is a list of polygons, each a list of rings ((k, 2) float64,
    x and y only).  Points and lines are skipped (returned as no polygons)."""
    if off + 5 > len(buf):
        raise GpkgError("truncated WKB")
    bo = buf[off]
    if bo not in (0, 1):
        raise GpkgError("bad WKB byte order %d" % bo)
    e = "<" if bo == 1 else ">"
    (t,) = struct.unpack_from(e + "I", buf, off + 1)
    off += 5
    # ISO codes (1000 Z, 2000 M, 3000 ZM) and the EWKB high-bit flags.
    has_z = bool(t & 0x80000000)
    has_m = bool(t & 0x40000000)
    if t & 0x20000000:  # EWKB SRID follows
        off += 4
    t &= 0x0FFFFFFF
    iso, base = divmod(t, 1000)
    if iso in (1, 3):
        has_z = True
    if iso in (2, 3):
        has_m = True
    dim = 2 + int(has_z) + int(has_m)

    def count():
        nonlocal off
        (n,) = struct.unpack_from(e + "I", buf, off)
        off += 4
        return n

    if base == 1:  # Point
        return [], off + 8 * dim
    if base == 2:  # LineString
        n = count()
        return [], off + 8 * dim * n
    if base == 3:  # Polygon
        rings = []
        for _ in range(count()):
            k = count()
            if off + 8 * dim * k > len(buf):
                raise GpkgError("truncated WKB ring")
            a = np.frombuffer(buf, dtype=e + "f8", count=k * dim, offset=off)
            rings.append(a.reshape(k, dim)[:, :2].astype(np.float64))
            off += 8 * dim * k
        return ([rings] if rings else []), off
    if base in (4, 5, 6, 7):  # Multi* and GeometryCollection: nested WKB
        polys = []
        for _ in range(count()):
            sub, off = _parse_wkb(buf, off)
            polys.extend(sub)
        return polys, off
    raise GpkgError("unsupported WKB geometry type %d" % t)


def parse_geometry(blob):
    """GeoPackage geometry blob -> list of polygons (see _parse_wkb)."""
    if blob is None:
        return []
    blob = bytes(blob)
    if len(blob) < 8 or blob[:2] != b"GP":
        raise GpkgError("not a GeoPackage geometry blob (no 'GP' magic)")
    flags = blob[3]
    if flags & 0x20:
        raise GpkgError("extended GeoPackage geometries are not supported")
    env = (flags >> 1) & 7
    if env not in _ENVELOPE_DOUBLES:
        raise GpkgError("bad envelope indicator %d" % env)
    if flags & 0x10:  # empty geometry
        return []
    polys, _ = _parse_wkb(blob, 8 + 8 * _ENVELOPE_DOUBLES[env])
    return polys


def read_polygons(path, table=None):
    """Read every polygon feature of a GeoPackage feature table.
    Returns (features, info): features is a list of (fid, polygons) sorted
    by fid; info has the table name, srs id/name and feature count."""
    if not os.path.isfile(path):
        raise GpkgError("GeoPackage not found: %s" % path)
    # immutable=1: the file lives on a read-only mount in the sandbox, so
    # SQLite must not try to create journal or -shm files next to it.
    uri = "file:%s?mode=ro&immutable=1" % urllib.parse.quote(os.path.abspath(path))
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as e:
        raise GpkgError("%s: %s" % (path, e))
    try:
        try:
            gcols = sorted(con.execute(
                "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns"))
        except sqlite3.Error as e:
            raise GpkgError("%s: not a GeoPackage (%s)" % (path, e))
        if not gcols:
            raise GpkgError("%s: no feature tables" % path)
        if table is None:
            tname, gcol, srs = gcols[0]
        else:
            hit = [g for g in gcols if g[0] == table]
            if not hit:
                raise GpkgError("%s: no feature table %r (have %s)"
                                % (path, table, [g[0] for g in gcols]))
            tname, gcol, srs = hit[0]
        cols = list(con.execute('PRAGMA table_info("%s")' % tname.replace('"', '""')))
        pk = [c[1] for c in cols if c[5]] or ["rowid"]
        q = 'SELECT "%s", "%s" FROM "%s" ORDER BY 1' % (
            pk[0].replace('"', '""'), gcol.replace('"', '""'), tname.replace('"', '""'))
        feats = []
        for fid, blob in con.execute(q):
            polys = parse_geometry(blob)
            if polys:
                feats.append((int(fid), polys))
        srs_name = None
        for row in con.execute("SELECT srs_name FROM gpkg_spatial_ref_sys WHERE srs_id=?",
                               (srs,)):
            srs_name = row[0]
    except sqlite3.Error as e:
        raise GpkgError("%s: %s" % (path, e))
    finally:
        con.close()
    return feats, {"table": tname, "srs_id": srs, "srs_name": srs_name,
                   "features": len(feats)}


def polygon_area(rings):
    """Shoelace area of a polygon (outer ring minus holes)."""
    a = 0.0
    for k, r in enumerate(rings):
        x, y = r[:, 0], r[:, 1]
        s = abs(0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])
                            + x[-1] * y[0] - x[0] * y[-1]))
        a += s if k == 0 else -s
    return a


def bounds(features):
    pts = np.concatenate([r for _, polys in features for rings in polys for r in rings])
    return pts.min(axis=0), pts.max(axis=0)


def rasterise(features, x0, y0, cell, nx, ny):
    """Burn polygons into an int32 grid [ny, nx] of feature ids (0 = none).
    Row iy covers y0 + iy*cell .. y0 + (iy+1)*cell (south to north).
    A cell belongs to a polygon when its centre is inside (even-odd rule
    over all rings, so holes work); later features overwrite earlier ones."""
    out = np.zeros((ny, nx), dtype=np.int32)
    for fid, polys in features:
        for rings in polys:
            pts = np.concatenate(rings)
            # rows whose centre lies within the polygon's y range
            r0 = max(0, int(np.ceil((pts[:, 1].min() - y0) / cell - 0.5)))
            r1 = min(ny - 1, int(np.floor((pts[:, 1].max() - y0) / cell - 0.5)))
            c0 = max(0, int(np.floor((pts[:, 0].min() - x0) / cell - 0.5)))
            c1 = min(nx - 1, int(np.ceil((pts[:, 0].max() - x0) / cell - 0.5)))
            if r1 < r0 or c1 < c0:
                continue
            # toggles[row, col] counts edge crossings left of cell centres;
            # the running parity along the row is the inside test.
            tog = np.zeros((r1 - r0 + 1, c1 - c0 + 2), dtype=np.int32)
            for ring in rings:
                a = ring
                b = np.roll(ring, -1, axis=0)
                ya, yb = a[:, 1], b[:, 1]
                ok = ya != yb
                a, b, ya, yb = a[ok], b[ok], ya[ok], yb[ok]
                lo, hi = np.minimum(ya, yb), np.maximum(ya, yb)
                # rows with lo <= centre < hi (half-open: vertices count once)
                ra = np.maximum(np.ceil((lo - y0) / cell - 0.5).astype(np.int64), r0)
                rb = np.minimum(np.ceil((hi - y0) / cell - 0.5).astype(np.int64) - 1, r1)
                n = np.maximum(rb - ra + 1, 0)
                if n.sum() == 0:
                    continue
                e = np.repeat(np.arange(len(n)), n)
                rows = ra[e] + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
                yc = y0 + (rows + 0.5) * cell
                xc = a[e, 0] + (yc - a[e, 1]) * (b[e, 0] - a[e, 0]) / (b[e, 1] - a[e, 1])
                col = np.ceil((xc - x0) / cell - 0.5).astype(np.int64)
                col = np.clip(col, c0, c1 + 1) - c0
                np.add.at(tog, (rows - r0, col), 1)
            inside = (np.cumsum(tog, axis=1)[:, :-1] % 2) == 1
            sub = out[r0:r1 + 1, c0:c1 + 1]
            sub[inside] = fid
    return out
