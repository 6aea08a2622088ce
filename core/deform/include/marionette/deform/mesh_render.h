#pragma once
// Rendering a deformed mesh at the photo's resolution (deform pipeline step 6): each output pixel covered by
// a deformed triangle gets the photo position it shows, by barycentric interpolation of the triangle's rest
// vertices; one cv::remap then samples the photo and the alpha.
#include <opencv2/core.hpp>

#include <vector>

namespace marionette::deform {

struct BackwardMap {
    cv::Rect area;             // output pixels this map covers (within the image)
    cv::Mat mapX;              // float, area size: photo x each pixel shows (-1 where no triangle covers it)
    cv::Mat mapY;              // float, area size
    cv::Mat covered;           // 8-bit, area size: 255 where a triangle covers the pixel
    int flippedTriangles = 0;  // triangles turned over by the deformation (drawn first, under the others)
};

// `rest` and `deformed` are the mesh's vertices before and after; pixels are sampled at their centres. Folds
// never tear: triangles turned over are drawn first, so the unfolded ones cover them.
BackwardMap rasteriseBackwardMap(const std::vector<cv::Point2f>& rest, const std::vector<cv::Point2f>& deformed,
                                 const std::vector<cv::Vec3i>& triangles, cv::Size image);

// Samples `source` (any type cv::remap takes) through the map: an area-size image, zero where not covered.
cv::Mat sampleThrough(const BackwardMap& map, const cv::Mat& source, int interpolation);

}  // namespace marionette::deform
