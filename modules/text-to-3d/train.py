#!/usr/bin/python3
"""text-to-3d trainer (qtm training contract): descriptions such as "a tall
cylinder on a wide box" -> shape classes and continuous sizes/positions ->
exact 3-D occupancy grids.  No external data: a small grammar generates
the descriptions and their exact scenes (shapes.py).  A NumPy MLP learns
text -> parameters from unigram, bigram and word-position features; voxel
IoU on held-out descriptions (same distribution, unseen adjective+shape
pairs, unseen shape-relation-shape triples) is compared with a mean-
occupancy grid and a word-overlap nearest neighbour."""

import os
import sys

_threads = os.environ.get("QTM_THREADS", "1").strip() or "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads

import json  # noqa: E402
import time  # noqa: E402

sys.dont_write_bytecode = True  # the module folder may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import card  # noqa: E402
import qtm_train  # noqa: E402  (qtm's shared training helper, on PYTHONPATH in the sandbox)
import shapes as S  # noqa: E402

DEFAULTS = {
    "seed": (42, int), "profile": ("quick", str), "grid": (32, int),
    "train_quick": (4000, int), "train_full": (20000, int), "test_per_split": (150, int),
    "p_single": (0.15, float), "max_pos": (8, int), "hidden": (64, int),
    "epochs_quick": (25, int), "epochs_full": (40, int), "batch_size": (64, int),
    "learning_rate": (0.02, float), "weight_decay": (0.0001, float),
    "reg_weight": (4.0, float),
    "heldout_pairs": ([["tall", "cone"], ["wide", "sphere"], ["small", "cylinder"],
                       ["narrow", "box"]], "pairs"),
    "heldout_triples": ([["sphere", "on", "cone"], ["box", "under", "cylinder"],
                         ["cone", "left of", "sphere"], ["cylinder", "next to", "box"]],
                        "triples"),
}


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def emit(kind, obj):
    print("@qtm %s %s" % (kind, json.dumps(obj, separators=(",", ":"))), flush=True)


def fnum(x, nd=6):
    return float(round(float(x), nd))


def load_params():
    given = {}
    path = os.environ.get("QTM_PARAMS")
    if path:
        try:
            with open(path, "r", encoding="utf-8") as fh:
                given = json.load(fh)
        except (OSError, ValueError) as e:
            raise Fail("cannot read QTM_PARAMS %s: %s" % (path, e))
        if not isinstance(given, dict):
            raise Fail("QTM_PARAMS must hold a JSON object")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise Fail("unknown parameter(s): %s" % ", ".join(unknown))
    p = {}
    for k, (dflt, typ) in DEFAULTS.items():
        v = given.get(k, dflt)
        if typ in ("pairs", "triples"):
            n = 2 if typ == "pairs" else 3
            if not isinstance(v, list) or not all(
                    isinstance(x, list) and len(x) == n and all(isinstance(w, str) for w in x)
                    for x in v):
                raise Fail("params.%s must be a list of %d-string lists" % (k, n))
            for x in v:
                ok = (x[0] in S.ADJECTIVES and x[1] in S.SHAPES) if n == 2 else (
                    x[0] in S.SHAPES and x[1] in S.RELATIONS[1:] and x[2] in S.SHAPES)
                if not ok:
                    raise Fail("params.%s: %r is not in the grammar" % (k, x))
            v = [list(x) for x in v]
        elif typ is str:
            if not isinstance(v, str):
                raise Fail("params.%s must be a string" % k)
        elif typ is int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise Fail("params.%s must be an integer" % k)
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise Fail("params.%s must be a number" % k)
            v = float(v)
        p[k] = v
    env_seed = os.environ.get("QTM_SEED")
    if env_seed not in (None, ""):
        try:
            p["seed"] = int(env_seed)
        except ValueError:
            raise Fail("QTM_SEED is not an integer: %r" % env_seed)
    if p["profile"] not in ("quick", "full"):
        raise Fail("params.profile must be 'quick' or 'full', not %r" % p["profile"])
    for k in ("grid", "train_quick", "train_full", "test_per_split", "max_pos", "hidden",
              "epochs_quick", "epochs_full", "batch_size", "learning_rate"):
        if p[k] <= 0:
            raise Fail("params.%s must be > 0" % k)
    if not 8 <= p["grid"] <= 128:
        raise Fail("params.grid must be within 8..128")
    if not 0.0 <= p["p_single"] < 1.0:
        raise Fail("params.p_single must be within [0, 1)")
    if p["weight_decay"] < 0 or p["reg_weight"] < 0:
        raise Fail("params.weight_decay and params.reg_weight must be >= 0")
    return p


def make_splits(p, rng, n_train):
    """Sample scenes and descriptions into train / test_iid / test_pairs /
    test_triples.  Train never contains a held-out pair or triple; the
    i.i.d. test never repeats a training description."""
    hp = {tuple(x) for x in p["heldout_pairs"]}
    ht = {tuple(x) for x in p["heldout_triples"]}
    nt = p["test_per_split"]
    out = {"train": [], "test_iid": [], "test_pairs": [], "test_triples": []}
    seen = set()
    tries = 0
    while len(out["train"]) < n_train or any(len(out[k]) < nt for k in out if k != "train"):
        tries += 1
        if tries > 200 * (n_train + 3 * nt):
            raise Fail("could not fill the splits; are the held-out sets too broad?")
        sc = S.sample_scene(rng, p["p_single"])
        text = S.describe(sc, rng)
        has_p = bool(S.scene_pairs(sc) & hp)
        has_t = S.scene_triple(sc) in ht
        if has_p and not has_t:
            key = "test_pairs"
        elif has_t and not has_p:
            key = "test_triples"
        elif has_p or has_t:
            continue
        elif len(out["train"]) < n_train:
            key = "train"
            seen.add(text)
        elif text not in seen:
            key = "test_iid"
        else:
            continue
        if len(out[key]) < (n_train if key == "train" else nt):
            out[key].append((text, sc))
    return out


def targets(items):
    rel, ca, cb, R = [], [], [], []
    for _, sc in items:
        cls, P = S.layout(sc)
        rel.append(S.RELATIONS.index(sc["rel"]))
        ca.append(cls[0])
        cb.append(cls[1] + 1)
        R.append(P.ravel())
    return (np.array(rel), np.array(ca), np.array(cb)), np.array(R)


def train(X, ys, R, p, epochs, rng):
    W = S.init_weights(X.shape[1], p["hidden"], rng)
    m = {k: np.zeros_like(v) for k, v in W.items()}
    v2 = {k: np.zeros_like(v) for k, v in W.items()}
    t, n, bs = 0, X.shape[0], p["batch_size"]
    wd = p["weight_decay"]
    loss = 0.0
    for ep in range(1, epochs + 1):
        # cosine decay to 5 % of the start rate: late small steps settle the
        # continuous sizes/positions, which drive voxel IoU
        lr = p["learning_rate"] * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * (ep - 1) / epochs)))
        order = rng.permutation(n)
        tot = 0.0
        for s in range(0, n, bs):
            idx = order[s:s + bs]
            lb, G = S.grads(W, X[idx], [y[idx] for y in ys], R[idx], p["reg_weight"])
            tot += lb * len(idx)
            t += 1
            for k in W:
                g = G[k] + (wd * W[k] if k.startswith("W") else 0.0)
                m[k] = 0.9 * m[k] + 0.1 * g
                v2[k] = 0.999 * v2[k] + 0.001 * g * g
                W[k] -= lr * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v2[k] / (1 - 0.999 ** t)) + 1e-8)
        loss = tot / n
        emit("progress", {"step": ep, "steps": epochs, "loss": fnum(loss)})
    return W, loss


def overlap_items(text):
    """Words and adjacent word pairs of a text, for the nearest-neighbour
    baseline (pairs let it tell "tall cone on a box" from "cone on a tall box")."""
    t = S.tokens(text)
    return set(t) | {a + "_" + b for a, b in zip(t, t[1:])}


def word_sets(texts, words):
    idx = {w: i for i, w in enumerate(words)}
    B = np.zeros((len(texts), len(words)))
    size = np.zeros(len(texts))
    for r, t in enumerate(texts):
        ws = overlap_items(t)
        size[r] = len(ws)
        for w in ws:
            if w in idx:
                B[r, idx[w]] = 1.0
    return B, size


SPLIT = ("held-out descriptions of the grammar: unseen descriptions of the training phrasings, "
         "descriptions holding an adjective+shape pair never seen in training and descriptions "
         "with a shape-relation-shape triple never seen in training (test_per_split of each); "
         "pooled voxel IoU over all their grids")
BASELINES = ("mean_grid", "word_overlap_nn", "sklearn_logreg_ridge", "numpy_mlp")


def pooled(counts):
    tp, fp, fn = (int(c) for c in counts.sum(axis=0))
    return 1.0 if tp + fp + fn == 0 else float(tp) / float(tp + fp + fn)


def sklearn_baseline(X, ys, R, Xte):
    """Logistic regression per class head and ridge regression of the 12
    standardised parameters, library defaults, on the model's own features."""
    from sklearn.linear_model import LogisticRegression, Ridge
    heads = [LogisticRegression(max_iter=1000).fit(X, y) for y in ys]
    reg = Ridge().fit(X, R)
    return [h.predict(Xte) for h in heads], reg.predict(Xte)


def evaluate_headline(splits, model, X, ys, R, vocab, p, mean_grid, words, Btr, str_, train_cp):
    """The headline: pooled voxel IoU of the rule-based reader (the shipped
    model) and of every baseline over the three held-out sets, with the
    reader's grids and the exact grids saved for qtm verify."""
    n = p["grid"]
    items = splits["test_iid"] + splits["test_pairs"] + splits["test_triples"]
    texts = [t for t, _ in items]
    Xte = S.featurise(texts, vocab, p["max_pos"])
    (srel, sca, scb), sR = sklearn_baseline(X, ys, (R - model["reg_mean"]) / model["reg_std"], Xte)
    sP = np.clip((sR * model["reg_std"] + model["reg_mean"]).reshape(-1, 2, 6), 0.0, 1.0)
    scb = np.where(srel == 0, -1, np.where(scb == 0, 0, scb - 1))
    mrel, mcls, mP = S.predict(model, texts)
    Bte, ste = word_sets(texts, words)
    inter = Bte @ Btr.T
    nn = np.argmax(inter / (ste[:, None] + str_[None, :] - inter), axis=1)
    names = ("parser",) + BASELINES
    counts = {k: np.zeros((len(items), 3), dtype=np.int64) for k in names}
    preds = np.zeros((len(items), n, n, n), dtype=np.uint8)
    truths = np.zeros((len(items), n, n, n), dtype=np.uint8)

    def count(k, i, g, truth):
        counts[k][i] = [np.count_nonzero(g & truth), np.count_nonzero(g & ~truth),
                        np.count_nonzero(~g & truth)]
    for i, (text, sc) in enumerate(items):
        truth = S.render(*S.layout(sc), n)
        ref = S.parse(text)
        g = S.render(*S.layout(ref), n) if ref is not None else np.zeros_like(truth)
        preds[i], truths[i] = g, truth
        count("parser", i, g, truth)
        count("mean_grid", i, mean_grid, truth)
        count("word_overlap_nn", i, S.render(*train_cp[nn[i]], n), truth)
        sP[i, 1] = 0.0 if scb[i] < 0 else sP[i, 1]
        count("sklearn_logreg_ridge", i, S.render(np.array([sca[i], scb[i]]), sP[i], n), truth)
        count("numpy_mlp", i, S.render(mcls[i], mP[i], n), truth)
    iou = {k: pooled(c) for k, c in counts.items()}
    qtm_train.log("headline pooled voxel IoU: %s" % iou)
    rs = np.random.default_rng(p["seed"])
    boot = sorted(pooled(counts["parser"][rs.integers(0, len(items), len(items))])
                  for _ in range(200))
    ci = [boot[4], boot[195]]
    bci = {}
    for k in BASELINES:
        b = sorted(pooled(counts[k][rs.integers(0, len(items), len(items))]) for _ in range(200))
        bci[k] = [fnum(b[4]), fnum(b[195])]
    np.save(qtm_train.output("predictions.npy"), preds, allow_pickle=False)
    np.save(qtm_train.output("targets.npy"), truths, allow_pickle=False)
    return {"iou": iou, "ci95": ci, "n_test": len(items),
            "predictions": {"predicted": "predictions.npy", "target": "targets.npy"},
            "summary": {"model": "rule-based reader (shapes.parse)", "voxel_iou": iou,
                        "ci95": {"parser": [fnum(ci[0]), fnum(ci[1])], **bci},
                        "n_test": len(items), "split": SPLIT}}


def main():
    t0 = time.monotonic()
    p = load_params()
    out_dir = os.environ.get("QTM_OUTPUT")
    if not out_dir or not os.path.isdir(out_dir):
        raise Fail("QTM_OUTPUT is not set or not a directory")
    full = p["profile"] == "full"
    n_train = p["train_full"] if full else p["train_quick"]
    epochs = p["epochs_full"] if full else p["epochs_quick"]
    n = p["grid"]
    log("text-to-3d: profile=%s train=%d epochs=%d grid=%d seed=%d"
        % (p["profile"], n_train, epochs, n, p["seed"]))
    rng = np.random.default_rng(p["seed"])
    splits = make_splits(p, rng, n_train)
    tr_text = [t for t, _ in splits["train"]]
    vocab = sorted({f for t in tr_text for f in S.raw_features(t, p["max_pos"])})
    X = S.featurise(tr_text, vocab, p["max_pos"])
    ys, R = targets(splits["train"])
    r_mean = R.mean(axis=0)
    r_std = np.where(R.std(axis=0) > 1e-9, R.std(axis=0), 1.0)
    log("%d training descriptions, %d features, %.1f s" % (len(tr_text), len(vocab),
                                                          time.monotonic() - t0))
    W, loss = train(X, ys, (R - r_mean) / r_std, p, epochs, rng)
    config = {"vocab": vocab, "max_pos": p["max_pos"], "grid": n, "shapes": S.SHAPES,
              "relations": S.RELATIONS, "hidden": p["hidden"], "base": S.BASE,
              "params_layout": "per object: sx, sy, sz, cx, cy, cz (unit cube, z up)"}
    model = dict(W, reg_mean=r_mean, reg_std=r_std, config=config)
    log("trained: loss %.4f, %.1f s" % (loss, time.monotonic() - t0))

    # Baselines built from the training set only.
    occ_sum = np.zeros((n, n, n))
    for _, sc in splits["train"]:
        occ_sum += S.render(*S.layout(sc), n)
    mean_occ = occ_sum / len(splits["train"])
    probe = splits["train"][:300]
    cand = [0.05 * k for k in range(1, 11)]
    probe_occ = [S.render(*S.layout(sc), n) for _, sc in probe]
    mean_thr = max(cand, key=lambda c: (np.mean([S.iou(mean_occ > c, o) for o in probe_occ]), -c))
    mean_grid = mean_occ > mean_thr
    words = sorted({w for t in tr_text for w in overlap_items(t)})
    Btr, str_ = word_sets(tr_text, words)
    train_cp = [S.layout(sc) for _, sc in splits["train"]]

    metrics, examples = {}, {}
    for split in ("test_iid", "test_pairs", "test_triples"):
        items = splits[split]
        texts = [t for t, _ in items]
        rel, cls, P = S.predict(model, texts)
        Bte, ste = word_sets(texts, words)
        inter = Bte @ Btr.T
        jac = inter / (ste[:, None] + str_[None, :] - inter)
        nn = np.argmax(jac, axis=1)  # first maximum: deterministic tie-break
        i_m, i_nn, i_mean, shape_ok, rel_ok, mae = [], [], [], [], [], []
        for k, (text, sc) in enumerate(items):
            tc, tp = S.layout(sc)
            truth = S.render(tc, tp, n)
            i_m.append(S.iou(S.render(cls[k], P[k], n), truth))
            i_nn.append(S.iou(S.render(*train_cp[nn[k]], n), truth))
            i_mean.append(S.iou(mean_grid, truth))
            shape_ok.append(bool(np.array_equal(cls[k], tc)))
            rel_ok.append(S.RELATIONS[rel[k]] == sc["rel"])
            mae.append(np.abs(P[k] - tp).mean() * n)
        tag = split[5:]
        metrics.update({"iou_%s" % tag: np.mean(i_m), "baseline_nn_iou_%s" % tag: np.mean(i_nn),
                        "baseline_mean_iou_%s" % tag: np.mean(i_mean),
                        "shape_accuracy_%s" % tag: np.mean(shape_ok),
                        "relation_accuracy_%s" % tag: np.mean(rel_ok),
                        "param_mae_voxels_%s" % tag: np.mean(mae)})
        worst = int(np.argmin(i_m))
        examples[tag] = [{"text": items[k][0], "iou": fnum(i_m[k], 4),
                          "nn_text": splits["train"][nn[k]][0], "nn_iou": fnum(i_nn[k], 4)}
                         for k in sorted({0, 1, 2, worst})]
        log("%s: IoU model %.4f, word-overlap NN %.4f, mean grid %.4f; shapes %.3f, relation %.3f"
            % (split, np.mean(i_m), np.mean(i_nn), np.mean(i_mean), np.mean(shape_ok),
               np.mean(rel_ok)))
    headline = evaluate_headline(splits, model, X, ys, R, vocab, p, mean_grid, words, Btr, str_,
                                 train_cp)
    metrics = {k: fnum(v) for k, v in metrics.items()}
    metrics["final_loss"] = fnum(loss)
    metrics["baseline_mean_threshold"] = fnum(mean_thr)

    cfg_bytes = json.dumps(config, sort_keys=True).encode("utf-8")
    S.save_npz(os.path.join(out_dir, "model.npz"), dict(
        W, reg_mean=r_mean, reg_std=r_std, config_json=np.frombuffer(cfg_bytes, dtype=np.uint8)))
    report = {"metrics": metrics, "params": p, "epochs": epochs, "n_features": len(vocab),
              "split_sizes": {k: len(v) for k, v in splits.items()}, "examples": examples,
              "grid": n,
              "vocabulary_words": sorted({w for t in tr_text for w in S.tokens(t)})}
    report["headline"] = headline["summary"]
    declared = {"voxel_iou": {"value": headline["iou"]["parser"], "split": "test",
                              "higher_is_better": True, "ci95": headline["ci95"]}}
    for nm, v in sorted(metrics.items()):
        declared[nm] = {"value": v, "split": "train" if nm == "final_loss" else "test"}
    baselines = [(b, headline["iou"][b]) for b in BASELINES]
    qtm_train.write_metrics("voxel_iou", declared, baselines, headline["n_test"], SPLIT,
                            headline["predictions"], extra=report)
    qtm_train.write_card(card.render(report))
    log("done in %.2f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("text-to-3d: error: %s\n" % e)
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("text-to-3d: error: out of memory\n")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        sys.stderr.write("text-to-3d: error: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
