#!/usr/bin/python3
"""gen-modules.py N OUTDIR - writes N module folders for tests/bench/bench-repo.sh.

Deterministic (fixed seed): the same N gives the same folders, byte for byte.

About a fifth of the modules are datasets (one tiny data file each); the rest are small models
with a trivial train.sh.  Every model requires 1-3 earlier modules (a dataset 70% of the time,
another model otherwise) with a version constraint (>=, <, =, or none), plus
"runtime(python3) >= 3.9".  Earlier-only edges keep the graph acyclic, and the 30% model edges keep
it subcritical: a model's dependency closure stays small, as in real model zoos, with a few
deeper chains.  Every constraint is satisfiable.

Prints the name of the model with the largest dependency closure and that closure's size
(the model itself included), separated by a space, for the benchmark to install.
"""
import json
import os
import random
import sys

SEED = 20240601
DOMAINS = ["vision", "speech", "text", "tabular", "gis", "audio", "bio", "chem", "tsf", "rec"]
TASKS = ["classify", "detect", "segment", "embed", "regress", "rank", "tag", "denoise", "forecast"]
TRAIN_SH = (
    "echo '@qtm progress {\"step\":1,\"steps\":1,\"loss\":0.5}'\n"
    "echo trained >\"$QTM_OUTPUT/model.txt\"\n"
)


def constraint(rng, name, version):
    major, minor, _ = (int(x) for x in version.split("."))
    r = rng.random()
    if r < 0.45:
        return "%s >= %d.%d" % (name, major, minor)
    if r < 0.65:
        return "%s < %d" % (name, major + 1)
    if r < 0.80:
        return "%s = %s" % (name, version)
    if r < 0.90:
        return "%s >= %d.0" % (name, major)
    return name


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(SEED)
    os.makedirs(out, exist_ok=True)
    mods = []          # (name, version, is_dataset, requires-indices)
    datasets, models = [], []
    for i in range(n):
        domain = rng.choice(DOMAINS)
        version = "%d.%d.%d" % (rng.randint(0, 4), rng.randint(0, 9), rng.randint(0, 9))
        is_dataset = i < 5 or rng.random() < 0.2
        if is_dataset:
            mods.append(("dataset-%s-%06d" % (domain, i), version, True, []))
            datasets.append(i)
            continue
        deps = set()
        for _ in range(rng.randint(1, 3)):
            if models and rng.random() < 0.3:
                deps.add(rng.choice(models))
            else:
                deps.add(rng.choice(datasets))
        mods.append(("%s-%s-%06d" % (domain, rng.choice(TASKS), i), version, False, sorted(deps)))
        models.append(i)

    for i, (name, version, is_dataset, deps) in enumerate(mods):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        if is_dataset:
            data = ("%s %s\n" % (name, version)).encode() * 4
            with open(os.path.join(d, "data.csv"), "wb") as f:
                f.write(data)
            m = {"format": 1, "name": name, "version": version, "kind": "dataset",
                 "summary": "synthetic %s dataset %d" % (name.split("-")[1], i),
                 "license": "CC0-1.0", "files": [{"name": "data.csv"}]}
        else:
            with open(os.path.join(d, "train.sh"), "w") as f:
                f.write(TRAIN_SH)
            reqs = [constraint(rng, mods[j][0], mods[j][1]) for j in deps]
            reqs.append("runtime(python3) >= 3.9")
            m = {"format": 1, "name": name, "version": version, "kind": "model",
                 "summary": "synthetic %s model %d" % (name.split("-")[0], i),
                 "license": "MIT", "priority": rng.choice(["high", "medium", "low"]),
                 "requires": reqs,
                 "resources": {"cpus": 1, "memory_mb": 256, "time_limit_s": 60},
                 "train": {"command": ["/bin/sh", "train.sh"], "params": {"seed": i % 97}},
                 "outputs": ["model.txt"]}
        with open(os.path.join(d, "module.json"), "w") as f:
            json.dump(m, f, indent=1)
            f.write("\n")

    # Closure sizes, in generation order (dependencies always come first).
    closure = []
    for name, version, is_dataset, deps in mods:
        s = {len(closure)}
        for j in deps:
            s |= closure[j]
        closure.append(s)
    best = max((i for i in range(n) if not mods[i][2]), key=lambda i: (len(closure[i]), i),
               default=None)
    if best is None:
        sys.exit("gen-modules.py: N is too small to hold a model")
    print(mods[best][0], len(closure[best]))


if __name__ == "__main__":
    main()
