#pragma once
// Figures for an edited photo that need no ground truth (what `marionette-cli evaluate-repose` reports).
#include "marionette/pose/pose.h"

#include <opencv2/core.hpp>

#include <optional>
#include <vector>

namespace marionette::deform {

// Variance of the Laplacian of `image`'s grey levels inside a capsule of `radius` around segment ab: how
// much fine detail is there (a blurred ghost scores far below the photo).
// With `within` (8-bit or float, non-zero = person), only the capsule's pixels inside it.
double laplacianVariance(const cv::Mat& image, cv::Point2f a, cv::Point2f b, double radius,
                         const cv::Mat& within = cv::Mat());

// For each limb moved between `reference` and `target` (either end moved more than 2 px): the Laplacian
// variance of `edited` in a thin capsule (radius 5 % of the torso length) around the target bone over that of
// `photo` around the reference bone, averaged;
// nullopt when no limb moved. With the person's masks in each image (a segmenter's, > 0.5 = person), only
// the person's own pixels count: the backgrounds behind where a limb was and where it went differ.
std::optional<double> detailKept(const cv::Mat& photo, const cv::Mat& edited, const pose::Pose& reference,
                                 const pose::Pose& target, const cv::Mat& photoPerson = cv::Mat(),
                                 const cv::Mat& editedPerson = cv::Mat());

// Mean gradient magnitude on the boundary of `alpha` (float, > 0.5 inside; a 3-pixel band) over the mean
// inside it, measured on `image`: near 1 when the layer sits in the photo without a visible seam.
double seamRatio(const cv::Mat& image, const cv::Mat& alpha);

// Holes for measuring a background fill where the true pixels are known: capsules shaped like `pose`'s limbs
// and head (sizes from its torso length), moved to places of the photo that `avoid` (8-bit, non-zero: the
// people) does not come near. Up to `count` masks (8-bit, `photo` size, 255 = hole), drawn with `seed`;
// fewer where the background has no room.
std::vector<cv::Mat> limbShapedHoles(cv::Size photo, const pose::Pose& pose, const cv::Mat& avoid, int count,
                                     unsigned seed);

// PSNR in dB of two 8-bit images of one size, over `mask` (non-zero) when given; +inf when identical.
double psnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask = cv::Mat());

}  // namespace marionette::deform
