#pragma once
// Re-posing a person by moving the photo's own pixels: the person layer, one mesh per body part pinned
// along its bones, ARAP per part, rendering at the photo's resolution back to front, and the uncovered
// background filled. No network here: what the photo never showed (the trunk behind a raised arm) is
// reported as `personHoles` for the caller to fill (edit::HybridRepose uses the network's synthesis).
//
// Usage (one thread):
//   deform::Puppet puppet(photo, segmenter.segment(photo), reference);  // mesh + factorisation, once
//   deform::PuppetFrame f = puppet.pose(target);                        // per drag: back-substitution + render
#include "marionette/deform/arap.h"
#include "marionette/deform/body_parts.h"
#include "marionette/deform/hole_fill.h"
#include "marionette/deform/part_mesh.h"
#include "marionette/deform/person_layer.h"
#include "marionette/pose/pose.h"
#include "marionette/util/stage_timer.h"

#include <opencv2/core.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace marionette::deform {

struct PuppetOptions {
    PersonLayerOptions layer;
    MeshOptions mesh;
    // A limb joint the detector scored below this, whose bone lies over the trunk, is hidden (an arm behind
    // the body or out of the frame): its bone claims no pixels, and where an edit moves it the frame asks for
    // it to be drawn (`personHoles`) instead of lifting the shirt it lay over.
    float hiddenBelow = 0.35f;
};

struct PuppetFrame {
    cv::Mat image;        // 8-bit BGR, photo size: the photo with the person re-posed, every hole filled from the
                          // background (`personHoles` too, until the caller puts something better there)
    cv::Rect changed;     // the only pixels that may differ from the photo (empty: none moved)
    cv::Mat personAlpha;  // float, `changed` size: the re-posed person's alpha
    cv::Mat holes;        // 8-bit, `changed` size, 255: where the person was and no longer is (old minus new)
    cv::Mat personHoles;  // 8-bit, `changed` size, 255: what the photo cannot show: the holes inside the new
                          // body's trunk, and where a hidden limb was moved to
    std::array<bool, kBodyPartCount> moved{};
    std::vector<BodyPart> drawOrder;  // back to front
    int flippedTriangles = 0;
    double milliseconds = 0;          // the whole pose() call
    double fillMilliseconds = 0;      // of which the background fill
    std::vector<StageTiming> stages;  // where the time went: solve, rasterise, sample, holes, composite
};

class Puppet {
public:
    // `photo`: 8-bit BGR; `personProbability`: the segmenter's float mask at the photo's size. Builds the
    // person layer and the part meshes and factors their solvers. Throws marionette::Error with a sentence
    // when no mesh can be built (no person on the skeleton, a skeleton of fewer than two joints).
    Puppet(const cv::Mat& photo, const cv::Mat& personProbability, const pose::Pose& reference,
           const PuppetOptions& options = {});
    ~Puppet();
    Puppet(Puppet&&) noexcept;
    Puppet& operator=(Puppet&&) noexcept;

    // The person in `target`'s pose (photo pixels; joints absent from `target` stay where they are). With no
    // joint moved, the photo comes back bit for bit.
    PuppetFrame pose(const pose::Pose& target, const DepthOrder& depth = {},
                     FillQuality fill = FillQuality::Fast) const;

    // Each part's mesh vertices in `target`'s pose (the rest positions for parts that did not move).
    std::array<std::vector<cv::Point2f>, kBodyPartCount> deformedVertices(const pose::Pose& target) const;
    // The meshes drawn over `image` (8-bit BGR, photo size) in `target`'s pose: edges in each part's colour,
    // pins as dots.
    cv::Mat drawMesh(const cv::Mat& image, const pose::Pose& target) const;
    // The parts back to front for this edit (see Depth).
    std::vector<BodyPart> drawOrder(const std::array<bool, kBodyPartCount>& moved, const DepthOrder& depth) const;

    const PersonLayer& layer() const;
    // The joints the photo shows (the reference without its hidden limb joints): what the meshes are pinned to.
    const pose::Pose& visibleReference() const;
    const PartMesh& mesh(BodyPart part) const;
    const pose::Pose& reference() const;
    double buildMilliseconds() const;
    const std::vector<StageTiming>& buildStages() const;  // layer, meshes (with the factorisations), plate

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace marionette::deform
