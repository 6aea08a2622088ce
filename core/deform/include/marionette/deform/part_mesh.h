#pragma once
// A triangle mesh over one body part's pixels (deform pipeline step 2): the region's outline, simplified,
// plus interior grid points and points along the part's bones, Delaunay-triangulated; triangles outside the
// region dropped. The points on bones are the mesh's pins.
#include "marionette/deform/body_parts.h"
#include "marionette/pose/pose.h"

#include <opencv2/core.hpp>

#include <vector>

namespace marionette::deform {

// A vertex held by a bone: at `along` (0 = the bone's first joint, 1 = its second) and `across` pixels to the
// left of it. It moves with the bone: stretched along it, never across it (a longer arm is not a fatter arm).
struct Pin {
    int vertex = 0;
    int bone = 0;  // index into bones()
    float along = 0.f;
    float across = 0.f;
};

struct PartMesh {
    BodyPart part = BodyPart::Trunk;
    std::vector<cv::Point2f> rest;     // photo pixels
    std::vector<cv::Vec3i> triangles;  // counter-clockwise in image coordinates (positive signed area)
    std::vector<Pin> pins;             // at least two per connected piece of the mesh

    bool empty() const { return triangles.empty(); }
};

struct MeshOptions {
    // Grid spacing and outline sampling, as a fraction of the torso length (AnimatedDrawings' 40 x 40 grid
    // is about 1/15 of a person's height).
    double spacing = 0.09;
};

// Where a part is sewn to another (the head's neck to the trunk): the part's outline points inside `region`
// (8-bit, the same working pixels as the part's region) are pinned to the nearest bone of `part`, so that they
// follow that part and the seam bends instead of opening when only this part moves.
struct MeshAnchor {
    cv::Mat region;
    BodyPart part = BodyPart::Trunk;
};

// `region`: 8-bit mask (non-zero = the part's pixels, already grown over its soft edge) of `scale` times the
// photo's size, offset by `origin` (photo pixel of the region's (0, 0) is origin + (x, y) / scale).
// `reference`: the skeleton; only bones of `part` whose joints are both present pin the mesh.
// An empty mesh when the region is empty or has no bone.
PartMesh buildPartMesh(BodyPart part, const cv::Mat& region, cv::Point2f origin, double scale,
                       const pose::Pose& reference, double torsoLength, const MeshOptions& options = {},
                       const MeshAnchor& anchor = {});

// A joint's position as OpenCV's point (the joint must be present).
inline cv::Point2f jointPoint(const pose::Pose& pose, pose::JointId joint) {
    const Point2 p = pose.at(joint).position;
    return {p.x, p.y};
}

// Twice the signed area of a triangle (positive: counter-clockwise with y down as drawn on screen).
double signedArea2(cv::Point2f a, cv::Point2f b, cv::Point2f c);

// Delaunay triangles over `points` (cv::Subdiv2D over `bounds`, which must hold them), counter-clockwise on
// screen, as indices into `points`; triangles with twice their area under `minArea2` are left out. The points
// must be distinct.
std::vector<cv::Vec3i> delaunayTriangles(const std::vector<cv::Point2f>& points, const cv::Rect& bounds,
                                         double minArea2);

// Where a pin goes when the skeleton is `pose`; the bone's joints must be present.
cv::Point2f pinPosition(const Pin& pin, const pose::Pose& pose);
// The inverse: a pin for point `p` on bone `bone` of `pose`.
Pin pinAt(int vertex, int bone, cv::Point2f p, const pose::Pose& pose);

}  // namespace marionette::deform
