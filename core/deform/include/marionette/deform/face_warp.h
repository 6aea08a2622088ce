#pragma once
// Re-posing a face by moving the photo's own pixels: a triangle mesh over the 68 face landmarks (iBUG order),
// the forehead above the brows, interior points and a ring of fixed pins around the face and neck, deformed
// by ARAP (arap.h: factored once per photo, back-substitution per slider move) and rendered at the photo's
// resolution (mesh_render.h). The warp fades to nothing at the ring: the rest of the photo is untouched.
//
// The inner mouth (landmarks 60-67) is a hole in the mesh, so an opened mouth opens: what it shows is the
// reference's mouth interior carried along by each lip, and where that does not reach (teeth and a dark
// mouth the photo never showed) is reported as `unseen` for the caller to fill (edit::PortraitSession uses
// the network's synthesis). Landmarks are plain points here: no face library.
//
//   deform::FaceWarp warp(photo, referenceLandmarks);   // mesh + factorisation, once per photo
//   deform::FaceWarpFrame f = warp.warp(targetLandmarks);  // per slider move
//   cv::Mat edited = deform::pasteInto(photo, f);
#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <vector>

namespace marionette::deform {

constexpr int kFaceLandmarks = 68;

struct FaceMeshOptions {
    double spacing = 0.06;  // interior grid spacing, as a fraction of the face's width
    // No grid point nearer a landmark than this fraction of the spacing: a free vertex close to a landmark that
    // moves differently from its neighbours (a jaw point of a turned head) would fold its triangles over.
    double clearance = 1.0;
    double ringScale = 1.6;    // the ring of fixed pins: this many times the face box's half extents
    double neck = 0.12;        // the ring's centre moved towards the chin by this fraction of the face's height
    double minimumWidth = 24;  // pixels across the face below which no mesh is built
};

struct FaceMesh {
    std::vector<cv::Point2f> rest;     // photo pixels
    std::vector<cv::Vec3i> triangles;  // counter-clockwise in image coordinates; none inside the inner mouth
    std::array<int, kFaceLandmarks> landmarkVertex{};  // the vertex of each landmark
    std::vector<int> foreheadVertices;                 // pinned: they follow the brows', eyes' and nose's similarity
    std::vector<int> ringVertices;                     // pinned where they are
    // The inner lip lines, each from the left mouth corner (landmark 60) to the right one (64): the edges of the
    // mouth's hole, which no triangle crosses.
    std::vector<int> upperLip, lowerLip;
    // The pinned vertices, in the order of FaceWarp's pin targets: landmarks, forehead, ring.
    std::vector<int> pinned() const;
};

// The mesh for `landmarks` (68 photo pixels) in a photo of `photo` size. Throws marionette::Error with a
// sentence for fewer or more than 68 points, a point that is not a number, a face mostly outside the photo,
// a face too small to mesh, or landmarks folded over each other.
FaceMesh buildFaceMesh(const std::vector<cv::Point2f>& landmarks, cv::Size photo, const FaceMeshOptions& options = {});

struct FaceWarpFrame {
    cv::Rect changed;  // the only photo pixels that differ from the photo (empty: no landmark moved)
    cv::Mat pixels;    // 8-bit BGR, `changed` size: the warped photo there, unseen pixels given a mouth shadow
    cv::Mat unseen;    // 8-bit, `changed` size, 255: what the photo cannot show (the mouth opened past the reference's)
    cv::Mat alpha;     // float, `changed` size: 1 where the photo's own pixels are shown, falling softly to 0 over
                       // the unseen pixels (the feather a fill is blended with)
    int flippedTriangles = 0;  // turned over by the target (drawn first, under the others: never a tear)
    double milliseconds = 0;
};

class FaceWarp {
public:
    // `photo`: 8-bit BGR. Builds the mesh and factors its ARAP systems; throws marionette::Error with a
    // sentence when no mesh can be built (see buildFaceMesh).
    FaceWarp(const cv::Mat& photo, const std::vector<cv::Point2f>& reference, const FaceMeshOptions& options = {});
    ~FaceWarp();
    FaceWarp(FaceWarp&&) noexcept;
    FaceWarp& operator=(FaceWarp&&) noexcept;

    // The photo with the face's landmarks at `target` (68 photo pixels). No landmark moved: `changed` is
    // empty and the photo is the result, bit for bit.
    FaceWarpFrame warp(const std::vector<cv::Point2f>& target) const;
    // The mesh's vertices for `target` (its rest positions when no landmark moved).
    std::vector<cv::Point2f> deformedVertices(const std::vector<cv::Point2f>& target) const;
    // The mesh drawn over `image` (8-bit BGR, photo size) for `target`: edges, pins as dots.
    cv::Mat drawMesh(const cv::Mat& image, const std::vector<cv::Point2f>& target) const;

    const FaceMesh& mesh() const;
    const std::vector<cv::Point2f>& reference() const;
    double faceWidth() const;  // pixels, jaw corner to jaw corner
    double buildMilliseconds() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// The whole photo with `frame`'s pixels in place (a copy; the photo itself when nothing changed).
cv::Mat pasteInto(const cv::Mat& photo, const FaceWarpFrame& frame);

}  // namespace marionette::deform
