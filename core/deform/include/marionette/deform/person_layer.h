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
};

struct PersonLayer {
    cv::Mat alpha;   // float [0, 1], photo size: how much of each pixel is this person (soft on edges and hair)
    cv::Mat parts;   // 8-bit, photo size: 1 + index(BodyPart) for the person's pixels, 0 elsewhere
    cv::Rect box;    // the person's pixels (alpha > 0) within the photo
    // Sentences for the user: a bone the mask misses (the limb is then carried by a band around its bone).
    std::vector<std::string> warnings;
};

// `probability` is the segmenter's float mask at the photo's size (detect::PersonSegmenter). Its edges are
// refined to the photo's own with a guided filter; only the person that the skeleton lies on is kept (other
// people stay background). Throws marionette::Error when the skeleton has no bone or lies off the person.
PersonLayer makePersonLayer(const cv::Mat& photo, const cv::Mat& probability, const pose::Pose& reference,
                            const PersonLayerOptions& options = {});

}  // namespace marionette::deform
