"""qtm_train - the training helper qtm provides to every trainer, read-only, on PYTHONPATH.

It speaks the training contract of qtm-module(5) so that a trainer holds only its science:
parameters, seeding, progress and loss lines, held-out predictions in NPY, metrics.json in the
declared schema (with qtm's own formulas, summed as qtm sums them so that the recorded value
is the one `qtm verify --metrics` recomputes) and the model card.  Standard library only;
NumPy arrays are accepted wherever a sequence of numbers is.
"""

import json
import math
import os
import random
import struct
import sys

__version__ = "1.0"


def log(message):
    """A line for the training log (standard error)."""
    sys.stderr.write("%s\n" % message)
    sys.stderr.flush()


def _emit(kind, obj):
    print("@qtm %s %s" % (kind, json.dumps(obj, separators=(",", ":"), sort_keys=True)), flush=True)


def progress(step, steps=None, loss=None):
    """One progress line: step of steps, with the training loss when given."""
    obj = {"step": int(step)}
    if steps is not None:
        obj["steps"] = int(steps)
    if loss is not None:
        obj["loss"] = float(loss)
    _emit("progress", obj)


def metric(name, value):
    """One flat metric line, as `qtm info` lists them."""
    _emit("metric", {"name": str(name), "value": value if isinstance(value, str) else float(value)})


def data_dir(package=None):
    d = os.environ.get("QTM_DATA", "/qtm/data")
    return os.path.join(d, package) if package else d


def output_dir():
    return os.environ.get("QTM_OUTPUT", "/qtm/output")


def output(name):
    return os.path.join(output_dir(), name)


def params(defaults=None):
    """The effective parameters: defaults overridden by QTM_PARAMS; an unknown key is an error."""
    path = os.environ.get("QTM_PARAMS", "/qtm/params.json")
    got = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            got = json.load(f)
    if not isinstance(got, dict):
        raise ValueError("%s is not a JSON object" % path)
    if defaults is None:
        return got
    unknown = sorted(set(got) - set(defaults))
    if unknown:
        raise ValueError("unknown parameter(s): %s" % ", ".join(unknown))
    p = dict(defaults)
    p.update(got)
    return p


def threads():
    try:
        return max(1, int(os.environ.get("QTM_THREADS", "1")))
    except ValueError:
        return 1


def seed(extra_modules=()):
    """QTM_SEED, applied to random (and numpy.random's legacy state when numpy is loaded)."""
    s = int(os.environ.get("QTM_SEED", "42"))
    random.seed(s)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(s % (2 ** 32))
    for m in extra_modules:
        m.manual_seed(s)
    return s


def _flat(values):
    if hasattr(values, "ravel"):
        values = values.ravel().tolist()
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_flat(v))
        else:
            out.append(float(v))
    return out


# qtm's formulas (qtm-module(5), "Recomputing metrics"), in qtm's order of summation.

def accuracy(pred, target):
    p, t = _flat(pred), _flat(target)
    return sum(1 for a, b in zip(p, t) if a == b) / len(p)


def macro_f1(pred, target):
    p, t = _flat(pred), _flat(target)
    total = 0.0
    classes = sorted(set(p) | set(t))
    for c in classes:
        tp = sum(1 for a, b in zip(p, t) if a == c and b == c)
        fp = sum(1 for a, b in zip(p, t) if a == c and b != c)
        fn = sum(1 for a, b in zip(p, t) if a != c and b == c)
        total += float(2 * tp) / float(2 * tp + fp + fn)
    return total / len(classes)


def iou(pred, target):
    p, t = _flat(pred), _flat(target)
    tp = sum(1 for a, b in zip(p, t) if a != 0 and b != 0)
    fp = sum(1 for a, b in zip(p, t) if a != 0 and b == 0)
    fn = sum(1 for a, b in zip(p, t) if a == 0 and b != 0)
    return 1.0 if tp + fp + fn == 0 else float(tp) / float(tp + fp + fn)


def _mean(terms, n):
    s = 0.0
    for x in terms:
        s += x
    return s / n


def rmse(pred, target):
    p, t = _flat(pred), _flat(target)
    return math.sqrt(_mean(((a - b) * (a - b) for a, b in zip(p, t)), len(p)))


def mae(pred, target):
    p, t = _flat(pred), _flat(target)
    return _mean((abs(a - b) for a, b in zip(p, t)), len(p))


def abs_rel(pred, target):
    p, t = _flat(pred), _flat(target)
    return _mean((abs(a - b) / abs(b) for a, b in zip(p, t)), len(p))


FORMULAS = {"accuracy": accuracy, "macro_f1": macro_f1, "iou": iou,
            "rmse": rmse, "mae": mae, "abs_rel": abs_rel}


def bootstrap_ci(pred, target, formula, rounds=200, level=0.95, rng_seed=None):
    """A percentile bootstrap interval of formula over resampled (pred, target) pairs."""
    p, t = _flat(pred), _flat(target)
    fn = FORMULAS[formula] if isinstance(formula, str) else formula
    rng = random.Random(int(os.environ.get("QTM_SEED", "42")) if rng_seed is None else rng_seed)
    n = len(p)
    vals = []
    for _ in range(rounds):
        idx = [rng.randrange(n) for _ in range(n)]
        vals.append(fn([p[i] for i in idx], [t[i] for i in idx]))
    vals.sort()
    lo = vals[int(math.floor((1 - level) / 2 * (rounds - 1)))]
    hi = vals[int(math.ceil((1 + level) / 2 * (rounds - 1)))]
    return [lo, hi]


def save_npy(name, values, shape=None):
    """values (a sequence or array) as a little-endian float64 NPY file in the output; the name."""
    flat = _flat(values)
    if shape is None:
        shape = tuple(values.shape) if hasattr(values, "shape") else (len(flat),)
    dims = "(%s)" % (", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else ""))
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % dims
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(output(name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%dd" % len(flat), *flat))
    return name


def save_predictions(pred, target, prefix=""):
    """Held-out predictions and targets as predictions.npy and targets.npy; the metrics.json
    "predictions" member naming them."""
    return {"predicted": save_npy(prefix + "predictions.npy", pred),
            "target": save_npy(prefix + "targets.npy", target)}


def write_json(name, obj):
    with open(output(name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True, allow_nan=False)
        f.write("\n")


def write_metrics(headline, metrics, baselines, n_test, split, predictions=None, extra=None):
    """metrics.json in the declared schema.  metrics: {name: {"value": v, "split": s,
    "higher_is_better": b (optional), "ci95": [lo, hi] (optional)}}; baselines: [(name, value
    of the headline)]; predictions: what save_predictions returned.  Each metric's value is
    also reported as a flat @qtm metric line."""
    doc = dict(extra or {})
    doc.update({"headline": headline, "n_test": int(n_test), "split": split,
                "metrics": {k: dict(v, value=float(v["value"])) for k, v in metrics.items()},
                "baselines": [{"name": str(n), "value": float(v)} for n, v in baselines]})
    if predictions is not None:
        doc["predictions"] = predictions
    write_json("metrics.json", doc)
    for k in sorted(metrics):
        metric(k, metrics[k]["value"])
    return doc


def write_card(text, name="MODEL_CARD.md"):
    with open(output(name), "w", encoding="utf-8") as f:
        f.write(text if text.endswith("\n") else text + "\n")
