"""MODEL_CARD.md for gis-buildings, rendered from the metrics report so the
card always states the numbers of this very training run."""

import numpy as np


def _pct(x):
    return "%.1f %%" % (100.0 * x)


def _table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def render(r, areas):
    m, p, b9, c = r["metrics"], r["params"], r["b9"], r["object_counts_test"]
    rows = []
    for label, pre in (("per-cell MLP + clean-up (this model)", "model_"),
                       ("per-cell MLP, no clean-up", "model_raw_"),
                       ("height threshold %.2f m (baseline)" % m["threshold_baseline_m"], "baseline_"),
                       ("height threshold + same clean-up", "baseline_clean_")):
        obj = pre if pre != "model_raw_" else None
        rows.append([label, "%.3f" % m[pre + "iou"], "%.3f" % m[pre + "f1"],
                     "%.3f" % m[pre + "precision"], "%.3f" % m[pre + "recall"],
                     ("%d / %d" % (c[obj + "n_pred"], c[obj + "n_true"])) if obj else "–",
                     ("%.3f" % m[obj + "count_agreement"]) if obj else "–",
                     ("%.3f" % m[obj + "object_f1"]) if obj else "–"])
    sim_table = _table(["method", "IoU", "F1", "precision", "recall",
                        "footprints found / true", "count agreement", "object F1 (IoU>0.5)"], rows)
    b9rows = []
    for label, k in (("building regions (>= %g m2)" % p["min_region_m2"], "building_regions"),
                     ("building cells (m2 at %g m)" % p["cell_m"], "building_cells"),
                     ("gis-lidar roof points inside predicted buildings",
                      "lidar_roof_points_in_buildings"),
                     ("hand-labelled roof points inside predicted buildings",
                      "hand_roof_points_in_buildings"),
                     ("hand-labelled ground/vegetation points outside",
                      "hand_ground_veg_points_outside_buildings"),
                     ("IoU with the gis-lidar roof raster", "iou_vs_lidar_roof_cells")):
        vals = []
        for dec in ("model", "threshold"):
            v = b9[dec].get(k)
            if v is None:
                vals.append("–")
            elif k in ("building_regions", "building_cells"):
                vals.append("%d" % v)
            elif k.startswith("iou"):
                vals.append("%.3f" % v)
            else:
                vals.append(_pct(v))
        b9rows.append([label] + vals)
    b9_table = _table(["b9 (real points)", "this model", "threshold baseline"], b9rows)
    lc = b9["lidar_class_counts"]
    hl = b9.get("hand_label_counts", {})
    ss = r["scene_stats"]
    return """# gis-buildings — model card

Building-footprint segmentation of an airborne **normalised height model** (nDSM), one
decision per {cell:g} m cell, trained with NumPy only (no pre-trained weights). Two parts:
a simulation whose *truth* is real, and a real LiDAR scene whose truth is partial.

## What is real and what is simulated

- **Real:** the {npoly} building-block outlines of `dataset-sf-buildings` (the R `sf` example
  `gpkg/buildings.gpkg`, Soho, London, OSGB 1936 transverse Mercator; total {area:,.0f} m²,
  median block {med:,.0f} m²). They are blocks as drawn for the area of John Snow's 1854
  cholera map, not individual modern building footprints.
- **Simulated (everything else in the training data):** building heights (1–8 storeys of
  3.1 m per block, varied per ~{plot:g} m "plot"), flat and pitched roofs, rooftop boxes, the
  terrain (gentle tilt and undulation), {trees} tree crowns and {cars} cars in the open space,
  and the LiDAR survey itself: {pts:,} returns at {dens:g} points/m² (about the density of
  the CGAL b9 cloud), {noise:g} m vertical noise, {pen:.0%} of returns passing through crowns.
  The returns are gridded like a real cloud: highest return per cell (gaps filled), minus a
  terrain model from ground returns on a {dtm:g} m grid. No real height data of Soho is used.
- **Real, second part:** the CGAL b9 airborne point cloud (`dataset-cgal-b9`, {b9pts:,}
  points, CC0) classified by the installed **gis-lidar** model (its `model.npz` only).

## Method

Per-cell features of the nDSM ({nfeat}): height, log height, slope, and over windows of
{wins} m the mean, standard deviation, height minus mean/min, max minus height, fraction of
cells above {high:g} m, mean slope and mean |Laplacian| (roughness). A one-hidden-layer MLP
({hid} tanh units, softmax) trained with mini-batch Adam ({ep} epochs, batch {bs}, learning
rate {lr}, L2 {wd}) on {ntr:,} cells sampled from the training tiles of {scenes}
simulated scene(s) ({prof} profile, seed {seed}); building fraction {bf:.0%}. Building mask =
probability > 0.5, then regions and holes smaller than {minr:g} m² are removed.

## Split

Checkerboard of {tile:g} m × {tile:g} m tiles over the scene: even tiles train, odd tiles
test ({nte:,} test cells). Training cells closer than {guard:g} m to a tile edge are left out
so that their feature windows see little of the test tiles. Blocks that straddle a tile edge
are cut there for both truth and prediction. The baseline threshold is tuned on the training
tiles only (best IoU on a 0.25 m grid).

## Held-out results (simulated surveys of the real outlines)

{sim_table}

Footprints are 4-connected regions of the truth raster and of the prediction inside the test
tiles; regions smaller than {minr:g} m² are not counted for either. Touching blocks merge into
one region in both, so "footprints" are contiguous built areas. Count agreement is
1 − |found − true| / true.

## Real data: CGAL b9 through gis-lidar

gis-lidar classified the b9 points as ground {g:,}, vegetation {v:,}, roof {rf:,}. Its ground
points give the terrain; the highest return per cell gives the surface. Its roof points,
gridded and closed by one cell, form {roofreg} roof region(s) ({roofcells:,} cells). There is
no footprint truth for b9; the hand labels of the file ({hroof:,} roof, {hother:,}
ground/vegetation points, in a few patches) are the only independent check.

{b9_table}

## Limitations

- The headline scores measure agreement with a **simulation** drawn from the very outlines
  used as truth: buildings are exactly their polygons, at least one storey (3.4 m) tall,
  on a smooth terrain, with invented trees and cars. Real surveys add things not simulated
  (courtyards and light wells inside blocks, walls, bridges, occlusion, scan-line patterns,
  misregistration between map and survey), so real-world accuracy will be lower.
- The outlines are 1854-map blocks, and the simulated heights were invented for them; the
  model learns what "a block in a height model" looks like under these assumptions only.
- Training and test tiles come from the same small area (about 0.8 km²) and the same
  simulator; test tiles are different blocks, but not a different city.
- The b9 figures depend on gis-lidar's classification (its ground points make the terrain)
  and cover one small scene (about 91 m × 112 m). gis-lidar was itself trained on b9's hand
  labels, so its classes are most reliable exactly at those points; the hand-label rows
  check the segmenter, not gis-lidar.
- Cell size and windows are in metres; a cloud much sparser than ~2 points/m² or a different
  cell size needs retraining. Outputs are bit-reproducible for the same inputs and NumPy build.

## Licence

Model code and weights: MIT. Outlines: from the R package sf, GPL-2 or MIT (Debian
r-cran-sf copyright). b9 points: CC0-1.0 (CGAL). gis-lidar model: MIT.
""".format(
        cell=p["cell_m"], npoly=len(areas), area=float(areas.sum()),
        med=float(np.median(areas)), plot=p["plot_spacing_m"],
        trees=sum(s["n_trees"] for s in ss), cars=sum(s["n_cars"] for s in ss),
        pts=sum(s["n_points"] for s in ss), dens=p["point_density_m2"],
        noise=p["sensor_noise_m"], pen=p["canopy_penetration"], dtm=p["dtm_cell_m"],
        nfeat=len(r["features"]), wins=", ".join("%g" % w for w in p["windows_m"]),
        high=p["high_m"], hid=p["hidden"], ep=r["epochs"], bs=p["batch_size"],
        lr=p["learning_rate"], wd=p["weight_decay"], ntr=r["n_train_cells"],
        scenes=r["scenes"], prof=p["profile"], seed=p["seed"],
        bf=r["train_building_fraction"], minr=p["min_region_m2"], tile=p["tile_m"],
        nte=r["test_cells"], guard=p["guard_m"], sim_table=sim_table,
        g=lc["ground"], v=lc["vegetation"], rf=lc["roof"], roofreg=b9["lidar_roof_regions"],
        roofcells=b9["lidar_roof_cells"], b9_table=b9_table, b9pts=b9["points"],
        hroof=hl.get("roof", 0), hother=hl.get("ground", 0) + hl.get("vegetation", 0))
