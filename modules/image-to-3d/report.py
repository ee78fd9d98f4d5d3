"""image-to-3d: writes the text outputs (MODEL_CARD.md and friends).
Kept apart from train.py so the trainer stays short."""


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _row(name, m):
    return "| %s | %.3f | %.3f | %.1f %% | %.3f |" % (
        name, m["abs_rel"], m["rmse_m"], 100.0 * m["delta1"], m["log10"])


def model_card(p, info, res, names, steps, H, W, shas):
    cam = info["camera"]
    if p["split"] == "checkerboard":
        split = ("Checkerboard of %d x %d px tiles over the %d x %d image: pixels in tiles with "
                 "even (row tile + column tile) train, the others test; no tile is in both."
                 % (p["tile_px"], p["tile_px"], W, H))
    else:
        split = "Left half of the image (columns < %d) trains, right half tests." % (W // 2)
    table = "\n".join([
        "| method | abs rel | RMSE (m) | δ < 1.25 | log10 |",
        "|---|---|---|---|---|",
        _row("constant: mean training depth", res["baseline_mean"]),
        _row("per-row mean training depth (ground-plane prior)", res["baseline_row_mean"]),
        _row("ridge regression on the same features", res["ridge"]),
        _row("**this model (MLP)**", res["model"]),
    ])
    data_lines = "\n".join("- `dataset-middlebury-motorcycle/%s` sha256 `%s`" % (f, shas[f])
                           for f in sorted(shas))
    return """# image-to-3d — model card

Monocular depth: predicts metric depth for every pixel of **one** RGB image (the left view),
trained with NumPy only (no pre-trained weights) on a single scene.

## Data

{data_lines}

The Middlebury 2014 stereo scene "Motorcycle" (Scharstein et al., GCPR 2014) as shipped by
scikit-image (Debian python3-skimage): left view, 741 x 500 px, down-sampled 4x from the
benchmark, with the true disparity map ({valid:.1f} % of pixels have ground truth).
Ground-truth depth Z = f·B / (d + doffs) with f = {fx} px, B = {B} m, doffs = {doffs} px
(calibration from skimage's `stereo_motorcycle` docstring): {zmin}–{zmax} m.
Only the left image is used as input; the right image is not read.

## Method

{nf} per-pixel features: RGB, grey, saturation, colour differences; box means of grey and
RGB, local grey standard deviation, mean |∂x| and |∂y| gradient energy and grey minus local
mean at box radii {scales} px; the normalised row and its square{col}. Features are
standardised with training-pixel statistics. Target: log depth, standardised. Model: MLP with
tanh hidden layers {hidden}, minibatch Adam ({steps} steps, batch {batch}, cosine-decayed
learning rate from {lr}, L2 {wd}), trained on {nused} of the {ntr} valid training pixels
(seed {seed}, {prof} profile).

## Split

{split} Evaluation uses only test pixels with ground truth ({nte} pixels).

## Held-out results

{table}

abs rel = mean |Ẑ−Z|/Z; δ < 1.25 = share of pixels with max(Ẑ/Z, Z/Ẑ) < 1.25;
log10 = mean |log10 Ẑ − log10 Z|. On the training pixels the MLP reaches abs rel
{tr_absrel:.3f}, RMSE {tr_rmse:.3f} m.

## Outputs

`model.npz` (weights and feature statistics), `depth.npy` (float32 {H} x {W} predicted depth in
metres for every pixel — training tiles included, so it is not a held-out map everywhere),
`camera.json` (pinhole intrinsics to back-project it; used by `enhanced-3d`).

## Limitations

- One scene, one camera: the model learns what depth looks like in *this* photograph (its
  colours, textures and layout). It is not a general monocular depth estimator and will be
  poor on other images; the test tiles share the scene, the objects and the lighting with the
  training tiles, so the held-out scores are optimistic for anything else.
- Checkerboard test tiles border training tiles and the large-scale features look across tile
  boundaries (input pixels, never depths), which also favours the model. A harder split,
  `split: "halves"` (train on the left half, test on the right), was tried during development:
  there the MLP was at best slightly better than the per-row baseline (abs rel 0.17 quick /
  0.18 full vs 0.18; RMSE 0.66 / 0.76 m vs 0.69 m), i.e. most of the gain above comes from
  interpolating within the scene, not from cues that transfer.
- Monocular depth is ambiguous in scale; here the scale is learned from this scene's metric
  range ({zmin}–{zmax} m) and does not transfer.
- Outputs are bit-reproducible for the same inputs, NumPy build and CPU.

## Licence

Model code and weights: MIT. Data: scikit-image's copy of the Middlebury 2014 Motorcycle scene
(Debian python3-skimage, BSD-3-Clause per its copyright file); Middlebury asks users of the
datasets to cite D. Scharstein et al., "High-resolution stereo datasets with subpixel-accurate
ground truth", GCPR 2014.
""".format(
        data_lines=data_lines, valid=100.0 * info["valid_fraction"], fx=cam["fx"],
        B=cam["baseline_m"], doffs=cam["doffs"], zmin="%.2f" % info["depth_range_m"][0],
        zmax="%.2f" % info["depth_range_m"][1], nf=len(names),
        scales=", ".join(str(s) for s in p["scales"]),
        col=" and the normalised column" if p["use_column"] else " (no column position)",
        hidden=" x ".join(str(h) for h in p["hidden"]), steps=steps, batch=p["batch"],
        lr=p["learning_rate"], wd=p["weight_decay"], nused=info["n_train_pixels_used"],
        ntr=info["n_train_pixels_valid"], seed=p["seed"], prof=p["profile"], split=split,
        nte=info["n_test_pixels"], table=table, tr_absrel=res["model_train"]["abs_rel"],
        tr_rmse=res["model_train"]["rmse_m"], H=H, W=W)
