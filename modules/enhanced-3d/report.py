"""enhanced-3d: writes the text outputs (MODEL_CARD.md).  Kept apart from
train.py so the trainer stays short."""

METHOD_NAMES = [
    ("noisy", "no processing (noisy input)"),
    ("laplacian", "Laplacian smoothing (kNN centroid)"),
    ("pca", "PCA plane projection"),
    ("jet", "order-2 jet (quadric) projection"),
    ("model", "**this model**"),
]


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _fold_table(info):
    folds = info["folds"]
    sigmas = list(next(iter(folds.values()))["by_sigma"].keys())
    head = ["method"] + ["%s σ=%s" % (f, s) for f in sorted(folds) for s in sigmas] + ["mean"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, name in METHOD_NAMES:
        vals = [folds[f]["by_sigma"][s][key] for f in sorted(folds) for s in sigmas]
        cells = ["%.2f" % (1000.0 * v) for v in vals]
        out.append("| %s | %s | %.2f |" % (name, " | ".join(cells),
                                             1000.0 * info["metrics"]["chamfer_" + key]))
    return "\n".join(out)


def _simple_table(info):
    m = info["metrics"]
    out = ["| method | held-out point set, Chamfer ×10³ | depth cloud Chamfer (mm) | "
           "depth cloud point error (mm) | depth cloud abs rel |",
           "|---|---|---|---|---|"]
    for key, name in METHOD_NAMES:
        out.append("| %s | %.2f | %.1f | %.1f | %.4f |" % (
            name, 1000.0 * m["heldout_points_chamfer_" + key],
            1000.0 * m["depth_cloud_chamfer_m_" + key],
            1000.0 * m["depth_cloud_point_error_m_" + key], m["depth_cloud_abs_rel_" + key]))
    return "\n".join(out)


def model_card(p, info):
    m = info["metrics"]
    bk = info["baseline_k_final"]
    dc = info["depth_cloud"]
    gain = 100.0 * m["chamfer_gain_vs_best_baseline"]
    cells = [d for f in info["folds"].values() for d in f["by_sigma"].values()]
    nbest = sum(1 for d in cells if d["model"] <= min(d["laplacian"], d["pca"], d["jet"]))
    data_lines = "\n".join("- `%s` sha256 `%s`" % (k, v) for k, v in sorted(info["data"].items()))
    return """# enhanced-3d — model card

Learned point-cloud denoiser, trained self-supervised (noise added to clean samples; no labels,
no pre-trained weights) with NumPy only, then used to refine the 3-D point cloud that
`image-to-3d`'s monocular depth map back-projects to.

## Data

{data_lines}

`dataset-cgal-shapes`: CGAL's example meshes elephant, fandisk and knot1 (OFF) and the point set
`before_upsample.xyz` (850 points) from Debian libcgal-demo's data.tar.gz, CC0-1.0.
`image-to-3d/depth.npy` + `camera.json`: the predicted depth map of the Middlebury Motorcycle left
view and its pinhole intrinsics; `dataset-middlebury-motorcycle/motorcycle_disp.npz` gives the
true depth for scoring only.

## Method

Every mesh is scaled to bounding-box diagonal 1. Training clouds: {npts} area-uniform samples
per mesh at each noise level σ ∈ {{{tsig}}} (isotropic Gaussian, in diagonal units); the clean
sample and its face normal are the target. For each noisy point and each neighbourhood size
k ∈ {{{scales}}} the model computes the kNN centroid, the PCA normal and a least-squares quadric
height field, giving three candidate moves: projection onto the plane, the tangential move to
the centroid, and projection onto the quadric. An MLP ({hidden} tanh units) of {nf} rotation-,
reflection- and scale-invariant descriptors (heights, offsets and curvatures divided by the mean
neighbour distance, eigenvalue ratios, fit residuals) outputs one weight per move; the point
moves by the weighted sum, {iters} step(s). Laplacian smoothing and PCA projection are special
cases of this family. Loss: squared point-to-true-tangent-plane distance plus {tw} × squared
distance to the clean point, divided by the squared mean neighbour distance; minibatch Adam,
{steps} steps, batch {batch}, cosine-decayed learning rate from {lr}, seed {seed}, {prof}
profile.

## Evaluation

**Leave one shape out**: for each mesh, a model trained on the other two is scored on fresh
samples of the held-out mesh ({npts} points) at σ ∈ {{{esig}}}. Metric: symmetric Chamfer
distance (mean of the two mean nearest-neighbour distances, not squared) to the clean points,
×10³ in diagonal units; lower is better. Each baseline's k is chosen on the training shapes
(final: Laplacian k={kl}, PCA k={kp}, jet k={kj}).

{fold_table}

Mean gain of the model over the best baseline: {gain:.1f} %.

**Final model** (trained on all three meshes), scored on data it never saw: CGAL's
`before_upsample.xyz` with added noise (Chamfer to the original 850 points, mean over the same
σ), and the depth cloud from `image-to-3d` (pixels on a {stride}-px grid, {npt} points, of which
{nev} lie in image-to-3d's held-out tiles with ground truth and are scored). On the depth cloud
every method's move is kept along the camera ray, so points stay on their pixels and only depth
changes; point error = mean distance to the true 3-D point of the same pixel.

{simple_table}

## Outputs

`model.npz` (weights, feature statistics, configuration), `refined_cloud.xyz` (the refined depth
cloud, camera frame, metres, x y z per line), `metrics.json`, this card.

## Limitations

- Gains are small: on the held-out meshes the model's mean Chamfer distance is {gain_txt}
  the best hand-made baseline's (jet or PCA projection), and it has the lowest value in
  {nbest} of the {ncell} shape/noise cells above; with three training meshes it has little variety to learn from, and the
  leave-one-out test covers three shapes only.
- Training noise is synthetic isotropic Gaussian at a few levels; real scanner noise, outliers,
  holes and very uneven density are not modelled.
- The depth cloud's errors are mostly smooth, low-frequency mistakes of the monocular model
  (about {perr:.0f} mm per point), far larger than the point spacing; local denoising cannot fix
  them and changes the depth error only slightly (abs rel {arn:.4f} → {arm:.4f}; Laplacian
  smoothing: {arl:.4f}). Treat `refined_cloud.xyz` as a smoothed cloud, not a corrected one.
- No upsampling is done: the model only moves existing points.
- Outputs are bit-reproducible for the same inputs, NumPy build and CPU.

## Licence

Model code and weights: MIT. CGAL data: CC0-1.0. Motorcycle data: scikit-image's copy of the
Middlebury 2014 dataset (Debian python3-skimage, BSD-3-Clause per its copyright file; cite
Scharstein et al., GCPR 2014).
""".format(
        data_lines=data_lines, npts=info["points_per_shape"],
        tsig=", ".join("%g" % s for s in p["train_sigmas"]),
        esig=", ".join("%g" % s for s in p["test_sigmas"]),
        scales=", ".join(str(k) for k in p["scales"]), hidden=p["hidden"],
        nf=info["n_features"], iters=p["iterations"], tw=p["tangent_weight"],
        steps=info["steps"], batch=p["batch"], lr=p["learning_rate"], seed=p["seed"],
        prof=p["profile"], kl=bk["laplacian"], kp=bk["pca"], kj=bk["jet"],
        fold_table=_fold_table(info), gain=gain, nbest=nbest, ncell=len(cells),
        gain_txt=("%.1f %% lower than" % gain) if gain >= 0.05 else
        ("%.1f %% higher than" % -gain) if gain <= -0.05 else "the same as", stride=info["depth_stride"],
        npt=dc["n_points"], nev=dc["n_eval"], simple_table=_simple_table(info),
        perr=1000.0 * m["depth_cloud_point_error_m_noisy"],
        arn=m["depth_cloud_abs_rel_noisy"], arm=m["depth_cloud_abs_rel_model"],
        arl=m["depth_cloud_abs_rel_laplacian"])
