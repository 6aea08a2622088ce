#pragma once
// What the body and the portrait sessions' hybrid method share once the photo's own pixels have moved: the
// network's crop brought to the photo's resolution, blended into the pixels the photo never showed, and the
// holes map. No tensors here.
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

namespace marionette::edit::detail {

// The network's crop (canvas size, over `box` of the photo) at the photo's resolution over `area` (photo pixels).
cv::Mat canvasOverArea(const cv::Mat& canvasImage, const Box& box, const cv::Rect& area);

// What the photo never showed, from the network: `network`'s pixels over `holes` (8-bit, 255 = unknown), their
// colours matched in mean and spread per channel to `changedPixels` in a ring around the holes (only where
// `ownAlpha` > 0.5: the warped subject's own pixels), feathered in. `changedPixels` and `network` are 8-bit BGR of
// one size. `scale` is the subject's size in pixels (a body's torso length, a face's width): the ring is 6 % of
// it, the feather half the ring. Returns the weights used (float, 1 = the network's).
cv::Mat blendNetworkIntoHoles(cv::Mat& changedPixels, const cv::Mat& network, const cv::Mat& holes,
                              const cv::Mat& ownAlpha, double scale);

// How far beyond the holes V may carry the network's drawing, as a fraction of the subject's size (a face's width,
// a torso's length): about a mouth's height, a limb's width.
inline constexpr double kVisibilityReach = 0.1;

// What the network draws over the photo with a flow prior model: the `holes` (8-bit, `area` size: what the photo
// never showed) and, near them, where V (float, canvas size) says the moved photo cannot show the target (V < 0.5)
// among the pixels that move (`moved`: float, canvas size, > 0.5 where they do). "Near" is within half the square
// root of the holes' area in photo pixels, at most `reach`. A new 8-bit mask of `area`'s size, 255 = the network.
// V decides how far the drawing reaches around what the photo never showed; it never starts one where the mesh
// carried everything (V is learnt on drawn faces and bodies, and would redraw a real photo's teeth when a head only
// turns), nor where nothing moved.
cv::Mat networkFillRegion(const cv::Mat& visibility, const cv::Mat& moved, const Box& box, const cv::Rect& area,
                          const cv::Mat& holes, double reach);

// The result cut to the crop at the canvas's size, with the holes in red and the network's part in green.
cv::Mat holesMap(const cv::Mat& result, const cv::Rect& changed, const cv::Mat& holes, const cv::Mat& network,
                 const Box& box, ImageSize canvas);

}  // namespace marionette::edit::detail
