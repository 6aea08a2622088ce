#!/usr/bin/env python3
"""Makes resources/face_model/face_model.json: Marionette's sparse 3D morphable face model on the 68 iBUG points.

    python3 tools/make_face_model.py mediapipe-face_mesh-0.4.1657299874.tgz [output.json]

The input is the npm package @mediapipe/face_mesh 0.4.1657299874 (Apache-2.0), as `npm pack` downloads it. Its
face_mesh_solution_packed_assets.data holds geometry_pipeline_metadata_landmarks.binarypb, whose canonical face
mesh (468 vertices of x, y, z, u, v; in centimetres, x to the face's left = the image's right, y up, z towards the
viewer) gives the mean shape: each iBUG point is one mesh vertex, or the midpoint of two (the table below).

Everything else is authored here, as displacements of the 68 points in centimetres:
- identity: a small basis of person-to-person differences, made orthogonal to the expressions (what an expression
  can do is the expression's); one unit is about one standard deviation.
- expressions: named shapes; 0 is neutral, 1 the full expression.
The model's frame: origin at the centroid of the 68 mean points; x to the image's right, y up, z towards the camera.

Python 3 standard library only. The iBUG point groups below follow core/face/layout.h (the project's one list of
parts; the C++ tests check that this model agrees with it).
"""
import hashlib
import json
import math
import re
import struct
import sys
import tarfile

PACKAGE = "@mediapipe/face_mesh"
VERSION = "0.4.1657299874"
TARBALL_SHA256 = "c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7"
ASSETS = "package/face_mesh_solution_packed_assets.data"
LOADER = "package/face_mesh_solution_packed_assets_loader.js"
GEOMETRY = "/third_party/mediapipe/modules/face_geometry/data/geometry_pipeline_metadata_landmarks.binarypb"
GEOMETRY_RANGE = (3737848, 3757224)
VERTEX_COUNT = 468
INDEX_COUNT = 2694

# iBUG point -> MediaPipe canonical mesh vertex, or the midpoint of two vertices. Chosen on the mesh's lines:
# face contour (jaw), the middle line of each brow (between its upper and lower edge), nose ridge and base,
# eyelid margins, lip outlines.
IBUG_FROM_MEDIAPIPE = [
    # jaw 0-16: from the right temple (image left) round the chin to the left one
    127, 234, 93, 132, 58, 172, 150, 176, 152, 400, 379, 397, 288, 361, 323, 454, 356,
    # right brow 17-21 (outer to inner) and left brow 22-26 (inner to outer): between upper and lower edge
    (70, 46), (63, 53), (105, 52), (66, 65), (107, 55),
    (336, 285), (296, 295), (334, 282), (293, 283), (300, 276),
    # nose bridge 27-30 (root to tip) and lower nose 31-35 (right wing, base, left wing)
    (168, 6), 197, 5, 4,
    64, 60, 2, 290, 294,
    # right eye 36-41: outer corner, upper lid, inner corner, lower lid; left eye 42-47 likewise mirrored
    33, 160, 158, 133, 153, 144,
    362, 385, 387, 263, 373, 380,
    # outer lips 48-59: right corner, upper lip to the left corner, lower lip back
    61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91,
    # inner lips 60-67: right corner, upper lip, left corner, lower lip
    78, 81, 13, 311, 308, 402, 14, 178,
]

# The same groups as core/face/layout.h.
JAW = range(0, 17)
RIGHT_BROW, LEFT_BROW = range(17, 22), range(22, 27)
NOSE_BRIDGE, LOWER_NOSE = range(27, 31), range(31, 36)
RIGHT_EYE, LEFT_EYE = range(36, 42), range(42, 48)
OUTER_LIPS, INNER_LIPS = range(48, 60), range(60, 68)
LIPS = range(48, 68)
MIRROR = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
          26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
          27, 28, 29, 30,
          35, 34, 33, 32, 31,
          45, 44, 43, 42, 47, 46,
          39, 38, 37, 36, 41, 40,
          54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,
          64, 63, 62, 61, 60, 67, 66, 65]
N = 68


def fail(message):
    sys.exit("make_face_model: " + message)


# --- reading the package -------------------------------------------------------------------------------------

def read_package(path):
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TARBALL_SHA256:
        fail(f"{path}: sha256 {digest} is not that of {PACKAGE} {VERSION} ({TARBALL_SHA256})")
    with tarfile.open(path, "r:gz") as tar:
        package = json.load(tar.extractfile("package/package.json"))
        loader = tar.extractfile(LOADER).read().decode("utf-8")
        assets = tar.extractfile(ASSETS).read()
    if package.get("version") != VERSION or package.get("license") != "Apache-2.0":
        fail(f"{path}: expected {PACKAGE} {VERSION} under Apache-2.0")
    found = re.search(r'"filename":\s*"' + re.escape(GEOMETRY) + r'",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', loader)
    if not found or (int(found.group(1)), int(found.group(2))) != GEOMETRY_RANGE:
        fail(f"{path}: the asset loader does not place {GEOMETRY} at bytes {GEOMETRY_RANGE}")
    return assets[GEOMETRY_RANGE[0]:GEOMETRY_RANGE[1]]


def varint(buffer, i):
    value, shift = 0, 0
    while True:
        byte = buffer[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def protobuf_fields(buffer):
    """(field number, wire type, value) of one protobuf message; values of length-delimited fields are bytes."""
    i = 0
    while i < len(buffer):
        key, i = varint(buffer, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buffer, i)
        elif wire == 1:
            value, i = buffer[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(buffer, i)
            value, i = buffer[i:i + length], i + length
        elif wire == 5:
            value, i = buffer[i:i + 4], i + 4
        else:
            fail(f"unexpected protobuf wire type {wire}")
        yield field, wire, value


def canonical_mesh(metadata):
    """GeometryPipelineMetadata.canonical_mesh (field 1): Mesh3d with vertex_buffer (3) and index_buffer (4)."""
    meshes = [value for field, wire, value in protobuf_fields(metadata) if field == 1 and wire == 2]
    if len(meshes) != 1:
        fail("the geometry metadata has no single canonical mesh")
    floats, indices = [], []
    for field, wire, value in protobuf_fields(meshes[0]):
        if field == 3 and wire == 5:
            floats.append(struct.unpack("<f", value)[0])
        elif field == 3 and wire == 2:  # packed
            floats.extend(struct.unpack(f"<{len(value) // 4}f", value))
        elif field == 4 and wire == 0:
            indices.append(value)
        elif field == 4 and wire == 2:
            j = 0
            while j < len(value):
                index, j = varint(value, j)
                indices.append(index)
    if len(floats) != 5 * VERTEX_COUNT or len(indices) != INDEX_COUNT:
        fail(f"expected {VERTEX_COUNT} vertices and {INDEX_COUNT} indices, found {len(floats) / 5} and {len(indices)}")
    return [floats[5 * v:5 * v + 3] for v in range(VERTEX_COUNT)], indices


# --- small vector helpers ------------------------------------------------------------------------------------

def add(a, b):
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2]]


def sub(a, b):
    return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]


def scale(a, s):
    return [a[0] * s, a[1] * s, a[2] * s]


def zeros():
    return [[0.0, 0.0, 0.0] for _ in range(N)]


def mirrored(displacements):
    """The same shape on the other half of the face (x flips, left and right points swap)."""
    out = zeros()
    for i in range(N):
        d = displacements[MIRROR[i]]
        out[i] = [-d[0], d[1], d[2]]
    return out


def symmetric(displacements):
    """Adds the mirror image of a one-sided shape (points on the midline are counted once)."""
    other = mirrored(displacements)
    return [add(displacements[i], other[i]) if MIRROR[i] != i else displacements[i] for i in range(N)]


def clamp01(x):
    return max(0.0, min(1.0, x))


# --- the mean shape ------------------------------------------------------------------------------------------

def mean_shape(vertices):
    points = []
    for entry in IBUG_FROM_MEDIAPIPE:
        if isinstance(entry, int):
            points.append(list(vertices[entry]))
        else:
            points.append(scale(add(vertices[entry[0]], vertices[entry[1]]), 0.5))
    if len(points) != N:
        fail("the iBUG table must have 68 entries")
    # The canonical mesh's lips are parted by about 5 mm; the neutral face of the model has them closed: each
    # inner upper/lower pair meets halfway.
    for upper, lower in ((61, 67), (62, 66), (63, 65)):
        middle = scale(add(points[upper], points[lower]), 0.5)
        points[upper], points[lower] = list(middle), list(middle)
    # Exactly symmetric, centred on the centroid.
    points = [scale(add(points[i], [-points[MIRROR[i]][0], points[MIRROR[i]][1], points[MIRROR[i]][2]]), 0.5)
              for i in range(N)]
    centroid = scale([sum(p[k] for p in points) for k in range(3)], 1.0 / N)
    return [sub(p, centroid) for p in points], centroid


# --- the jaw's silhouette -------------------------------------------------------------------------------------

CONTOUR_CANDIDATES = 8
CONTOUR_REACH = 3.0  # centimetres: candidates run from the contour vertex this far inwards (at most half way)


def mesh_section(vertices, triangles, height):
    """Points where the plane y = height cuts the mesh's edges."""
    points = []
    for t in range(0, len(triangles), 3):
        corners = [vertices[i] for i in triangles[t:t + 3]]
        for a, b in ((0, 1), (1, 2), (2, 0)):
            p, q = corners[a], corners[b]
            if (p[1] - height) * (q[1] - height) <= 0 and p[1] != q[1]:
                f = (height - p[1]) / (q[1] - p[1])
                points.append([p[k] + f * (q[k] - p[k]) for k in range(3)])
    return points


def contour_lines(vertices, triangles, offset):
    """For each jaw point but the chin: points on the face at its height, from the contour vertex inwards.

    Seen from the side, the jaw's landmarks lie on the face's silhouette, which slides over the cheek as the head
    turns away; the fit and the projection take, of these candidates, the one furthest out in the turned face."""
    lines = []
    for i in JAW:
        entry = IBUG_FROM_MEDIAPIPE[i]
        if i == 8 or not isinstance(entry, int):
            continue
        base = vertices[entry]
        side = math.copysign(1.0, base[0])
        reach = min(CONTOUR_REACH, 0.5 * abs(base[0]))
        section = [p for p in mesh_section(vertices, triangles, base[1])
                   if p[0] * side > 0 and abs(base[0]) - reach - 0.5 <= abs(p[0]) <= abs(base[0])]
        section.sort(key=lambda p: -abs(p[0]))
        # The section's front surface, z as a function of the distance from the midline (interpolated).
        candidates = []
        for k in range(CONTOUR_CANDIDATES):
            x = abs(base[0]) - reach * k / (CONTOUR_CANDIDATES - 1)
            outer = [p for p in section if abs(p[0]) >= x]
            inner = [p for p in section if abs(p[0]) <= x]
            if k == 0:
                point = list(base)
            elif outer and inner:
                a = min(outer, key=lambda p: abs(p[0]))
                b = max(inner, key=lambda p: abs(p[0]))
                f = 0.0 if abs(a[0]) == abs(b[0]) else (abs(a[0]) - x) / (abs(a[0]) - abs(b[0]))
                point = [side * x, base[1], a[2] + f * (b[2] - a[2])]
            else:
                fail(f"the mesh has no surface at the height of jaw point {i}, {x:.1f} cm from the midline")
            candidates.append(sub(point, offset))
        lines.append({"landmark": i, "candidates": candidates})
    # Exactly symmetric, like the mean shape.
    by_landmark = {line["landmark"]: line for line in lines}
    for line in lines:
        other = by_landmark[MIRROR[line["landmark"]]]["candidates"]
        line["candidates"] = [scale(add(p, [-q[0], q[1], q[2]]), 0.5) for p, q in zip(line["candidates"], other)]
    return lines


# --- identity: one unit is about one standard deviation ------------------------------------------------------

def identity_basis(mean):
    eye_y = (mean[36][1] + mean[45][1]) / 2
    chin_y = mean[8][1]
    nose_base_y = mean[33][1]
    basis = []

    def component(name, description, displacements):
        basis.append({"name": name, "description": description, "displacements": displacements})

    component("face_width", "wider or narrower face (5 %)", [[0.05 * p[0], 0.0, 0.0] for p in mean])

    d = zeros()
    for i, p in enumerate(mean):
        if p[1] < nose_base_y:  # below the nose: stretched downwards
            d[i] = [0.0, -0.06 * (nose_base_y - p[1]), 0.0]
    component("lower_face_length", "longer or shorter face below the nose (6 %)", d)

    d = zeros()
    for i in JAW:
        low = clamp01((eye_y - mean[i][1]) / (eye_y - chin_y))
        d[i] = [0.07 * mean[i][0] * low, 0.0, 0.0]
    component("jaw_width", "wider or narrower jaw (7 % at the bottom)", d)

    d = zeros()
    for i, w in ((8, 1.0), (7, 0.8), (9, 0.8), (6, 0.45), (10, 0.45), (5, 0.15), (11, 0.15)):
        d[i] = [0.0, -0.35 * w, 0.1 * w]
    component("chin_length", "longer, more prominent chin (3.5 mm)", d)

    d = zeros()
    for i, w in ((30, 1.0), (31, 0.8), (32, 0.9), (33, 0.9), (34, 0.9), (35, 0.8), (29, 0.5), (28, 0.2)):
        d[i] = [0.0, -0.25 * w, 0.1 * w]
    component("nose_length", "longer nose (2.5 mm)", d)

    d = zeros()
    for i, w in ((31, 1.0), (32, 0.5), (34, 0.5), (35, 1.0)):
        d[i] = [0.2 * w * math.copysign(1.0, mean[i][0]), 0.0, 0.0]
    component("nose_width", "wider nostrils (2 mm each side)", d)

    d = zeros()
    base_z = (mean[31][2] + mean[35][2]) / 2
    for i in list(NOSE_BRIDGE) + list(LOWER_NOSE):
        d[i] = [0.0, 0.0, 0.12 * max(0.0, mean[i][2] - base_z)]
    component("nose_depth", "more prominent nose (12 %)", d)

    d = zeros()
    for i in list(RIGHT_EYE) + list(LEFT_EYE):
        d[i] = [0.2 * math.copysign(1.0, mean[i][0]), 0.0, 0.0]
    component("eye_spacing", "eyes further apart (2 mm each)", d)

    d = zeros()
    for eye in (RIGHT_EYE, LEFT_EYE):
        centre = scale([sum(mean[i][k] for i in eye) for k in range(3)], 1.0 / len(eye))
        for i in eye:
            d[i] = scale(sub(mean[i], centre), 0.1)
    component("eye_size", "larger eyes (10 %)", d)

    d = zeros()
    for i in list(RIGHT_BROW) + list(LEFT_BROW):
        d[i] = [0.0, 0.3, 0.0]
    component("brow_height", "brows higher above the eyes (3 mm)", d)

    d = zeros()
    for i in LIPS:
        d[i] = [0.07 * mean[i][0], 0.0, 0.0]
    component("mouth_width", "wider mouth (7 %)", d)

    d = zeros()
    for i, w in ((49, 0.7), (50, 1.0), (51, 1.0), (52, 1.0), (53, 0.7)):
        d[i] = [0.0, 0.12 * w, 0.04 * w]
    for i, w in ((55, 0.7), (56, 1.0), (57, 1.0), (58, 1.0), (59, 0.7)):
        d[i] = [0.0, -0.15 * w, 0.04 * w]
    component("lip_fullness", "fuller lips (1.2 mm upper, 1.5 mm lower)", d)
    return basis


# --- expressions: 0 neutral, 1 the full expression -----------------------------------------------------------

def expression_basis(mean):
    shapes = []

    def expression(name, description, displacements, mirror_of=None):
        entry = {"name": name, "description": description, "displacements": displacements}
        if mirror_of:
            entry["mirror_of"] = mirror_of
        shapes.append(entry)

    # jaw_open: the lower jaw drops and moves back, more the further a point is below the jaw's hinge in front
    # of the ears (2.6 cm down at the chin); the mouth corners go half as far.
    hinge_y = mean[0][1] - 1.0
    depth = mean[8][1] - hinge_y
    weights = {i: 1.0 for i in range(2, 15)}
    weights.update({i: 1.0 for i in (55, 56, 57, 58, 59, 65, 66, 67)})
    weights.update({48: 0.5, 54: 0.5, 60: 0.5, 64: 0.5})
    d = zeros()
    for i, w in weights.items():
        below = clamp01((mean[i][1] - hinge_y) / depth)
        d[i] = scale([0.0, -2.6, -0.8], w * below)
    expression("jaw_open", "mouth open: the lower jaw drops", d)

    # smile: the mouth corner goes up, out and back; the lip next to it follows; the cheek lifts the lower lid.
    corner = mean[54][0]
    d = zeros()
    for i in LIPS:
        w = clamp01(mean[i][0] / corner) ** 2 if mean[i][0] > 0 else 0.0
        d[i] = scale([0.5, 0.8, -0.3], w)
    for i, w in ((11, 0.3), (12, 0.5), (13, 0.3)):
        d[i] = [0.12 * w, 0.1 * w, 0.05 * w]
    for i in (46, 47):
        d[i] = [0.0, 0.08, 0.0]
    d[35] = [0.08, 0.06, 0.0]
    expression("smile_left", "the person's left mouth corner up and out (a half smile)", d)
    expression("smile_right", "the person's right mouth corner up and out", mirrored(d), mirror_of="smile_left")

    # mouth_stretch: the corners pulled sideways and down (a grimace); the lower lip follows a little.
    d = zeros()
    for i in LIPS:
        t = mean[i][0] / corner
        d[i] = [0.5 * t, -0.3 * t * t, -0.1 * abs(t)]
    for i in (55, 56, 57, 58, 59):
        d[i][1] -= 0.1
    expression("mouth_stretch", "both mouth corners pulled sideways and down", d)

    # pucker: the lips narrow, round into an O and push forward.
    mouth_front_z = max(mean[i][2] for i in LIPS)
    d = zeros()
    for i in LIPS:
        forward = 0.7 - 0.3 * clamp01(abs(mean[i][0]) / corner)
        d[i] = [-0.35 * mean[i][0], 0.0, forward + 0.1 * (mean[i][2] - mouth_front_z)]
    for i, lift in ((49, 0.1), (50, 0.15), (51, 0.15), (52, 0.15), (53, 0.1), (61, 0.1), (62, 0.12), (63, 0.1)):
        d[i][1] += lift
    for i, drop in ((55, 0.08), (56, 0.12), (57, 0.12), (58, 0.12), (59, 0.08), (65, 0.1), (66, 0.12), (67, 0.1)):
        d[i][1] -= drop
    expression("pucker", "lips pushed forward, narrowed and rounded (a kiss)", d)

    d = zeros()
    for i, w in ((49, 0.6), (50, 1.0), (51, 1.0), (52, 1.0), (53, 0.6)):
        d[i] = [0.0, -0.15 * w, -0.05 * w]
    for i, w in ((55, 0.6), (56, 1.0), (57, 1.0), (58, 1.0), (59, 0.6)):
        d[i] = [0.0, 0.2 * w, -0.05 * w]
    for i in (48, 54, 60, 64):
        d[i] = [-0.1 * math.copysign(1.0, mean[i][0]), 0.0, -0.05]
    for i in INNER_LIPS:
        d[i][1] += 0.05
    for i, w in ((7, 0.6), (8, 1.0), (9, 0.6)):
        d[i] = [0.0, 0.15 * w, 0.05 * w]
    expression("lips_press", "lips pressed together and thinned, chin pushed up", d)

    d = zeros()
    for i, lift in zip(LEFT_BROW, (0.55, 0.7, 0.8, 0.75, 0.6)):
        d[i] = [0.0, lift, -0.05]
    for i in (43, 44):
        d[i] = [0.0, 0.08, 0.0]
    expression("brow_raise_left", "the person's left brow raised", d)
    expression("brow_raise_right", "the person's right brow raised", mirrored(d), mirror_of="brow_raise_left")

    d = zeros()
    for i, down, inwards in ((22, 0.35, 0.25), (23, 0.25, 0.12), (24, 0.12, 0.04)):
        d[i] = [-inwards, -down, 0.05]
    for i in (43, 44):
        d[i] = [0.0, -0.05, 0.0]
    expression("brow_furrow", "brows drawn down and together (a frown)", symmetric(d))

    d = zeros()
    for upper, lower in ((43, 47), (44, 46)):
        gap = sub(mean[lower], mean[upper])
        d[upper] = scale(gap, 0.9)
        d[lower] = scale(gap, -0.1)
    expression("eye_close_left", "the person's left eye closed", d)
    expression("eye_close_right", "the person's right eye closed", mirrored(d), mirror_of="eye_close_left")

    d = zeros()
    for i, w in ((2, 0.4), (3, 0.8), (4, 1.0), (5, 0.8), (6, 0.4)):
        d[i] = [-0.45 * w, 0.0, 0.2 * w]
    d = symmetric(d)
    for i in LIPS:
        d[i] = [-0.05 * mean[i][0], 0.0, 0.25]
    expression("cheek_puff", "cheeks blown out, lips closed and pushed forward", d)
    return shapes


# --- output --------------------------------------------------------------------------------------------------

def rounded(shape):
    return [[round(v + 0.0, 4) + 0.0 for v in p] for p in shape]


def to_json(value, indent=""):
    """JSON with one point (or one short list of numbers) per line: short and diffable."""
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, list):
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)


def flatten(shape):
    return [v for p in shape for v in p]


def unflatten(values):
    return [values[3 * i:3 * i + 3] for i in range(N)]


def orthogonal_to_expressions(identity, expressions, keep=0.3):
    """Removes from each identity shape what the expressions can also do, so that a fit cannot trade one for the
    other (high brows against raised brows, a wide mouth against a stretched one). Shapes left with less than
    `keep` of their size mostly duplicated an expression and are dropped."""
    basis = []
    for e in expressions:
        v = flatten(e["displacements"])
        for q in basis:
            c = sum(a * b for a, b in zip(v, q))
            v = [a - c * b for a, b in zip(v, q)]
        length = math.sqrt(sum(a * a for a in v))
        if length > 1e-9:
            basis.append([a / length for a in v])
    kept = []
    for component in identity:
        v = flatten(component["displacements"])
        before = math.sqrt(sum(a * a for a in v))
        for q in basis:
            c = sum(a * b for a, b in zip(v, q))
            v = [a - c * b for a, b in zip(v, q)]
        after = math.sqrt(sum(a * a for a in v))
        if after >= keep * before:
            kept.append(dict(component, displacements=unflatten(v)))
        else:
            print(f"identity shape {component['name']} dropped: {after / before:.0%} of it is not an expression")
    return kept


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    tarball = argv[1]
    output = argv[2] if len(argv) == 3 else "resources/face_model/face_model.json"
    vertices, triangles = canonical_mesh(read_package(tarball))
    mean, offset = mean_shape(vertices)
    contour = contour_lines(vertices, triangles, offset)
    expressions = expression_basis(mean)
    identity = orthogonal_to_expressions(identity_basis(mean), expressions)
    for c in identity:
        c.update({"min": -3.0, "max": 3.0, "prior_sigma": 1.0})
    for e in expressions:
        e.update({"min": 0.0, "max": 1.0, "prior_sigma": 0.5})
    model = {
        "format": "marionette.face_model",
        "version": 1,
        "description": "Sparse 3D morphable face model on the 68 iBUG landmarks: mean shape from the MediaPipe "
                       "canonical face mesh, identity and expression displacements authored by Marionette",
        "units": "centimetres",
        "axes": "x to the image's right (the person's left), y up, z towards the camera; origin at the centroid "
                "of the mean shape",
        "source": {
            "package": PACKAGE, "version": VERSION, "licence": "Apache-2.0", "tarball_sha256": TARBALL_SHA256,
            "file": GEOMETRY, "bytes": list(GEOMETRY_RANGE), "made_by": "tools/make_face_model.py",
        },
        "mediapipe_vertices": [[e] if isinstance(e, int) else list(e) for e in IBUG_FROM_MEDIAPIPE],
        "mean": rounded(mean),
        "contour": [{"landmark": c["landmark"], "candidates": rounded(c["candidates"])} for c in contour],
        "identity": [dict(c, displacements=rounded(c["displacements"])) for c in identity],
        "expressions": [dict(e, displacements=rounded(e["displacements"])) for e in expressions],
    }
    text = to_json(model)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {output}: {len(identity)} identity and {len(expressions)} expression shapes")


if __name__ == "__main__":
    main(sys.argv)
