"""geophysics-forward / mlkit: the small NumPy toolkit the geophysics trainers
share so that each of them stays short: qtm reporting and parameter checking,
a tanh MLP trained with Adam, ridge regression, and deterministic .npz/.json
writers (same inputs -> same bytes).  NumPy and the standard library only.

Thread-count environment variables must be set before numpy is imported;
the trainers do that before importing this module.
"""

import hashlib
import io
import json
import math
import os
import zipfile

import numpy as np

__version__ = "1.0.0"


class Fail(Exception):
    """A clear, one-line error for the user (trainers print it and exit 1)."""


def log(msg):
    print(msg, flush=True)


def emit(kind, obj):
    """'@qtm progress {...}' / '@qtm metric {...}' line on stdout."""
    print("@qtm %s %s" % (kind, json.dumps(obj, separators=(",", ":"), sort_keys=True)), flush=True)


def fnum(x, nd=6):
    """Rounded float for reports (keeps metrics.json short and stable)."""
    x = float(x)
    if not math.isfinite(x):
        raise Fail("non-finite metric value")
    return float(round(x, nd))


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

def _check(key, val, spec):
    """spec: 'int' | 'float' | 'bool' | ('str', choices) | ('floats', n or None)
    | ('ints', n or None).  Returns the converted value or raises Fail."""
    bad = lambda what: Fail("params.%s must be %s, not %r" % (key, what, val))  # noqa: E731
    if spec == "int":
        if isinstance(val, bool) or not isinstance(val, int):
            if isinstance(val, float) and val.is_integer():
                return int(val)
            raise bad("an integer")
        return val
    if spec == "float":
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise bad("a number")
        if not math.isfinite(float(val)):
            raise bad("a finite number")
        return float(val)
    if spec == "bool":
        if not isinstance(val, bool):
            raise bad("true or false")
        return val
    kind, arg = spec
    if kind == "str":
        if not isinstance(val, str) or (arg and val not in arg):
            raise bad("one of %s" % ", ".join(repr(a) for a in arg) if arg else "a string")
        return val
    if kind in ("floats", "ints"):
        if not isinstance(val, list) or (arg is not None and len(val) != arg) or not val:
            raise bad("a list of %s numbers" % (arg if arg is not None else "one or more"))
        sub = "float" if kind == "floats" else "int"
        return [_check("%s[%d]" % (key, i), v, sub) for i, v in enumerate(val)]
    raise ValueError("bad spec for %s" % key)


def load_params(defaults, schema):
    """Defaults overlaid with the JSON object at $QTM_PARAMS; unknown keys and
    wrong types are errors naming the key; $QTM_SEED overrides params.seed."""
    p = dict(defaults)
    path = os.environ.get("QTM_PARAMS")
    if path:
        try:
            with open(path, "r", encoding="utf-8") as fh:
                given = json.load(fh)
        except (OSError, ValueError) as e:
            raise Fail("cannot read QTM_PARAMS %s: %s" % (path, e))
        if not isinstance(given, dict):
            raise Fail("QTM_PARAMS must hold a JSON object")
        for k in sorted(given):
            if k not in schema:
                raise Fail("unknown parameter params.%s (known: %s)" % (k, ", ".join(sorted(schema))))
        p.update(given)
    env_seed = os.environ.get("QTM_SEED")
    if env_seed not in (None, ""):
        try:
            p["seed"] = int(env_seed)
        except ValueError:
            raise Fail("QTM_SEED is not an integer: %r" % env_seed)
    return {k: _check(k, p[k], schema[k]) for k in sorted(schema)}


def require_positive(p, *keys):
    for k in keys:
        v = p[k]
        vals = v if isinstance(v, list) else [v]
        if any(x <= 0 for x in vals):
            raise Fail("params.%s must be > 0" % k)


def io_dirs():
    data_root = os.environ.get("QTM_DATA")
    out_dir = os.environ.get("QTM_OUTPUT")
    if not data_root or not os.path.isdir(data_root):
        raise Fail("QTM_DATA is not set or not a directory")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    return data_root, out_dir


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def standardise_fit(X):
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    return mu, np.where(sd > 1e-12, sd, 1.0)


def ridge_fit(X, Y, alpha):
    """Ridge regression on standardised X with an unpenalised intercept.
    Returns (W, b)."""
    xm = X.mean(axis=0)
    ym = Y.mean(axis=0)
    Xc = X - xm
    A = Xc.T @ Xc + alpha * np.eye(X.shape[1])
    W = np.linalg.solve(A, Xc.T @ (Y - ym))
    return W, ym - xm @ W


class MLP:
    """Fully connected net: tanh hidden layers, linear (regression, MSE loss)
    or sigmoid (binary targets in [0, 1], cross-entropy) output."""

    def __init__(self, sizes, output="linear", seed=0):
        if output not in ("linear", "sigmoid"):
            raise ValueError(output)
        rng = np.random.default_rng(seed)
        self.output = output
        self.W, self.b = [], []
        for a, c in zip(sizes[:-1], sizes[1:]):
            self.W.append(rng.normal(0.0, 1.0 / math.sqrt(a), size=(a, c)))
            self.b.append(np.zeros(c))

    def _forward(self, X):
        hs = [X]
        for W, b in zip(self.W[:-1], self.b[:-1]):
            hs.append(np.tanh(hs[-1] @ W + b))
        z = hs[-1] @ self.W[-1] + self.b[-1]
        return hs, z

    def predict(self, X, batch=65536):
        outs = []
        for s in range(0, X.shape[0], batch):
            _, z = self._forward(X[s:s + batch])
            outs.append(1.0 / (1.0 + np.exp(-np.clip(z, -60, 60))) if self.output == "sigmoid" else z)
        return np.concatenate(outs, axis=0) if outs else np.zeros((0, self.W[-1].shape[1]))

    def fit(self, X, Y, epochs, lr=3e-3, batch=256, weight_decay=0.0, seed=0,
            sample_weight=None, on_epoch=None, lr_final_fraction=0.1):
        """Mini-batch Adam with a cosine learning-rate decay to
        lr * lr_final_fraction; returns the last epoch's mean loss."""
        rng = np.random.default_rng(seed)
        n = X.shape[0]
        sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        params = self.W + self.b
        m = [np.zeros_like(a) for a in params]
        v = [np.zeros_like(a) for a in params]
        b1, b2, eps = 0.9, 0.999, 1e-8
        step = 0
        loss_ep = 0.0
        nl = len(self.W)
        for ep in range(1, epochs + 1):
            lr_ep = lr * (lr_final_fraction + (1 - lr_final_fraction)
                          * 0.5 * (1 + math.cos(math.pi * (ep - 1) / max(1, epochs))))
            order = rng.permutation(n)
            tot, wsum = 0.0, 0.0
            for s in range(0, n, batch):
                idx = order[s:s + batch]
                xb, yb, wb = X[idx], Y[idx], sw[idx]
                hs, z = self._forward(xb)
                wn = wb / wb.sum()
                if self.output == "sigmoid":
                    pz = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
                    ll = -(yb * np.log(pz + 1e-12) + (1 - yb) * np.log(1 - pz + 1e-12)).mean(axis=1)
                    g = (pz - yb) / yb.shape[1]
                else:
                    r = z - yb
                    ll = (r * r).mean(axis=1)
                    g = 2.0 * r / yb.shape[1]
                tot += float((ll * wb).sum())
                wsum += float(wb.sum())
                g = g * wn[:, None]
                gW, gb = [None] * nl, [None] * nl
                for li in range(nl - 1, -1, -1):
                    gW[li] = hs[li].T @ g + weight_decay * self.W[li]
                    gb[li] = g.sum(axis=0)
                    if li > 0:
                        g = (g @ self.W[li].T) * (1.0 - hs[li] * hs[li])
                step += 1
                for a, gr, mi, vi in zip(params, gW + gb, m, v):
                    mi *= b1
                    mi += (1 - b1) * gr
                    vi *= b2
                    vi += (1 - b2) * gr * gr
                    a -= lr_ep * (mi / (1 - b1 ** step)) / (np.sqrt(vi / (1 - b2 ** step)) + eps)
            loss_ep = tot / max(wsum, 1e-300)
            if on_epoch is not None:
                on_epoch(ep, epochs, loss_ep)
        return loss_ep

    def arrays(self, prefix="mlp_"):
        out = {}
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            out["%sW%d" % (prefix, i)] = W
            out["%sb%d" % (prefix, i)] = b
        return out

    @classmethod
    def from_arrays(cls, arrays, output, prefix="mlp_"):
        self = cls.__new__(cls)
        self.output = output
        self.W, self.b = [], []
        i = 0
        while ("%sW%d" % (prefix, i)) in arrays:
            self.W.append(np.asarray(arrays["%sW%d" % (prefix, i)], dtype=np.float64))
            self.b.append(np.asarray(arrays["%sb%d" % (prefix, i)], dtype=np.float64))
            i += 1
        if not self.W:
            raise ValueError("no MLP weights with prefix %r" % prefix)
        return self


# ---------------------------------------------------------------------------
# Deterministic output files
# ---------------------------------------------------------------------------

def save_npz(path, arrays, config=None):
    """Write an .npz (zip of .npy) with fixed timestamps and sorted names;
    config (a JSON-able dict) is stored as uint8 bytes in 'config_json'."""
    arrays = dict(arrays)
    if config is not None:
        arrays["config_json"] = np.frombuffer(
            json.dumps(config, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            zi = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_STORED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            zf.writestr(zi, buf.getvalue())


def load_npz(path):
    """Returns (dict of arrays, config dict or {})."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    cfg = {}
    if "config_json" in arrays:
        cfg = json.loads(bytes(arrays.pop("config_json")).decode("utf-8"))
    return arrays, cfg


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_json(path, obj):
    write_text(path, json.dumps(obj, sort_keys=True, indent=2) + "\n")


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)
