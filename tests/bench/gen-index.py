#!/usr/bin/python3
"""gen-index.py [--format 2] MODDIR OUTDIR [NAME] - writes OUTDIR/index.json.gz (or, with --format 2,
the pieces OUTDIR/index/SHA256.json.gz, byte for byte as qtm-repo build splits them: see
tests/bench/split-index.py) and OUTDIR/release.json for the module folders in MODDIR, in the
layout qtm-repo build writes, without packing or copying anything.

tests/bench/bench-repo.sh uses it above QTM_BENCH_BUILD_MAX modules (to keep its default run short
and small on disk; see BENCHMARKS.md), and tests/bench/bench-trust.sh always, so that the client
side (qtm update, qtm install) can be measured at 100,000 modules without a full build.  The index is what qtm-repo build would write, entry for entry and
key for key (module.json as written, datasets' files with url, sha256 and size appended, models
with a "source" object appended), except that a model's source sha256 and size describe its
module.json instead of a pool/NAME_VERSION.tar.zst that is never made: qtm install -s never
fetches it.
"""
import datetime
import gzip
import hashlib
import importlib.util
import io
import json
import os
import sys


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        data = f.read()
    h.update(data)
    return h.hexdigest(), len(data)


def main():
    argv = sys.argv[1:]
    fmt = 1
    if argv[:1] == ["--format"]:
        fmt, argv = int(argv[1]), argv[2:]
    src, out = argv[0], argv[1]
    name = argv[2] if len(argv) > 2 else "local"
    os.makedirs(out, exist_ok=True)
    packages = []
    for sub in sorted(os.listdir(src)):
        d = os.path.join(src, sub)
        mpath = os.path.join(d, "module.json")
        if sub.startswith(".") or not os.path.isfile(mpath):
            continue
        with open(mpath) as f:
            m = json.load(f)
        if m["kind"] == "dataset":
            for fe in m["files"]:
                hexd, size = sha256_file(os.path.join(d, fe["name"]))
                for k in ("url", "sha256", "size"):
                    fe.pop(k, None)
                fe["url"] = "datasets/%s/%s/%s" % (m["name"], m["version"], fe["name"])
                fe["sha256"] = hexd
                fe["size"] = size
        else:
            hexd, size = sha256_file(mpath)
            m.pop("source", None)
            m["source"] = {"path": "pool/%s_%s.tar.zst" % (m["name"], m["version"]),
                           "sha256": hexd, "size": size}
        packages.append(m)
    now = datetime.datetime.now(datetime.timezone.utc)
    rel = {"format": 1, "name": name, "version": 1,
           "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "expires": (now + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if fmt == 2:
        spec = importlib.util.spec_from_file_location(
            "split_index", os.path.join(os.path.dirname(os.path.abspath(__file__)), "split-index.py"))
        split_index = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(split_index)
        split_index.write_index(out, rel, packages)
    else:
        text = json.dumps({"format": 1, "packages": packages}, separators=(",", ":"),
                          ensure_ascii=False).encode()
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
            g.write(text)
        gz = buf.getvalue()
        with open(os.path.join(out, "index.json.gz"), "wb") as f:
            f.write(gz)
        rel["index"] = {"path": "index.json.gz", "sha256": hashlib.sha256(gz).hexdigest(), "size": len(gz)}
    with open(os.path.join(out, "release.json"), "w") as f:
        json.dump(rel, f, indent="\t")
        f.write("\n")


if __name__ == "__main__":
    main()
