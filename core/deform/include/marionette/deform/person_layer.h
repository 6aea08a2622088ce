#pragma once
// The person as a layer of the photo: a soft alpha at the photo's resolution and a label per pixel saying
// which body part carries it. Built once per photo and reference skeleton.
#include "marionette/deform/body_parts.h"
#include "marionette/pose/pose.h"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace marionette::deform {

struct PersonLayerOptions {
    // Labels are computed on the person's box scaled so that its larger side is at most this (pixels).
    int workingSize = 320;
    // Alpha below this is background when deciding which pixels belong to the person.
    float personThreshold = 0.35f;
    // The other people in the photo (their skeletons, photo pixels): where the segmenter joins them to this
    // person (touching shoulders, an arm round someone), the pixels nearer their bones stay with them.
    std::vector<pose::Pose> others;
    // Snap the segmenter's coarse edge to the photo's own edges (GrabCut in a band around it) before the soft
    // edge is made; off, the segmenter's edge is only smoothed.
    bool snapToPhotoEdges = true;
};

struct PersonLayer {
    cv::Mat alpha;  // float [0, 1], photo size: how much of each pixel is this person (soft on edges and hair)
    cv::Mat parts;  // 8-bit, photo size: 1 + index(BodyPart) for the person's pixels, 0 elsewhere
    cv::Rect box;   // the person's pixels (alpha > 0) within the photo
    // Sentences for the user: a bone the mask misses (the limb is then carried by a band around its bone).
    std::vector<std::string> warnings;
};

// `probability` is the segmenter's float mask at the photo's size (detect::PersonSegmenter). Its edge is
// snapped to the photo's own (GrabCut in a narrow band, at most ~400 px across) and softened by a guided
// filter only a few pixels wide, so that little background travels with a moved part; only the person that
// the skeleton lies on is kept (other people stay background). Throws marionette::Error when the skeleton has no bone or lies off the person.
PersonLayer makePersonLayer(const cv::Mat& photo, const cv::Mat& probability, const pose::Pose& reference,
                            const PersonLayerOptions& options = {});

// The compositing equation I = a F + (1 - a) B solved for the person's own colour F within `box`, with
// `background` (8-bit BGR, `box` size: the background guessed under the person) as B: F = B + (I - B) / a.
// A photo's edge colours hold the background they stood against; a part drawn elsewhere must not carry it
// along (a halo of wall round a turned head). Where the alpha is 1, F is the photo exactly; where it is
// faint the division is held at 1/5, which the faint alpha hides again. Outside `box`, the photo.
cv::Mat unmixedForeground(const cv::Mat& photo, const cv::Mat& alpha, const cv::Rect& box, const cv::Mat& background);

}  // namespace marionette::deform
