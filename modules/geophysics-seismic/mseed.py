"""geophysics-seismic / mseed: a small miniSEED (SEED 2.4 data-only) reader in
NumPy and struct: the 48-byte fixed header, blockettes 1000 (encoding, word
order, record length) and 1001 (microseconds), and the data encodings int16,
int32, float32, float64, Steim-1 and Steim-2.  Every Steim record is checked
against its own integration constants (X0 = first sample, Xn = last sample)
and against the sample count of the header; merging checks that records are
contiguous in time and that each record's first difference continues the
previous record's last sample (or is 0, which writers use after a restart).
"""

import datetime
import struct

import numpy as np

ENCODINGS = {1: "INT16", 3: "INT32", 4: "FLOAT32", 5: "FLOAT64", 10: "STEIM1", 11: "STEIM2"}


class MseedError(Exception):
    pass


def _signed(v, bits):
    """Two's complement of the low `bits` bits of the integer array v."""
    v = v & ((1 << bits) - 1)
    return np.where(v >> (bits - 1), v - (1 << bits), v)


# (control code, dnib) -> (count, bits, first shift); differences are packed
# from the most significant end of the 32-bit word
_STEIM2 = {(2, 1): (1, 30), (2, 2): (2, 15), (2, 3): (3, 10),
           (3, 0): (5, 6), (3, 1): (6, 5), (3, 2): (7, 4)}


def _steim(data, nsamp, endian, level):
    """Decode Steim-1/2 frames.  Returns (samples int64, x0, xn, d0, ndiffs)."""
    nframes = len(data) // 64
    if nframes == 0:
        raise MseedError("no Steim frames")
    w = np.frombuffer(data[:nframes * 64], dtype=endian + "u4").astype(np.int64).reshape(nframes, 16)
    x0 = int(_signed(w[0, 1], 32))
    xn = int(_signed(w[0, 2], 32))
    diffs = []
    for f in range(nframes):
        ctl = int(w[f, 0])
        for i in range(1, 16):
            if f == 0 and i in (1, 2):
                continue                          # X0 and Xn, not data
            c = (ctl >> (30 - 2 * i)) & 3
            v = int(w[f, i])
            if c == 0:
                continue
            if level == 1:
                # Steim-1 differences are byte-swapped as units of their own
                # size (libmseed does the same for little-endian records)
                o = (f * 16 + i) * 4
                dt = {1: "i1", 2: endian + "i2", 3: endian + "i4"}[c]
                diffs.extend(np.frombuffer(data[o:o + 4], dtype=dt).astype(np.int64).tolist())
            elif c == 1:                          # Steim-2: four 8-bit differences
                diffs.extend(_signed(np.array([v >> s for s in (24, 16, 8, 0)]), 8).tolist())
            else:
                key = (c, v >> 30)
                if key not in _STEIM2:
                    raise MseedError("invalid Steim-2 nibble %d/%d" % key)
                cnt, bits = _STEIM2[key]
                shifts = [bits * (cnt - 1 - k) for k in range(cnt)]
                diffs.extend(_signed(np.array([v >> s for s in shifts]), bits).tolist())
        if len(diffs) >= nsamp:
            break
    if len(diffs) < nsamp:
        raise MseedError("Steim data hold %d differences, header says %d samples" % (len(diffs), nsamp))
    d = np.array(diffs[:nsamp], dtype=np.int64)
    x = np.empty(nsamp, dtype=np.int64)
    x[0] = x0
    x[1:] = x0 + np.cumsum(d[1:])               # d[0] refers to the previous record
    return x, x0, xn, int(d[0]), len(diffs)


def _btime(b, endian):
    y, doy, hh, mm, ss, _, frac = struct.unpack(endian + "HHBBBBH", b)
    if not (1900 <= y <= 2200 and 1 <= doy <= 366 and hh < 24 and mm < 60 and ss <= 60):
        return None
    t = datetime.datetime(y, 1, 1) + datetime.timedelta(days=doy - 1, hours=hh, minutes=mm, seconds=ss)
    return t, frac


def _rate(factor, mult):
    if factor == 0 or mult == 0:
        return 0.0
    if factor > 0 and mult > 0:
        return float(factor * mult)
    if factor > 0 > mult:
        return -float(factor) / mult
    if factor < 0 < mult:
        return -float(mult) / factor
    return 1.0 / (factor * mult)


def read_records(raw):
    """Parse every record of a miniSEED byte string.  Returns a list of
    dicts (network, station, location, channel, quality, start (datetime,
    UTC, naive), start_epoch, rate, nsamp, encoding, reclen, samples, and
    for Steim: x0, xn, d0, xn_ok)."""
    recs, off = [], 0
    epoch0 = datetime.datetime(1970, 1, 1)
    while off + 48 <= len(raw):
        h = raw[off:off + 48]
        if not h[:6].replace(b" ", b"0").isdigit() or h[6:7] not in b"DRQM":
            raise MseedError("offset %d: not a miniSEED data record header" % off)
        endian = ">"
        bt = _btime(h[20:30], ">")
        if bt is None:
            endian = "<"
            bt = _btime(h[20:30], "<")
            if bt is None:
                raise MseedError("offset %d: implausible record start time" % off)
        (nsamp, fac, mul, act, _io, _q, nblk, tcorr, bod, fblk) = struct.unpack(endian + "HhhBBBBiHH", h[30:48])
        enc, word_order, reclen, usec = None, None, None, 0
        b, seen = fblk, 0
        while b and seen < max(nblk, 1) + 8:
            btype, nxt = struct.unpack(endian + "HH", raw[off + b:off + b + 4])
            if btype == 1000:
                enc, word_order, rl = raw[off + b + 4], raw[off + b + 5], raw[off + b + 6]
                reclen = 1 << rl
            elif btype == 1001:
                usec = struct.unpack("b", raw[off + b + 5:off + b + 6])[0]
            b, seen = nxt, seen + 1
        if reclen is None:
            raise MseedError("offset %d: no blockette 1000 (record length unknown)" % off)
        if off + reclen > len(raw):
            raise MseedError("offset %d: truncated record (%d bytes declared)" % (off, reclen))
        t, frac = bt
        start = t + datetime.timedelta(microseconds=frac * 100 + usec)
        if not act & 0x02:                                 # time correction not yet applied
            start += datetime.timedelta(microseconds=tcorr * 100)
        rec = {"network": h[18:20].decode("ascii").strip(), "station": h[8:13].decode("ascii").strip(),
               "location": h[13:15].decode("ascii").strip(), "channel": h[15:18].decode("ascii").strip(),
               "quality": h[6:7].decode("ascii"), "sequence": h[:6].decode("ascii"),
               "start": start, "start_epoch": (start - epoch0).total_seconds(),
               "rate": _rate(fac, mul), "nsamp": nsamp, "encoding": ENCODINGS.get(enc, str(enc)),
               "reclen": reclen, "word_order": "big" if word_order == 1 else "little"}
        data = raw[off + bod:off + reclen]
        de = ">" if word_order == 1 else "<"
        if enc in (10, 11):
            x, x0, xn, d0, nd = _steim(data, nsamp, de, 1 if enc == 10 else 2)
            rec.update(samples=x, x0=x0, xn=xn, d0=d0, xn_ok=bool(x[-1] == xn) if nsamp else True)
        elif enc in (1, 3, 4, 5):
            dt = {1: "i2", 3: "i4", 4: "f4", 5: "f8"}[enc]
            rec["samples"] = np.frombuffer(data, dtype=de + dt, count=nsamp).astype(
                np.float64 if enc in (4, 5) else np.int64)
        else:
            raise MseedError("offset %d: unsupported encoding %r" % (off, enc))
        recs.append(rec)
        off += reclen
    if not recs:
        raise MseedError("no records")
    return recs


def merge(recs):
    """Join the records of one channel into a contiguous trace.  Returns
    (dict: id, start, rate, samples, n_records) and a checks dict; raises
    MseedError on gaps, overlaps, or mixed channels/rates."""
    ids = {(r["network"], r["station"], r["location"], r["channel"]) for r in recs}
    if len(ids) != 1:
        raise MseedError("file holds %d channels; this reader merges one" % len(ids))
    rates = {r["rate"] for r in recs}
    if len(rates) != 1 or recs[0]["rate"] <= 0:
        raise MseedError("records disagree on the sample rate or it is zero: %s" % sorted(rates))
    recs = sorted(recs, key=lambda r: r["start_epoch"])
    rate = recs[0]["rate"]
    gaps, d0_ok = [], []
    for a, b in zip(recs[:-1], recs[1:]):
        expect = a["start_epoch"] + a["nsamp"] / rate
        if abs(b["start_epoch"] - expect) > 0.5 / rate:
            gaps.append((a["start"].isoformat(), b["start_epoch"] - expect))
        elif "d0" in b:
            # a writer that starts afresh may store 0 as the first difference
            d0_ok.append("zero" if b["d0"] == 0 else b["d0"] == b["x0"] - int(a["samples"][-1]))
    if gaps:
        raise MseedError("gaps/overlaps between records: %s" % gaps[:3])
    x = np.concatenate([r["samples"] for r in recs])
    net, sta, loc, cha = next(iter(ids))
    checks = {
        "records": len(recs),
        "samples_match_headers": int(sum(r["nsamp"] for r in recs)) == int(x.size),
        "steim_xn_equals_last_sample": all(r.get("xn_ok", True) for r in recs),
        "steim_first_difference_continues": sum(1 for v in d0_ok if v is True),
        "steim_first_difference_zero": sum(1 for v in d0_ok if v == "zero"),
        "steim_first_difference_mismatch": sum(1 for v in d0_ok if v is False),
        "encodings": sorted({r["encoding"] for r in recs}),
    }
    return {"id": "%s.%s.%s.%s" % (net, sta, loc, cha), "network": net, "station": sta,
            "location": loc, "channel": cha, "start": recs[0]["start"],
            "start_epoch": recs[0]["start_epoch"], "rate": rate, "samples": x,
            "n_records": len(recs)}, checks


def read_trace(path):
    with open(path, "rb") as fh:
        raw = fh.read()
    return merge(read_records(raw))
