#!/usr/bin/python3
"""split-index.py DIR [BUCKETS] - rewrites the repository DIR (format 1: release.json naming one
index.json.gz; or format 2, to split it into another number of buckets) into format 2, as
qtm-repo build writes it (qtm-repository(5)): the packages split
into BUCKETS buckets by name (default: the smallest power of two >= names/256), each bucket's
newest versions and its older ones in content-addressed pieces index/SHA256.json.gz, and a
format 2 release.json listing them.  The old index.json.gz or pieces are removed;
release.json.sig is removed (sign again).  Used by the benchmarks, which generate indexes without qtm-repo build.
"""
import gzip
import hashlib
import json
import os
import struct
import sys
import zlib
from functools import cmp_to_key


def order(c):
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def cmp_part(a, b):
    """dpkg's comparison of an upstream version or revision."""
    i = j = 0
    while i < len(a) or j < len(b):
        diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = order(a[i]) if i < len(a) else 0
            bc = order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not diff:
                diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if diff:
            return diff
    return 0


def split_version(v):
    epoch, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
    up, _, rev = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return int(epoch or 0), up, rev


def version_cmp(a, b):
    ea, ua, ra = split_version(a)
    eb, ub, rb = split_version(b)
    if ea != eb:
        return ea - eb
    return cmp_part(ua, ub) or cmp_part(ra, rb)


def bucket_of(name, buckets):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") & (buckets - 1)


def default_buckets(n_names):
    k = 1
    while k < n_names / 256 and k < 65536:
        k *= 2
    return k


def gzip_bytes(data):
    """gzip as qtm-repo build writes it: deflate level 6, no name, mtime 0, OS byte 3 (Unix),
    so that equal content gives the same piece, whichever of the two wrote it."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 8, 0)
    raw = c.compress(data) + c.flush()
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + raw +
            struct.pack("<II", zlib.crc32(data) & 0xffffffff, len(data) & 0xffffffff))


def write_piece(out, bucket, older, packages):
    doc = {"format": 2, "bucket": bucket, "older": older, "packages": packages}
    data = gzip_bytes(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode())
    sha = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "index"), exist_ok=True)
    with open(os.path.join(out, "index", sha + ".json.gz"), "wb") as f:
        f.write(data)
    return {"bucket": bucket, "sha256": sha, "size": len(data)}


def read_packages(out):
    """The packages of the repository out's current index (format 1 or 2) and its release."""
    rel = json.load(open(os.path.join(out, "release.json")))
    if rel["format"] == 1:
        files = [os.path.join(out, rel["index"]["path"])]
    else:
        files = [os.path.join(out, "index", p["sha256"] + ".json.gz")
                 for p in rel["index"]["newest"] + rel["index"]["older"]]
    packages = []
    for path in files:
        packages += json.load(gzip.open(path))["packages"]
    return rel, packages, files


def write_index(out, rel, packages, buckets=None):
    """Writes packages as the format 2 index of release rel (changed in place) into out."""
    by_name = {}
    for p in packages:
        by_name.setdefault(p["name"], []).append(p)
    buckets = buckets or default_buckets(len(by_name))
    newest, older = {}, {}
    for name in sorted(by_name):
        versions = by_name[name]
        best = versions[0]
        for p in versions[1:]:
            if version_cmp(p["version"], best["version"]) > 0:
                best = p
        b = bucket_of(name, buckets)
        newest.setdefault(b, []).append(best)
        rest = [p for p in versions if p is not best]
        rest.sort(key=cmp_to_key(lambda a, b: version_cmp(a["version"], b["version"])))
        older.setdefault(b, []).extend(rest)
    rel["format"] = 2
    rel["index"] = {
        "buckets": buckets,
        "newest": [write_piece(out, b, False, newest[b]) for b in sorted(newest)],
        "older": [write_piece(out, b, True, older[b]) for b in sorted(older) if older[b]],
    }


def split(out, buckets=None):
    rel_path = os.path.join(out, "release.json")
    rel, packages, old_files = read_packages(out)
    for path in old_files:
        os.unlink(path)
    write_index(out, rel, packages, buckets)
    with open(rel_path + ".tmp", "w") as f:
        json.dump(rel, f, indent=2)
        f.write("\n")
    os.rename(rel_path + ".tmp", rel_path)
    if os.path.exists(rel_path + ".sig"):
        os.unlink(rel_path + ".sig")


if __name__ == "__main__":
    split(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
