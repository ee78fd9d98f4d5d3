"""Applying the building segmenter, shared by train.py and predict.py:
normalised DSM -> building mask and regions, and a real point cloud ->
(gis-lidar classes) -> height model -> buildings, with the roof-point
agreement figures reported for the CGAL b9 scene."""

import numpy as np

import lidarfeat
import seg


def segment(model, h, decision="model"):
    """Building mask of a normalised DSM h.  decision 'model' uses the MLP
    (probability > 0.5) then removes specks and pinholes smaller than
    min_region_m2; 'threshold' is the plain-height baseline (h > t, no
    clean-up).  Returns (mask, prob or None)."""
    cfg = model["config"]
    if decision == "threshold":
        return h > cfg["threshold_baseline_m"], None
    F, names = seg.features(h, cfg["cell_m"], cfg["windows_m"], cfg["high_m"])
    if names != cfg["feature_names"]:
        raise ValueError("feature mismatch between model and code")
    prob = seg.predict_proba(model, F).reshape(h.shape)
    mask = seg.clean_mask(prob > 0.5, min_cells(cfg))
    return mask, prob


def min_cells(cfg):
    return max(1, int(round(cfg["min_region_m2"] / (cfg["cell_m"] ** 2))))


def regions(mask, cfg):
    """Connected building regions of at least min_region_m2."""
    lab, n = seg.label_components(mask)
    size = np.bincount(lab.ravel(), minlength=n + 1)
    keep = size >= min_cells(cfg)
    keep[0] = False
    remap = np.zeros(n + 1, dtype=np.int32)
    remap[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return remap[lab], int(keep.sum()), size[keep]


def cloud_grid(xyz, cell):
    x0 = float(np.floor(xyz[:, 0].min()))
    y0 = float(np.floor(xyz[:, 1].min()))
    nx = int(np.floor((xyz[:, 0].max() - x0) / cell)) + 1
    ny = int(np.floor((xyz[:, 1].max() - y0) / cell)) + 1
    return x0, y0, nx, ny


def classify_cloud(lidar_model, xyz):
    """gis-lidar classes (0 ground, 1 vegetation, 2 roof) of every point."""
    pred, _ = lidarfeat.predict_labels(lidar_model, xyz)
    return pred


def cloud_buildings(model, lidar_model, xyz, hand_labels=None, classes=None):
    """Run the whole real-data chain on one point cloud.  Returns (result
    dict of plain numbers, grids dict)."""
    cfg = model["config"]
    cell = cfg["cell_m"]
    if classes is None:
        classes = classify_cloud(lidar_model, xyz)
    ground = classes == 0
    if ground.sum() < 3:
        raise ValueError("gis-lidar found fewer than 3 ground points; no terrain model")
    x0, y0, nx, ny = cloud_grid(xyz, cell)
    h, _, _ = seg.height_model(xyz[:, :2], xyz[:, 2], ground, x0, y0, cell, nx, ny,
                               cfg["dtm_cell_m"])
    iy, ix, _ = seg.cell_index(xyz[:, :2], x0, y0, cell, nx, ny)
    roof = classes == 2
    # gis-lidar roof points -> roof raster (a cell with any roof return),
    # closed by one cell to bridge the gaps of a ~2 points/m2 cloud.
    roof_cells = np.zeros((ny, nx), dtype=bool)
    roof_cells[iy[roof], ix[roof]] = True
    roof_cells = seg.clean_mask(seg.erode(seg.dilate(roof_cells)), min_cells(cfg))
    _, n_roof_regions, _ = regions(roof_cells, cfg)
    res = {"points": int(len(xyz)), "grid": [ny, nx], "cell_m": cell,
           "lidar_class_counts": {n: int(np.sum(classes == k))
                                  for k, n in enumerate(lidarfeat.CLASS_NAMES)},
           "lidar_roof_regions": n_roof_regions,
           "lidar_roof_cells": int(roof_cells.sum())}
    if hand_labels is not None:
        res["hand_label_counts"] = {n: int(np.sum(hand_labels == k))
                                    for k, n in enumerate(lidarfeat.CLASS_NAMES)}
    grids = {"ndsm": h, "roof_cells": roof_cells}
    for dec in ("model", "threshold"):
        mask, _ = segment(model, h, dec)
        lab, n, sizes = regions(mask, cfg)
        inb = mask[iy, ix]
        r = {"building_cells": int(mask.sum()), "building_regions": n,
             "largest_region_m2": float(sizes.max() * cell * cell) if n else 0.0,
             "lidar_roof_points_in_buildings": float(inb[roof].mean()) if roof.any() else 0.0,
             "iou_vs_lidar_roof_cells": seg.pixel_scores(roof_cells, mask)["iou"]}
        if hand_labels is not None:
            hr = hand_labels == 2
            hn = (hand_labels == 0) | (hand_labels == 1)
            if hr.any():
                r["hand_roof_points_in_buildings"] = float(inb[hr].mean())
            if hn.any():
                r["hand_ground_veg_points_outside_buildings"] = float((~inb[hn]).mean())
        res[dec] = r
        grids[dec + "_regions"] = lab
    return res, grids
