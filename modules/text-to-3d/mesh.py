"""text-to-3d / mesh: an occupancy grid as a surface mesh (the exposed faces of
the occupied voxels, two triangles each) in PLY or OFF, ASCII.  Coordinates
are in voxel units, x, y, z with z up, the grid's corner at the origin."""

import numpy as np

# per axis: the unit offset of the neighbour and the four corners of the face
# on the + side of a voxel at the origin, counter-clockwise seen from outside
_FACES = {
    0: [(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)],
    1: [(0, 1, 0), (0, 1, 1), (1, 1, 1), (1, 1, 0)],
    2: [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)],
}


def surface(occ):
    """(vertices float [V, 3], triangles int [F, 3]) of the exposed faces."""
    occ = np.asarray(occ, dtype=bool)
    verts, tris = [], []
    for axis in range(3):
        pad = np.pad(occ, [(1, 1) if a == axis else (0, 0) for a in range(3)])
        for sign in (1, -1):
            nb = np.roll(pad, -sign, axis=axis)
            sl = [slice(None)] * 3
            sl[axis] = slice(1, -1)
            exposed = occ & ~nb[tuple(sl)]
            corners = np.array(_FACES[axis], dtype=np.float64)
            if sign < 0:   # the - side: move the face back and reverse its winding
                corners = corners[::-1].copy()
                corners[:, axis] -= 1
            for v in np.argwhere(exposed):
                base = len(verts)
                verts.extend((v + c).tolist() for c in corners)
                tris.extend([[base, base + 1, base + 2], [base, base + 2, base + 3]])
    return np.array(verts, dtype=np.float64).reshape(-1, 3), np.array(tris, dtype=np.int64).reshape(-1, 3)


def write(path, occ, comment):
    """Write occ as .ply or .off (by the suffix); returns (vertices, faces)."""
    v, f = surface(occ)
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        if path.lower().endswith(".ply"):
            fh.write("ply\nformat ascii 1.0\ncomment %s\nelement vertex %d\n"
                     "property float x\nproperty float y\nproperty float z\n"
                     "element face %d\nproperty list uchar int vertex_indices\nend_header\n"
                     % (comment, len(v), len(f)))
        else:
            fh.write("OFF\n# %s\n%d %d 0\n" % (comment, len(v), len(f)))
        for x in v:
            fh.write("%g %g %g\n" % tuple(x))
        for t in f:
            fh.write("3 %d %d %d\n" % tuple(t))
    return len(v), len(f)
